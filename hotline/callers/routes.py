from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import select

from hotline.auth.deps import CurrentActor, SessionDep, require_roles
from hotline.auth.models import Role
from hotline.callers.models import Call, Caller, mask_phone
from hotline.callers.service import call_by_external_id, normalise_phone, transcript
from hotline.tickets.models import Ticket
from hotline.tickets.privacy import shown_caller
from hotline.tickets.queries import outs, visible_ticket
from hotline.tickets.schemas import TicketOut

router = APIRouter(
    tags=["来电 callers & calls"],
    dependencies=[Depends(require_roles(Role.agent, Role.supervisor, Role.manager))],
)


class CallerHistory(BaseModel):
    phone: str
    name: str | None
    first_contact: datetime | None
    tickets: list[TicketOut]


class SegmentOut(BaseModel):
    leg: str
    start: float
    end: float
    text: str
    confidence: float | None


class CallOut(BaseModel):
    external_id: str
    caller_phone: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    legs: str
    recording_ref: str | None
    transcript: list[SegmentOut]


@router.get("/api/callers/history", response_model=CallerHistory, summary="来电人的历史工单")
def caller_history(
    session: SessionDep,
    phone: Annotated[str, Query(min_length=5, max_length=20, description="完整号码")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CallerHistory:
    phone = normalise_phone(phone)
    caller = session.exec(select(Caller).where(Caller.phone == phone)).first()
    if caller is None:
        return CallerHistory(phone=mask_phone(phone), name=None, first_contact=None, tickets=[])
    tickets = session.exec(
        select(Ticket).where(Ticket.caller_id == caller.id).order_by(Ticket.created_at.desc()).limit(limit)
    ).all()
    return CallerHistory(
        phone=mask_phone(phone),
        name=caller.name,
        first_contact=caller.created_at,
        tickets=outs(session, list(tickets), Role.agent),
    )


class CallSummary(BaseModel):
    external_id: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None


class CallerPage(BaseModel):
    phone: str | None = Field(description="masked")
    name: str | None
    first_contact: datetime | None
    tickets: list[TicketOut]
    calls: list[CallSummary]


@router.get("/api/callers/of-ticket/{number}", response_model=CallerPage, summary="来电人页：来电人的全部来电与工单")
def caller_of_ticket(
    number: str, session: SessionDep, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> CallerPage:
    """Keyed by a ticket the viewer may see, so the full number never has to reach the browser."""
    ticket = visible_ticket(session, actor, number)
    caller = session.get(Caller, ticket.caller_id) if ticket.caller_id else None
    if caller is None:
        return CallerPage(phone=None, name=None, first_contact=None, tickets=outs(session, [ticket], actor.role),
                          calls=[])  # fmt: skip
    tickets = session.exec(
        select(Ticket).where(Ticket.caller_id == caller.id).order_by(Ticket.created_at.desc()).limit(limit)
    ).all()
    calls = session.exec(
        select(Call).where(Call.caller_id == caller.id).order_by(Call.started_at.desc()).limit(limit)
    ).all()
    shown = shown_caller(ticket.confidential, caller.phone, caller.name, None, actor.role)
    return CallerPage(
        phone=shown.phone,
        name=shown.name,
        first_contact=caller.created_at,
        tickets=outs(session, list(tickets), actor.role),
        calls=[
            CallSummary(
                external_id=c.external_id, started_at=c.started_at, answered_at=c.answered_at, ended_at=c.ended_at
            )
            for c in calls
        ],
    )


@router.get("/api/calls/{external_id}", response_model=CallOut, summary="一通电话及其转写")
def call(external_id: str, session: SessionDep) -> CallOut:
    found = call_by_external_id(session, external_id)
    phone = session.get(Caller, found.caller_id).phone if found.caller_id else None
    return CallOut(
        external_id=found.external_id,
        caller_phone=mask_phone(phone),
        started_at=found.started_at,
        answered_at=found.answered_at,
        ended_at=found.ended_at,
        legs=found.legs,
        recording_ref=found.recording_ref,
        transcript=[SegmentOut.model_validate(s, from_attributes=True) for s in transcript(session, found)],
    )
