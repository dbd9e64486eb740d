"""The clocks' sweep: near due → 催办, overdue → 督办, once each, on the working-day calendar."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from hotline.db import at_time
from hotline.tickets import service
from hotline.tickets.models import TicketEvent
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType, Urgency
from hotline.tickets.steps import find_ticket
from hotline.tickets.sweep import sweep

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def dispatched(session, people, when: datetime, **extra):
    draft = TicketDraft(RequestType.complaint, "占道经营", "A2区某路口夜市占道经营，油烟大", **extra)
    with at_time(when):
        ticket = service.intake(session, people.agent, draft)
        return service.dispatch(session, people.agent, ticket.number, people.housing.id)


def system_events(session, ticket):
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.actor_role == "system")
    return list(session.exec(query.order_by(TicketEvent.id)))


def test_sign_for_clock_near_due_then_overdue_once(session, people):
    # Dispatched Thursday 2026-01-29 09:00: sign within 2 working hours → due 11:00.
    t = dispatched(session, people, at(2026, 1, 29, 9, 0))
    assert t.sign_due_at.astimezone(SH) == at(2026, 1, 29, 11, 0)
    # A 2-hour clock warns in its last quarter, not from the start.
    assert sweep(session, at(2026, 1, 29, 10, 0)).near_due == []
    assert sweep(session, at(2026, 1, 29, 10, 35)).near_due == [t.number]
    assert sweep(session, at(2026, 1, 29, 10, 50)).near_due == []
    assert sweep(session, at(2026, 1, 29, 11, 1)).overdue == [t.number]
    assert [e.action for e in system_events(session, t)] == ["remind", "supervise"]


def test_near_due_warning_and_overdue_supervision(session, people):
    # A complaint dispatched Monday 2026-03-02 09:00 and signed: reply due 5 working days later, Monday 03-09 09:00.
    t = dispatched(session, people, at(2026, 3, 2, 9, 0))
    with at_time(at(2026, 3, 2, 9, 30)):
        t = service.sign(session, people.liaison, t.number)
    assert t.reply_due_at.astimezone(SH) == at(2026, 3, 9, 9, 0)

    # Friday 15:00 leaves 2.5 + 0.5 = 3 working hours (the weekend does not count): near due.
    result = sweep(session, at(2026, 3, 6, 15, 0))
    assert result.near_due == [t.number] and result.overdue == []
    # Swept again: nothing new.
    assert sweep(session, at(2026, 3, 6, 16, 0)).near_due == []

    result = sweep(session, at(2026, 3, 9, 9, 1))
    assert result.overdue == [t.number]
    assert sweep(session, at(2026, 3, 9, 10, 0)).overdue == []

    session.expire_all()
    events = system_events(session, t)
    assert [e.action for e in events] == ["remind", "supervise"]
    assert "临期预警" in events[0].note and "2026-03-09 09:00" in events[0].note
    assert "已超期" in events[1].note
    t = find_ticket(session, t.number)
    assert t.sla_flag == "overdue" and t.supervised and t.reminder_count == 1


def test_friday_afternoon_is_not_near_due_for_a_deadline_after_the_weekend(session, people):
    # Reply due Monday 09:00: Friday 13:00 leaves 0.5 (the lunch break counts nothing) + 4 + 0.5 = 4.5 working
    # hours, which is not under the 4-hour warning threshold.
    t = dispatched(session, people, at(2026, 3, 2, 9, 0))
    with at_time(at(2026, 3, 2, 9, 30)):
        service.sign(session, people.liaison, t.number)
    assert sweep(session, at(2026, 3, 6, 13, 0)).near_due == []


def test_long_holiday_counts_no_working_hours(session, people):
    # Dispatched 2025-09-30 09:00 (the last working day before National Day): complaint due 5 working days later.
    # 30 Sep, 9 Oct, 10 Oct, 11 Oct (调休 Saturday), 13 Oct, 14 Oct 09:00.
    t = dispatched(session, people, at(2025, 9, 30, 9, 0))
    with at_time(at(2025, 9, 30, 10, 0)):
        t = service.sign(session, people.liaison, t.number)
    assert t.reply_due_at.astimezone(SH) == at(2025, 10, 14, 9, 0)
    # In the middle of the holiday more than 4 working hours remain: no warning yet.
    assert sweep(session, at(2025, 10, 5, 12, 0)).near_due == []
    assert sweep(session, at(2025, 10, 13, 14, 0)).near_due == []  # exactly 3.5 + 0.5 = 4 hours left
    assert sweep(session, at(2025, 10, 13, 14, 30)).near_due == [t.number]


def test_urgent_ticket_runs_on_calendar_hours(session, people):
    t = dispatched(session, people, at(2025, 10, 2, 22, 0), urgency=Urgency.urgent)
    assert t.sign_due_at.astimezone(SH) == at(2025, 10, 2, 22, 30)
    assert t.reply_due_at.astimezone(SH) == at(2025, 10, 3, 0, 0)
    assert sweep(session, at(2025, 10, 2, 22, 31)).overdue == [t.number]


def test_signing_clears_the_flag_and_the_next_clock_takes_over(session, people):
    t = dispatched(session, people, at(2026, 3, 2, 9, 0))
    assert sweep(session, at(2026, 3, 2, 11, 30)).overdue == [t.number]  # not signed within 2 working hours
    with at_time(at(2026, 3, 2, 13, 40)):
        t = service.sign(session, people.liaison, t.number)
    assert t.sla_flag is None
    assert sweep(session, at(2026, 3, 3, 9, 0)).overdue == []  # the reply is not due until 03-09
