"""Everything a case-analysis meeting looks at for one period (and optionally one district), in one object.

The pages, the API, the Excel workbook and the PDF all read this; nothing is computed twice.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session

from analytics.calls import HotlineFigures, hotline_figures
from analytics.docs import earlier_docs, period_docs
from analytics.performance import Performance, performance
from analytics.period import Period
from analytics.repeats import RepeatCase, repeat_cases
from analytics.spikes import BASELINE, RisingIssue, period_rises, rising_issues
from analytics.topics import Topic, group_docs, hot_topics
from hotline.db import utcnow
from hotline.tickets.models import Ticket

Progress = Callable[[str], None]
HOTLINE_SCOPE = "全市"  # the calls answered (or not) are the whole centre's, whatever district is chosen


@dataclass
class Report:
    period: Period
    district: str | None
    as_of: datetime
    ticket_count: int
    previous_count: int
    daily: list[dict]  # day, count
    request_types: dict[str, int]
    categories: dict[str, int]  # 一级分类 → count
    district_grid: dict[str, dict[str, int]]  # district → 一级分类 → count
    performance: Performance  # of the district's tickets when one is chosen
    hotline: HotlineFigures  # always the whole centre's: a call has no district until a ticket gives it one
    topics: list[Topic]
    rising: list[RisingIssue]
    repeats: list[RepeatCase]
    timings: dict[str, float] = field(default_factory=dict)


def _grid(session: Session, period: Period, district: str | None) -> tuple[dict, dict, dict]:
    t = Ticket
    where = [t.created_at >= period.start, t.created_at < period.end]
    if district:
        where.append(t.district == district)
    rows = session.execute(
        select(t.district, t.topic, t.request_type, func.count())
        .where(*where)
        .group_by(t.district, t.topic, t.request_type)
    ).all()
    grid: dict[str, Counter] = {}
    categories: Counter = Counter()
    types: Counter = Counter()
    for d, topic, request_type, n in rows:
        grid.setdefault(d or "未注明区县", Counter())[topic or "未分类"] += n
        categories[topic or "未分类"] += n
        types[request_type] += n
    ordered = {k: dict(grid[k].most_common()) for k in sorted(grid)}
    return dict(types.most_common()), dict(categories.most_common()), ordered


def build_report(session: Session, period: Period, district: str | None = None, as_of: datetime | None = None,
                 progress: Progress | None = None) -> Report:  # fmt: skip
    as_of = as_of or utcnow()
    step = progress or (lambda _: None)
    timings: dict[str, float] = {}

    def timed(name: str, make):
        started = time.perf_counter()
        step(name)
        value = make()
        timings[name] = round(time.perf_counter() - started, 3)
        return value

    perf = timed("承办单位绩效", lambda: performance(session, period, as_of, district=district))
    calls = timed("热线指标", lambda: hotline_figures(session, period))
    types, categories, grid = timed("分类与区县", lambda: _grid(session, period, district))
    docs = timed("读取工单", lambda: period_docs(session, period, district))
    # The tickets before the period: the previous period (growth of hot topics) and the BASELINE days before
    # the period (rising issues), whichever reaches further back. They join the period's topics.
    previous = period.previous()
    earlier = Period(min(previous.first, period.first - timedelta(days=BASELINE)), period.first - timedelta(days=1))
    before = timed("读取上期工单", lambda: earlier_docs(session, earlier, district))
    grouping = timed("事项归并", lambda: group_docs(docs, earlier=before))
    topics = timed("热点", lambda: hot_topics(grouping, period))
    with_baseline = Period(period.first - timedelta(days=BASELINE), period.last)
    rising = timed("突发上升", lambda: period_rises(grouping, period, earlier)
                   + rising_issues(grouping, with_baseline, len(period.days)))  # fmt: skip
    repeats = timed("重复投诉", lambda: repeat_cases(session, period, grouping, district))
    per_day = np.bincount(period.day_positions(grouping.times[grouping.members(period)]), minlength=len(period.days))
    return Report(
        period=period,
        district=district,
        as_of=as_of,
        ticket_count=len(docs),
        previous_count=len(grouping.members(previous)),
        daily=[{"day": day.isoformat(), "count": int(n)} for day, n in zip(period.days, per_day, strict=True)],
        request_types=types,
        categories=categories,
        district_grid=grid,
        performance=perf,
        hotline=calls,
        topics=topics,
        rising=rising,
        repeats=repeats,
        timings=timings,
    )


def report_json(report: Report) -> dict:
    perf = report.performance
    return {
        "period": {
            "from": report.period.first.isoformat(),
            "to": report.period.last.isoformat(),
            "label": report.period.label(),
        },
        "district": report.district,
        "as_of": report.as_of.isoformat(),
        "ticket_count": report.ticket_count,
        "previous_count": report.previous_count,
        "daily": report.daily,
        "request_types": report.request_types,
        "categories": report.categories,
        "district_grid": report.district_grid,
        "performance": {
            "total": perf.total.as_dict(),
            "departments": [f.as_dict() for f in perf.departments],
            "districts": [f.as_dict() for f in perf.districts],
            "weeks": [f.as_dict() for f in perf.weeks],
        },
        "hotline": asdict(report.hotline),
        "hotline_scope": HOTLINE_SCOPE,
        "topics": [asdict(t) for t in report.topics],
        "rising": [asdict(r) for r in report.rising],
        "repeats": [asdict(r) for r in report.repeats],
        "timings": report.timings,
    }
