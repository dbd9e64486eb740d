"""The speech path's legs reach the ACD through the bus (issue 19): asr publishes `call.leg_started` /
`call.leg_ended` and imports nothing of routing; the ACD's subscriber queues the call and rings a ready agent, and
the hang-up ends it. Two app workers hearing the same legs through the real Redis queue and end the call once.
The legs carry the caller's full number: no page ever receives them."""

import ast
import asyncio
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select

from agent_console.hub import Hub
from agent_console.settings import ConsoleSettings
from asr import legs
from hotline.callers.models import Call
from hotline.db import get_engine
from hotline.events import Event, set_bus
from hotline.events.bus import InProcessBus, RedisBus
from hotline.events.routes import _filter_for
from routing.acd import service
from routing.acd.legs import follow_legs
from routing.acd.models import AgentState, QueuedCall
from tests.conftest import REDIS_URL, require_redis, reset_settings

ASR = Path(__file__).resolve().parents[2] / "asr"
CALLER = "13912345678"


def test_the_speech_package_does_not_import_routing():
    offenders = []
    for path in sorted(ASR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value] if node.value.startswith("routing.") else []  # import_module("routing.…")
            else:
                continue
            offenders += [f"{path.name}:{node.lineno} {n}" for n in names if n == "routing" or n.startswith("routing.")]
    assert not offenders, offenders


def _states(events: list[Event]) -> list[str]:
    return [e.payload["state"] for e in events]


async def _until(feed, events: list[Event], state: str, seconds: float = 20) -> None:
    while state not in _states(events):
        events.append(await asyncio.wait_for(feed.get(), seconds))


@pytest.mark.redis
def test_a_caller_leg_from_a_speech_node_rings_through_redis_and_its_end_hangs_up_once(session, people, monkeypatch):
    require_redis()
    monkeypatch.setenv("HOTLINE_REDIS_PREFIX", f"legs-{uuid.uuid4().hex[:8]}")  # this test's channel alone
    reset_settings()
    service.set_state(session, people.agent, AgentState.ready)
    call_id = f"leg-{uuid.uuid4().hex[:8]}"

    async def scenario() -> list[Event]:
        speech_node = RedisBus(REDIS_URL)  # publishes only, as `hotline asr serve` does
        workers = [RedisBus(REDIS_URL), RedisBus(REDIS_URL)]  # two app workers, each with the ACD's subscriber
        for worker in workers:
            await worker.start()
        jobs = [asyncio.create_task(follow_legs(worker)) for worker in workers]
        feed = workers[1].subscribe(accept=lambda e: e.type == "acd.call" and e.payload["call_id"] == call_id)
        set_bus(speech_node)  # the speech path and the ACD's own events go out through this process's bus
        events: list[Event] = []
        try:
            await asyncio.sleep(0.3)  # the subscribers are listening
            await legs.leg_started(call_id, "caller", CALLER)
            await legs.leg_started(call_id, "agent")  # the agent leg queues nothing
            await _until(feed, events, "offered")
            await legs.leg_ended(call_id, "agent")
            await legs.leg_ended(call_id, "caller")
            await _until(feed, events, "abandoned")
            await asyncio.sleep(1.5)  # a second worker's duplicate would arrive meanwhile
            while feed.qsize():
                events.append(await feed.get())
            return events
        finally:
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            set_bus(None)
            for bus in (*workers, speech_node):
                await bus.stop()

    events = asyncio.run(scenario())
    assert _states(events) == ["waiting", "offered", "abandoned"]  # once each, though two workers heard the legs
    assert events[1].payload["offered_to"] == people.agent.id and events[1].payload["caller_phone"] == "139****5678"
    with Session(get_engine()) as fresh:
        queued = fresh.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).one()
        assert queued.caller_phone == CALLER and queued.state == "abandoned" and queued.ended_at
        assert fresh.exec(select(Call).where(Call.external_id == call_id)).one().ended_at is not None
        assert service.presence_of(fresh, people.agent.id).state == AgentState.ready  # the ring stopped
    reset_settings()


def test_legs_never_reach_a_page():
    async def scenario() -> None:
        hub = Hub(InProcessBus(), ConsoleSettings())
        watcher = (await hub.join(900, "supervisor", None)).client
        watcher.outbox.get_nowait()  # the welcome
        leg = Event("call.leg_started", {"call_id": "c1", "leg": "caller", "caller_phone": CALLER}, seq=5)
        hub.handle(leg)
        assert watcher.outbox.qsize() == 0 and hub.latest == 5 and not hub.ring
        transcript = Event("call.transcript.partial", {"call_id": "c1", "leg": "caller", "text": "喂", "start": 0.0,
                                                       "end": 1.0, "confidence": None}, seq=6)  # fmt: skip
        hub.handle(transcript)
        assert watcher.outbox.qsize() == 1  # other call events still reach the supervisor

    asyncio.run(scenario())
    for role, department in (("supervisor", None), ("admin", None), ("liaison", 3)):
        accept = _filter_for(role, department)
        assert accept is not None and not accept(Event("call.leg_ended", {"call_id": "c1", "leg": "caller"}))
    assert _filter_for("agent", None)(Event("console.message", {"text": "x"}))
