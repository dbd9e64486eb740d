"""Leases on SQLite and PostgreSQL: one holder at a time, takeover after expiry with a new token, and the fence
that stops a worker which lost its lease from committing anything."""

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from hotline.cluster import lease
from hotline.cluster.models import JobLease
from hotline.cluster.runner import JobRunner
from hotline.db import at_time, engine_for
from hotline.directory.models import Department
from hotline.tickets import service
from hotline.tickets.models import TicketEvent
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from hotline.tickets.sweep import SweepResult, _mark, sweep

SH = ZoneInfo("Asia/Shanghai")


def test_one_holder_then_takeover_with_a_new_token(session):
    first = lease.acquire(session, "sweep", "worker-a", 2)
    assert first is not None and first.token == 1
    assert lease.acquire(session, "sweep", "worker-b", 2) is None
    assert lease.acquire(session, "sweep", "worker-a", 1, first) == first  # renewed, same token
    time.sleep(1.1)  # worker-a stopped renewing
    second = lease.acquire(session, "sweep", "worker-b", 5)
    assert second is not None and second.holder == "worker-b" and second.token == 2
    # The old holder's renewal fails: its token is stale; it is a standby now.
    assert lease.acquire(session, "sweep", "worker-a", 5, first) is None
    lease.release(session, second)
    third = lease.acquire(session, "sweep", "worker-a", 5)
    assert third is not None and third.token == 3  # released: taken at once, not after expiry


def test_a_worker_that_lost_its_lease_commits_nothing(db, session):
    old = lease.acquire(session, "sweep", "worker-a", 0.2)
    time.sleep(0.3)
    assert lease.acquire(session, "sweep", "worker-b", 5) is not None
    with Session(engine_for(db)) as work, lease.fenced(old):
        work.add(Department(code="FENCED", name="不应写入的单位", level="city"))
        with pytest.raises(lease.LeaseLost):
            work.commit()
        work.rollback()
    assert session.exec(select(Department).where(Department.code == "FENCED")).first() is None


def test_the_current_holder_commits_under_its_fence(db, session):
    held = lease.acquire(session, "sweep", "worker-a", 5)
    with Session(engine_for(db)) as work, lease.fenced(held):
        work.add(Department(code="FENCED", name="持有租约时写入", level="city"))
        work.commit()
    assert session.exec(select(Department).where(Department.code == "FENCED")).one().name == "持有租约时写入"


def test_a_ticket_already_supervised_is_not_supervised_again(session, people):
    # Another sweep (another worker) marked the ticket overdue after this sweep listed its candidates: the
    # ticket this sweep then reads has a current version, so only its flag can stop a second 督办.
    with at_time(datetime(2026, 1, 29, 9, 0, tzinfo=SH)):
        draft = TicketDraft(RequestType.complaint, "占道经营", "A2区某路口夜市占道经营，油烟大")
        ticket = service.intake(session, people.agent, draft)
        ticket = service.dispatch(session, people.agent, ticket.number, people.housing.id)
    late = datetime(2026, 1, 29, 12, 0, tzinfo=SH)
    assert sweep(session, late).overdue == [ticket.number]
    session.refresh(ticket)
    result = SweepResult()
    _mark(session, ticket, late, result)
    session.commit()
    assert result.overdue == []
    supervised = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "supervise")
    assert len(session.exec(supervised).all()) == 1


def test_runners_in_one_process_share_out_a_job_once(db, session):
    # Two runners stand for two workers: only the holder works; when it stops, the other takes over at once.
    rounds: list[str] = []

    async def scenario() -> None:
        a = JobRunner("probe", lambda: rounds.append("a"), interval=0.05, lease_seconds=5, holder="worker-a")
        b = JobRunner("probe", lambda: rounds.append("b"), interval=0.05, lease_seconds=5, holder="worker-b")
        task_a = asyncio.create_task(a.run())
        while not rounds:
            await asyncio.sleep(0.05)
        task_b = asyncio.create_task(b.run())
        await asyncio.sleep(0.5)
        assert set(rounds) == {"a"} and b.held is None
        task_a.cancel()
        await asyncio.gather(task_a, return_exceptions=True)
        count = len(rounds)
        for _ in range(100):  # released: b takes over on its next look, long before the 5 s lease would end
            if b.held is not None and len(rounds) > count:
                break
            await asyncio.sleep(0.05)
        assert b.held is not None and b.held.token == 2
        assert set(rounds[count:]) == {"b"}
        task_b.cancel()
        await asyncio.gather(task_b, return_exceptions=True)

    asyncio.run(scenario())
    row = session.exec(select(JobLease).where(JobLease.name == "probe")).one()
    assert row.holder is None  # released on the way out


def test_a_rising_issue_is_alerted_once_however_often_it_is_found(session):
    from analytics.models import RisingAlert
    from analytics.spikes import RisingIssue
    from analytics.watch import alert_new
    from hotline.events import get_bus

    spike = RisingIssue("突发", "2026-11-30", "停水", ["停水"], ["A2区"], 12, 14, 1.0, 5.0, [1] * 15, [1], ["停水三天"])
    other = RisingIssue("突发", "2026-11-30", "燃气", ["燃气"], [], 9, 10, 0.7, 4.0, [0] * 15, [3], ["燃气味"])
    bus = get_bus()
    before = bus.current_seq()
    assert alert_new(session, [spike]) == [spike]
    assert alert_new(session, [spike, other]) == [other]  # found again an hour later, with a new one
    assert alert_new(session, [spike, other]) == []
    assert bus.current_seq() - before == 2  # two analytics.rising events, one per issue
    assert len(session.exec(select(RisingAlert)).all()) == 2
