"""Reading tickets: lists and queues for the desk and the liaison portal, one ticket, its timeline."""

from sqlalchemy import func
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.auth.models import Role
from hotline.callers.models import Caller
from hotline.directory.models import Department
from hotline.tickets.models import Attachment, Ticket, TicketEvent
from hotline.tickets.permissions import check_can_see, check_reads_tickets
from hotline.tickets.privacy import OUTSIDE, inside_centre, mask_numbers, shown_caller
from hotline.tickets.registry import action_name, allowed_actions
from hotline.tickets.schemas import AttachmentOut, DepartmentRef, EventOut, TicketOut
from hotline.tickets.states import OPEN_STATES, STATE_NAMES, TicketState
from hotline.tickets.steps import find_ticket

_S = TicketState
# The centre desk's work queues, and the liaison's list: name → (label, condition).
QUEUES = {
    "to_dispatch": ("待派单", Ticket.state.in_([_S.received, _S.reopened])),
    "returned": ("退单待审", Ticket.state == _S.returned),
    "transfer_failed": ("转办失败", Ticket.state == _S.transfer_failed),
    "extensions": ("延期待审", (Ticket.state == _S.in_progress) & Ticket.pending_extension_days.is_not(None)),
    "replies": ("答复待审", Ticket.state == _S.replied),
    "callbacks": ("待回访", Ticket.state == _S.callback_pending),
    "overdue": ("超期督办", (Ticket.sla_flag == "overdue") & Ticket.state.in_(list(OPEN_STATES))),
    # What waits on the liaison: to sign, or to handle and reply. A replied ticket waits on the centre's review.
    "department": ("本单位待办", Ticket.state.in_([_S.dispatched, _S.in_progress])),
}
CENTRE_QUEUES = ("to_dispatch", "returned", "transfer_failed", "extensions", "replies", "callbacks", "overdue")


def scoped(query, actor: Actor):
    check_reads_tickets(actor)
    if actor.role == Role.liaison:
        return query.where(Ticket.department_id == actor.department_id)
    return query


def to_out(
    ticket: Ticket,
    departments: dict[int, str],
    callers: dict[int, tuple[str, str | None]],
    parents: dict[int, str],
    viewer_role: str | None = OUTSIDE,
) -> TicketOut:
    data = ticket.model_dump(
        exclude={"department_id", "caller_id", "call_id", "parent_id", "created_by_id", "callback_phone"}
    )
    phone, name = callers.get(ticket.caller_id, (None, None)) if ticket.caller_id else (None, None)
    caller = shown_caller(ticket.confidential, phone, name, ticket.callback_phone, viewer_role)
    if not inside_centre(viewer_role):  # a number the caller read out stays masked in the words too
        data["description"] = mask_numbers(data["description"])
    department = (
        DepartmentRef(id=ticket.department_id, name=departments.get(ticket.department_id, "?"))
        if ticket.department_id
        else None
    )
    return TicketOut(
        **data,
        department=department,
        caller_phone=caller.phone,
        caller_name=caller.name,
        callback_phone=caller.callback_phone,
        caller_hidden=caller.hidden,
        has_call=ticket.call_id is not None,
        state_name=STATE_NAMES[TicketState(ticket.state)],
        parent_number=parents.get(ticket.parent_id) if ticket.parent_id else None,
        allowed_actions=allowed_actions(ticket, viewer_role),
    )


def outs(session: Session, tickets: list[Ticket], viewer_role: str | None = OUTSIDE) -> list[TicketOut]:
    """API views of many tickets for a viewer of `viewer_role` (privacy.shown_caller), with three lookups."""
    department_ids = {t.department_id for t in tickets if t.department_id}
    caller_ids = {t.caller_id for t in tickets if t.caller_id}
    parent_ids = {t.parent_id for t in tickets if t.parent_id}
    departments = dict(
        session.exec(select(Department.id, Department.name).where(Department.id.in_(department_ids))).all()
    )
    callers = {
        row[0]: (row[1], row[2])
        for row in session.exec(select(Caller.id, Caller.phone, Caller.name).where(Caller.id.in_(caller_ids))).all()
    }
    parents = dict(session.exec(select(Ticket.id, Ticket.number).where(Ticket.id.in_(parent_ids))).all())
    return [to_out(t, departments, callers, parents, viewer_role) for t in tickets]


def visible_ticket(session: Session, actor: Actor, number: str) -> Ticket:
    ticket = find_ticket(session, number)
    check_can_see(actor, ticket)
    return ticket


def queue_counts(session: Session, actor: Actor) -> dict[str, dict]:
    names = ("department",) if actor.role == Role.liaison else CENTRE_QUEUES
    counts = {}
    for name in names:
        label, condition = QUEUES[name]
        total = session.exec(scoped(select(func.count()).select_from(Ticket), actor).where(condition)).one()
        counts[name] = {"label": label, "count": total}
    return counts


def timeline(session: Session, actor: Actor, number: str) -> list[EventOut]:
    ticket = visible_ticket(session, actor, number)
    events = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at, TicketEvent.id)
    ).all()
    files = session.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    department_ids = {e.department_id for e in events if e.department_id}
    departments = dict(
        session.exec(select(Department.id, Department.name).where(Department.id.in_(department_ids))).all()
    )
    by_event: dict[int, list[AttachmentOut]] = {}
    for item in files:
        by_event.setdefault(item.event_id, []).append(
            AttachmentOut(
                id=item.id,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                url=f"/api/tickets/{ticket.number}/attachments/{item.id}",
            )
        )
    return [
        EventOut(
            id=e.id,
            action=e.action,
            action_name=action_name(e.action),
            at=e.at,
            actor_name=e.actor_name,
            actor_role=e.actor_role,
            department=departments.get(e.department_id),
            from_state=e.from_state,
            to_state=e.to_state,
            to_state_name=STATE_NAMES.get(TicketState(e.to_state)) if e.to_state else None,
            note=e.note,
            before=e.before,
            after=e.after,
            attachments=by_event.get(e.id, []),
        )
        for e in events
    ]
