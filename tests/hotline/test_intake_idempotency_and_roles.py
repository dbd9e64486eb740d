"""Issue 14 #10: a client retrying an intake with `Idempotency-Key` gets the same ticket, and the knowledge editor
role reads no tickets. Over loopback HTTP against the real app on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func
from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.tickets.models import Ticket
from tests.conftest import error_of, login_client

TICKET = {
    "request_type": "投诉",
    "summary": "路灯不亮",
    "description": "小区门口路灯三天不亮",
    "caller_phone": "13812345678",
}


def count(db: str) -> int:
    with Session(engine_for(db)) as s:
        return s.exec(select(func.count()).select_from(Ticket)).one()


def test_a_retried_intake_with_the_same_key_makes_one_ticket(db, people, live_server):
    agent = login_client(live_server.url, "agent1")
    first = agent.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "crash-retry-1"})
    assert first.status_code == 201
    again = agent.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "crash-retry-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    changed = {**TICKET, "summary": "别的事"}
    error_of(agent.post("/api/tickets", json=changed, headers={"Idempotency-Key": "crash-retry-1"}), 422)
    assert count(db) == 1
    # Concurrent retries: still one ticket (the others replay it or are told it is in progress).
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda _: agent.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "burst"}), range(8)
        ))  # fmt: skip
    assert {a.status_code for a in answers} <= {201, 409}
    assert len({a.json()["number"] for a in answers if a.status_code == 201}) == 1
    assert count(db) == 2
    # Without a key every post is a new ticket, and another user's equal key is their own.
    assert agent.post("/api/tickets", json=TICKET).status_code == 201
    supervisor = login_client(live_server.url, "super1")
    other = supervisor.post("/api/tickets", json=TICKET, headers={"Idempotency-Key": "burst"})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    assert count(db) == 4


def test_the_knowledge_editor_reads_no_tickets(db, people, live_server):
    number = login_client(live_server.url, "agent1").post("/api/tickets", json=TICKET).json()["number"]
    editor = login_client(live_server.url, "editor1")
    for path in ("/api/tickets", f"/api/tickets/{number}", f"/api/tickets/{number}/events", "/api/tickets/queues"):
        error_of(editor.get(path), 403, "role_forbidden")
    assert editor.get("/api/knowledge/articles").status_code == 200  # their own work still open
