"""Call distribution on both databases: longest idle, skills, no-answer rollover, abandon, wrap-up, figures."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from hotline.auth.actor import Actor
from hotline.auth.models import Role
from hotline.auth.service import create_user
from hotline.db import at_time, engine_for
from hotline.errors import Conflict, Invalid
from routing.acd import service
from routing.acd.models import AgentState, CallState
from routing.acd.stats import wallboard
from tests.conftest import login_client

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def at(seconds: float):
    return at_time(T0 + timedelta(seconds=seconds))


@pytest.fixture
def agents(session, people) -> dict[str, Actor]:
    made = {"a": people.agent}
    for key in ("b", "c"):
        made[key] = Actor.of(create_user(session, f"agent_{key}", f"座席{key}", "secret-pass-1", Role.agent))
    return made


def ready(session, actor, seconds: float, skills: list[str] | None = None):
    with at(seconds):
        return service.set_state(session, actor, AgentState.ready, skills)


def test_longest_idle_agent_is_offered_first(session, agents):
    ready(session, agents["b"], 0)
    ready(session, agents["a"], 5)
    ready(session, agents["c"], 10)
    with at(20):
        first = service.enqueue(session, "call-1", "13800001111")
        second = service.enqueue(session, "call-2", "13800002222")
    assert (first.state, first.offered_to) == (CallState.offered, agents["b"].id)
    assert second.offered_to == agents["a"].id
    with at(22):
        answered = service.accept(session, agents["b"], first.id)
    assert answered.state == CallState.answered and answered.wait_seconds == pytest.approx(2)
    assert service.presence_of(session, agents["b"].id).state == AgentState.on_call
    with pytest.raises(Conflict) as not_mine:
        service.accept(session, agents["c"], second.id)
    assert not_mine.value.code == "not_offered_to_you"


def test_skills_route_calls_and_a_call_nobody_can_take_waits(session, agents):
    ready(session, agents["a"], 0)
    ready(session, agents["b"], 5, skills=["英语", "企业专席"])
    with at(10):
        english = service.enqueue(session, "call-en", skill="英语")
        dialect = service.enqueue(session, "call-dialect", skill="方言")
        plain = service.enqueue(session, "call-plain")
    assert english.offered_to == agents["b"].id  # not the longest idle, but the only one with the skill
    assert dialect.state == CallState.waiting  # nobody speaks the dialect: it waits...
    assert plain.offered_to == agents["a"].id  # ...without holding up the calls behind it
    with at(15):
        service.set_state(session, agents["c"], AgentState.ready, ["方言"])
    session.refresh(dialect)
    assert dialect.offered_to == agents["c"].id


def test_no_answer_moves_the_call_on_and_the_caller_keeps_their_place(session, agents):
    ready(session, agents["a"], 0)
    with at(1):
        first = service.enqueue(session, "call-old")
    assert first.offered_to == agents["a"].id
    with at(5):
        later = service.enqueue(session, "call-new")
    assert later.state == CallState.waiting
    ready(session, agents["b"], 8)  # b would take the newer call... but only after the older one
    session.refresh(later)
    assert later.offered_to == agents["b"].id
    ready(session, agents["c"], 9)
    with at(17):  # 16 s after the offer to a: no answer
        result = service.tick(session, T0 + timedelta(seconds=17))
    assert result.rolled_over == [first.id]
    session.refresh(first)
    assert first.offered_to == agents["c"].id and first.offer_count == 2
    assert service.presence_of(session, agents["a"].id).state == AgentState.not_ready  # 未接听自动示忙


def test_abandoned_calls_go_on_the_missed_list_until_called_back(session, agents):
    with at(0):
        service.enqueue(session, "call-gone", "13900009999")
    with at(42):
        gone = service.hangup(session, "call-gone")
    assert gone.state == CallState.abandoned and gone.wait_seconds == pytest.approx(42)
    assert [c.call_external_id for c in service.missed_calls(session)] == ["call-gone"]
    service.mark_called_back(session, agents["a"], gone.id)
    assert service.missed_calls(session) == []
    with pytest.raises(Conflict):
        service.mark_called_back(session, agents["a"], gone.id)


def test_ringing_call_abandoned_frees_the_agent(session, agents):
    ready(session, agents["a"], 0)
    with at(1):
        call = service.enqueue(session, "call-ring")
    with at(3):
        service.hangup(session, "call-ring")
    session.refresh(call)
    presence = service.presence_of(session, agents["a"].id)
    assert call.state == CallState.abandoned and presence.state == AgentState.ready


def test_wrap_up_then_ready_for_the_next_call(session, agents, monkeypatch):
    ready(session, agents["a"], 0)
    with at(1):
        call = service.enqueue(session, "call-w1")
        service.accept(session, agents["a"], call.id)
    with at(61):
        service.hangup(session, "call-w1")
        waiting = service.enqueue(session, "call-w2")
    assert service.presence_of(session, agents["a"].id).state == AgentState.wrap_up
    assert waiting.state == CallState.waiting  # nobody else is ready; a is in 话后整理
    ready(session, agents["b"], 62)
    session.refresh(waiting)
    assert waiting.offered_to == agents["b"].id  # b went ready meanwhile
    with at(120):
        service.set_state(session, agents["b"], AgentState.offline)  # b leaves: the offer returns
    session.refresh(waiting)
    assert waiting.state == CallState.waiting
    result = service.tick(session, T0 + timedelta(seconds=92))  # 30 s wrap-up over
    assert result.wrapped_up == [agents["a"].id]
    session.refresh(waiting)
    assert waiting.offered_to == agents["a"].id


def test_on_call_agent_cannot_change_state_and_bad_states_are_refused(session, agents):
    ready(session, agents["a"], 0)
    with at(1):
        call = service.enqueue(session, "call-busy")
        service.accept(session, agents["a"], call.id)
    with pytest.raises(Conflict) as busy:
        service.set_state(session, agents["a"], AgentState.not_ready)
    assert busy.value.code == "agent_on_call"
    with pytest.raises(Invalid):
        service.set_state(session, agents["b"], AgentState.on_call)
    with pytest.raises(Invalid):
        service.set_state(session, agents["b"], AgentState.ready, ["a,b"])
    with pytest.raises(Conflict):
        service.enqueue(session, "call-busy")


def test_wallboard_figures(session, agents):
    ready(session, agents["a"], 0)
    ready(session, agents["b"], 1)
    with at(10):
        quick = service.enqueue(session, "q1")
    with at(14):
        service.accept(session, agents["a"], quick.id)  # 4 s: in time
    with at(20):
        slow = service.enqueue(session, "q2")
    with at(40):
        service.accept(session, agents["b"], slow.id)  # 20 s: late
    with at(50):
        service.enqueue(session, "q3")
    with at(80):
        service.hangup(session, "q3")  # abandoned after 30 s
        service.hangup(session, "q1")  # handled 66 s
    with at(100):
        board = wallboard(session, T0 + timedelta(seconds=100))
    assert (board.offered, board.answered, board.answered_in_time, board.abandoned) == (3, 2, 1, 1)
    assert board.service_level == pytest.approx(1 / 3, abs=1e-4)
    assert board.average_wait_seconds == pytest.approx((4 + 20 + 30) / 3, abs=0.1)
    assert board.average_handle_seconds == pytest.approx(66)
    assert board.agents["wrap_up"] == 1 and board.agents["on_call"] == 1 and board.queue_length == 0


def test_acd_over_http(live_server, people, db):
    def client(key: str) -> httpx.Client:
        return login_client(live_server.url, people.users[key].username)

    agent, supervisor, liaison = client("agent"), client("supervisor"), client("liaison")
    assert agent.post("/api/acd/me/state", json={"state": "ready", "skills": ["英语"]}).json()["state_name"] == "示闲"
    queued = supervisor.post("/api/acd/calls", json={"call_id": "http-1", "caller_phone": "13711112222"})
    assert queued.status_code == 201 and queued.json()["caller_phone"] == "137****2222"
    assert queued.json()["offered_to"] == people.agent.id
    accepted = agent.post(f"/api/acd/calls/{queued.json()['id']}/accept")
    assert accepted.json()["state"] == "answered"
    board = supervisor.get("/api/acd/wallboard").json()
    assert board["agents"]["on_call"] == 1 and board["agent_state_names"]["wrap_up"] == "话后整理"
    assert agent.get("/api/acd/wallboard").status_code == 403
    assert liaison.post("/api/acd/me/state", json={"state": "ready"}).status_code == 403
    bad = agent.post("/api/acd/me/state", json={"state": "sleeping"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    refused = agent.post("/api/acd/me/state", json={"state": "wrap_up"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_agent_state"
    assert supervisor.post("/api/acd/calls", json={"call_id": ""}).status_code == 422
    assert agent.post("/api/acd/calls/by-id/nope/hangup").status_code == 404
    with Session(engine_for(db)) as session:
        assert service.presence_of(session, people.agent.id).state == AgentState.on_call
    for made in (agent, supervisor, liaison):
        made.close()
