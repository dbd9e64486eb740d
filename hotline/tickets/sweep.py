"""The clocks' sweep: marks tickets near their due time (催办) and past it (督办), and tells everybody.

Runs every `sweep_interval_seconds` inside the app (on the one worker holding its lease, hotline.cluster), or
once with `hotline sweep`. Each ticket is its own transaction, so one ticket that cannot be updated (another
sweep got there first) never stops the rest.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from hotline.auth.actor import SYSTEM
from hotline.clock import is_near_due
from hotline.db import get_engine, utcnow
from hotline.errors import Conflict
from hotline.localtime import format_centre
from hotline.tickets.models import Ticket
from hotline.tickets.states import Action, TicketState, Urgency
from hotline.tickets.steps import claim, record

log = logging.getLogger(__name__)

# The due time that matters in each state, what it is called on the screen, and when its clock started.
CURRENT_DUE = {
    TicketState.dispatched: ("sign_due_at", "签收", "dispatched_at"),
    TicketState.in_progress: ("reply_due_at", "答复", "dispatched_at"),
    TicketState.callback_pending: ("callback_due_at", "回访", None),
}
# Near-due is counted in working hours; a long holiday can put that many calendar days before the due time.
LOOKAHEAD = timedelta(days=15)


@dataclass
class SweepResult:
    near_due: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)


def current_due(ticket: Ticket) -> tuple[datetime, str, datetime | None] | None:
    entry = CURRENT_DUE.get(TicketState(ticket.state))
    if entry is None:
        return None
    due_field, what, start_field = entry
    due = getattr(ticket, due_field)
    return (due, what, getattr(ticket, start_field) if start_field else None) if due else None


def _local(moment: datetime) -> str:
    return format_centre(moment)


def _mark(session: Session, ticket: Ticket, now: datetime, result: SweepResult) -> None:
    found = current_due(ticket)
    if found is None:
        return
    due, what, started_at = found
    if ticket.sla_flag == "overdue":
        # Already supervised: this ticket was read after another sweep (another worker, or a lease holder that
        # has just lost its job) marked it. Its version is current, so the optimistic lock alone would not stop
        # a second 督办.
        return
    if now > due:
        claim(session, ticket)
        note = f"已超期：应于 {_local(due)} 前{what}，系统自动督办"
        record(session, ticket, SYSTEM, Action.supervise, {"sla_flag": "overdue", "supervised": True}, note)
        result.overdue.append(ticket.number)
    elif ticket.sla_flag is None and is_near_due(now, due, ticket.urgency == Urgency.urgent, started_at=started_at):
        claim(session, ticket)
        note = f"临期预警：请于 {_local(due)} 前{what}，系统自动催办"
        changes = {"sla_flag": "near_due", "reminder_count": ticket.reminder_count + 1}
        record(session, ticket, SYSTEM, Action.remind, changes, note)
        result.near_due.append(ticket.number)


def sweep(session: Session, now: datetime | None = None) -> SweepResult:
    now = now or utcnow()
    result = SweepResult()
    due_columns = [Ticket.sign_due_at, Ticket.reply_due_at, Ticket.callback_due_at]
    candidates = session.exec(
        select(Ticket.id).where(
            Ticket.state.in_(list(CURRENT_DUE)),
            or_(Ticket.sla_flag.is_(None), Ticket.sla_flag == "near_due"),
            or_(*(column <= now + LOOKAHEAD for column in due_columns)),
        )
    ).all()
    for ticket_id in candidates:
        ticket = session.get(Ticket, ticket_id)
        try:
            _mark(session, ticket, now, result)
            session.commit()
        except Conflict:
            session.rollback()
    return result


def sweep_once() -> SweepResult:
    with Session(get_engine()) as session:
        return sweep(session)
