"""Repeat complaints (重复投诉): the same caller or the same place about the same matter, reopened tickets,
dissatisfied callbacks — candidates for 并单 (merge) and 督办 (supervision)."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from analytics.period import Period
from analytics.topics import Doc, Grouping
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.states import OPEN_STATES, Action, TicketState

MERGEABLE = {TicketState.received.value, TicketState.reopened.value}  # where service.merge may start


@dataclass
class RepeatCase:
    kind: str  # 同一来电人 / 同一地点 / 回访不满意重办
    subject: str
    numbers: list[str]
    ticket_ids: list[int]
    open_count: int
    suggestion: str  # 建议并单 / 建议督办 / 建议并单、督办
    merge_into: str | None  # the main ticket a merge would go into


def _suggest(docs: list[Doc], supervised: set[int], flagged: bool) -> tuple[str, str | None]:
    """并单 when two or more are open and a later one can still be merged; 督办 when open ones are not yet
    supervised and the matter came back (reopened, dissatisfied) or was raised three times or more."""
    open_docs = sorted((d for d in docs if d.state in OPEN_STATES), key=lambda d: d.created_at)
    merge_into = None
    if len(open_docs) >= 2 and any(d.state in MERGEABLE for d in open_docs[1:]):
        merge_into = open_docs[0].number
    words = ["建议并单"] if merge_into else []
    if any(d.ticket_id not in supervised for d in open_docs) and (flagged or len(docs) >= 3):
        words.append("建议督办")
    return "、".join(words) or "关注", merge_into


def _reopened(session: Session, period: Period, district: str | None) -> list[Doc]:
    """Tickets (of the district, when given) reopened (重办) within the period, whenever they were created. A
    ticket is reopened when, and only when, its callback finds the caller dissatisfied (service.callback), so these
    are the dissatisfied callbacks."""
    e, t = TicketEvent, Ticket
    query = (
        select(t.id, t.number, t.summary, t.created_at, t.state, t.supervised)
        .where(t.id.in_(select(e.ticket_id).where(e.action == Action.reopen, e.at >= period.start, e.at < period.end)))
        .order_by(t.id)
    )  # fmt: skip
    rows = session.execute(query.where(t.district == district) if district else query).all()
    return [Doc(i, number, summary, "", created, state=state, supervised=supervised)
            for i, number, summary, created, state, supervised in rows]  # fmt: skip


def repeat_cases(session: Session, period: Period, grouping: Grouping, district: str | None = None) -> list[RepeatCase]:
    """Repeat complaints among the period's tickets of `grouping` (the same matter: the same topic), and the
    tickets of the district (when given) reopened in the period."""
    by_caller: dict[tuple, list[Doc]] = defaultdict(list)
    by_place: dict[tuple, list[Doc]] = defaultdict(list)
    for i in grouping.members(period):
        doc, label = grouping.docs[i], grouping.labels[i]
        if doc.caller_id is not None:
            by_caller[(doc.caller_id, label)].append(doc)
        place = grouping.texts[i].places[:1]
        if place:
            by_place[(place[0], label)].append(doc)
    reopened = _reopened(session, period, district)
    came_back = {d.ticket_id for d in reopened}
    supervised = {d.ticket_id for d in grouping.docs + reopened if d.supervised}
    cases: list[RepeatCase] = []

    def add(kind: str, subject: str, members: list[Doc]) -> None:
        members = sorted(members, key=lambda d: d.created_at)
        hot = any(d.ticket_id in came_back for d in members)
        suggestion, merge_into = _suggest(members, supervised, hot)
        cases.append(RepeatCase(kind, subject, [d.number for d in members], [d.ticket_id for d in members],
                                sum(d.state in OPEN_STATES for d in members), suggestion, merge_into))  # fmt: skip

    for members in by_caller.values():
        if len(members) >= 2:
            add("同一来电人", members[0].title, members)
    for (place, _), members in by_place.items():
        callers = {d.caller_id for d in members}
        if len(members) >= 2 and len(callers) >= 2:
            add("同一地点", f"{place}：{members[0].title}", members)
    for doc in reopened:
        add("回访不满意重办", doc.title, [doc])
    order = {"同一来电人": 0, "同一地点": 1, "回访不满意重办": 2}
    cases.sort(key=lambda c: (order[c.kind], -len(c.numbers), c.numbers[0]))
    return cases
