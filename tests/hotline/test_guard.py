"""Bounded work for every request (issue 14 #3, #7, #10): body limits while reading and login before large bodies,
NUL characters and oversized integers answered 422 in Chinese (not 500), security headers, secrets kept out of the
access log. Over loopback HTTP against the real app on SQLite and PostgreSQL."""

import logging
import socket
from pathlib import Path

import httpx
import pytest

from tests.conftest import error_of, login_client

MiB = 1024 * 1024


def raw_request(url: str, head: str, body: bytes = b"", timeout: float = 10) -> tuple[int, bytes]:
    """Send a request head (and maybe part of a body) on a plain socket; the status line and what came back."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < 40:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def test_anonymous_large_upload_is_refused_before_its_body_is_read(live_server, people):
    head = (
        "POST /api/tickets/2001010001/reply HTTP/1.1\nHost: x\nContent-Type: multipart/form-data; boundary=b\n"
        f"Content-Length: {200 * MiB}\n"
    )
    status, answer = raw_request(live_server.url, head)  # no body sent at all: the answer cannot wait for it
    assert status == 401 and "请先登录".encode() in answer
    status, answer = raw_request(live_server.url, head.replace("/api/tickets/2001010001/reply", "/api/tickets"))
    assert status == 413 and "请求内容过大".encode() in answer


def test_bodies_are_capped_while_streaming(live_server, people, monkeypatch, tmp_path):
    agent = login_client(live_server.url, "agent1")

    def chunks(total: int):
        for _ in range(total // 65536):
            yield b"x" * 65536

    # A chunked JSON intake that never says its size stops at the limit (1 MiB), not after 5 MiB in memory.
    answer = agent.post("/api/tickets", content=chunks(5 * MiB), headers={"Content-Type": "application/json"})
    error_of(answer, 413)
    liaison = login_client(live_server.url, "zj_liaison")
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n已处理\r\n--{boundary}\r\n'
        f'Content-Disposition: form-data; name="files"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()

    def multipart():
        yield head
        for _ in range(130 * MiB // 65536):  # more than 5 attachments × 20 MiB + 1 MiB
            yield b"%" * 65536

    answer = liaison.post(
        "/api/tickets/2001010001/reply",
        content=multipart(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=60,
    )
    error_of(answer, 413)
    attachments = Path(tmp_path) / "attachments"
    assert not attachments.exists() or not any(attachments.rglob("*"))


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/auth/login", {"username": "admin\u0000", "password": "x"}),
        ("POST", "/api/selfservice/approval", {"application_no": "A\u00001", "identity": "1234"}),
        ("POST", "/api/selfservice/ticket", {"number": "2001010001", "phone": "138\u0000"}),
        ("GET", "/api/tickets?q=%00abc", None),
        ("GET", "/selfservice?x=%00", None),
    ],
)
def test_nul_characters_are_a_422_in_chinese(live_server, method, path, payload):
    answer = httpx.request(method, live_server.url + path, json=payload)
    error_of(answer, 422, "nul_character")


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/api/tickets?department_id=99999999999999999999", None),
        ("GET", "/api/tickets?offset=9223372036854775808", None),
        ("GET", "/api/departments/9223372036854775808", None),
        ("GET", "/api/tickets/2001010001/attachments/3000000000", None),
        ("POST", "/api/console/messages", {"text": "开会", "to_user_id": 9223372036854775808}),
        ("POST", "/api/console/messages", {"text": "开会", "to_user_id": 3000000000}),
        ("GET", "/api/knowledge/articles/9223372036854775808", None),
        ("POST", "/api/acd/calls/9223372036854775808/accept", None),
    ],
)
def test_oversized_integers_are_a_422_and_keep_the_connection(live_server, people, method, path, payload):
    client = login_client(live_server.url, "super1")
    answer = client.request(method, path, json=payload)
    assert answer.status_code in (403, 404, 422), answer.text  # never a 500
    if answer.status_code == 422:
        error_of(answer, 422)
    assert client.get("/api/auth/me").status_code == 200  # the same connection still answers


def test_security_headers_on_pages_and_api(live_server):
    for path in ("/login", "/api/health", "/selfservice", "/no-such-page"):
        headers = httpx.get(live_server.url + path).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]


def test_tokens_and_api_keys_are_redacted_in_the_access_log(live_server):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    access = logging.getLogger("uvicorn.access")
    handler, level = Keep(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        httpx.get(f"{live_server.url}/open311/v2/requests.json?api_key=city-secret-key&status=open")
        httpx.get(f"{live_server.url}/api/health?token=eyJhbGciOiJIUzI1NiJ9.secret.sig")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    lines = "\n".join(records)
    assert "api_key=***" in lines and "token=***" in lines, lines
    assert "city-secret-key" not in lines and "eyJhbGciOiJIUzI1NiJ9" not in lines


def test_the_rising_check_at_the_ends_of_the_calendar_is_a_422(live_server, people):
    manager = login_client(live_server.url, "manager1")
    assert manager.post("/api/analytics/rising/check", params={"day": "2000-01-01"}).status_code == 200  # empty window
    for day in ("9999-12-31", "0001-01-01"):  # its window runs past the calendar: was an OverflowError 500
        error_of(manager.post("/api/analytics/rising/check", params={"day": day}), 422)
