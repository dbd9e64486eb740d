"""Similar open tickets from the database (并单 candidates): feeds `routing.repeats.find_repeats`."""

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from hotline.auth.deps import SessionDep, require_roles
from hotline.auth.models import Role
from hotline.callers.models import Caller
from hotline.callers.service import normalise_phone
from hotline.db import utcnow
from hotline.tickets.models import Ticket
from hotline.tickets.states import OPEN_STATES, STATE_NAMES, TicketState
from hotline.tickets.steps import find_ticket
from routing.repeats import DEFAULT_WINDOW, OpenTicket, RepeatMatch, RepeatQuery, find_repeats

# Merging joins a ticket to a main one that is still being worked; merged children are not main tickets.
MERGEABLE_INTO = sorted(OPEN_STATES - {TicketState.merged})
MAX_CANDIDATES = 2000


def similar_open_tickets(
    session: Session,
    text: str,
    address: str | None = None,
    district: str | None = None,
    caller_phone: str | None = None,
    now: datetime | None = None,
    exclude_number: str | None = None,
    limit: int = 5,
) -> list[RepeatMatch]:
    """Open tickets about the same matter as `text`, best first, from the last 30 days."""
    now = now or utcnow()
    query = (
        select(Ticket, Caller.phone)
        .join(Caller, Ticket.caller_id == Caller.id, isouter=True)
        .where(
            Ticket.state.in_(MERGEABLE_INTO),
            Ticket.parent_id.is_(None),
            Ticket.created_at >= now - DEFAULT_WINDOW,
        )
        .order_by(Ticket.created_at.desc())
        .limit(MAX_CANDIDATES)
    )
    if exclude_number:
        query = query.where(Ticket.number != exclude_number)
    candidates = [
        OpenTicket(
            id=ticket.id,
            number=ticket.number,
            text=f"{ticket.summary} {ticket.description}",
            created_at=ticket.created_at,
            address=ticket.address,
            district=ticket.district,
            caller_phone=phone,
        )
        for ticket, phone in session.exec(query).all()
    ]
    phone = normalise_phone(caller_phone) if caller_phone else None
    wanted = RepeatQuery(text=text, created_at=now, address=address, district=district, caller_phone=phone)
    return find_repeats(wanted, candidates, limit=limit)


router = APIRouter(tags=["并单 similar tickets"])


class SimilarOut(BaseModel):
    number: str
    summary: str
    state_name: str
    score: float = Field(description="0–1")
    reasons: list[str]


@router.get(
    "/api/tickets/{number}/similar",
    response_model=list[SimilarOut],
    summary="可并单的相似未办结工单",
    dependencies=[Depends(require_roles(Role.agent, Role.supervisor, Role.manager))],
)
def similar_to_ticket(number: str, session: SessionDep) -> list[SimilarOut]:
    ticket = find_ticket(session, number)
    phone = session.get(Caller, ticket.caller_id).phone if ticket.caller_id else None
    matches = similar_open_tickets(
        session,
        f"{ticket.summary} {ticket.description}",
        ticket.address,
        ticket.district,
        phone,
        now=ticket.created_at,
        exclude_number=number,
    )
    found = {t.number: t for t in session.exec(select(Ticket).where(Ticket.number.in_([m.number for m in matches])))}
    return [
        SimilarOut(
            number=m.number,
            summary=found[m.number].summary,
            state_name=STATE_NAMES[TicketState(found[m.number].state)],
            score=m.score,
            reasons=m.reasons,
        )
        for m in matches
    ]
