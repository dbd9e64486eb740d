"""The API over real HTTP on loopback, on both databases: the lifecycle, errors, and malformed input on every
route (a clear 4xx in Chinese with a code, and nothing written)."""

import re

import httpx
import pytest
from sqlmodel import Session, func, select

from hotline.db import engine_for
from hotline.models import Department, Ticket, TicketEvent, User
from tests.conftest import CJK, error_of, login_client

TICKET = {
    "request_type": "投诉",
    "summary": "小区电梯经常停运",
    "description": "A2区某小区3栋电梯一周停运三次，老人上下楼困难，物业不处理。",
    "caller_phone": "13812345678",
    "district": "A2区",
    "address": "A2区桂花坪街道某小区3栋",
}


@pytest.fixture
def clients(live_server, people):
    names = {key: user.username for key, user in people.users.items()}
    made = {key: login_client(live_server.url, name) for key, name in names.items()}
    yield made
    for client in made.values():
        client.close()


def counts(db: str) -> tuple[int, ...]:
    with Session(engine_for(db)) as session:
        return tuple(
            session.exec(select(func.count()).select_from(t)).one() for t in (Ticket, TicketEvent, User, Department)
        )


def test_full_lifecycle_over_http_with_an_attachment(clients, people, tmp_path):
    agent, liaison, supervisor = clients["agent"], clients["liaison"], clients["supervisor"]
    created = agent.post("/api/tickets", json=TICKET)
    assert created.status_code == 201, created.text
    ticket = created.json()
    number = ticket["number"]
    assert re.fullmatch(r"\d{10}", number)
    assert ticket["caller_phone"] == "138****5678" and ticket["state_name"] == "待派单"

    dispatched = agent.post(f"/api/tickets/{number}/dispatch", json={"department_id": people.housing.id})
    assert dispatched.json()["state"] == "dispatched" and dispatched.json()["sign_due_at"]
    mine = liaison.get("/api/tickets", params={"queue": "department"}).json()
    assert [t["number"] for t in mine["items"]] == [number]
    assert liaison.post(f"/api/tickets/{number}/sign", json={}).json()["state"] == "in_progress"

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    replied = liaison.post(
        f"/api/tickets/{number}/reply",
        data={"text": "已督促物业更换电梯主板，现已恢复运行"},
        files=[("files", ("现场照片.png", png, "image/png"))],
    )
    assert replied.status_code == 200, replied.text
    assert supervisor.post(f"/api/tickets/{number}/reply/review", json={"accept": True}).json()["state"] == (
        "callback_pending"
    )
    closed = agent.post(f"/api/tickets/{number}/callback", json={"satisfied": True, "note": "市民满意"})
    assert closed.json()["state"] == "closed" and closed.json()["state_name"] == "已办结"

    timeline = agent.get(f"/api/tickets/{number}/events").json()
    assert [e["action_name"] for e in timeline] == ["受理", "派单", "签收", "答复", "答复审核通过", "回访", "办结"]
    reply_event = timeline[3]
    assert reply_event["attachments"][0]["filename"] == "现场照片.png"
    download = agent.get(reply_event["attachments"][0]["url"])
    assert download.status_code == 200 and download.content == png


def test_errors_are_clear_and_refused_steps_write_nothing(clients, people, db):
    agent, liaison, other = clients["agent"], clients["liaison"], clients["other_liaison"]
    number = agent.post("/api/tickets", json=TICKET).json()["number"]
    before = counts(db)
    # Illegal step: 409 with the reason.
    error = error_of(agent.post(f"/api/tickets/{number}/callback", json={"satisfied": True}), 409, "illegal_transition")
    assert "待派单" in error["message"]
    # Wrong role: 403.
    error_of(liaison.post(f"/api/tickets/{number}/dispatch", json={"department_id": people.housing.id}), 403)
    agent.post(f"/api/tickets/{number}/dispatch", json={"department_id": people.housing.id})
    after_dispatch = counts(db)
    # Another department's liaison can neither see nor touch it.
    error_of(other.get(f"/api/tickets/{number}"), 403, "other_department")
    error_of(other.post(f"/api/tickets/{number}/sign", json={}), 403, "other_department")
    assert other.get("/api/tickets").json()["total"] == 0
    assert counts(db) == after_dispatch and after_dispatch[1] == before[1] + 1


def test_authentication(live_server, people):
    with httpx.Client(base_url=live_server.url) as anonymous:
        error_of(anonymous.get("/api/tickets"), 401, "not_logged_in")
        error_of(anonymous.get("/api/tickets", headers={"Authorization": "Bearer nonsense"}), 401, "token_invalid")
        wrong = anonymous.post("/api/auth/login", json={"username": "agent1", "password": "wrong-password"})
        unknown = anonymous.post("/api/auth/login", json={"username": "nobody", "password": "wrong-password"})
        # The same answer for an unknown user and a wrong password.
        assert error_of(wrong, 401, "bad_credentials") == error_of(unknown, 401, "bad_credentials")
        assert anonymous.get("/api/health").json() == {"status": "ok"}
        assert anonymous.get("/docs").status_code == 200
        spec = anonymous.get("/openapi.json").json()
        assert spec["paths"]["/api/tickets/{number}/dispatch"]["post"]["summary"] == "派单"


# (method, path, request options, status, error code) — {n} is an existing ticket in the dispatch queue,
# {d} one dispatched to the liaison's department.
MALFORMED = [
    ("post", "/api/auth/login", {"json": {}}, 422, "invalid_input"),
    ("post", "/api/auth/login", {"content": b"not json", "headers": {"content-type": "application/json"}}, 422, None),
    ("post", "/api/tickets", {"json": {}}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": TICKET | {"request_type": "吐槽"}}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": TICKET | {"summary": ""}}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": TICKET | {"caller_phone": "call me maybe"}}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": TICKET | {"description": "长" * 20001}}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": TICKET | {"state": "closed"}}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": [TICKET]}, 422, "invalid_input"),
    ("post", "/api/tickets", {"json": TICKET | {"caller_phone": "12"}}, 422, "invalid_input"),
    ("get", "/api/tickets?limit=0", {}, 422, "invalid_input"),
    ("get", "/api/tickets?queue=everything", {}, 422, "unknown_queue"),
    ("get", "/api/tickets?state=lost", {}, 422, "invalid_input"),
    ("get", "/api/tickets/2001010999", {}, 404, "ticket_not_found"),
    ("get", "/api/tickets/{n}/attachments/99", {}, 404, "attachment_not_found"),
    ("post", "/api/tickets/{n}/dispatch", {"json": {"department_id": "住建局"}}, 422, "invalid_input"),
    ("post", "/api/tickets/{n}/dispatch", {"json": {"department_id": -1}}, 422, "invalid_input"),
    ("post", "/api/tickets/{n}/dispatch", {"json": {"department_id": 987654}}, 404, "department_not_found"),
    ("post", "/api/tickets/2001010999/dispatch", {"json": {"department_id": 1}}, 404, "ticket_not_found"),
    ("post", "/api/tickets/{n}/answer", {"json": {"text": ""}}, 422, "invalid_input"),
    ("post", "/api/tickets/{n}/merge", {"json": {"into_number": "abc"}}, 422, "invalid_input"),
    ("post", "/api/tickets/{n}/merge", {"json": {"into_number": "{n}"}}, 422, "merge_into_self"),
    ("post", "/api/tickets/{n}/supervise", {"json": {"note": "x" * 2001}}, 422, "invalid_input"),
    ("post", "/api/tickets/{d}/return", {"json": {"reason": ""}}, 422, "invalid_input", "liaison"),
    ("post", "/api/tickets/{d}/extension", {"json": {"days": 0, "reason": "需要"}}, 422, "invalid_input", "liaison"),
    ("post", "/api/tickets/{d}/extension", {"json": {"days": 31, "reason": "需要"}}, 422, "invalid_input", "liaison"),
    ("post", "/api/tickets/{d}/extension/decision", {"json": {}}, 422, "invalid_input", "supervisor"),
    ("post", "/api/tickets/{d}/reply/review", {"json": {"accept": "maybe"}}, 422, "invalid_input", "supervisor"),
    ("post", "/api/tickets/{d}/callback", {"json": {}}, 422, "invalid_input"),
    ("post", "/api/tickets/{d}/redispatch", {"json": {"department_id": 1, "x": 1}}, 422, "invalid_input", "supervisor"),
    ("post", "/api/tickets/{d}/insist", {"json": {"note": ""}}, 422, "invalid_input", "supervisor"),
    ("post", "/api/tickets/{d}/reply", {"data": {}}, 422, "invalid_input", "liaison"),
    ("post", "/api/tickets/{d}/reply", {"data": {"text": "办完了"}}, 409, "illegal_transition", "liaison"),
    (
        "post",
        "/api/users",
        {"json": {"username": "bob", "display_name": "鲍勃", "password": "short", "role": "agent"}},
        422,
        "invalid_input",
        "admin",
    ),
    (
        "post",
        "/api/users",
        {"json": {"username": "bob", "display_name": "鲍勃", "password": "long-enough-1", "role": "liaison"}},
        422,
        "liaison_needs_department",
        "admin",
    ),
    (
        "post",
        "/api/users",
        {"json": {"username": "agent1", "display_name": "重名", "password": "long-enough-1", "role": "agent"}},
        409,
        "username_taken",
        "admin",
    ),
    (
        "post",
        "/api/departments",
        {"json": {"code": "CITY-ZJ", "name": "重复单位", "level": "city"}},
        409,
        "department_code_taken",
        "admin",
    ),
    (
        "post",
        "/api/departments",
        {"json": {"code": "X1", "name": "某单位", "level": "galaxy"}},
        422,
        "invalid_input",
        "admin",
    ),
    ("post", "/api/departments", {"json": {"code": "X1", "name": "某单位", "level": "city"}}, 403, "role_forbidden"),
    ("get", "/api/no/such/route", {}, 404, "http_404"),
    ("delete", "/api/tickets", {}, 405, "http_405"),
]


def test_malformed_input_on_every_route(clients, people, db):
    agent = clients["agent"]
    waiting = agent.post("/api/tickets", json=TICKET).json()["number"]
    dispatched = agent.post("/api/tickets", json=TICKET).json()["number"]
    agent.post(f"/api/tickets/{dispatched}/dispatch", json={"department_id": people.housing.id})
    before = counts(db)
    for case in MALFORMED:
        method, path, options, status, code = case[:5]
        client = clients[case[5] if len(case) > 5 else "agent"]
        path = path.replace("{n}", waiting).replace("{d}", dispatched)
        if "json" in options:
            options = {"json": _fill(options["json"], waiting)}
        answer = client.request(method, path, **options)
        assert answer.status_code == status, (case, answer.text)
        error = answer.json()["error"]
        assert CJK.search(error["message"]), (case, error)
        if code:
            assert error["code"] == code, (case, error)
    assert counts(db) == before, "a refused request wrote something"


def _fill(body, number: str):
    if isinstance(body, dict):
        return {k: (v.replace("{n}", number) if isinstance(v, str) else v) for k, v in body.items()}
    return body


def test_attachment_checks_refuse_before_anything_is_written(clients, people, db, monkeypatch):
    from hotline.settings import get_settings

    agent, liaison = clients["agent"], clients["liaison"]
    number = agent.post("/api/tickets", json=TICKET).json()["number"]
    agent.post(f"/api/tickets/{number}/dispatch", json={"department_id": people.housing.id})
    liaison.post(f"/api/tickets/{number}/sign", json={})
    monkeypatch.setenv("HOTLINE_MAX_ATTACHMENT_BYTES", "1000")
    get_settings.cache_clear()
    before = counts(db)
    cases = [
        ([("files", ("run.exe", b"MZ" * 10, "application/x-msdownload"))], "bad_file_type"),
        ([("files", ("big.pdf", b"%PDF" + b"0" * 2000, "application/pdf"))], "file_too_large"),
        ([("files", ("empty.txt", b"", "text/plain"))], "empty_file"),
        ([("files", (f"{i}.txt", b"abc", "text/plain")) for i in range(6)], "too_many_files"),
    ]
    for files, code in cases:
        error_of(liaison.post(f"/api/tickets/{number}/reply", data={"text": "已经处理完毕"}, files=files), 422, code)
    assert counts(db) == before
    assert liaison.get(f"/api/tickets/{number}").json()["state"] == "in_progress"
