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
from hotline.tickets.registry import STEPS
from hotline.tickets.states import Action, TicketState

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
    TicketState.transfer_failed: "正在转联动单位办理",
}


@dataclass
class PublicStep:
    at: datetime
    text: str
    merged: bool = False  # a step of the main ticket this one was merged into (并单): the shared handling


@dataclass
class PublicProgress:
    number: str
    request_type: str
    summary: str
    state: str  # the caller's own ticket's
    state_text: str  # where the handling stands: the main ticket's once merged
    department: str | None
    created_at: datetime
    due_at: datetime | None
    answer: str | None
    steps: list[PublicStep] = field(default_factory=list)
    merged: bool = False  # handled together with the same request of others (并单)


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _step_text(event: TicketEvent, departments: dict[int, str], own: bool = True) -> str | None:
    """The step in plain words; None for internal steps. `own`: a step of the caller's own ticket, not of the main
    ticket of a merge, whose intake and callback were another person's."""
    if event.action == Action.merge and event.to_state != TicketState.merged:
        return None  # the main ticket's note of a merge is for the centre
    found = STEPS.get(Action(event.action))
    if found is None or found.public is None:
        return None  # 督办, 催办, 延期申请 and other internal steps are not shown
    where = (departments.get(event.department_id) if event.department_id else None) or "承办单位"
    days = event.after.get("extended_days", "")
    text = found.public.text(own, where=where, actor=event.actor_name, extended_days=days)
    return text.replace("  ", " ") if text else None


MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_QUOTED = r"[“\"「『][^”\"」』\n]{0,30}[”\"」』]"  # “UU008810”, “房价伤不起”
_HANDLE = r"[A-Za-z0-9_.\-]{2,30}"  # UU0081233, chlm-2014
_NAME = r"[^\s“”\"「」『』：:；;，,！!。、]{1,8}"  # 张先生, 依水之边同志
# Whom a reply opens by addressing (网友“UU008810”您好 / UU0081557： / “叮了咚” 网友： / 张先生：您好): at the start,
# before a colon or a greeting. Most real replies open so.
ADDRESS = re.compile(
    rf"^\s*(?:来信)?(?:网友|网民)?[\s_]*(?:{_QUOTED}|{_HANDLE}|{_NAME})\s*(?:网友|网民)?\s*"
    r"(?=[：:；;]|[，,]?\s*(?:您好|你好))"
)
# A web user's handle anywhere (来信网友“UU0082406”自述…, 网友UU0081233, 尊敬的“UU0081081”：您好, “UU008582”您反映的…,
# a quoted name opening the text): the platform's name for a person. Of the 2,816 real replies 7 keep one.
HANDLE = re.compile(
    rf"(?:网友|网民)[\s_]*(?:{_QUOTED}|{_HANDLE})"
    rf"|{_QUOTED}\s*(?=网友|网民|[：:]|[，,]?\s*(?:您|你好))|^\s*{_QUOTED}"
)


def without_identity(text: str, caller: Caller | None) -> str:
    """The main ticket's answer as another caller may read it: whom it addresses, its caller's name and phone, and
    any mobile number taken out (a department's reply often opens with the caller's name and says whom it called)."""
    text = ADDRESS.sub("市民", text, count=1)
    text = HANDLE.sub(lambda m: "网友" if m[0].startswith(("网友", "网民")) else "市民", text)
    if caller is not None:
        for secret in (caller.phone, caller.name):
            if secret and len(secret) > 1:  # a one-character name would blank every use of that character
                text = text.replace(secret, "***")
    return MOBILE.sub("***", text)


def _events(session: Session, ticket_id: int) -> list[TicketEvent]:
    return list(session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.id)
    ).all())  # fmt: skip


def find_progress(session: Session, number: str, phone: str) -> PublicProgress | None:
    """The ticket's progress for its caller. A merged ticket (并单) shows the main ticket's handling — its state,
    department, deadline, steps after the caller's own and its answer — but nothing of the main ticket's caller."""
    ticket = session.exec(select(Ticket).where(Ticket.number == digits(number))).first()
    caller = session.get(Caller, ticket.caller_id) if ticket and ticket.caller_id else None
    if caller is None or digits(caller.phone)[-11:] != digits(phone)[-11:] or not digits(phone):
        return None
    main = session.get(Ticket, ticket.parent_id) if ticket.parent_id else None
    handling = main or ticket  # the ticket whose handling the caller waits on
    events = _events(session, ticket.id)
    shared = _events(session, main.id) if main else []
    ids = {e.department_id for e in events + shared if e.department_id} | {handling.department_id}
    departments = dict(session.exec(select(Department.id, Department.name).where(Department.id.in_(ids))).all())
    if main:  # their own steps up to the merge, then the main ticket's handling (before the merge too)
        merge = next(e for e in events if e.action == Action.merge and e.to_state == TicketState.merged)
        steps = [PublicStep(e.at, text) for e in events if e.at <= merge.at and (text := _step_text(e, departments))]
        steps += [PublicStep(e.at, text, merged=True) for e in shared
                  if (text := _step_text(e, departments, own=False))]  # fmt: skip
    else:
        steps = [PublicStep(e.at, text) for e in events if (text := _step_text(e, departments))]
    done = handling.state in (TicketState.callback_pending, TicketState.closed)
    answer = (handling.answer or handling.latest_reply) if done else None
    if main and answer and main.caller_id != ticket.caller_id:  # another person's ticket
        answer = without_identity(answer, session.get(Caller, main.caller_id) if main.caller_id else None)
    state_text = PUBLIC_STATE[TicketState(handling.state)]
    return PublicProgress(
        number=ticket.number,
        request_type=ticket.request_type,
        summary=ticket.summary,
        state=ticket.state,
        state_text=f"已与相同诉求合并办理，{state_text}" if main else state_text,
        department=departments.get(handling.department_id),
        created_at=ticket.created_at,
        due_at=handling.reply_due_at,
        answer=answer,
        steps=steps,
        merged=main is not None,
    )
