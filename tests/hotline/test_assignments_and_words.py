"""Rows the lifecycle keeps beside the history: assignments (派单记录) and the words of each ticket (分词)."""

from itertools import groupby

from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.text import tokenize
from hotline.tickets import service
from hotline.tickets.assignments import FOLLOWED, AssignmentFacts, TicketAssignment, replay
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from hotline.tickets.words import TicketWords, split
from tests.analytics.test_indicators import history


def _facts(row: TicketAssignment) -> AssignmentFacts:
    return AssignmentFacts(**row.model_dump(exclude={"id"}))


def test_assignments_kept_as_tickets_move_equal_a_replay_of_the_history(db, people):
    with Session(engine_for(db)) as session:
        history(session, people)
        kept = [_facts(r) for r in session.exec(select(TicketAssignment).order_by(TicketAssignment.id))]
        events = session.exec(
            select(TicketEvent).where(TicketEvent.action.in_(FOLLOWED)).order_by(TicketEvent.ticket_id,
                                                                                  TicketEvent.id)
        ).all()  # fmt: skip
        replayed = [
            facts
            for ticket_id, steps in groupby(events, key=lambda e: e.ticket_id)
            for facts in replay(ticket_id, ((e.action, e.at, e.after) for e in steps))
        ]
        numbers = {t.id: t.number for t in session.exec(select(Ticket))}
    assert sorted(kept, key=lambda f: (f.ticket_id, f.dispatched_at)) == replayed
    # A, B (twice: the dissatisfied callback reopened it), C (transport, then housing), D; E was answered directly
    assert len(kept) == 6
    assert len({numbers[f.ticket_id] for f in kept}) == 4
    returned = [f for f in kept if f.returned_at is not None]
    assert len(returned) == 1 and not returned[0].current and returned[0].department_id == people.transport.id
    reopened = [f for f in kept if f.callback == "dissatisfied"]
    assert len(reopened) == 1 and not reopened[0].current
    extended = [f for f in kept if f.extension_approved_at is not None]
    assert len(extended) == 1 and extended[0].replied_at is not None
    assert sum(f.current for f in kept) == 4  # one current assignment per dispatched ticket


def test_intake_stores_the_words_of_the_title_and_the_start_of_the_body(session, people):
    body = "A2区芙蓉小区门口的路灯坏了一个多月，晚上很黑。" + "后面的话与诉求无关。" * 40
    ticket = service.intake(session, people.agent, TicketDraft(request_type=RequestType.help, summary="路灯不亮",
                                                               description=body))  # fmt: skip
    words = session.get(TicketWords, ticket.id)
    assert split(words.title) == tokenize("路灯不亮") != []  # what the grouping would cut at report time
    body_words = split(words.body)
    assert "A2区" in body_words and "路灯" in body_words
    assert "无关" in body_words and len(body_words) < 100  # only the first 160 characters are cut
