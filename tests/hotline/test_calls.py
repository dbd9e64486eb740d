"""Callers and calls: history by number, transcripts stored per leg, tickets linked to their call."""

import threading

from sqlmodel import Session

from hotline.callers.service import add_segment, end_call, ensure_call
from hotline.db import engine_for
from tests.conftest import error_of, login_client


def test_transcript_segments_and_ticket_link(db, people, live_server):
    with Session(engine_for(db)) as session:
        ensure_call(session, "pbx-call-0001", caller_phone="13912345678")
        add_segment(session, "pbx-call-0001", "agent", 0.0, 1.5, "您好，12345热线", 0.93)
        add_segment(session, "pbx-call-0001", "caller", 1.8, 4.2, "我要反映小区电梯坏了", 0.88)
        end_call(session, "pbx-call-0001")
    agent = login_client(live_server.url, people.users["agent"].username)
    call = agent.get("/api/calls/pbx-call-0001").json()
    assert call["caller_phone"] == "139****5678" and call["ended_at"]
    assert [(s["leg"], s["text"]) for s in call["transcript"]] == [
        ("agent", "您好，12345热线"),
        ("caller", "我要反映小区电梯坏了"),
    ]
    body = {
        "request_type": "求助",
        "summary": "电梯故障",
        "description": "小区电梯坏了",
        "call_id": "pbx-call-0001",
        "caller_phone": "13912345678",
    }
    assert agent.post("/api/tickets", json=body).status_code == 201
    history = agent.get("/api/callers/history", params={"phone": "139-1234-5678"}).json()
    assert history["phone"] == "139****5678" and [t["summary"] for t in history["tickets"]] == ["电梯故障"]
    unknown = agent.post("/api/tickets", json=body | {"call_id": "no-such-call"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "call_not_found"
    assert agent.get("/api/callers/history", params={"phone": "13700000000"}).json()["tickets"] == []
    assert agent.get("/api/callers/history", params={"phone": "abcdefg"}).json()["error"]["code"] == "bad_phone"
    error_of(agent.get("/api/calls/no-such-call"), 404, "call_not_found")
    error_of(agent.get("/api/callers/history", params={"phone": "1" * 21}), 422, "invalid_input")
    agent.close()
    liaison = login_client(live_server.url, people.users["liaison"].username)
    assert liaison.get("/api/calls/pbx-call-0001").status_code == 403
    liaison.close()


def test_first_media_of_one_call_from_two_legs_at_once(db, people):
    errors = []

    def open_leg() -> None:
        try:
            with Session(engine_for(db)) as session:
                ensure_call(session, "pbx-race-1")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_leg) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
