"""Repeat complaints (重复投诉): the same caller or the same place about the same matter, reopened tickets,
dissatisfied callbacks — candidates for 并单 (merge) and 督办 (supervision)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from analytics.period import Period
from analytics.topics import Doc, _texts, group
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.states import OPEN_STATES, TicketState

MERGEABLE = {TicketState.received.value, TicketState.reopened.value}  # where service.merge may start


@dataclass
class RepeatCase:
    kind: str  # 同一来电人 / 同一地点 / 重办 / 回访不满意
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


def repeat_cases(session: Session, period: Period, docs: Sequence[Doc]) -> list[RepeatCase]:
    texts, index = _texts(docs)
    labels = group(texts)
    by_caller: dict[tuple, list[Doc]] = defaultdict(list)
    by_place: dict[tuple, list[Doc]] = defaultdict(list)
    for i, doc in enumerate(docs):
        label = int(labels[index[i]])
        if doc.caller_id is not None:
            by_caller[(doc.caller_id, label)].append(doc)
        place = texts[index[i]].places[:1]
        if place:
            by_place[(place[0], label)].append(doc)
    # Joins rather than `id IN (…)` lists: a city's month has tens of thousands of ids, more than a statement's
    # bind parameters allow (SQLite 32766, PostgreSQL 65535).
    e, t = TicketEvent, Ticket
    flagged_rows = session.execute(
        select(e.ticket_id, e.action, t.number, t.summary, t.state, t.created_at, t.supervised)
        .join(t, t.id == e.ticket_id)
        .where(
            e.at >= period.start, e.at < period.end,
            (e.action == "reopen")
            | ((e.action == "callback") & (e.after["satisfaction"].as_string() == "dissatisfied")),
        )
    ).all()  # fmt: skip
    flagged = [(row[0], row[1]) for row in flagged_rows]
    flagged_ids = {tid for tid, _ in flagged}
    supervised = {row[0] for row in flagged_rows if row[6]}
    supervised |= set(session.scalars(select(t.id).where(t.created_at >= period.start, t.created_at < period.end,
                                                         t.supervised.is_(True))))  # fmt: skip
    cases: list[RepeatCase] = []

    def add(kind: str, subject: str, members: list[Doc]) -> None:
        members = sorted(members, key=lambda d: d.created_at)
        hot = any(d.ticket_id in flagged_ids for d in members)
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
    info = {row[0]: row[:1] + row[2:6] for row in flagged_rows}
    for ticket_id, action in sorted(set(flagged)):
        _, number, summary, state, created_at = info[ticket_id]
        doc = Doc(ticket_id, number, summary, "", created_at, state=state)
        kind = "重办" if action == "reopen" else "回访不满意"
        add(kind, summary, [doc])
    order = {"同一来电人": 0, "同一地点": 1, "重办": 2, "回访不满意": 3}
    cases.sort(key=lambda c: (order[c.kind], -len(c.numbers), c.numbers[0]))
    return cases
