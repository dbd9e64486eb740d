"""Tickets of a period as documents for topic grouping (one query, likes and stored words joined in)."""

from collections.abc import Sequence

from sqlalchemy import Select, case, func, select
from sqlmodel import Session

from analytics.models import TicketReaction
from analytics.period import Period
from analytics.topics import Doc
from hotline.tickets.models import Ticket
from hotline.tickets.words import BODY_CHARS, TicketWords


def _query(period: Period, district: str | None, *more) -> Select:
    """id, title, body start, created_at, stored words (title, body: NULL for tickets taken in before words were
    stored) and `more` of the period's tickets."""
    t, w = Ticket, TicketWords
    # the body is read only for tickets without stored words: they are cut into words at report time
    body = case((w.ticket_id.is_(None), func.substr(t.description, 1, BODY_CHARS)), else_="")
    query = (
        select(t.id, t.summary, body, t.created_at, w.title, w.body, *more)
        .outerjoin(w, w.ticket_id == t.id)
        .where(t.created_at >= period.start, t.created_at < period.end)
        .order_by(t.created_at, t.id)
    )
    return query.where(t.district == district) if district else query


def period_docs(session: Session, period: Period, district: str | None = None) -> list[Doc]:
    t = Ticket
    query = _query(
        period,
        district,
        t.number,
        t.district,
        t.caller_id,
        func.coalesce(TicketReaction.likes, 0),
        t.state,
        t.department_id,
        t.supervised,
    ).outerjoin(TicketReaction, TicketReaction.ticket_id == t.id)
    rows = session.connection().execute(query).fetchall()  # Core rows: the ORM's per-row work is not needed here
    return [Doc(i, number, title, body, at, district, caller, likes, state, department,
                None if w1 is None else (w1, w2), supervised)
            for i, title, body, at, w1, w2, number, district, caller, likes, state, department, supervised
            in rows]  # fmt: skip


def earlier_docs(session: Session, period: Period, district: str | None = None) -> list[Doc]:
    """Only what grouping needs: the tickets before a report's period are counted by topic, not listed."""
    rows = session.connection().execute(_query(period, district)).fetchall()
    return [Doc(i, "", title, body, at, words=None if w1 is None else (w1, w2)) for i, title, body, at, w1, w2 in rows]


def by_ids(docs: Sequence[Doc], ids: set[int]) -> list[Doc]:
    return [d for d in docs if d.ticket_id in ids]
