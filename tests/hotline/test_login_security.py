"""Login as 等保 asks (issue 14 #4, #10): lockout and address throttling with an audit row per attempt, equal cost for
unknown users, a password policy, tokens that must expire. Over loopback HTTP against the real app."""

import statistics
import time
from datetime import timedelta

import httpx
import jwt
import pytest
from sqlmodel import Session, select

from hotline.auth import sessions
from hotline.auth.models import LoginAudit, Role, User
from hotline.auth.service import create_user
from hotline.db import engine_for, utcnow
from tests.conftest import PASSWORD, error_of, login_client, reset_settings


def login(url: str, username: str, password: str, **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/api/auth/login", json={"username": username, "password": password}, headers=headers)


def outcomes(db: str, username: str) -> list[str]:
    with Session(engine_for(db)) as s:
        rows = s.exec(select(LoginAudit).where(LoginAudit.username == username).order_by(LoginAudit.id))
        return [row.outcome for row in rows]


def test_an_account_locks_after_five_wrong_passwords_and_every_attempt_is_audited(db, people, live_server):
    statuses = [login(live_server.url, "admin1", f"Wrong-pass-{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    locked = login(live_server.url, "admin1", PASSWORD)  # even the right password waits out the lock
    error_of(locked, 429, "account_locked")
    assert login(live_server.url, "agent1", PASSWORD).status_code == 200  # other accounts unaffected
    assert outcomes(db, "admin1") == ["bad_credentials"] * 5 + ["locked"]
    # A name that does not exist locks the same way: the lock tells nobody which names are real.
    assert [login(live_server.url, "nobody", "Wrong-pass-1").status_code for _ in range(6)] == [401] * 5 + [429]
    assert outcomes(db, "agent1") == ["ok"]


def test_a_good_login_resets_the_count(db, people, live_server):
    for _ in range(4):
        login(live_server.url, "agent1", "Wrong-pass-1")
    assert login(live_server.url, "agent1", PASSWORD).status_code == 200
    for _ in range(4):
        assert login(live_server.url, "agent1", "Wrong-pass-1").status_code == 401
    assert login(live_server.url, "agent1", PASSWORD).status_code == 200


def test_an_address_pauses_after_many_failures_and_forged_forwarded_for_does_not_help(
    db, people, live_server, monkeypatch
):
    monkeypatch.setenv("HOTLINE_LOGIN_IP_MAX_FAILURES", "3")
    reset_settings()
    statuses = [
        login(live_server.url, f"guess{i}", "Wrong-pass-1", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    forged = login(live_server.url, "agent1", PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
    error_of(forged, 429, "address_throttled")
    with Session(engine_for(db)) as s:
        assert {row.ip for row in s.exec(select(LoginAudit))} == {"127.0.0.1"}


def test_a_forwarded_address_counts_when_the_proxy_is_trusted(db, people, live_server, monkeypatch):
    monkeypatch.setenv("HOTLINE_TRUSTED_PROXIES", "127.0.0.1")
    monkeypatch.setenv("HOTLINE_LOGIN_IP_MAX_FAILURES", "2")
    reset_settings()
    for _ in range(2):
        login(live_server.url, "guess", "Wrong-pass-1", **{"X-Forwarded-For": "203.0.113.9"})
    assert login(live_server.url, "g2", "Wrong-pass-1", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    assert login(live_server.url, "agent1", PASSWORD, **{"X-Forwarded-For": "203.0.113.10"}).status_code == 200
    with Session(engine_for(db)) as s:
        assert {row.ip for row in s.exec(select(LoginAudit))} == {"203.0.113.9", "203.0.113.10"}


def test_unknown_users_cost_what_a_wrong_password_costs(sqlite_db, monkeypatch):
    from tests.conftest import LiveServer

    monkeypatch.setenv("HOTLINE_ARGON2_TIME_COST", "3")
    monkeypatch.setenv("HOTLINE_ARGON2_MEMORY_KIB", str(32 * 1024))
    monkeypatch.setenv("HOTLINE_LOGIN_MAX_FAILURES", "1000")
    monkeypatch.setenv("HOTLINE_LOGIN_IP_MAX_FAILURES", "1000")
    reset_settings()
    with Session(engine_for(sqlite_db)) as s:
        create_user(s, "real_user", "真实用户", PASSWORD, Role.agent)
    server = LiveServer().start()
    try:

        def cost(username: str) -> float:
            begun = time.perf_counter()
            assert login(server.url, username, "Wrong-pass-1").status_code == 401
            return time.perf_counter() - begun

        cost("warm_up")
        known = statistics.median(cost("real_user") for _ in range(7))
        unknown = statistics.median(cost(f"ghost{i}") for i in range(7))
    finally:
        server.stop()
    assert 0.5 < unknown / known < 2, (known, unknown)  # before: ~10 ms against ~500 ms


def test_password_policy_on_new_accounts(db, people, live_server):
    admin = login_client(live_server.url, "admin1")
    new = {"username": "zhang3", "display_name": "张三", "role": "agent"}
    for password, code in [
        ("Ab-12", "invalid_input"),
        ("Short-1", "invalid_input"),
        ("abcdefghijkl", "password_too_simple"),
        ("1234567890", "password_too_simple"),
        ("zhang3-Password", "password_contains_username"),
    ]:
        error_of(admin.post("/api/users", json={**new, "password": password}), 422, code)
    assert admin.post("/api/users", json={**new, "password": "Demo-12345"}).status_code == 201


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "sid"])
def test_tokens_without_expiry_issue_time_subject_or_session_are_refused(db, people, live_server, missing):
    admin = people.users["admin"]
    with Session(engine_for(db)) as session:
        session_id = sessions.start(session, session.get(User, admin.id)).id
    now = utcnow()
    claims = {"sub": str(admin.id), "sid": session_id, "iat": now, "exp": now + timedelta(hours=1)}
    del claims[missing]
    token = jwt.encode(claims, "test-secret-key-long-enough-for-hs256-signing", algorithm="HS256")
    answer = httpx.get(f"{live_server.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    error_of(answer, 401, "token_invalid")


def test_a_session_lasts_one_shift_at_most(db, people, live_server):
    answer = login(live_server.url, "agent1", PASSWORD)
    assert answer.json()["expires_in"] <= 8 * 3600
