"""Tickets of a period as documents for topic grouping (one query, likes and stored words joined in)."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlmodel import Session

from analytics.models import TicketReaction
from analytics.period import Period
from analytics.topics import Doc
from hotline.tickets.models import Ticket
from hotline.tickets.words import BODY_CHARS, TicketWords


def period_docs(session: Session, period: Period, district: str | None = None) -> list[Doc]:
    t, w = Ticket, TicketWords
    query = (
        select(t.id, t.number, t.summary, func.substr(t.description, 1, BODY_CHARS), t.created_at, t.district,
               t.caller_id, func.coalesce(TicketReaction.likes, 0), t.state, t.department_id, w.title, w.body)
        .outerjoin(TicketReaction, TicketReaction.ticket_id == t.id)
        .outerjoin(w, w.ticket_id == t.id)
        .where(t.created_at >= period.start, t.created_at < period.end)
        .order_by(t.created_at, t.id)
    )
    if district:
        query = query.where(t.district == district)
    return [Doc(*row[:10], words=None if row[10] is None else (row[10], row[11])) for row in session.execute(query)]


def by_ids(docs: Sequence[Doc], ids: set[int]) -> list[Doc]:
    return [d for d in docs if d.ticket_id in ids]
