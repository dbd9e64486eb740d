"""The desk's one search over every ticket the user may see (工单查询), and its export to Excel.

`q` is read the way a desk agent types it: a phone number (full, or its last four digits — what a caller reads
out), a ticket number (or part of it), or words that must all appear in the title, the text or the address.
Filters narrow it (district, department, request type, state, dates in the centre's time zone, overdue); paging
and sort are the server's, so a page of 50 out of a million costs the same as out of a thousand.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

from sqlalchemy import and_, column, literal_column, or_, table, union
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlmodel import Session, func, select

from hotline.auth.actor import Actor
from hotline.callers.models import Caller
from hotline.errors import Invalid
from hotline.localtime import centre_zone, to_centre
from hotline.tickets.grams import indexable, pairs
from hotline.tickets.models import Ticket
from hotline.tickets.privacy import inside_centre
from hotline.tickets.queries import QUEUES, outs, scoped
from hotline.tickets.states import OPEN_STATES, TicketState

# SQLite's table hint is `INDEXED BY <index>`; SQLAlchemy's SQLite compiler renders no table hints at all, so
# `with_hint(..., "sqlite")` (used below, and only here) would be dropped silently.
SQLiteCompiler.get_from_hint_text = lambda _compiler, _table, text: text  # type: ignore[method-assign]

SORTS = {
    "due": "最近时限在前",
    "newest": "受理时间新在前",
    "oldest": "受理时间早在前",
}
EXPORT_LIMIT = 20000  # rows in one Excel file; narrow the search for more
COUNT_LIMIT = 5000  # the desk counts this many matches at most and says 超过 5000 张 past it
NUMBER_LENGTH = 16  # Ticket.number's column width
_PHONE = re.compile(r"^\+?\d{5,15}$")


@dataclass
class TicketFilters:
    q: str | None = None
    queue: str | None = None
    state: TicketState | None = None
    district: str | None = None
    department_id: int | None = None
    request_type: str | None = None
    created_from: date | None = None  # the centre's calendar day, inclusive
    created_to: date | None = None  # inclusive
    overdue: bool = False
    sort: str = "due"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=centre_zone())


def _number_prefix(digits: str):
    """`number LIKE '2611%'` as a range the unique index answers on both databases (numbers are digits only)."""
    return Ticket.number.between(digits, digits.ljust(NUMBER_LENGTH, "9"))


def _words_index(words: list[str], dialect: str):
    """Tickets that may hold every word (pair index, see grams.py); None when a word is too short to index."""
    if not all(indexable(w) for w in words):
        return None  # a one-character word matches a large share of tickets anyway: the scan is the index here
    phrases = [" ".join(pairs(w)) for w in words]
    if dialect == "sqlite":
        fts = table("ticket_fts", column("rowid"), column("search_grams"))
        match = " AND ".join('"' + p + '"' for p in phrases)  # pairs are letters/digits only: no quoting needed
        return Ticket.id.in_(select(fts.c.rowid).where(fts.c.search_grams.op("MATCH")(match)))
    vector = func.to_tsvector(literal_column("'simple'::regconfig"), Ticket.search_grams)  # as the index spells it
    return and_(*(vector.op("@@")(func.phraseto_tsquery(literal_column("'simple'::regconfig"), p)) for p in phrases))


def _text_condition(q: str, dialect: str, sees_callers: bool) -> list:
    """Phone (full / last four), ticket number, else every word in the title, text or address.

    A 保密 ticket is never found by its caller's numbers by someone outside the centre (privacy.py): finding it
    would tell them who called.

    Each branch is answered by an index (stored last four digits, the unique number, the pair index); the LIKE
    tests stay on the candidates so that what is found is exactly what a scan would find.
    """
    compact = re.sub(r"[\s()-]", "", q)
    if compact.isdigit() and len(compact) == 4:
        callers = select(Caller.id).where(Caller.phone_last4 == compact)
        by_phone = [Ticket.caller_id.in_(callers), Ticket.callback_last4 == compact]
        by_number = [Ticket.number_last4 == compact]
    elif _PHONE.match(compact):
        callers = select(Caller.id).where(Caller.phone == compact)
        by_phone = [Ticket.caller_id.in_(callers), Ticket.callback_phone == compact]
        by_number = [_number_prefix(compact)] if compact.isdigit() else []
    else:
        return _words_condition(q, dialect)
    if not sees_callers:
        by_phone = [and_(condition, Ticket.confidential.is_(False)) for condition in by_phone]
    # A union of one indexed lookup per column: PostgreSQL cannot turn an OR holding a subquery into index scans.
    return [Ticket.id.in_(union(*(select(Ticket.id).where(c) for c in [*by_phone, *by_number])))]


def exact_in_index(word: str, dialect: str) -> bool:
    """The pair index finds exactly the tickets `LIKE '%word%'` finds: a two-character word is one pair (no
    phrase to straddle a comma or two fields), and the index's lower-casing changes nothing `LIKE` would not
    (SQLite's LIKE folds ASCII letters only, PostgreSQL's none). Reading every candidate back for the test is
    most of the cost of a common word on a million tickets."""
    if len(word) != 2 or not indexable(word):
        return False
    cased = [c for c in word if c.lower() != c.upper()]
    return not cased or (dialect == "sqlite" and all(c.isascii() for c in cased))


def _words_condition(q: str, dialect: str) -> list:
    words = [w for w in q.split() if w]
    index = _words_index(words, dialect)
    scan = [
        or_(Ticket.summary.like(f"%{w}%"), Ticket.description.like(f"%{w}%"), Ticket.address.like(f"%{w}%"))
        for w in words
        if index is None or not exact_in_index(w, dialect)
    ]
    return scan if index is None else [index, *scan]


def filtered(actor: Actor, filters: TicketFilters, dialect: str):
    query = scoped(select(Ticket), actor)
    if filters.queue:
        if filters.queue not in QUEUES:
            raise Invalid(f"没有名为 {filters.queue} 的队列（可选：{'、'.join(QUEUES)}）", code="unknown_queue")
        query = query.where(QUEUES[filters.queue][1])
    if filters.q and filters.q.strip():
        query = query.where(*_text_condition(filters.q.strip(), dialect, inside_centre(actor.role)))
    if filters.state:
        query = query.where(Ticket.state == filters.state)
    if filters.district:
        query = query.where(Ticket.district == filters.district)
    if filters.department_id:
        query = query.where(Ticket.department_id == filters.department_id)
    if filters.request_type:
        query = query.where(Ticket.request_type == filters.request_type)
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        raise Invalid("受理日期的起始日不能晚于截止日", code="bad_date_range")
    if filters.created_from:
        query = query.where(Ticket.created_at >= _day_start(filters.created_from))
    if filters.created_to:
        query = query.where(Ticket.created_at < _day_start(filters.created_to + timedelta(days=1)))
    if filters.overdue:
        query = query.where(Ticket.sla_flag == "overdue", Ticket.state.in_(list(OPEN_STATES)))
    return query


ORDER_INDEX = {"due": "ix_ticket_due_order", "newest": "ix_ticket_created_at", "oldest": "ix_ticket_created_at"}


def _ordered(query, sort: str):
    if sort not in SORTS:
        raise Invalid(f"未知的排序 {sort}（可选：{'、'.join(SORTS)}）", code="unknown_sort")
    if sort == "newest":
        return query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if sort == "oldest":
        return query.order_by(Ticket.created_at, Ticket.id)
    # Exactly the terms of ix_ticket_due_order: the first page is read off the index.
    return query.order_by(Ticket.next_due_at.is_(None), Ticket.next_due_at, Ticket.created_at.desc(), Ticket.id.desc())


def search_tickets(
    session: Session,
    actor: Actor,
    filters: TicketFilters,
    limit: int = 50,
    offset: int = 0,
    count_limit: int | None = None,
) -> tuple[list[Ticket], int]:
    """The page and the number of tickets found; with `count_limit`, counting stops past that many (the number
    is then `count_limit + 1`: "more than count_limit"). Counting every one of tens of thousands of matches means
    reading each of them (the word test, the filters not in an index): seconds on a million tickets."""
    dialect = session.get_bind().dialect.name
    query = filtered(actor, filters, dialect)
    counted = query.with_only_columns(Ticket.id)  # ids only: a capped count is a subquery SQLite would fill
    counted = counted if count_limit is None else counted.limit(count_limit + 1)
    total = session.exec(select(func.count()).select_from(counted.subquery())).one()
    page = _ordered(query, filters.sort).offset(offset).limit(limit)
    if count_limit is not None and total > count_limit:
        # Many matches: reading the order's index and keeping what matches reaches a page after about
        # offset+limit × (tickets / matches) entries, where sorting reads every match. SQLite's planner has no
        # statistics to see that (it prefers the word or district lookup); PostgreSQL's weighs it itself.
        page = page.with_hint(Ticket, f"INDEXED BY {ORDER_INDEX[filters.sort]}", "sqlite")
    return list(session.exec(page)), total


# Column title, width, and how a row's value is read from the API view (what this viewer may see).
_COLUMNS = (
    ("工单编号", 14, lambda t: t.number),
    ("受理时间", 17, lambda t: t.created_at),
    ("状态", 10, lambda t: t.state_name),
    ("诉求类型", 8, lambda t: t.request_type.value),
    ("标题", 30, lambda t: t.summary),
    ("区县", 8, lambda t: t.district),
    ("地址", 24, lambda t: t.address),
    ("承办单位", 22, lambda t: t.department.name if t.department else None),
    ("来电号码", 14, lambda t: t.caller_phone),
    ("答复时限", 17, lambda t: t.reply_due_at),
    ("超期", 6, lambda t: "是" if t.sla_flag == "overdue" else None),
    ("退单次数", 8, lambda t: t.return_count),
    ("催办次数", 8, lambda t: t.reminder_count),
    ("满意度", 8, lambda t: t.satisfaction),
    ("诉求内容", 60, lambda t: t.description),
)


def _cell(value):
    """Dates as Excel dates in the centre's time zone (Excel has no zones: the local wall time)."""
    if isinstance(value, datetime):
        return to_centre(value).replace(tzinfo=None)
    return value


def export_xlsx(session: Session, actor: Actor, filters: TicketFilters) -> tuple[bytes, int]:
    """The search's result as an Excel workbook: typed cells (dates, integers), callers as this viewer sees them."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    tickets, total = search_tickets(session, actor, filters, limit=EXPORT_LIMIT, count_limit=EXPORT_LIMIT)
    if total > EXPORT_LIMIT:
        raise Invalid(f"结果超过 {EXPORT_LIMIT} 张工单（一次最多导出这么多），请缩小查询范围", code="export_too_large")
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "工单"
    sheet.append([title for title, _, _ in _COLUMNS])
    for index, (_, width, _) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for start in range(0, len(tickets), 500):
        for ticket in outs(session, tickets[start : start + 500], actor.role):
            sheet.append([_cell(read(ticket)) for _, _, read in _COLUMNS])
    for letter in ("B", "J"):
        for cell in sheet[letter][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue(), total
