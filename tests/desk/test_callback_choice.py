"""回访不满意: the desk decides where the ticket goes — the same department, another one, or back with 督办."""

import pytest

from hotline.errors import Invalid
from hotline.tickets import service
from hotline.tickets.states import TicketState as S
from hotline.tickets.steps import find_ticket
from tests.hotline.test_lifecycle import bring_to, history


def test_dissatisfied_then_another_department(session, people):
    t = bring_to(session, people, S.callback_pending)
    t = service.callback(session, people.agent, t.number, False, "噪音依旧", then="other",
                         department_id=people.district.id)  # fmt: skip
    assert t.state == S.dispatched and t.department_id == people.district.id and t.reopen_count == 1
    last = history(session, t)[-1]
    assert (last.action, last.note) == ("dispatch", "重办，改派其他单位")


def test_dissatisfied_then_supervised_back_to_the_same_department(session, people):
    t = bring_to(session, people, S.callback_pending)
    t = service.callback(session, people.agent, t.number, False, then="supervise")
    assert t.state == S.dispatched and t.department_id == people.housing.id and t.supervised
    assert [e.action for e in history(session, t)][-4:] == ["callback", "reopen", "dispatch", "supervise"]


def test_another_department_must_be_named_and_differ_and_a_refusal_writes_nothing(session, people):
    t = bring_to(session, people, S.callback_pending)
    before = len(history(session, t))
    with pytest.raises(Invalid) as missing:
        service.callback(session, people.agent, t.number, False, then="other")
    assert missing.value.code == "department_required"
    with pytest.raises(Invalid) as same:
        service.callback(session, people.agent, t.number, False, then="other", department_id=people.housing.id)
    assert same.value.code == "same_department"
    with pytest.raises(Invalid) as unknown:
        service.callback(session, people.agent, t.number, False, then="elsewhere")
    assert unknown.value.code == "bad_reopen_choice"
    session.expire_all()
    assert len(history(session, t)) == before
    assert find_ticket(session, t.number).state == S.callback_pending
