"""Department performance (承办单位绩效): every figure from the assignments (派单记录, ticket_assignment).

The unit of count is an assignment (一次派单): one dispatch, re-dispatch or insist to one department, followed
until the ticket leaves that department (a return, a reopen, a later dispatch); the lifecycle keeps these rows
as tickets move (hotline/tickets/assignments.py). Assignments are counted in the period of their dispatch.
The definitions are written down in docs/indicators.md.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
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
class Assignment:
    ticket_id: int
    department_id: int | None
    district: str | None
    request_type: str
    dispatched_at: datetime
    sign_due: datetime | None
    reply_due: datetime | None
    signed_at: datetime | None = None
    returned: bool = False
    extension_requested: bool = False
    extension_approved: bool = False
    replied_at: datetime | None = None  # the reply the centre accepted (办结答复)
    callback: str | None = None  # satisfied / dissatisfied
    counts: tuple | None = None  # what it adds to a Figures row (see _counts): worked out once for every table


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


def assignments(session: Session, period: Period, as_of: datetime | None = None) -> list[Assignment]:
    """The period's assignments (派单记录, kept as tickets move) as they stood at `as_of` (default: now).

    Each moment of an assignment is kept, so a step taken after `as_of` is not counted. One thing is not kept:
    the deadline before an extension approved after `as_of` (the extended one is used).
    """
    as_of = as_of or utcnow()
    a = TicketAssignment
    end = min(period.end, as_of)
    statement = (
        select(a.ticket_id, a.department_id, Ticket.district, Ticket.request_type, a.dispatched_at, a.sign_due_at,
               a.reply_due_at, a.signed_at, a.returned_at, a.extension_requested_at, a.extension_approved_at,
               a.replied_at, a.reply_accepted_at, a.callback, a.callback_at)
        .join(Ticket, Ticket.id == a.ticket_id)
        .where(a.dispatched_at >= period.start, a.dispatched_at < end)
        .order_by(a.ticket_id, a.dispatched_at, a.id)
    )  # fmt: skip
    result = session.connection().execute(statement)  # Core rows: the ORM's per-row work is not needed here
    found: list[Assignment] = []
    for row in (row for part in result.partitions(10_000) for row in part):  # fetchmany, not a fetch per row
        (ticket_id, department_id, district, request_type, dispatched_at, sign_due, reply_due, signed_at, returned_at,
         requested_at, approved_at, replied_at, accepted_at, callback, callback_at) = row  # fmt: skip
        found.append(Assignment(
            ticket_id, department_id, district, request_type, dispatched_at, sign_due, reply_due,
            signed_at=_before(signed_at, as_of),
            returned=_before(returned_at, as_of) is not None,
            extension_requested=_before(requested_at, as_of) is not None,
            extension_approved=_before(approved_at, as_of) is not None,
            replied_at=replied_at if _before(accepted_at, as_of) else None,
            callback=callback if _before(callback_at, as_of) else None,
        ))  # fmt: skip
    return found


def _before(moment: datetime | None, as_of: datetime) -> datetime | None:
    return moment if moment is not None and moment < as_of else None


COUNTED = ("assignments", "returned", "sign_due", "signed_in_time", "extension_requested", "extended",
           "completion_due", "completed", "handling_days_total", "completed_in_time", "callbacks",
           "satisfied")  # fmt: skip


def _counts(a: Assignment, as_of: datetime, clock: WorkClock) -> tuple:
    """What one assignment adds to each count of a Figures row, in COUNTED order."""
    if a.returned:
        return (1, 1, 0, 0, 0, 0, 0, 0, 0.0, 0, 0, 0)
    sign_due = a.signed_at is not None or (a.sign_due is not None and a.sign_due < as_of)
    signed_in_time = a.signed_at is not None and a.sign_due is not None and a.signed_at <= a.sign_due
    completion_due = a.replied_at is not None or (a.reply_due is not None and a.reply_due < as_of)
    completed = a.replied_at is not None
    days = clock.working_days(a.dispatched_at, a.replied_at) if completed else 0.0
    in_time = completed and a.reply_due is not None and a.replied_at <= a.reply_due
    return (1, 0, int(sign_due), int(sign_due and signed_in_time), int(a.extension_requested),
            int(a.extension_approved), int(completion_due), int(completed), days, int(in_time),
            int(a.callback is not None), int(a.callback == "satisfied"))  # fmt: skip


def figures_by(
    items: Iterable[Assignment],
    key: Callable[[Assignment], str],
    name: Callable[[str], str],
    as_of: datetime,
    clock: WorkClock,
) -> dict[str, Figures]:
    # Each assignment's counts are worked out once (cached on it) and summed column-wise per key: the four
    # tables of a report share them, and a city's month has a hundred thousand assignments.
    groups: dict[str, list[tuple]] = {}
    for a in items:
        if a.counts is None:
            a.counts = _counts(a, as_of, clock)
        groups.setdefault(key(a), []).append(a.counts)
    table: dict[str, Figures] = {}
    for k, rows in groups.items():
        sums = [sum(column) for column in zip(*rows, strict=True)]
        table[k] = Figures(k, name(k), **dict(zip(COUNTED, sums, strict=True)))
    return table


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


def performance(session: Session, period: Period, as_of: datetime | None = None, min_rank: int = 5) -> Performance:
    as_of = as_of or utcnow()
    items = assignments(session, period, as_of)
    clock = clock_for(period, as_of)
    names = {str(i): n for i, n in session.execute(select(Department.id, Department.name))}
    departments = figures_by(items, lambda a: str(a.department_id), lambda k: names.get(k, "未知单位"), as_of, clock)
    districts = figures_by(items, lambda a: a.district or "未注明区县", lambda k: k, as_of, clock)
    total = figures_by(items, lambda a: "all", lambda k: "全市", as_of, clock).get("all", Figures("all", "全市"))

    def week_of(a: Assignment) -> str:
        day: date = period.local_day(a.dispatched_at)
        return (day - timedelta(days=day.weekday())).isoformat()

    weeks = figures_by(items, week_of, lambda k: f"{k} 起一周", as_of, clock)
    return Performance(
        period=period,
        total=total,
        departments=score(list(departments.values()), min_rank),
        districts=score(list(districts.values()), min_rank),
        weeks=[weeks[k] for k in sorted(weeks)],
    )
