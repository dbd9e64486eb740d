"""A ticket's progress for the caller: plain-language steps, no internal notes, no staff names.

Identity: the ticket's number and the caller's phone. A wrong phone gets exactly the answer an unknown
number gets, so nobody can learn which numbers exist.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from hotline.callers.models import Caller
from hotline.directory.models import Department
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.states import TicketState

PUBLIC_STATE = {
    TicketState.received: "已受理，正在分派承办单位",
    TicketState.dispatched: "已派发承办单位，等待签收",
    TicketState.returned: "正在重新确定承办单位",
    TicketState.in_progress: "承办单位正在办理",
    TicketState.replied: "承办单位已答复，热线正在审核",
    TicketState.callback_pending: "已办理完毕，等待回访",
    TicketState.reopened: "正在重新办理",
    TicketState.closed: "已办结",
    TicketState.merged: "已与相同诉求合并办理",
    TicketState.transferred: "已转联动单位办理",
}


@dataclass
class PublicStep:
    at: datetime
    text: str


@dataclass
class PublicProgress:
    number: str
    request_type: str
    summary: str
    state: str
    state_text: str
    department: str | None
    created_at: datetime
    due_at: datetime | None
    answer: str | None
    steps: list[PublicStep] = field(default_factory=list)


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _step_text(event: TicketEvent, departments: dict[int, str]) -> str | None:
    where = departments.get(event.department_id) if event.department_id else None
    action = event.action
    if action in ("intake", "partner_intake"):
        return "您的诉求已受理"
    if action in ("dispatch", "redispatch", "insist"):
        return f"已交由{where or '承办单位'}办理"
    if action == "sign":
        return f"{where or '承办单位'}已签收，正在办理"
    if action == "return":
        return "承办单位认为不属其职责，热线正在重新确定承办单位"
    if action == "approve_extension":
        return f"办理时限已延长 {event.after.get('extended_days', '')} 个工作日".replace("  ", " ")
    if action == "reply":
        return "承办单位已答复，热线正在审核"
    if action == "accept_reply":
        return "答复已审核通过，等待回访"
    if action == "send_back_reply":
        return "答复需要完善，承办单位继续办理"
    if action == "answer":
        return "热线已直接答复"
    if action == "callback":
        return "已回访"
    if action == "reopen":
        return "根据您的反馈重新办理"
    if action == "close":
        return "已办结"
    if action == "merge" and event.to_state == TicketState.merged:
        return "与相同诉求合并办理"
    if action == "transfer":
        return "已转交联动单位（110 或数字城管）办理"
    if action == "partner_update":
        return f"联动单位反馈：{event.actor_name}已更新办理进展"
    return None  # 督办, 催办, 延期申请 and other internal steps are not shown


def find_progress(session: Session, number: str, phone: str) -> PublicProgress | None:
    ticket = session.exec(select(Ticket).where(Ticket.number == digits(number))).first()
    caller = session.get(Caller, ticket.caller_id) if ticket and ticket.caller_id else None
    if caller is None or digits(caller.phone)[-11:] != digits(phone)[-11:] or not digits(phone):
        return None
    events = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at, TicketEvent.id)
    ).all()
    ids = {e.department_id for e in events if e.department_id} | {ticket.department_id}
    departments = dict(session.exec(select(Department.id, Department.name).where(Department.id.in_(ids))).all())
    steps = [PublicStep(e.at, text) for e in events if (text := _step_text(e, departments))]
    done = ticket.state in (TicketState.callback_pending, TicketState.closed)
    return PublicProgress(
        number=ticket.number,
        request_type=ticket.request_type,
        summary=ticket.summary,
        state=ticket.state,
        state_text=PUBLIC_STATE[TicketState(ticket.state)],
        department=departments.get(ticket.department_id),
        created_at=ticket.created_at,
        due_at=ticket.reply_due_at,
        answer=(ticket.answer or ticket.latest_reply) if done else None,
        steps=steps,
    )
