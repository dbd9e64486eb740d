"""派单记录 (assignments): one row for each time a ticket is sent to a department, followed until it leaves it.

An assignment starts with a dispatch, re-dispatch or insist (派单 / 改派 / 维持原派) and ends when the ticket is
returned (退单), reopened after a dissatisfied callback (重办) or dispatched again. Department performance
(analytics) counts these rows: a month's figures read one row per dispatch instead of replaying the six or so
history entries behind each. The rows are kept as the ticket moves, in the step's own transaction
(`steps.record` calls `follow_step`), so they never disagree with the history; `replay` builds the same rows
from a history (the migration that added the table, the benchmark's generator, and the test that checks both).
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, Session, SQLModel, select

from hotline.db import UTCDateTime
from hotline.tickets.models import TicketEvent
from hotline.tickets.registry import STEPS, Assignment
from hotline.tickets.states import Action

# Which steps start or touch an assignment is declared with the steps (registry.Step.assignment).
DISPATCHES = tuple(s.action.value for s in STEPS.values() if s.assignment == Assignment.starts)
FOLLOWED = (*DISPATCHES, *(s.action.value for s in STEPS.values() if s.assignment == Assignment.follows))


@dataclass
class AssignmentFacts:
    """What happened to one assignment. Each moment is kept so figures can be taken as of an earlier time."""

    ticket_id: int
    department_id: int | None
    dispatched_at: datetime
    sign_due_at: datetime | None
    reply_due_at: datetime | None  # after an approved extension, the extended deadline
    signed_at: datetime | None = None  # the first signature
    returned_at: datetime | None = None
    extension_requested_at: datetime | None = None
    extension_approved_at: datetime | None = None
    last_reply_at: datetime | None = None
    replied_at: datetime | None = None  # the reply the centre accepted (办结答复)
    reply_accepted_at: datetime | None = None
    callback: str | None = None  # satisfied / dissatisfied: the first callback
    callback_at: datetime | None = None
    current: bool = True  # the ticket is still with this department


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def start(ticket_id: int, at: datetime, after: Mapping[str, Any]) -> AssignmentFacts:
    """A new assignment from a dispatch step's recorded changes."""
    return AssignmentFacts(ticket_id, after.get("department_id"), at, _when(after.get("sign_due_at")),
                           _when(after.get("reply_due_at")))  # fmt: skip


def apply(facts: "AssignmentFacts | TicketAssignment", action: str, at: datetime, after: Mapping[str, Any]) -> None:
    """What a later step of the ticket changes on its current assignment (dispatches start a new one)."""
    if action == Action.sign:
        facts.signed_at = facts.signed_at or at
    elif action == Action.return_:
        facts.returned_at, facts.current = at, False
    elif action == Action.reopen:
        facts.current = False
    elif action == Action.request_extension:
        facts.extension_requested_at = facts.extension_requested_at or at
    elif action == Action.approve_extension:
        facts.extension_approved_at = facts.extension_approved_at or at
        facts.reply_due_at = _when(after.get("reply_due_at")) or facts.reply_due_at
    elif action == Action.reply:
        facts.last_reply_at = at
    elif action == Action.accept_reply and facts.replied_at is None:
        facts.replied_at, facts.reply_accepted_at = facts.last_reply_at, at
    elif action == Action.callback and facts.callback is None:
        facts.callback, facts.callback_at = after.get("satisfaction"), at


def replay(ticket_id: int, steps: Iterable[tuple[str, datetime, Mapping[str, Any]]]) -> list[AssignmentFacts]:
    """Every assignment of one ticket from its history: (action, at, after) in the order they happened."""
    found: list[AssignmentFacts] = []
    for action, at, after in steps:
        if action in DISPATCHES:
            if found:
                found[-1].current = False
            found.append(start(ticket_id, at, after))
        elif found and found[-1].current:
            apply(found[-1], action, at, after)
    return found


def _when_column(index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=index))


class TicketAssignment(SQLModel, table=True):
    """派单记录: the columns of AssignmentFacts."""

    __tablename__ = "ticket_assignment"
    __table_args__ = (Index("ix_ticket_assignment_ticket_current", "ticket_id", "current"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    dispatched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    sign_due_at: datetime | None = _when_column()
    reply_due_at: datetime | None = _when_column()
    signed_at: datetime | None = _when_column()
    returned_at: datetime | None = _when_column()
    extension_requested_at: datetime | None = _when_column()
    extension_approved_at: datetime | None = _when_column()
    last_reply_at: datetime | None = _when_column()
    replied_at: datetime | None = _when_column()
    reply_accepted_at: datetime | None = _when_column()
    callback: str | None = Field(default=None, max_length=16)
    callback_at: datetime | None = _when_column()
    current: bool = True


def follow_step(session: Session, entry: TicketEvent) -> None:
    """Keep the ticket's assignments in step with a history entry being recorded (same transaction)."""
    if entry.action not in FOLLOWED:
        return
    current = session.exec(
        select(TicketAssignment).where(TicketAssignment.ticket_id == entry.ticket_id, TicketAssignment.current)
    ).first()
    if entry.action in DISPATCHES:
        if current is not None:
            current.current = False
            session.add(current)
        session.add(TicketAssignment(**asdict(start(entry.ticket_id, entry.at, entry.after))))
    elif current is not None:
        apply(current, entry.action, entry.at, entry.after)
        session.add(current)
