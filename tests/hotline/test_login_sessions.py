"""Login sessions on the server (等保 2.0 结束会话 / 登录连接超时自动退出): 退出登录 ends the token at once, a login
left idle past `HOTLINE_SESSION_IDLE_MINUTES` ends on its next use, any use counts as activity, and an open event
feed closes when its session ends. Over loopback HTTP and WebSocket against the real app."""

import asyncio
from datetime import timedelta

import httpx
import pytest
import websockets
from sqlmodel import Session, select

from hotline.auth.models import LoginSession
from hotline.db import engine_for, utcnow
from tests.conftest import error_of, login_client, reset_settings


def sessions_of(db: str, user_id: int) -> list[LoginSession]:
    with Session(engine_for(db)) as session:
        return list(session.exec(select(LoginSession).where(LoginSession.user_id == user_id)))


def last_seen(db: str, user_id: int, ago: timedelta) -> None:
    """Pretend the user's only session was last used `ago` (instead of waiting half an hour)."""
    with Session(engine_for(db)) as session:
        (login,) = session.exec(select(LoginSession).where(LoginSession.user_id == user_id))
        login.last_seen_at = utcnow() - ago
        session.add(login)
        session.commit()


def test_logout_ends_this_login_only(db, people, live_server):
    agent = people.users["agent"]
    desk, phone = login_client(live_server.url, agent.username), login_client(live_server.url, agent.username)
    assert desk.post("/api/auth/logout").status_code == 204
    error_of(desk.get("/api/auth/me"), 401, "session_ended")
    error_of(desk.get("/api/tickets"), 401, "session_ended")
    assert phone.get("/api/auth/me").status_code == 200  # the other login of the same person goes on
    reasons = sorted(str(s.end_reason) for s in sessions_of(db, agent.id))
    assert reasons == ["None", "logout"]


def test_an_idle_login_ends_on_its_next_use(db, people, live_server):
    agent = people.users["agent"]
    client = login_client(live_server.url, agent.username)
    last_seen(db, agent.id, timedelta(minutes=31))
    error = error_of(client.get("/api/auth/me"), 401, "session_idle")
    assert "30 分钟未操作" in error["message"]
    error_of(client.get("/api/auth/me"), 401, "session_ended")  # ended for good, not just this once
    (login,) = sessions_of(db, agent.id)
    assert login.end_reason == "idle" and login.ended_at is not None


def test_any_use_counts_as_activity(db, people, live_server):
    agent = people.users["agent"]
    client = login_client(live_server.url, agent.username)
    last_seen(db, agent.id, timedelta(minutes=29))
    assert client.get("/api/tickets").status_code == 200
    (login,) = sessions_of(db, agent.id)
    assert utcnow() - login.last_seen_at < timedelta(minutes=1)
    assert client.get("/api/auth/me").status_code == 200


def test_the_idle_limit_is_a_setting(db, people, live_server, monkeypatch):
    monkeypatch.setenv("HOTLINE_SESSION_IDLE_MINUTES", "10")
    reset_settings()
    agent = people.users["agent"]
    client = login_client(live_server.url, agent.username)
    last_seen(db, agent.id, timedelta(minutes=11))
    assert "10 分钟未操作" in error_of(client.get("/api/auth/me"), 401, "session_idle")["message"]


@pytest.fixture
def quick_recheck(monkeypatch):
    monkeypatch.setenv("HOTLINE_EVENTS_RECHECK_SECONDS", "0.3")
    reset_settings()


def test_an_open_event_feed_closes_when_its_session_ends(quick_recheck, db, people, live_server):
    client = login_client(live_server.url, people.users["liaison"].username)
    ticket = client.post("/api/events/ticket").json()["ticket"]
    url = live_server.url.replace("http", "ws") + f"/api/events/ws?ticket={ticket}"

    async def scenario() -> tuple[int, str]:
        async with websockets.connect(url) as feed:
            await asyncio.sleep(0.5)
            assert (await asyncio.to_thread(client.post, "/api/auth/logout")).status_code == 204
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(feed.recv(), 5)
            return closed.value.rcvd.code, closed.value.rcvd.reason

    assert asyncio.run(scenario()) == (4401, "user_inactive")


def test_logout_without_a_good_token_is_a_clear_401(db, people, live_server):
    error_of(httpx.post(f"{live_server.url}/api/auth/logout"), 401, "not_logged_in")
    for hostile in ("not-a-jwt", "a.b.c", "x" * 5000, "' OR 1=1 --"):
        answer = httpx.post(f"{live_server.url}/api/auth/logout", headers={"Authorization": f"Bearer {hostile}"})
        error_of(answer, 401, "token_invalid")
    assert sessions_of(db, people.users["agent"].id) == []  # nothing written for a refused logout
