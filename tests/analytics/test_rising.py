"""Rising issues over a whole period (新出现 / 上升), on real messages: a matter that never has two tickets on one
day yet fills a month is found, as is a matter growing against the weeks before; ordinary and small matters are not.
The rule and its N are documented in docs/indicators.md; nothing here is tuned to these rows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from analytics.pack.build import make_pack
from analytics.period import Period
from analytics.spikes import period_limit, period_rises
from analytics.topics import Doc, group_docs
from hotline.db import at_time, engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from tests.analytics.test_indicators import local
from tests.analytics.test_topics_and_spikes import messages  # noqa: F401  (the real messages, by id)

NOVEMBER = Period(date(2025, 11, 1), date(2025, 11, 30))
BEFORE = Period(date(2025, 10, 2), date(2025, 10, 31))  # what a report of November reads before it (30 days)


def plant_ids(messages: dict) -> list[str]:  # noqa: F811
    """The real messages about the concrete plant at 丽发新城 (41, many citizens in their own words)."""
    return sorted(i for i, m in messages.items() if "丽发" in m["title"] and "搅拌" in m["title"])


def background(messages: dict, count: int) -> list[str]:  # noqa: F811
    return [i for i in sorted(messages) if "搅拌" not in messages[i]["title"] + messages[i]["body"]][:count]


def test_a_new_matter_spread_over_the_month_is_raised_as_new(sqlite_db, sqlite_people, messages, tmp_path):  # noqa: F811
    """The issue's case: 13 complaints about the plant in a month, never two on one day, none before; the hot list
    puts it first, and the rising list must say it is new (the daily rule cannot see it)."""
    plant = plant_ids(messages)[:13]
    others = background(messages, 240)

    def intake(session: Session, message_id: str, when: datetime, phone: str) -> None:
        m = messages[message_id]
        draft = TicketDraft(RequestType.complaint, m["title"][:200], m["body"], district="A2区", caller_phone=phone)
        with at_time(when):
            service.intake(session, sqlite_people.agent, draft)

    with Session(engine_for(sqlite_db)) as session:
        for n, message_id in enumerate(plant):  # every other day of November
            intake(session, message_id, local(f"2025-11-{1 + 2 * n:02d} 10:00"), f"1390000{n:04d}")
        for n, message_id in enumerate(others):  # October and November alike
            intake(session, message_id, local("2025-10-01 09:00") + timedelta(days=n % 61, hours=n % 8),
                   f"1380000{n:04d}")  # fmt: skip
        made = make_pack(session, NOVEMBER, tmp_path)
    report = made.report
    top = report.topics[0]
    assert set(top.ticket_ids) <= set(range(1, 14)) and top.count >= 8 and top.previous == 0  # the plant leads
    (new,) = [r for r in report.rising if set(r.ticket_ids) == set(top.ticket_ids)]
    assert (new.kind, new.day, new.count, new.previous, new.label) == ("新出现", None, top.count, 0, top.label)
    assert new.baseline_mean == 1.0 and new.threshold >= 4  # one ticket expected; N follows from the topics watched
    assert max(new.series) == 1  # never two on a day: no 突发
    assert not [r for r in report.rising if r.kind == "突发" and set(r.ticket_ids) & set(top.ticket_ids)]
    # the workbook's rising sheet lists it, typed
    sheet = load_workbook(made.workbook)["突发上升"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert (row["类型"].value, row["日期"].value, row["件数"].value, row["此前件数"].value) == (
        "新出现",
        NOVEMBER.label(),
        new.count,
        0,
    )
    assert row["件数"].data_type == "n" and row["预期件数"].value == 1.0


def _docs(messages: dict, plan: list[tuple[str, int, int]]) -> list[Doc]:  # noqa: F811
    """(message id, month, day) → one ticket each, in the order given."""
    docs = []
    for n, (message_id, month, day) in enumerate(plan):
        m = messages[message_id]
        docs.append(Doc(n, f"T{n}", m["title"], m["body"], datetime(2025, month, day, 2, tzinfo=UTC)))
    return docs


def test_growth_against_the_weeks_before_and_no_alert_for_steady_or_small_matters(messages):  # noqa: F811
    growing, steady, small = "189093", "208185", "190337"  # 拆迁 何时, 士官转业安置, 车位捆绑销售 (repeat postings)
    others = background(messages, 200)
    now = _docs(
        messages,
        [(growing, 11, 1 + d) for d in range(16)]
        + [(steady, 11, 3 + 5 * d) for d in range(5)]
        + [(small, 11, 10 + d) for d in range(3)]
        + [(i, 11, 1 + n % 30) for n, i in enumerate(others[:100])],
    )
    before = _docs(messages, [(growing, 10, 5 + 7 * d) for d in range(3)] + [(steady, 10, 4 + 5 * d) for d in range(5)]
                   + [(i, 10, 2 + n % 30) for n, i in enumerate(others[100:])])  # fmt: skip
    for n, doc in enumerate(before, len(now)):
        doc.ticket_id = n
    issues = period_rises(group_docs(now, earlier=before), NOVEMBER, BEFORE)
    by_title = {r.label: r for r in issues}
    rise = by_title[messages[growing]["title"][:30]]
    # real messages of the background about the same 拆迁 may join it: at least the 16 and the 3
    assert rise.kind == "上升" and set(range(16)) <= set(rise.ticket_ids) and rise.count == len(rise.ticket_ids)
    assert rise.previous >= 3 and rise.baseline_mean == rise.previous  # the windows are as long: expected = before
    assert messages[steady]["title"][:30] not in by_title  # five before, five now
    assert messages[small]["title"][:30] not in by_title  # three, none before: under N (at least 5)
    # with nothing at all before the period (a fresh install), nothing is new or rising: there is no "before"
    assert period_rises(group_docs(now), NOVEMBER, BEFORE) == []


@pytest.mark.parametrize(("topics", "n"), [(1, 5), (100, 7), (1000, 9), (50_000, 10)])
def test_the_count_that_makes_a_matter_new_follows_from_the_topics_watched(topics, n):
    """docs/indicators.md: with the window before as long as the period, a silent topic expects one ticket; N is
    the first count past the limit, and grows slowly with the topics watched (Bonferroni)."""
    limit = period_limit(1.0, topics)
    assert n - 1 <= limit < n
    assert period_limit(0.5, topics) <= limit  # a week against 14 days before: a smaller N
