"""Every department and hotline indicator against values computed by hand on a small fixed history.

The history runs through the real lifecycle under `at_time`, across the 2025 Spring Festival holiday
(2025-01-28 … 02-04 off; Sunday 01-26 and Saturday 02-08 are moved working days, 调休).
Working time is 08:30–12:00 and 13:30–17:30: 7.5 hours a working day.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from analytics.calls import hotline_figures
from analytics.performance import performance
from analytics.period import Period
from analytics.workclock import WorkClock
from hotline.clock import get_calendar
from hotline.db import at_time, engine_for
from hotline.localtime import format_centre
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from routing.acd.models import CallState, QueuedCall

LOCAL = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def step(when: str, action, *args, **kwargs):
    with at_time(local(when)):
        return action(*args, **kwargs)


def history(session: Session, people) -> None:
    housing, transport = people.housing.id, people.transport.id
    agent, boss, zj, jt = people.agent, people.supervisor, people.liaison, people.other_liaison

    def new(when: str, kind: RequestType, district: str) -> str:
        draft = TicketDraft(request_type=kind, summary=f"{kind.value}工单", description="测试工单", district=district)
        return step(when, service.intake, session, agent, draft).number

    # A: complaint (5 working days) dispatched the day before the holiday, replied the day after it.
    a = new("2025-01-27 08:50", RequestType.complaint, "A2区")
    step("2025-01-27 09:00", service.dispatch, session, agent, a, housing)
    step("2025-01-27 10:00", service.sign, session, zj, a)  # due 11:00: on time
    step("2025-02-05 10:00", service.reply, session, zj, a, "已现场核实并处理完毕。")
    step("2025-02-05 11:00", service.review_reply, session, boss, a, True)
    step("2025-02-06 09:00", service.callback, session, agent, a, True)
    # B: consult (1 working day) dispatched on Saturday 01-25; Sunday 01-26 is a working day (调休).
    b = new("2025-01-25 09:50", RequestType.consult, "A2区")
    step("2025-01-25 10:00", service.dispatch, session, agent, b, housing)
    step("2025-01-26 11:00", service.sign, session, zj, b)  # due Sun 10:30: late
    step("2025-01-26 16:00", service.reply, session, zj, b, "已电话解答市民的问题。")  # due Sun 17:30
    step("2025-01-26 16:30", service.review_reply, session, boss, b, True)
    # Dissatisfied: reopened and dispatched again to housing at 01-27 09:00 (a second assignment), never signed.
    step("2025-01-27 09:00", service.callback, session, agent, b, False)
    # C: complaint sent to transport first, returned, re-dispatched to housing, extended, replied on Saturday 02-08.
    c = new("2025-02-06 08:50", RequestType.complaint, "A3区")
    step("2025-02-06 09:00", service.dispatch, session, agent, c, transport)
    step("2025-02-06 10:00", service.return_ticket, session, jt, c, "不属于本单位职责")
    step("2025-02-06 10:30", service.redispatch, session, boss, c, housing)
    step("2025-02-06 11:00", service.sign, session, zj, c)  # due 12:30 + 0.5 h after lunch... on time anyway
    step("2025-02-07 09:00", service.request_extension, session, zj, c, 3, "需要多部门现场核查")
    step("2025-02-07 10:00", service.decide_extension, session, boss, c, True)
    step("2025-02-08 10:00", service.reply, session, zj, c, "已协调整改完毕。")
    step("2025-02-08 11:00", service.review_reply, session, boss, c, True)  # callback not yet made
    # D: report (10 working days) to transport, signed on time, not due before the figures are taken.
    d = new("2025-02-07 08:50", RequestType.report, "A3区")
    step("2025-02-07 09:00", service.dispatch, session, agent, d, transport)
    step("2025-02-07 09:30", service.sign, session, jt, d)
    # E: answered directly by the agent: no department, no assignment.
    e = new("2025-02-07 10:00", RequestType.consult, "A2区")
    step("2025-02-07 10:05", service.answer, session, agent, e, "已按政策解答。")


PERIOD = Period(date(2025, 1, 20), date(2025, 2, 9))
AS_OF = local("2025-02-10 00:00")


@pytest.fixture
def figures(db, people):
    with Session(engine_for(db)) as session:
        history(session, people)
        return performance(session, PERIOD, AS_OF, min_rank=1), people


def test_department_indicators_by_hand(figures):
    result, _people = figures
    by_name = {f.name: f for f in result.departments}
    housing = by_name["A市住房和城乡建设局"]
    # Assignments: A, B, B again after the reopen, C after the re-dispatch.
    assert (housing.assignments, housing.returned) == (4, 0)
    rates = housing.rates()
    assert rates["sign_rate"] == 0.5  # A and C on time; B late; B's second dispatch unsigned past its due
    assert rates["ontime_rate"] == 0.75  # A, B, C replied in time; B's second is overdue
    assert rates["return_rate"] == 0.0
    assert rates["extension_rate"] == 0.25  # C
    assert rates["callback_rate"] == pytest.approx(0.6667)  # A and B called back, C not yet
    assert rates["satisfaction_rate"] == 0.5  # A satisfied, B not
    # A: 01-27 09:00 → 02-05 10:00 = 3 + 4 + 1.5 h = 8.5 h = 1.1333 d (the holiday does not count)
    # B: Sat 01-25 10:00 → Sun 01-26 16:00 = 3.5 + 2.5 h = 6 h = 0.8 d (Saturday off, Sunday worked)
    # C: 02-06 10:30 → Sat 02-08 10:00 = 5.5 + 7.5 + 1.5 h = 14.5 h = 1.9333 d
    assert rates["average_handling_days"] == 1.29  # (1.1333 + 0.8 + 1.9333) / 3
    transport = by_name["A市交通运输局"]
    assert (transport.assignments, transport.returned) == (2, 1)
    t = transport.rates()
    assert (t["return_rate"], t["sign_rate"], t["extension_rate"]) == (0.5, 1.0, 0.0)
    assert (t["ontime_rate"], t["callback_rate"], t["satisfaction_rate"], t["average_handling_days"]) == (
        None, None, None, None)  # D is not due yet, nothing was replied  # fmt: skip
    assert result.total.assignments == 6
    assert result.total.rates()["sign_rate"] == 0.6  # 3 of 5 (the returned one has no sign-for)
    assert housing.rank == 2 and transport.rank == 1  # transport: 100 × (15 + 10 × 0.5 + 5) / 30 = 83.3
    # housing: 0.5 × 15 + 0.75 × 30 + 0.5 × 30 + 0.6667 × 10 + 1 × 10 + 0.75 × 5 = 65.42 of 100
    assert (transport.score, housing.score) == (83.3, 65.4)


def test_figures_as_of_an_earlier_moment_leave_out_later_steps(db, people):
    with Session(engine_for(db)) as session:
        history(session, people)
        # 01-27 09:30: A dispatched (sign due 11:00), B handled, called back dissatisfied and dispatched again;
        # C and D do not exist yet.
        result = performance(session, PERIOD, local("2025-01-27 09:30"), min_rank=1)
    assert [f.name for f in result.departments] == ["A市住房和城乡建设局"]
    housing = result.departments[0]
    assert (housing.assignments, housing.sign_due, housing.signed_in_time) == (3, 1, 0)  # only B's first is due
    rates = housing.rates()
    assert (rates["callback_rate"], rates["satisfaction_rate"], rates["extension_rate"]) == (1.0, 0.0, 0.0)
    assert rates["ontime_rate"] == 1.0  # B replied by Sunday's deadline; A's reply lies after 09:30


def test_district_and_weekly_figures(figures):
    result, _ = figures
    districts = {f.name: f for f in result.districts}
    assert districts["A2区"].assignments == 3  # A, B, B again
    assert districts["A3区"].assignments == 3  # C to transport, C to housing, D
    assert districts["A3区"].returned == 1
    weeks = {f.key: f.assignments for f in result.weeks}
    assert weeks == {"2025-01-20": 1, "2025-01-27": 2, "2025-02-03": 3}  # Sat 01-25 is in the week of 01-20


def test_work_clock_agrees_with_the_calendar():
    calendar = get_calendar()
    clock = WorkClock(date(2025, 1, 1), date(2026, 12, 31))
    start = local("2025-01-24 15:10")
    for hours in range(0, 24 * 40, 7):
        end = start + timedelta(hours=hours, minutes=hours % 60)
        assert clock.working_days(start, end) == pytest.approx(calendar.working_days_between(start, end), abs=1e-9)
    # National Day 10-01 … 10-08 off: 09-30 17:00–17:30, 10-09 and 10-10 whole, Saturday 10-11 (调休) 08:30–09:00
    national_day = clock.working_days(local("2025-09-30 17:00"), local("2025-10-11 09:00"))
    assert national_day == pytest.approx((0.5 + 7.5 + 7.5 + 0.5) / 7.5)


def _call(n: int, enqueued: datetime, wait: float, answered: bool, talk: float = 120) -> QueuedCall:
    if not answered:
        return QueuedCall(call_external_id=f"c{n}", state=CallState.abandoned, enqueued_at=enqueued,
                          ended_at=enqueued + timedelta(seconds=wait), wait_seconds=wait)  # fmt: skip
    answered_at = enqueued + timedelta(seconds=wait)
    return QueuedCall(call_external_id=f"c{n}", state=CallState.ended, enqueued_at=enqueued, answered_at=answered_at,
                      ended_at=answered_at + timedelta(seconds=talk), wait_seconds=wait)  # fmt: skip


def test_hotline_indicators_by_hand(db):
    day = local("2025-10-01 09:00")  # National Day: the hotline works every day
    waits = [5, 10, 15, 16, 20, 3, 8, 30]
    calls = [_call(i, day + timedelta(minutes=7 * i), w, True, 300 if i == 0 else 120) for i, w in enumerate(waits)]
    calls += [_call(8, day + timedelta(hours=3), 40, False), _call(9, day + timedelta(hours=5), 60, False)]
    calls.append(_call(10, local("2025-10-02 09:00"), 4, True))  # the next day: outside the period
    with Session(engine_for(db)) as session:
        session.add_all(calls)
        session.commit()
        h = hotline_figures(session, Period(date(2025, 10, 1), date(2025, 10, 1)))
    assert (h.offered, h.answered, h.abandoned, h.answered_within_15s) == (10, 8, 2, 5)
    assert (h.answer_rate, h.within_15s_rate, h.abandon_rate) == (0.8, 0.625, 0.2)
    assert h.average_wait_seconds == 13.4  # 107 / 8 = 13.375
    assert h.average_handle_seconds == pytest.approx(142.5)  # (300 + 7 × 120) / 8
    assert (h.worst_24h_answer_rate, h.windows_below_target) == (0.8, 1)
    assert h.days == [{"day": "2025-10-01", "offered": 10, "answered": 8, "answer_rate": 0.8}]


def test_hotline_any_24_hours_finds_the_bad_window(db):
    start = local("2025-10-01 00:00")
    calls = [_call(i, start + timedelta(hours=i), 5, True) for i in range(48)]
    calls += [_call(100 + i, start + timedelta(hours=30, minutes=i), 50, False) for i in range(3)]
    with Session(engine_for(db)) as session:
        session.add_all(calls)
        session.commit()
        h = hotline_figures(session, Period(date(2025, 10, 1), date(2025, 10, 2)))
    assert (h.offered, h.answered) == (51, 48)
    assert h.answer_rate == pytest.approx(48 / 51, abs=1e-4)
    # Every window that holds the three abandoned calls (06:00 on 10-02): 24 / 27 = 88.9 %.
    assert h.worst_24h_answer_rate == pytest.approx(24 / 27, abs=1e-4)
    assert format_centre(h.worst_24h_start) == "2025-10-01 07:00"  # the first full window that holds them
    assert h.windows_below_target == 18  # starts 07:00 on 10-01 … 00:00 on 10-02 (the last full window)
    assert UTC  # times are stored in UTC; the labels above are local
