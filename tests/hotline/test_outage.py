"""Outage behaviour (issue 14, findings 6 and 10): events survive a Redis outage, deployments sharing a Redis stay
apart, readiness tells the truth, a database outage is a JSON 503, the event feed's credential is a single-use
ticket, and an open feed closes when its account is deactivated.

The Redis outages are real: each test runs its own redis-server on a free port and stops it."""

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
import redis
import websockets
from sqlmodel import Session

from hotline.auth.models import User
from hotline.events.bus import Event, RedisBus
from tests.conftest import IN_CI, error_of, free_port, login_client, reset_settings
from tests.events.payloads import ticket


class OwnRedis:
    """A redis-server of the test's own, stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            raise RuntimeError("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


async def _next(feed, seconds: float = 5) -> Event:
    return await asyncio.wait_for(feed.get(), seconds)


def test_events_published_while_redis_is_down_reach_this_worker_at_once_and_the_others_when_it_returns(own_redis):
    async def scenario():
        here, there = RedisBus(own_redis.url), RedisBus(own_redis.url)
        await here.start()
        await there.start()
        try:
            near, far = here.subscribe(), there.subscribe()
            here.publish(Event("ticket.intake", ticket("before")))
            assert (await _next(near)).payload["number"] == "before"
            assert (await _next(far)).payload["number"] == "before"

            own_redis.stop()
            for number in ("during-1", "during-2"):
                here.publish(Event("ticket.intake", ticket(number)))  # does not raise
            heard_here = [(await _next(near, 2)).payload["number"] for _ in range(2)]
            assert heard_here == ["during-1", "during-2"]  # local delivery works without Redis
            assert here.held() == 2 and here.status()["redis"] == "unavailable"
            with pytest.raises(TimeoutError):
                await _next(far, 1)

            own_redis.start()
            replayed = [await _next(far, 30) for _ in range(2)]  # the listener reconnects (backoff) and replays
            assert [e.payload["number"] for e in replayed] == ["during-1", "during-2"]
            assert replayed[0].seq < replayed[1].seq  # numbered now, in order
            for _ in range(50):  # the replaying thread pops an event just after sending it
                if not here.held():
                    break
                await asyncio.sleep(0.1)
            assert here.status() == {"redis": "ok", "held_events": 0}
            with pytest.raises(TimeoutError):
                await _next(near, 1)  # this worker's pages are not told twice
            here.publish(Event("ticket.intake", ticket("after")))
            assert (await _next(near)).payload["number"] == "after"
            assert (await _next(far)).payload["number"] == "after"
        finally:
            await here.stop()
            await there.stop()

    asyncio.run(scenario())


def test_a_worker_starts_without_redis_and_catches_up_when_it_comes(own_redis):
    own_redis.stop()

    async def scenario():
        bus = RedisBus(own_redis.url)
        started = time.monotonic()
        await bus.start()
        try:
            assert time.monotonic() - started < 8
            assert bus.current_seq() == 0 and bus.status()["redis"] == "unavailable"
            feed = bus.subscribe()
            bus.publish(Event("ticket.intake", ticket("offline")))
            assert (await _next(feed)).payload["number"] == "offline"
            own_redis.start()
            deadline = time.monotonic() + 30
            while bus.status()["redis"] != "ok" or bus.held():
                assert time.monotonic() < deadline, bus.status()
                await asyncio.sleep(0.1)
            assert bus.current_seq() == 1  # the held event went through Redis and was numbered
        finally:
            await bus.stop()

    asyncio.run(scenario())


def test_two_deployments_on_one_redis_do_not_hear_each_other(own_redis, monkeypatch):
    async def scenario():
        monkeypatch.setenv("HOTLINE_REDIS_PREFIX", "city-a")
        reset_settings()
        city_a = RedisBus(own_redis.url)
        monkeypatch.setenv("HOTLINE_REDIS_PREFIX", "city-b")
        reset_settings()
        city_b = RedisBus(own_redis.url)
        await city_a.start()
        await city_b.start()
        try:
            feed_a, feed_b = city_a.subscribe(), city_b.subscribe()
            city_a.publish(Event("ticket.intake", ticket("A1")))
            assert (await _next(feed_a)).payload["number"] == "A1"
            with pytest.raises(TimeoutError):
                await _next(feed_b, 1)
            keys = {k.decode() for k in redis.Redis.from_url(own_redis.url).keys("*")}
            assert keys == {"city-a:events:seq"}  # every key in the deployment's namespace
        finally:
            await city_a.stop()
            await city_b.stop()
            monkeypatch.delenv("HOTLINE_REDIS_PREFIX")
            reset_settings()

    asyncio.run(scenario())


def test_readiness_reports_redis_and_the_held_events(own_redis, sqlite_db, monkeypatch):
    from hotline.events import set_bus
    from tests.conftest import LiveServer

    monkeypatch.setenv("HOTLINE_REDIS_URL", own_redis.url)
    reset_settings()
    set_bus(None)
    server = LiveServer().start()
    try:
        assert httpx.get(f"{server.url}/health/ready").json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok", "held_events": 0},
        }
        own_redis.stop()
        from hotline.events import get_bus

        get_bus().publish(Event("ticket.intake", ticket("held")))
        deadline = time.monotonic() + 10
        while (answer := httpx.get(f"{server.url}/health/ready")).status_code != 503:
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.2)
        body = answer.json()
        assert body["checks"] == {"database": "ok", "redis": "unavailable", "held_events": 1}
        assert "Redis 不可用" in body["message"]
        assert httpx.get(f"{server.url}/health/live").status_code == 200
        assert httpx.get(f"{server.url}/api/health").json() == {"status": "ok"}
    finally:
        server.stop()
        set_bus(None)


def test_a_database_outage_is_a_json_503_and_readiness_says_so(monkeypatch, tmp_path):
    """The database is a PostgreSQL address nobody answers on: liveness stays up, readiness and the API say 503."""
    from hotline.events import set_bus
    from tests.conftest import LiveServer

    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/hotline_events_gone")
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "outage-test-secret-key-long-enough-for-hs256")
    monkeypatch.delenv("HOTLINE_REDIS_URL", raising=False)
    monkeypatch.setenv("HOTLINE_ASR_ENABLED", "false")
    reset_settings()
    set_bus(None)
    server = LiveServer().start()
    try:
        ready = httpx.get(f"{server.url}/health/ready", timeout=15)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "unavailable" and "数据库不可用" in ready.json()["message"]
        assert httpx.get(f"{server.url}/health/live").status_code == 200
        login = httpx.post(f"{server.url}/api/auth/login", json={"username": "agent", "password": "x" * 12}, timeout=15)
        error_of(login, 503, "database_unavailable")
        assert login.headers["retry-after"] == "5"
    finally:
        server.stop()
        set_bus(None)


def _ticket(base: str, token: str) -> str:
    answer = httpx.post(f"{base}/api/events/ticket", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["expires_in"] == 30
    return answer.json()["ticket"]


async def _close_code(url: str, seconds: float = 5) -> int:
    async with websockets.connect(url) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), seconds)
    return closed.value.rcvd.code


def test_the_feed_opens_with_a_single_use_ticket_never_with_the_login_token(live_server, people):
    client = login_client(live_server.url, people.users["agent"].username)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    ws = live_server.url.replace("http", "ws") + "/api/events/ws"
    error_of(httpx.post(f"{live_server.url}/api/events/ticket"), 401)

    async def scenario():
        ticket = _ticket(live_server.url, token)
        async with websockets.connect(f"{ws}?ticket={ticket}") as feed:
            draft = {"request_type": "咨询", "summary": "咨询", "description": "公积金怎么提取"}
            client.post("/api/tickets", json=draft)
            assert (await asyncio.wait_for(feed.recv(), 5)).startswith('{"type": "ticket.intake"')
        assert await _close_code(f"{ws}?ticket={ticket}") == 4401  # used once: worthless now
        assert await _close_code(f"{ws}?token={token}") == 4401  # the login token is no key to the feed

    asyncio.run(scenario())


def test_an_expired_ticket_is_refused(live_server, people, monkeypatch):
    from hotline.events import tickets

    token = login_client(live_server.url, people.users["agent"].username).headers["Authorization"][7:]
    ticket = _ticket(live_server.url, token)
    later = time.monotonic() + tickets.TICKET_SECONDS + 1
    monkeypatch.setattr(tickets.time, "monotonic", lambda: later)
    url = live_server.url.replace("http", "ws") + f"/api/events/ws?ticket={ticket}"
    assert asyncio.run(_close_code(url)) == 4401


def test_an_open_feed_closes_when_its_account_is_deactivated_or_changes_role(people, session, monkeypatch, db):
    from hotline.events import set_bus
    from tests.conftest import LiveServer

    monkeypatch.setenv("HOTLINE_EVENTS_RECHECK_SECONDS", "0.3")
    reset_settings()
    set_bus(None)
    server = LiveServer().start()
    try:
        ws = server.url.replace("http", "ws") + "/api/events/ws?ticket="
        agent, liaison = people.users["agent"], people.users["liaison"]
        agent_ticket = _ticket(server.url, login_client(server.url, agent.username).headers["Authorization"][7:])
        liaison_ticket = _ticket(server.url, login_client(server.url, liaison.username).headers["Authorization"][7:])

        async def scenario():
            async with (
                websockets.connect(ws + agent_ticket) as agent_feed,
                websockets.connect(ws + liaison_ticket) as liaison_feed,
            ):
                await asyncio.sleep(0.5)
                with Session(session.get_bind()) as other:
                    other.get(User, agent.id).active = False
                    moved = other.get(User, liaison.id)
                    moved.department_id = people.transport.id  # now another department's liaison
                    other.commit()
                expected = ((agent_feed, 4401, "user_inactive"), (liaison_feed, 4409, "account_changed"))
                for feed, code, reason in expected:
                    with pytest.raises(websockets.ConnectionClosed) as closed:
                        await asyncio.wait_for(feed.recv(), 5)
                    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (code, reason)

        asyncio.run(scenario())
    finally:
        server.stop()
        set_bus(None)
