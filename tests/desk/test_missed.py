"""Missed calls (未接来电): every callback is recorded with its outcome (callback_attempt); reached or invalid takes
the call off the list, no answer or busy keeps it for another try. On both databases, over real HTTP."""

from sqlmodel import Session, select

from hotline.db import engine_for
from routing.acd import service
from routing.acd.models import CallbackAttempt
from tests.conftest import error_of, login_client


def abandoned(session, call_id: str, phone: str) -> int:
    service.enqueue(session, call_id, phone)
    return service.hangup(session, call_id).id


def test_callback_attempts_are_kept_and_the_list_shrinks_when_reached(session, people, live_server, db):
    first = abandoned(session, "gone-1", "13900009999")
    second = abandoned(session, "gone-2", "13700001111")
    agent = login_client(live_server.url, "agent1")
    listed = agent.get("/api/acd/missed").json()
    assert [(c["id"], c["caller_phone"], c["attempts"]) for c in listed] == [
        (first, "139****9999", []),
        (second, "137****1111", []),
    ]
    busy = agent.post(f"/api/acd/missed/{first}/callback", json={"outcome": "busy"})
    assert busy.status_code == 200 and busy.json()["called_back_at"] is None
    reached = agent.post(f"/api/acd/missed/{first}/callback", json={"outcome": "reached", "note": "已说明"})
    assert reached.json()["called_back_at"] is not None
    assert [a["outcome_name"] for a in reached.json()["attempts"]] == ["占线", "已接通"]
    assert [c["id"] for c in agent.get("/api/acd/missed").json()] == [second]
    error_of(agent.post(f"/api/acd/missed/{first}/callback", json={"outcome": "busy"}), 409, "already_called_back")
    error_of(agent.post(f"/api/acd/missed/{second}/callback", json={"outcome": "maybe"}), 422)
    liaison = login_client(live_server.url, "zj_liaison")
    assert liaison.post(f"/api/acd/missed/{second}/callback", json={"outcome": "busy"}).status_code == 403
    with Session(engine_for(db)) as check:
        rows = check.exec(select(CallbackAttempt).order_by(CallbackAttempt.id)).all()
        assert [(r.queued_call_id, r.outcome, r.by_user_id) for r in rows] == [
            (first, "busy", people.agent.id),
            (first, "reached", people.agent.id),
        ]
