"""The loop each worker runs for each periodic job: hold the lease, do the work, or stand by.

Every worker runs every job's runner; only the lease holder works. A holder that dies stops renewing, its lease
runs out after `job_lease_seconds`, and the next standby to look takes the job over (with a new fencing token).
A holder that stops cleanly releases the lease, so the job moves at once.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from hotline.cluster import lease
from hotline.db import get_engine
from hotline.events.bus import ORIGIN

log = logging.getLogger(__name__)
HOLDER = f"{ORIGIN}:{uuid.uuid4().hex[:6]}"  # this process, as lease holder


@dataclass(eq=False)
class JobRunner:
    name: str
    work: Callable[[], object]  # synchronous: runs in a thread, commits through its own sessions
    interval: float  # seconds between rounds of work
    lease_seconds: float
    holder: str = HOLDER
    # Wait one interval after taking the job before its first round: for heavy hourly work that a start-up (or a
    # takeover) should not trigger at once.
    wait_first: bool = False
    held: lease.Held | None = field(default=None, init=False)
    rounds: int = field(default=0, init=False)
    _just_taken: bool = field(default=False, init=False)

    @property
    def look_every(self) -> float:
        # Renew well before expiry; a standby looks as often, so a dead holder's job moves within a lease time.
        return self.lease_seconds / 3

    def _acquire(self) -> lease.Held | None:
        with Session(get_engine()) as session:
            return lease.acquire(session, self.name, self.holder, self.lease_seconds, self.held)

    def _work(self, held: lease.Held) -> None:
        with lease.fenced(held):
            self.work()

    def _release(self, held: lease.Held) -> None:
        with Session(get_engine()) as session:
            lease.release(session, held)

    def _set_held(self, held: lease.Held | None) -> None:
        from hotline.ops.metrics import set_job_leader

        if (held is None) != (self.held is None):
            log.info("job %s: %s", self.name, f"leader (token {held.token})" if held else "standby")
        self.held = held
        set_job_leader(self.name, held is not None)

    async def run(self) -> None:
        next_round = next_look = 0.0
        try:
            while True:
                if time.monotonic() >= next_look:  # the lease is written a few times a lease, not every round
                    next_look = time.monotonic() + self.look_every
                    await self._look()
                    if self.held and self._just_taken and self.wait_first:
                        next_round = time.monotonic() + self.interval
                if self.held and time.monotonic() >= next_round:
                    next_round = time.monotonic() + self.interval
                    await self._round(self.held)
                wake = min(next_round, next_look) if self.held else next_look
                await asyncio.sleep(max(wake - time.monotonic(), 0.01))
        finally:
            if self.held:
                try:
                    await asyncio.to_thread(self._release, self.held)
                except Exception:
                    log.warning("job %s: lease not released; it runs out by itself", self.name)
                self._set_held(None)

    async def _look(self) -> None:
        was_leading = self.held is not None
        try:
            self._set_held(await asyncio.to_thread(self._acquire))
        except Exception as exc:  # the database is away: stop working until a lease is confirmed again
            log.warning("job %s: could not renew its lease: %s", self.name, exc)
            self._set_held(None)
        self._just_taken = self.held is not None and not was_leading

    async def _round(self, held: lease.Held) -> None:
        try:
            await asyncio.to_thread(self._work, held)
            self.rounds += 1
        except lease.LeaseLost as exc:
            log.warning("%s; standing by", exc)
            self._set_held(None)
        except Exception:
            log.exception("job %s failed; retried next round", self.name)
