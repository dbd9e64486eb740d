"""The event bus: in-process fan-out, events only after commit, slow subscribers dropped, and two app
processes seeing each other's events through the local Redis."""

import asyncio
import json
import os
import uuid

import httpx
import pytest
import websockets

from hotline.events.bus import Event, InProcessBus, RedisBus, SubscriptionOverflow, publish_after_commit
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from tests.conftest import REDIS_URL, free_port, require_redis, start_app_worker, wait_ready
from tests.events.payloads import ticket, transcript


def feed_url(base: str, token: str, ticket_from: str | None = None) -> str:
    """The event feed's WebSocket address with a fresh single-use ticket (the login token stays out of the URL),
    the ticket asked of `ticket_from` (another worker) when given."""
    answer = httpx.post(f"{ticket_from or base}/api/events/ticket", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return base.replace("http", "ws") + "/api/events/ws?ticket=" + answer.json()["ticket"]


def test_in_process_fan_out_and_filters():
    async def scenario():
        bus = InProcessBus()
        everything = bus.subscribe()
        only_dept_7 = bus.subscribe(accept=lambda e: e.payload.get("department_id") == 7)
        bus.publish(Event("ticket.dispatch", ticket(department_id=3)))
        bus.publish(Event("ticket.dispatch", ticket(department_id=7)))
        got_all = [await asyncio.wait_for(everything.get(), 1) for _ in range(2)]
        got_7 = await asyncio.wait_for(only_dept_7.get(), 1)
        assert [e.payload["department_id"] for e in got_all] == [3, 7]
        assert got_7.payload["department_id"] == 7 and only_dept_7.qsize() == 0

    asyncio.run(scenario())


def test_a_slow_subscriber_is_dropped_without_slowing_the_others():
    async def scenario():
        bus = InProcessBus()
        slow = bus.subscribe(maxsize=5)
        fast = bus.subscribe(maxsize=1000)
        for i in range(50):
            bus.publish(Event("call.transcript.partial", transcript("c1", start=i, final=False)))
        await asyncio.sleep(0.05)
        received = [int((await fast.get()).payload["start"]) for _ in range(50)]
        assert received == list(range(50))
        assert slow.overflowed
        with pytest.raises(SubscriptionOverflow):
            await slow.get()

    asyncio.run(scenario())


def test_events_go_out_only_after_commit(session, people):
    from hotline.events import set_bus

    async def scenario():
        bus = InProcessBus()
        set_bus(bus)
        try:
            feed = bus.subscribe()
            publish_after_commit(session, Event("ticket.intake", ticket("rolled-back")))
            session.rollback()
            filed = service.intake(session, people.agent, TicketDraft(RequestType.consult, "咨询", "公积金怎么提取"))
            event = await asyncio.wait_for(feed.get(), 2)
            assert event.type == "ticket.intake" and event.payload["number"] == filed.number
            assert feed.qsize() == 0  # the rolled-back event never went out
        finally:
            set_bus(None)

    asyncio.run(scenario())


def test_redis_bus_between_two_buses():
    require_redis()

    async def scenario():
        first, second = RedisBus(REDIS_URL), RedisBus(REDIS_URL)
        await first.start()
        await second.start()
        try:
            marker = uuid.uuid4().hex
            feed = second.subscribe(accept=lambda e: e.payload.get("number") == marker)
            first.publish(Event("ticket.dispatch", ticket(marker)))
            event = await asyncio.wait_for(feed.get(), 5)
            assert event.payload["number"] == marker and event.origin
        finally:
            await first.stop()
            await second.stop()

    asyncio.run(scenario())


@pytest.mark.redis
def test_two_app_workers_see_each_others_events_through_redis(db, people, tmp_path):
    """A ticket filed on worker A reaches a live feed connected to worker B, and a liaison's feed on B
    receives only their own department's events."""
    require_redis()
    env = os.environ | {"HOTLINE_DATABASE_URL": db, "HOTLINE_REDIS_URL": REDIS_URL, "HOTLINE_VAR_DIR": str(tmp_path)}
    ports = [free_port(), free_port()]
    workers = [start_app_worker(port, env) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, worker in zip(urls, workers, strict=True):
            wait_ready(url, worker)
        tokens = {}
        for key in ("agent", "liaison", "other_liaison"):
            answer = httpx.post(
                f"{urls[1]}/api/auth/login",
                json={"username": people.users[key].username, "password": "secret-pass-1"},
            )
            tokens[key] = answer.json()["access_token"]

        async def scenario():
            async with (
                websockets.connect(feed_url(urls[1], tokens["agent"])) as agent_feed,
                websockets.connect(feed_url(urls[1], tokens["liaison"], urls[0])) as liaison_feed,  # ticket from A
                websockets.connect(feed_url(urls[1], tokens["other_liaison"])) as other_feed,
            ):
                await asyncio.sleep(0.3)  # let the subscriptions settle
                headers = {"Authorization": f"Bearer {tokens['agent']}"}
                async with httpx.AsyncClient(base_url=urls[0], headers=headers) as worker_a:
                    body = {"request_type": "求助", "summary": "井盖缺失", "description": "A2区某路口井盖缺失，很危险"}
                    number = (await worker_a.post("/api/tickets", json=body)).json()["number"]
                    await worker_a.post(f"/api/tickets/{number}/dispatch", json={"department_id": people.housing.id})
                seen = [json.loads(await asyncio.wait_for(agent_feed.recv(), 5)) for _ in range(2)]
                assert [(e["type"], e["payload"]["number"]) for e in seen] == [
                    ("ticket.intake", number),
                    ("ticket.dispatch", number),
                ]
                liaison_event = json.loads(await asyncio.wait_for(liaison_feed.recv(), 5))
                assert liaison_event["type"] == "ticket.dispatch" and liaison_event["payload"]["number"] == number
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(other_feed.recv(), 1)

            async with websockets.connect(urls[1].replace("http", "ws") + "/api/events/ws?ticket=forged") as refused:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await refused.recv()
                assert closed.value.rcvd.code == 4401

        asyncio.run(scenario())
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)


def test_a_department_hears_when_a_ticket_leaves_it(live_server, people, session):
    """After 改派, the liaison of the department that returned the ticket is told too."""

    async def scenario():
        token = httpx.post(
            f"{live_server.url}/api/auth/login",
            json={"username": people.users["liaison"].username, "password": "secret-pass-1"},
        ).json()["access_token"]
        url = feed_url(live_server.url, token)
        draft = TicketDraft(RequestType.complaint, "路面塌陷", "A2区某路口路面塌陷")
        async with websockets.connect(url) as feed:
            await asyncio.sleep(0.2)
            number = service.intake(session, people.agent, draft).number
            service.dispatch(session, people.agent, number, people.housing.id)
            service.return_ticket(session, people.liaison, number, "属于交通部门职责")
            service.redispatch(session, people.supervisor, number, people.transport.id)
            heard = [json.loads(await asyncio.wait_for(feed.recv(), 5))["type"] for _ in range(3)]
        assert heard == ["ticket.dispatch", "ticket.return", "ticket.redispatch"]

    asyncio.run(scenario())
