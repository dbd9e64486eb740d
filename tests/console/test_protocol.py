"""The console WebSocket protocol over real sockets: refused connections with their close codes, heartbeats,
resume after a reconnect without loss, resync when the gap is too old, and a slow console dropped (4408)
while the others keep receiving."""

import asyncio
import json
import time

import httpx
import pytest
import websockets
from sqlmodel import Session

from hotline.db import engine_for
from hotline.events import Event, get_bus
from tests.console.conftest import HEARTBEAT, Console, run, small_buffer_socket
from tests.events.payloads import ticket, transcript


def file_ticket(app, summary: str) -> str:
    body = {"request_type": "咨询", "summary": summary, "description": f"{summary}，请答复。"}
    return app.api("agent", "POST", "/api/tickets", json=body)["number"]


async def closed_with(ws) -> int:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    return closed.value.rcvd.code


def test_refused_connections_close_with_their_codes(app, monkeypatch):
    async def scenario():
        async with websockets.connect(app.ws_url) as forged:
            await forged.send(json.dumps({"type": "hello", "token": "forged", "since": None}))
            assert await closed_with(forged) == 4401
        async with websockets.connect(app.ws_url) as liaison:
            await liaison.send(json.dumps({"type": "hello", "token": app.token("liaison")}))
            assert await closed_with(liaison) == 4403
        async with websockets.connect(app.ws_url) as rude:
            await rude.send("not json")
            assert await closed_with(rude) == 4400
        async with websockets.connect(app.ws_url) as token_in_wrong_place:
            await token_in_wrong_place.send(json.dumps({"type": "hello", "token": app.token("agent"), "since": "x"}))
            assert await closed_with(token_in_wrong_place) == 4400

    run(scenario())


@pytest.fixture
def quick_hello(monkeypatch):
    monkeypatch.setenv("HOTLINE_CONSOLE_AUTH_TIMEOUT_SECONDS", "0.5")


@pytest.fixture
def small_ring(monkeypatch):
    monkeypatch.setenv("HOTLINE_CONSOLE_RING_SIZE", "20")


def test_hello_must_come_in_time(quick_hello, app):
    async def scenario():
        async with websockets.connect(app.ws_url) as silent:
            assert await closed_with(silent) == 4401

    run(scenario())


def test_heartbeats_carry_the_seq_and_pings_are_answered(app):
    async def scenario():
        console = await Console.open(app.ws_url, app.token("agent"))
        assert console.welcome["payload"]["heartbeat_seconds"] == HEARTBEAT
        beat = await console.next(timeout=HEARTBEAT * 4, skip=())
        assert beat["type"] == "heartbeat" and beat["seq"] == console.welcome["seq"]
        number = file_ticket(app, "公积金提取")
        event = await console.next()
        assert event["type"] == "ticket.intake" and event["payload"]["number"] == number
        beat = await console.next(timeout=HEARTBEAT * 4, skip=())
        assert beat["type"] == "heartbeat" and beat["seq"] == event["seq"]  # everything up to here was sent
        await console.ws.send(json.dumps({"type": "ping", "id": 7}))
        assert (await console.next())["payload"] == {"id": 7}
        await console.close()

    run(scenario())


def test_a_reconnecting_console_resumes_without_loss_or_duplicates(app, sqlite_db):
    from hotline.auth.models import Role
    from hotline.auth.service import create_user

    with Session(engine_for(sqlite_db)) as session:
        other_agent = create_user(session, "agent2", "座席二", "secret-pass-1", Role.agent).id

    async def scenario():
        console = await Console.open(app.ws_url, app.token("agent"))
        first = file_ticket(app, "路灯不亮")
        seen = await console.events(1, "ticket.intake")
        assert seen[0]["payload"]["number"] == first
        await console.close()
        # While the console is away: tickets, a message to everyone, one to this agent, one to another.
        missed = [file_ticket(app, f"噪音扰民{i}") for i in range(5)]
        me = app.people.users["agent"].id
        for to in (None, me, other_agent):
            app.api("supervisor", "POST", "/api/console/messages", json={"text": f"消息给{to}", "to_user_id": to})
        back = await Console.open(app.ws_url, app.token("agent"), since=console.last_seq)
        assert back.welcome["payload"]["resumed"] and back.welcome["payload"]["replayed"] == 7
        replayed = await back.events(7)
        assert [e["payload"]["number"] for e in replayed[:5]] == missed
        assert [e["payload"]["to_user_id"] for e in replayed[5:]] == [None, me]  # not the other agent's
        seqs = [e["seq"] for e in replayed]
        assert seqs == sorted(seqs) and seqs[0] > console.last_seq
        live = file_ticket(app, "井盖缺失")
        assert (await back.next())["payload"]["number"] == live  # then live, nothing twice
        await back.close()

    run(scenario())


def test_a_gap_older_than_the_ring_or_from_a_restart_asks_for_a_reload(small_ring, app):
    async def scenario():
        console = await Console.open(app.ws_url, app.token("supervisor"))
        await console.close()
        for i in range(25):  # more than the ring holds
            get_bus().publish(Event("ticket.remind", ticket(f"T{i}", "remind")))
        await asyncio.sleep(0.3)
        near = await Console.open(app.ws_url, app.token("supervisor"), since=console.welcome["seq"] + 10)
        assert near.welcome["payload"]["replayed"] == 15  # still in the ring: resumed
        stale = await Console.open(app.ws_url, app.token("supervisor"), since=console.welcome["seq"])
        resync = await stale.next()
        assert resync["type"] == "resync" and resync["payload"]["reason"] == "too_old"
        assert "重新加载" in resync["payload"]["message"] and not stale.welcome["payload"]["resumed"]
        future = await Console.open(app.ws_url, app.token("supervisor"), since=10**9)
        assert (await future.next())["payload"]["reason"] == "unknown_seq"
        for c in (near, stale, future):
            await c.close()

    run(scenario())


def test_a_slow_console_is_dropped_with_4408_while_the_others_keep_receiving(app):
    big = "话" * 20_000  # ~60 KB per event: a console that reads nothing fills its buffers quickly
    count = 300

    async def scenario():
        fast = await Console.open(app.ws_url, app.token("supervisor"))
        # Uncompressed, so the big events really fill the buffers (permessage-deflate would shrink them).
        slow = await Console.open(
            app.ws_url, app.token("supervisor"), sock=small_buffer_socket(app.ws_url), compression=None
        )
        slow.ws.transport.pause_reading()  # a console that has stopped reading (a frozen tab, a bad link)
        loop = asyncio.get_running_loop()

        def publish() -> None:
            for i in range(count):  # paced a little, so that a console which reads keeps up
                get_bus().publish(Event("call.transcript.final", transcript("c1", big, start=i)))
                time.sleep(0.003)

        publisher = loop.run_in_executor(None, publish)
        received = [int((await fast.next(timeout=10))["payload"]["start"]) for _ in range(count)]
        await publisher
        assert received == list(range(count))
        # The slow one: whatever it still had in its buffers, then the close code.
        slow.ws.transport.resume_reading()
        got = []
        deadline = time.monotonic() + 10  # heartbeats would keep a console that was never dropped going
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while time.monotonic() < deadline:
                body = json.loads(await asyncio.wait_for(slow.ws.recv(), 5))
                if body["type"] == "call.transcript.final":
                    got.append(int(body["payload"]["start"]))
                    slow.last_seq = body["seq"]
        assert closed.value.rcvd.code == 4408 and closed.value.rcvd.reason == "too_slow"
        assert len(got) < count and got == list(range(len(got)))
        # It comes back and resumes: the rest arrives from the ring, nothing lost.
        again = await Console.open(app.ws_url, app.token("supervisor"), since=slow.last_seq, max_size=None)
        rest = [int(e["payload"]["start"]) for e in await again.events(count - len(got), timeout=10)]
        assert got + rest == list(range(count))
        await fast.close()
        await again.close()

    run(scenario())


@pytest.fixture
def quick_recheck(monkeypatch):
    monkeypatch.setenv("HOTLINE_EVENTS_RECHECK_SECONDS", "0.3")


def test_a_console_closes_when_its_account_is_deactivated_or_given_another_role(quick_recheck, app, sqlite_db):
    """Issue 14, finding 10: deactivated → 4401 (to the login), no longer a console role → 4403, another console
    role → 4410 (reconnect: a supervisor's console sees more than an agent's)."""
    from hotline.auth.models import Role, User

    async def scenario():
        consoles = {key: await Console.open(app.ws_url, app.token(key)) for key in ("agent", "supervisor", "manager")}
        await asyncio.sleep(0.5)
        with Session(engine_for(sqlite_db)) as session:
            session.get(User, app.people.users["agent"].id).active = False
            session.get(User, app.people.users["supervisor"].id).role = Role.liaison
            session.get(User, app.people.users["manager"].id).role = Role.supervisor
            session.commit()
        codes = {key: await closed_with(console.ws) for key, console in consoles.items()}
        assert codes == {"agent": 4401, "supervisor": 4403, "manager": 4410}

    run(scenario())


def test_a_console_closes_when_its_login_session_ends(quick_recheck, app):
    """退出登录 elsewhere (the desk tab of the same login) ends the session: its console closes with 4401 too."""

    async def scenario():
        token = app.token("agent")
        console = await Console.open(app.ws_url, token)
        await asyncio.sleep(0.5)
        answer = httpx.post(f"{app.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 204
        assert await closed_with(console.ws) == 4401

    run(scenario())
