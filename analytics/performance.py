"""Department performance (承办单位绩效): every figure from the assignments (派单记录, ticket_assignment).

The unit of count is an assignment (一次派单): one dispatch, re-dispatch or insist to one department, followed
until the ticket leaves that department (a return, a reopen, a later dispatch); the lifecycle keeps these rows
as tickets move (hotline/tickets/assignments.py). Assignments are counted in the period of their dispatch.
The definitions are written down in docs/indicators.md.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import case, literal, select
from sqlmodel import Session

from analytics.period import Period
from analytics.workclock import WorkClock
from hotline.db import utcnow
from hotline.directory.models import Department
from hotline.tickets.assignments import TicketAssignment
from hotline.tickets.models import Ticket

# Ranking score: weights of the rates (a rate where less is better enters as 1 − rate).
SCORE_WEIGHTS = {"sign_rate": 15, "ontime_rate": 30, "satisfaction_rate": 30, "callback_rate": 10,
                 "return_rate": 10, "extension_rate": 5}  # fmt: skip
LOWER_IS_BETTER = {"return_rate", "extension_rate"}


@dataclass
class Figures:
    """One row of the performance table: counts and the rates made of them (None when nothing to divide)."""

    key: str
    name: str
    assignments: int = 0
    returned: int = 0
    sign_due: int = 0
    signed_in_time: int = 0
    completion_due: int = 0
    completed_in_time: int = 0
    completed: int = 0
    extension_requested: int = 0
    extended: int = 0
    callbacks: int = 0
    satisfied: int = 0
    handling_days_total: float = 0.0
    score: float | None = None
    rank: int | None = None

    @property
    def kept(self) -> int:
        """Assignments the department kept (not returned): the base of the handling figures."""
        return self.assignments - self.returned

    def rates(self) -> dict[str, float | None]:
        return {
            "sign_rate": _ratio(self.signed_in_time, self.sign_due),
            "ontime_rate": _ratio(self.completed_in_time, self.completion_due),
            "return_rate": _ratio(self.returned, self.assignments),
            "extension_rate": _ratio(self.extended, self.kept),
            "callback_rate": _ratio(self.callbacks, self.completed),
            "satisfaction_rate": _ratio(self.satisfied, self.callbacks),
            "average_handling_days": round(self.handling_days_total / self.completed, 2) if self.completed else None,
        }

    def as_dict(self) -> dict:
        counts = {k: v for k, v in self.__dict__.items() if k != "handling_days_total"}
        return counts | {"kept": self.kept} | self.rates()


RATE_NAMES = {
    "sign_rate": "签收及时率",
    "ontime_rate": "按时办结率",
    "return_rate": "退单率",
    "extension_rate": "延期率",
    "callback_rate": "回访率",
    "satisfaction_rate": "满意率",
    "average_handling_days": "平均办理时长（工作日）",
}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


COUNTED = ("assignments", "returned", "sign_due", "signed_in_time", "extension_requested", "extended",
           "completion_due", "completed", "handling_days_total", "completed_in_time", "callbacks",
           "satisfied")  # fmt: skip
DAYS = COUNTED.index("handling_days_total")


@dataclass
class Assignments:
    """The period's assignments as columns: what each adds to every count of a Figures row (COUNTED order),
    and the keys it is counted under."""

    counts: np.ndarray  # one row per assignment
    department_ids: list[int | None]
    districts: list[str | None]
    dispatched_at: list[datetime]


def assignments(session: Session, period: Period, as_of: datetime, clock: WorkClock,
                district: str | None = None) -> Assignments:  # fmt: skip
    """The period's assignments (派单记录, kept as tickets move) as they stood at `as_of`; of the tickets of one
    district (`ticket.district`) when given.

    Each moment of an assignment is kept, so a step taken after `as_of` is not counted. One thing is not kept:
    the deadline before an extension approved after `as_of` (the extended one is used). The database compares
    the moments and hands back flags (a comparison with NULL, a step not taken, is false): a city's month is a
    hundred thousand rows, and turning ten timestamps of each into Python objects cost more than the counting.
    """
    a = TicketAssignment
    returned = a.returned_at < as_of
    signed = a.signed_at < as_of
    completed = (a.reply_accepted_at < as_of) & a.replied_at.is_not(None)  # 办结答复 accepted by the centre
    called = a.callback.is_not(None) & (a.callback_at < as_of)
    flags = [
        returned,
        signed | (a.sign_due_at < as_of),
        signed & (a.signed_at <= a.sign_due_at),
        a.extension_requested_at < as_of,
        a.extension_approved_at < as_of,
        completed | (a.reply_due_at < as_of),
        completed,
        completed & (a.replied_at <= a.reply_due_at),
        called,
        called & (a.callback == "satisfied"),
    ]
    # The flags in COUNTED order (without the first column, 1 each, and the handling days), packed into one
    # integer: one number per row to hand back instead of ten.
    packed = sum((case((flag, 1 << bit), else_=0) for bit, flag in enumerate(flags)), literal(0))
    statement = (
        select(a.department_id, Ticket.district, a.dispatched_at, case((completed, a.replied_at)), packed)
        .join(Ticket, Ticket.id == a.ticket_id)
        .where(a.dispatched_at >= period.start, a.dispatched_at < min(period.end, as_of))
    )
    if district:
        statement = statement.where(Ticket.district == district)
    result = session.connection().execute(statement)  # Core rows: the ORM's per-row work is not needed here
    rows = [row for part in result.partitions(10_000) for row in part]  # fetchmany, not a fetch per row
    bits = np.array([row[4] for row in rows], dtype=np.int64)[:, None] >> np.arange(len(flags)) & 1
    counts = np.zeros((len(rows), len(COUNTED)))
    counts[:, 0] = 1
    counts[:, 1:DAYS] = bits[:, : DAYS - 1]
    counts[:, DAYS + 1 :] = bits[:, DAYS - 1 :]
    counts[:, DAYS] = [clock.working_days(row[2], row[3]) if row[3] else 0.0 for row in rows]
    counts[counts[:, 1] == 1, 2:] = 0  # a returned assignment counts only as assigned and returned
    return Assignments(counts, [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows])


def figures_by(table: Assignments, keys: Sequence[str], name: Callable[[str], str]) -> dict[str, Figures]:
    """One Figures row per distinct key (keys[i] is assignment i's): its counts summed column by column."""
    codes: dict[str, int] = {}
    index = np.fromiter((codes.setdefault(k, len(codes)) for k in keys), dtype=np.intp, count=len(keys))
    sums = np.stack([np.bincount(index, weights=column, minlength=len(codes)) for column in table.counts.T], 1)
    figures = {}
    for key, i in codes.items():
        values = {
            c: float(v) if c == "handling_days_total" else round(v) for c, v in zip(COUNTED, sums[i], strict=True)
        }
        figures[key] = Figures(key, name(key), **values)
    return figures


def score(figures: list[Figures], min_assignments: int = 1) -> list[Figures]:
    """Weighted score out of 100 from the rates the row has; ranked best first. Rows too small are not ranked."""
    for fig in figures:
        rates = fig.rates()
        got = {k: rates[k] for k in SCORE_WEIGHTS if rates[k] is not None}
        if not got or fig.assignments < min_assignments:
            fig.score = None
            continue
        total = sum(SCORE_WEIGHTS[k] * ((1 - v) if k in LOWER_IS_BETTER else v) for k, v in got.items())
        fig.score = round(100 * total / sum(SCORE_WEIGHTS[k] for k in got), 1)
    ranked = sorted((f for f in figures if f.score is not None), key=lambda f: (-f.score, -f.assignments, f.name))
    for rank, fig in enumerate(ranked, 1):
        fig.rank = rank
    return ranked + sorted((f for f in figures if f.score is None), key=lambda f: f.name)


@dataclass
class Performance:
    period: Period
    total: Figures
    departments: list[Figures]
    districts: list[Figures]
    weeks: list[Figures] = field(default_factory=list)  # trend: the centre's figures by week of dispatch


def clock_for(period: Period, as_of: datetime) -> WorkClock:
    last = max(period.last, period.local_day(as_of)) + timedelta(days=1)
    return WorkClock(period.first - timedelta(days=1), last)


def performance(session: Session, period: Period, as_of: datetime | None = None, min_rank: int = 5,
                district: str | None = None) -> Performance:  # fmt: skip
    """Every figure of the period's assignments; of one district's tickets when given (the total is then named
    after the district, not 全市)."""
    as_of = as_of or utcnow()
    table = assignments(session, period, as_of, clock_for(period, as_of), district)
    names = {str(i): n for i, n in session.execute(select(Department.id, Department.name))}
    departments = figures_by(table, [str(d) for d in table.department_ids], lambda k: names.get(k, "未知单位"))
    districts = figures_by(table, [d or "未注明区县" for d in table.districts], lambda k: k)
    scope = district or "全市"
    total = figures_by(table, ["all"] * len(table.districts), lambda k: scope).get("all", Figures("all", scope))

    mondays = [(day - timedelta(days=day.weekday())).isoformat() for day in period.days]
    dispatched = period.day_positions(np.array([m.timestamp() for m in table.dispatched_at], dtype=float))
    weeks = figures_by(table, [mondays[i] for i in dispatched], lambda k: f"{k} 起一周")
    return Performance(
        period=period,
        total=total,
        departments=score(list(departments.values()), min_rank),
        districts=score(list(districts.values()), min_rank),
        weeks=[weeks[k] for k in sorted(weeks)],
    )
