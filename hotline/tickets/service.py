"""The ticket lifecycle (工单流转): one function per step, each a complete transaction.

intake ─► answer ─────────────────────────────────────────────► callback_pending / closed
   └────► dispatch ─► sign ─► (extension) ─► reply ─► accept ─► callback ─► closed
             │  └───► return ─► redispatch / insist ─┘    └► send back      └► dissatisfied: reopen ─► dispatch
   merge: a repeat request joins an open ticket and closes with it.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.callers.service import caller_for, normalise_phone
from hotline.clock import callback_due, dispatch_deadlines, extended_due
from hotline.db import transaction, utcnow
from hotline.directory.service import active_department
from hotline.errors import Conflict, Invalid
from hotline.tickets.attachments import StoredFile
from hotline.tickets.models import Attachment, Ticket
from hotline.tickets.numbers import next_ticket_number
from hotline.tickets.permissions import check_can_see, check_permitted
from hotline.tickets.registry import handles
from hotline.tickets.states import OPEN_STATES, Action, Channel, RequestType, TicketState, Urgency
from hotline.tickets.steps import check_state, claim, find_ticket, record, step
from hotline.tickets.words import store_words


@dataclass(frozen=True)
class TicketDraft:
    """What intake needs; validated at the API edge, checked again here for other callers."""

    request_type: RequestType
    summary: str
    description: str
    channel: Channel = Channel.phone
    caller_phone: str | None = None
    caller_name: str | None = None
    topic: str | None = None
    subtopic: str | None = None
    district: str | None = None
    address: str | None = None
    urgency: Urgency = Urgency.normal
    call_id: int | None = None
    callback_phone: str | None = None
    confidential: bool = False


def intake(session: Session, actor: Actor, draft: TicketDraft) -> Ticket:
    """受理: a new ticket in the dispatch queue, with a number the caller can note down."""
    check_permitted(actor, Action.intake)
    if not draft.summary.strip() or not draft.description.strip():
        raise Invalid("诉求摘要和诉求内容都不能为空", code="empty_ticket")
    with transaction(session):
        caller = caller_for(session, draft.caller_phone, draft.caller_name) if draft.caller_phone else None
        now = utcnow()
        ticket = Ticket(
            number=next_ticket_number(session, now),
            channel=draft.channel,
            request_type=draft.request_type,
            topic=draft.topic,
            subtopic=draft.subtopic,
            district=draft.district,
            address=draft.address,
            urgency=draft.urgency,
            summary=draft.summary.strip(),
            description=draft.description.strip(),
            caller_id=caller.id if caller else None,
            callback_phone=normalise_phone(draft.callback_phone) if draft.callback_phone else None,
            confidential=draft.confidential,
            call_id=draft.call_id,
            created_by_id=actor.id,
            created_at=now,
        )
        session.add(ticket)
        session.flush()
        store_words(session, ticket.id, ticket.summary, ticket.description)
        record(session, ticket, actor, Action.intake, {"state": TicketState.received})
    session.refresh(ticket)
    return ticket


def _close_children(session: Session, parent: Ticket, actor: Actor) -> None:
    children = session.exec(
        select(Ticket).where(Ticket.parent_id == parent.id, Ticket.state == TicketState.merged)
    ).all()
    for child in children:
        claim(session, child)
        record(
            session,
            child,
            actor,
            Action.close,
            {"state": TicketState.closed, "closed_at": utcnow(), "satisfaction": parent.satisfaction},
            note=f"随主单 {parent.number} 办结",
        )


def close_ticket(session: Session, ticket: Ticket, actor: Actor, note: str | None, **changes: object) -> None:
    """办结 inside another step's transaction: merged children close with the ticket (linkage closes so too)."""
    record(session, ticket, actor, Action.close, {"state": TicketState.closed, "closed_at": utcnow(), **changes}, note)
    _close_children(session, ticket, actor)


@handles(Action.answer)
def answer(
    session: Session, actor: Actor, number: str, text: str, knowledge_ref: str | None = None, callback: bool = False
) -> Ticket:
    """直接答复: the agent answers from the knowledge base; closes now, or after a callback if asked for."""
    if not text.strip():
        raise Invalid("答复内容不能为空", code="empty_answer")
    with step(session, actor, number, Action.answer) as ticket:
        changes: dict = {"answer": text.strip(), "knowledge_ref": knowledge_ref}
        if callback:
            changes |= {"state": TicketState.callback_pending, "callback_due_at": callback_due(utcnow())}
            record(session, ticket, actor, Action.answer, changes, note=text.strip())
        else:
            record(session, ticket, actor, Action.answer, changes, note=text.strip())
            close_ticket(session, ticket, actor, "直接答复办结")
    return ticket


def _dispatch_changes(ticket: Ticket, department_id: int) -> dict:
    now = utcnow()
    due = dispatch_deadlines(
        now, ticket.request_type, ticket.urgency == Urgency.urgent, high=ticket.urgency == Urgency.high
    )
    return {
        "state": TicketState.dispatched,
        "department_id": department_id,
        "dispatched_at": now,
        "sign_due_at": due.sign_due_at,
        "reply_due_at": due.reply_due_at,
        "sla_flag": None,
    }


@handles(Action.dispatch)
def dispatch(session: Session, actor: Actor, number: str, department_id: int, note: str | None = None) -> Ticket:
    """派单: to a department, starting the sign-for and handling clocks."""
    with step(session, actor, number, Action.dispatch) as ticket:
        active_department(session, department_id)
        record(session, ticket, actor, Action.dispatch, _dispatch_changes(ticket, department_id), note)
    return ticket


@handles(Action.sign)
def sign(session: Session, actor: Actor, number: str, note: str | None = None) -> Ticket:
    """签收: the department's liaison takes the ticket; it is now being handled."""
    with step(session, actor, number, Action.sign) as ticket:
        record(session, ticket, actor, Action.sign, {"state": TicketState.in_progress, "sla_flag": None}, note)
    return ticket


def _required(text: str | None, what: str, code: str) -> str:
    if not text or len(text.strip()) < 2:
        raise Invalid(f"请填写{what}", code=code)
    return text.strip()


@handles(Action.return_)
def return_ticket(session: Session, actor: Actor, number: str, reason: str) -> Ticket:
    """退单: a wrong dispatch goes back to the centre with a reason."""
    reason = _required(reason, "退单理由", "reason_required")
    with step(session, actor, number, Action.return_) as ticket:
        changes = {"state": TicketState.returned, "return_count": ticket.return_count + 1, "sla_flag": None}
        record(session, ticket, actor, Action.return_, changes, reason)
    return ticket


@handles(Action.redispatch)
def redispatch(session: Session, actor: Actor, number: str, department_id: int, note: str | None = None) -> Ticket:
    """改派: the centre accepts the return and sends the ticket to another department."""
    with step(session, actor, number, Action.redispatch) as ticket:
        if department_id == ticket.department_id:
            raise Invalid("改派须选择其他承办单位；坚持原单位请用「维持原派」", code="same_department")
        active_department(session, department_id)
        previous = ticket.department_id
        record(session, ticket, actor, Action.redispatch, _dispatch_changes(ticket, department_id), note, previous)
    return ticket


@handles(Action.insist)
def insist(session: Session, actor: Actor, number: str, note: str) -> Ticket:
    """维持原派: the centre refuses the return; the same department must handle it, clocks restart."""
    note = _required(note, "维持原派的理由", "reason_required")
    with step(session, actor, number, Action.insist) as ticket:
        record(session, ticket, actor, Action.insist, _dispatch_changes(ticket, ticket.department_id), note)
    return ticket


MAX_EXTENSION_DAYS = 30


@handles(Action.request_extension)
def request_extension(session: Session, actor: Actor, number: str, days: int, reason: str) -> Ticket:
    """延期申请: the department asks for more working days; the centre decides."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Invalid(f"延期天数应为 1 至 {MAX_EXTENSION_DAYS} 个工作日", code="bad_extension_days")
    reason = _required(reason, "延期理由", "reason_required")
    with step(session, actor, number, Action.request_extension) as ticket:
        if ticket.pending_extension_days:
            raise Conflict("已有一个延期申请待中心审核", code="extension_pending")
        changes = {"pending_extension_days": days, "pending_extension_reason": reason}
        record(session, ticket, actor, Action.request_extension, changes, reason)
    return ticket


@handles(Action.approve_extension)
def decide_extension(session: Session, actor: Actor, number: str, approve: bool, note: str | None = None) -> Ticket:
    """同意 / 不同意延期: approving moves the reply deadline by the requested working days."""
    action = Action.approve_extension if approve else Action.refuse_extension
    with step(session, actor, number, action) as ticket:
        days = ticket.pending_extension_days
        if not days:
            raise Conflict(f"工单 {number} 没有待审核的延期申请", code="no_extension_pending")
        changes: dict = {"pending_extension_days": None, "pending_extension_reason": None}
        if approve:
            changes |= {
                "reply_due_at": extended_due(ticket.reply_due_at, days),
                "extended_days": ticket.extended_days + days,
                "sla_flag": None,
            }
        record(session, ticket, actor, action, changes, note)
    return ticket


def check_can_reply(session: Session, actor: Actor, number: str) -> None:
    """The checks of `reply`, without changing anything: lets the API refuse before storing uploads."""
    ticket = find_ticket(session, number)
    check_permitted(actor, Action.reply)
    check_can_see(actor, ticket)
    check_state(ticket, Action.reply)
    session.rollback()


@handles(Action.reply)
def reply(session: Session, actor: Actor, number: str, text: str, attachments: Sequence[StoredFile] = ()) -> Ticket:
    """答复: the department reports what it did, with files if any; the centre reviews the reply."""
    if not text or len(text.strip()) < 5:
        raise Invalid("答复内容太短，请写明办理情况（至少 5 个字）", code="reply_too_short")
    with step(session, actor, number, Action.reply) as ticket:
        changes = {
            "state": TicketState.replied,
            "latest_reply": text.strip(),
            "pending_extension_days": None,
            "pending_extension_reason": None,
            "sla_flag": None,
        }
        entry = record(session, ticket, actor, Action.reply, changes, text.strip())
        session.flush()
        for stored in attachments:
            session.add(Attachment(ticket_id=ticket.id, event_id=entry.id, uploaded_by_id=actor.id, **asdict(stored)))
    return ticket


@handles(Action.accept_reply)
def review_reply(session: Session, actor: Actor, number: str, accept: bool, note: str | None = None) -> Ticket:
    """审核答复: accept (then call the caller back) or send back to the department to answer again."""
    action = Action.accept_reply if accept else Action.send_back_reply
    if not accept:
        note = _required(note, "退回理由", "reason_required")
    with step(session, actor, number, action) as ticket:
        if accept:
            changes = {"state": TicketState.callback_pending, "callback_due_at": callback_due(utcnow())}
        else:
            changes = {"state": TicketState.in_progress}
        record(session, ticket, actor, action, changes, note)
    return ticket


# What the desk decides after a dissatisfied callback (回访不满意): back to the same department, to another, or 督办.
REOPEN_CHOICES = {"same": "派回原承办单位", "other": "改派其他单位", "supervise": "派回原承办单位并督办"}


@handles(Action.callback)
def callback(
    session: Session,
    actor: Actor,
    number: str,
    satisfied: bool,
    note: str | None = None,
    then: str = "same",
    department_id: int | None = None,
) -> Ticket:
    """回访: satisfied closes (办结); dissatisfied reopens (重办) and goes where the desk chose (`then`)."""
    if then not in REOPEN_CHOICES:
        raise Invalid(f"未知的重办去向 {then}（可选：{'、'.join(REOPEN_CHOICES)}）", code="bad_reopen_choice")
    if not satisfied and then == "other" and not department_id:
        raise Invalid("改派其他单位时请选择承办单位", code="department_required")
    with step(session, actor, number, Action.callback) as ticket:
        verdict = "satisfied" if satisfied else "dissatisfied"
        record(session, ticket, actor, Action.callback, {"satisfaction": verdict}, note)
        if satisfied:
            close_ticket(session, ticket, actor, "回访满意，办结")
        else:
            changes = {"state": TicketState.reopened, "reopen_count": ticket.reopen_count + 1}
            record(session, ticket, actor, Action.reopen, changes, "回访不满意，重办")
            target = department_id if then == "other" else ticket.department_id
            if then == "other":
                if target == ticket.department_id:
                    raise Invalid("改派的承办单位与原承办单位相同", code="same_department")
                active_department(session, target)
            if target is not None:
                changes = _dispatch_changes(ticket, target)
                record(session, ticket, actor, Action.dispatch, changes, f"重办，{REOPEN_CHOICES[then]}")
            if then == "supervise":
                record(session, ticket, actor, Action.supervise, {"supervised": True}, "回访不满意，督办")
    return ticket


@handles(Action.merge)
def merge(session: Session, actor: Actor, number: str, into_number: str, note: str | None = None) -> Ticket:
    """并单: a repeat request becomes a child of an open ticket and is closed together with it."""
    if number == into_number:
        raise Invalid("不能把工单并入它自己", code="merge_into_self")
    with step(session, actor, number, Action.merge) as child:
        parent = find_ticket(session, into_number)
        if parent.state not in OPEN_STATES:
            raise Conflict(f"主单 {into_number} 已办结或已并单，不能再并入", code="parent_not_open")
        if parent.parent_id is not None:
            raise Conflict(f"主单 {into_number} 本身是子单", code="parent_is_child")
        claim(session, parent)
        record(session, child, actor, Action.merge, {"state": TicketState.merged, "parent_id": parent.id}, note)
        record(session, parent, actor, Action.merge, {}, f"并入重复诉求 {child.number}" + (f"：{note}" if note else ""))
    return child


@handles(Action.supervise)
def supervise(session: Session, actor: Actor, number: str, note: str | None = None) -> Ticket:
    """督办: a manager (or the overdue clock) flags the ticket for close attention."""
    with step(session, actor, number, Action.supervise) as ticket:
        record(session, ticket, actor, Action.supervise, {"supervised": True}, note)
    return ticket


@handles(Action.remind)
def remind(session: Session, actor: Actor, number: str, note: str | None = None) -> Ticket:
    """催办: a reminder to the department holding the ticket."""
    with step(session, actor, number, Action.remind) as ticket:
        record(session, ticket, actor, Action.remind, {"reminder_count": ticket.reminder_count + 1}, note)
    return ticket


__all__ = [
    "TicketDraft",
    "answer",
    "callback",
    "check_can_reply",
    "close_ticket",
    "decide_extension",
    "dispatch",
    "insist",
    "intake",
    "merge",
    "redispatch",
    "remind",
    "request_extension",
    "return_ticket",
    "review_reply",
    "sign",
    "supervise",
]
