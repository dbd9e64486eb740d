"""Hotline indicators (热线服务指标, in the style of GB/T 33358-2016) from the ACD's queued_call rows.

接通率 = answered / offered (calls that reached the queue). The standard asks for at least 95 % over any
24 hours, so besides the period's figure the lowest rate over any sliding 24-hour window is reported.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlmodel import Session

from analytics.period import Period
from routing.acd.models import CallState, QueuedCall

ANSWER_WITHIN_SECONDS = 15  # 15 秒接通率
ANSWER_RATE_TARGET = 0.95  # 24 小时接通率 ≥ 95 %


@dataclass
class HotlineFigures:
    offered: int
    answered: int
    answered_within_15s: int
    abandoned: int
    answer_rate: float | None
    within_15s_rate: float | None
    abandon_rate: float | None
    average_wait_seconds: float | None
    average_handle_seconds: float | None
    worst_24h_answer_rate: float | None
    worst_24h_start: datetime | None  # the window's start
    windows_below_target: int  # whole hours at which a 24-hour window starts below the target
    days: list[dict] = field(default_factory=list)  # per local day: offered, answered, answer_rate


def _seconds_between(session: Session, a, b):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", b - a)
    return (func.julianday(b) - func.julianday(a)) * 86400.0


def _hour_bucket(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(QueuedCall.enqueued_at, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", QueuedCall.enqueued_at)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def hotline_figures(session: Session, period: Period) -> HotlineFigures:
    q = QueuedCall
    in_period = (q.enqueued_at >= period.start, q.enqueued_at < period.end)
    answered = q.answered_at.is_not(None)
    handle = _seconds_between(session, q.answered_at, q.ended_at)
    row = session.execute(
        select(
            func.count(),
            func.count(q.answered_at),
            func.sum(case((answered & (q.wait_seconds <= ANSWER_WITHIN_SECONDS), 1), else_=0)),
            func.sum(case((q.state == CallState.abandoned.value, 1), else_=0)),
            func.avg(case((answered, q.wait_seconds))),
            func.avg(case((answered & q.ended_at.is_not(None), handle))),
        ).where(*in_period)
    ).one()
    offered, n_answered, within, abandoned, wait, handle_avg = row
    within, abandoned = int(within or 0), int(abandoned or 0)
    bucket = _hour_bucket(session)
    hours = session.execute(
        select(bucket, func.count(), func.count(q.answered_at)).where(*in_period).group_by(bucket)
    ).all()
    worst, worst_start, below, days = _windows(period, hours)
    return HotlineFigures(
        offered=offered,
        answered=n_answered,
        answered_within_15s=within,
        abandoned=abandoned,
        answer_rate=_rate(n_answered, offered),
        within_15s_rate=_rate(within, n_answered),
        abandon_rate=_rate(abandoned, offered),
        average_wait_seconds=round(float(wait), 1) if wait is not None else None,
        average_handle_seconds=round(float(handle_avg), 1) if handle_avg is not None else None,
        worst_24h_answer_rate=worst,
        worst_24h_start=worst_start,
        windows_below_target=below,
        days=days,
    )


def _windows(period: Period, hours: list) -> tuple[float | None, datetime | None, int, list[dict]]:
    """Slide a 24-hour window over the hourly counts; windows with no calls do not count."""
    counts: dict[datetime, tuple[int, int]] = {}
    for label, offered, answered in hours:
        counts[datetime.strptime(label, "%Y-%m-%d %H").replace(tzinfo=UTC)] = (offered, answered)
    starts = []
    moment = period.start
    while moment < period.end:
        starts.append(moment)
        moment += timedelta(hours=1)
    offered_h = [counts.get(h, (0, 0))[0] for h in starts]
    answered_h = [counts.get(h, (0, 0))[1] for h in starts]
    worst: float | None = None
    worst_start: datetime | None = None
    below = 0
    last_start = max(1, len(starts) - 23)  # a period shorter than a day has one window: the whole period
    for i in range(last_start):
        offered, answered = sum(offered_h[i : i + 24]), sum(answered_h[i : i + 24])
        if not offered:
            continue
        rate = answered / offered
        below += rate < ANSWER_RATE_TARGET
        if worst is None or rate < worst:
            worst, worst_start = rate, starts[i]
    days: dict[str, list[int]] = {}
    for h, o, a in zip(starts, offered_h, answered_h, strict=True):
        day = days.setdefault(period.local_day(h).isoformat(), [0, 0])
        day[0] += o
        day[1] += a
    daily = [{"day": d, "offered": o, "answered": a, "answer_rate": _rate(a, o)} for d, (o, a) in days.items()]
    return (round(worst, 4) if worst is not None else None), worst_start, below, daily
