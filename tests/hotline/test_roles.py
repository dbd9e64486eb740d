"""The role matrix: each role × each step, allowed and denied, written out by hand."""

import pytest

from hotline.errors import Forbidden
from hotline.tickets import service
from hotline.tickets.permissions import check_permitted
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import Action, RequestType
from hotline.tickets.steps import record, step
from routing.linkage import service as linkage
from routing.linkage.settings import get_linkage_settings

ROLES = ["agent", "supervisor", "liaison", "manager", "editor", "admin"]

ALLOWED = {
    "intake": {"agent", "supervisor"},
    "answer": {"agent", "supervisor"},
    "dispatch": {"agent", "supervisor"},
    "merge": {"agent", "supervisor"},
    "callback": {"agent", "supervisor"},
    "sign": {"liaison"},
    "return": {"liaison"},
    "request_extension": {"liaison"},
    "reply": {"liaison"},
    "redispatch": {"supervisor"},
    "insist": {"supervisor"},
    "approve_extension": {"supervisor"},
    "refuse_extension": {"supervisor"},
    "accept_reply": {"supervisor"},
    "send_back_reply": {"supervisor"},
    "supervise": {"supervisor", "manager"},
    "remind": {"agent", "supervisor", "manager"},
    "transfer": {"agent", "supervisor"},
    "partner_update": set(),  # only the partners' signed callbacks, as the system
    "partner_intake": set(),
}


@pytest.fixture(autouse=True)
def linkage_partner(monkeypatch):
    monkeypatch.setenv("HOTLINE_LINKAGE_110_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HOTLINE_LINKAGE_CITY_URL", "http://127.0.0.1:9")
    get_linkage_settings.cache_clear()
    yield
    get_linkage_settings.cache_clear()


def _draft() -> TicketDraft:
    return TicketDraft(RequestType.help, "路灯不亮", "A2区某路段路灯已经坏了一周", caller_phone="13700001111")


def _received(s, p):
    return service.intake(s, p.agent, _draft()).number


def _dispatched(s, p):
    return service.dispatch(s, p.agent, _received(s, p), p.housing.id).number


def _returned(s, p):
    return service.return_ticket(s, p.liaison, _dispatched(s, p), "不属于本单位").number


def _in_progress(s, p):
    return service.sign(s, p.liaison, _dispatched(s, p)).number


def _extension_pending(s, p):
    return service.request_extension(s, p.liaison, _in_progress(s, p), 2, "需要协调").number


def _replied(s, p):
    return service.reply(s, p.liaison, _in_progress(s, p), "路灯已经修复完毕").number


def _callback_pending(s, p):
    return service.review_reply(s, p.supervisor, _replied(s, p), accept=True).number


def _transferred(s, p):
    return linkage.transfer(s, p.agent, _received(s, p), "110").number


def _partner_update(s, actor, number):
    with step(s, actor, number, Action.partner_update) as ticket:
        record(s, ticket, actor, Action.partner_update, {}, "已派警")


# step → (how to bring a ticket to where the step applies, the step as a given actor)
STEPS = {
    "intake": (None, lambda s, p, a, n: service.intake(s, a, _draft())),
    "answer": (_received, lambda s, p, a, n: service.answer(s, a, n, "已答复")),
    "dispatch": (_received, lambda s, p, a, n: service.dispatch(s, a, n, p.housing.id)),
    "merge": (_received, lambda s, p, a, n: service.merge(s, a, n, _received(s, p))),
    "callback": (_callback_pending, lambda s, p, a, n: service.callback(s, a, n, True)),
    "sign": (_dispatched, lambda s, p, a, n: service.sign(s, a, n)),
    "return": (_dispatched, lambda s, p, a, n: service.return_ticket(s, a, n, "不属于本单位")),
    "request_extension": (_in_progress, lambda s, p, a, n: service.request_extension(s, a, n, 1, "需要时间")),
    "reply": (_in_progress, lambda s, p, a, n: service.reply(s, a, n, "已经办理完毕")),
    "redispatch": (_returned, lambda s, p, a, n: service.redispatch(s, a, n, p.transport.id)),
    "insist": (_returned, lambda s, p, a, n: service.insist(s, a, n, "维持原派")),
    "approve_extension": (_extension_pending, lambda s, p, a, n: service.decide_extension(s, a, n, True)),
    "refuse_extension": (_extension_pending, lambda s, p, a, n: service.decide_extension(s, a, n, False)),
    "accept_reply": (_replied, lambda s, p, a, n: service.review_reply(s, a, n, True)),
    "send_back_reply": (_replied, lambda s, p, a, n: service.review_reply(s, a, n, False, "不完整")),
    "supervise": (_dispatched, lambda s, p, a, n: service.supervise(s, a, n)),
    "remind": (_dispatched, lambda s, p, a, n: service.remind(s, a, n)),
    "transfer": (_received, lambda s, p, a, n: linkage.transfer(s, a, n, "110")),
    "partner_update": (_transferred, lambda s, p, a, n: _partner_update(s, a, n)),
    "partner_intake": (None, lambda s, p, a, n: check_permitted(a, Action.partner_intake)),
}


@pytest.mark.parametrize("step_name", list(STEPS))
def test_role_matrix(session, people, step_name):
    prepare, run = STEPS[step_name]
    for role in ROLES:
        number = prepare(session, people) if prepare else None
        actor = people.actors[role]
        if role in ALLOWED[step_name]:
            run(session, people, actor, number)
        else:
            with pytest.raises(Forbidden) as denied:
                run(session, people, actor, number)
            assert denied.value.code == "role_forbidden", (step_name, role)
            assert "只能由" in denied.value.message


@pytest.mark.parametrize("step_name", ["sign", "return", "request_extension", "reply"])
def test_a_liaison_cannot_touch_another_departments_ticket(session, people, step_name):
    prepare, run = STEPS[step_name]
    number = prepare(session, people)
    with pytest.raises(Forbidden) as denied:
        run(session, people, people.other_liaison, number)
    assert denied.value.code == "other_department"
