"""Leases in the database: a job belongs to one worker until its lease runs out, and each change of holder
bumps a fencing token.

Why the database and not Redis: the jobs' writes go to the database, so the fence (the check that this worker
still holds the job) can be part of the same transaction as the writes. On PostgreSQL the fence's UPDATE locks
the lease row until commit, so a worker taking the job over waits for the old holder's transaction to finish,
and the old holder's next commit finds a newer token and is rolled back.

Leases use each worker's clock: workers on different machines need their clocks in step (NTP) to well within
the lease time.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import or_, update
from sqlmodel import Session, select

from hotline.cluster.models import JobLease
from hotline.db import dialect_insert


class LeaseLost(Exception):
    """This worker's lease was taken over: its work must not be committed."""


@dataclass(frozen=True)
class Held:
    name: str
    holder: str
    token: int


def now() -> datetime:
    # Real time even inside `at_time` (demo history, deadline tests): leases are about this machine's clock.
    return datetime.now(UTC)


def _ensure_row(session: Session, name: str) -> None:
    insert = dialect_insert(session)
    session.execute(insert(JobLease.__table__).values(name=name, token=0).on_conflict_do_nothing())


def acquire(session: Session, name: str, holder: str, seconds: float, held: Held | None = None) -> Held | None:
    """Renew `held`, or take the job if nobody holds it or its lease ran out. None: another worker has it."""
    moment = now()
    until = moment + timedelta(seconds=seconds)
    table = JobLease.__table__
    if held is not None:
        renewed = session.execute(
            update(table)
            .where(table.c.name == name, table.c.holder == holder, table.c.token == held.token)
            .values(expires_at=until)
        )
        session.commit()
        if renewed.rowcount == 1:
            return held
    _ensure_row(session, name)
    taken = session.execute(
        update(table)
        .where(table.c.name == name, or_(table.c.holder.is_(None), table.c.expires_at <= moment))
        .values(holder=holder, token=table.c.token + 1, expires_at=until, acquired_at=moment)
    )
    session.commit()
    if taken.rowcount != 1:
        return None
    lease = session.get(JobLease, name, populate_existing=True)
    return Held(name, holder, lease.token) if lease and lease.holder == holder else None


def release(session: Session, held: Held) -> None:
    """Give the job up at once (a worker shutting down), so another takes it on its next look, not after expiry."""
    table = JobLease.__table__
    session.execute(
        update(table)
        .where(table.c.name == held.name, table.c.holder == held.holder, table.c.token == held.token)
        .values(holder=None, expires_at=None)
    )
    session.commit()


def leases(session: Session) -> list[JobLease]:
    return list(session.exec(select(JobLease).order_by(JobLease.name)))


# The lease under which the current code runs (set by the runner around a job's work; `asyncio.to_thread`
# carries it into the worker thread).
_fence: ContextVar[Held | None] = ContextVar("job_fence", default=None)


@contextlib.contextmanager
def fenced(held: Held) -> Iterator[None]:
    """Every session commit inside the block first checks, in the same transaction, that `held` is still current."""
    token = _fence.set(held)
    try:
        yield
    finally:
        _fence.reset(token)


@sa_event.listens_for(Session, "before_commit")
def _check_fence(session: Session) -> None:
    held = _fence.get()
    if held is None:
        return
    table = JobLease.__table__
    still = session.execute(
        update(table)
        .where(table.c.name == held.name, table.c.holder == held.holder, table.c.token == held.token)
        .values(token=table.c.token)  # a no-op write: it takes the row lock until this transaction ends
    )
    if still.rowcount != 1:
        raise LeaseLost(f"job {held.name}: lease token {held.token} is no longer current")
