"""The machinery every lifecycle step shares: load, check, lock, change, record, publish, commit.

A step is one transaction. Either the ticket changes, its history gains the entries and the event is queued
for the bus, or nothing at all happens (the event goes out only after the commit).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.db import claim_row, transaction, utcnow
from hotline.errors import Conflict, NotFound
from hotline.events import Event, publish_after_commit
from hotline.tickets.assignments import follow_step
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.permissions import check_can_see, check_permitted
from hotline.tickets.registry import action_name, allowed_from
from hotline.tickets.states import STATE_NAMES, Action, TicketState


def find_ticket(session: Session, number: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        raise NotFound(f"没有编号为 {number} 的工单", code="ticket_not_found")
    return ticket


def check_state(ticket: Ticket, action: Action) -> None:
    allowed = allowed_from(action)
    if ticket.state not in allowed:
        expected = "、".join(STATE_NAMES[s] for s in TicketState if s in allowed)
        raise Conflict(
            f"工单 {ticket.number} 当前为「{STATE_NAMES[TicketState(ticket.state)]}」，不能{action_name(action)}"
            f"（仅在{expected}时可以）",
            code="illegal_transition",
            state=ticket.state,
            action=action.value,
        )


def claim(session: Session, ticket: Ticket) -> None:
    """Optimistic lock: bump the version only if nobody else changed the ticket since we read it."""
    if not claim_row(session, Ticket, ticket.id, ticket.version):
        raise Conflict(f"工单 {ticket.number} 刚被他人处理，请刷新后重试", code="stale_ticket")
    # Keep the loaded object in step with the row without letting the ORM write the version again.
    session.expire(ticket, ["version"])


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def record(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    action: Action,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
    department_id: int | None = None,
) -> TicketEvent:
    """Apply `changes` to the ticket and append one history entry with what they were before and after."""
    changes = changes or {}
    from_state = ticket.state
    from_department = ticket.department_id
    before = {field: _plain(getattr(ticket, field)) for field in changes}
    now = utcnow()
    for field, value in changes.items():
        setattr(ticket, field, value)
    ticket.updated_at = now
    entry = TicketEvent(
        ticket_id=ticket.id,
        action=action.value,
        at=now,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_role=actor.role,
        department_id=department_id if department_id is not None else ticket.department_id,
        from_state=from_state,
        to_state=ticket.state,
        note=note,
        before=before,
        after={field: _plain(value) for field, value in changes.items()},
    )
    session.add(ticket)
    session.add(entry)
    follow_step(session, entry)
    publish_after_commit(
        session,
        Event(
            type=f"ticket.{action.value}",
            payload={
                "ticket_id": ticket.id,
                "number": ticket.number,
                "action": action.value,
                "action_name": action_name(action),
                "from_state": from_state,
                "state": ticket.state,
                "department_id": ticket.department_id,
                # Both ends of a (re)dispatch hear of it: the department that loses the ticket too.
                "department_ids": sorted({d for d in (from_department, ticket.department_id) if d is not None}),
                "actor": actor.name,
                "actor_role": actor.role,
                "at": now.isoformat(),
            },
        ),
    )
    return entry


@contextmanager
def step(session: Session, actor: Actor, number: str, action: Action) -> Iterator[Ticket]:
    """Load the ticket, check role, scope and state, lock it; commit on success, roll back on any error."""
    with transaction(session):
        ticket = find_ticket(session, number)
        check_permitted(actor, action)
        check_can_see(actor, ticket)
        check_state(ticket, action)
        claim(session, ticket)
        yield ticket
    session.refresh(ticket)
