"""Typed events: every type on the bus is declared once (`hotline/events/types.py`), the bus refuses a payload that
does not match its declaration, docs/console.md lists exactly the declared types and fields, and the API serves
the same schemas."""

import ast
import asyncio
import re
from pathlib import Path

import pytest

from asr.sink import Segment, Word
from hotline.events.bus import Event, InProcessBus, publish_after_commit
from hotline.events.types import EVENT_TYPES, EventPayloadError, fields_of, markdown
from hotline.tickets.states import Action
from tests.conftest import login_client
from tests.events.payloads import ticket

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["hotline", "asr", "routing", "agent_console", "knowledge", "analytics", "selfservice", "classifier",
           "approvals_bridge"]  # fmt: skip


def _doc_section() -> str:
    text = (ROOT / "docs" / "console.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- event types: begin -->\n(.*?)<!-- event types: end -->", text, re.S)
    assert found, "docs/console.md has lost its event list markers"
    return found.group(1)


def test_the_doc_lists_exactly_the_declared_types_and_fields():
    section = _doc_section()
    assert section == markdown(), "docs/console.md differs from the registry; paste hotline.events.types.markdown()"
    assert "…" not in section and "..." not in section
    listed = set(re.findall(r"`([a-z_]+\.[a-z_.]+)`", section))
    assert listed == set(EVENT_TYPES)
    for model in set(EVENT_TYPES.values()):
        for name, kind in fields_of(model):
            assert f"`{name}`: {kind}" in section, (model.__name__, name)


def test_every_ticket_step_and_every_type_the_product_publishes_is_declared():
    assert {f"ticket.{a.value}" for a in Action} <= set(EVENT_TYPES)
    published = set()
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Event" and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        published.add(first.value)
    assert published and published <= set(EVENT_TYPES), published - set(EVENT_TYPES)


@pytest.mark.parametrize(
    ("kind", "payload", "says"),
    [
        ("ticket.intake", {k: v for k, v in ticket().items() if k != "number"}, "number"),  # a field missing
        ("ticket.intake", ticket() | {"marker": 1}, "marker"),  # a field not declared
        ("ticket.intake", ticket() | {"ticket_id": "first"}, "ticket_id"),  # the wrong type
        ("ticket.unknown_step", ticket(), "unknown event type"),
        ("call.transcript.final", {"call_id": "c1", "leg": "caller", "text": "", "start": 0, "end": 1}, "confidence"),
    ],
)
def test_a_wrong_payload_raises_at_publish_and_nothing_is_sent(kind, payload, says):
    async def scenario():
        bus = InProcessBus()
        feed = bus.subscribe()
        with pytest.raises(EventPayloadError, match=says):
            bus.publish(Event(kind, payload))
        bus.publish(Event("ticket.intake", ticket("good")))
        assert (await asyncio.wait_for(feed.get(), 1)).payload["number"] == "good"
        assert feed.qsize() == 0 and bus.current_seq() == 1  # the wrong one took no number and reached nobody

    asyncio.run(scenario())


def test_a_wrong_payload_fails_its_transaction_before_the_commit(session):
    with pytest.raises(EventPayloadError, match="department_ids"):
        publish_after_commit(session, Event("ticket.dispatch", ticket() | {"department_ids": None}))
    assert not session.info.get("pending_events")


def test_the_speech_paths_segments_are_valid_transcript_events():
    words = (Word("你好", 0.1, 0.4, 0.9),)
    for final in (False, True):
        segment = Segment("c1", "caller", "你好", "你 好", 0.1, 0.4, 0.91, final, words)
        kind = "call.transcript.final" if final else "call.transcript.partial"
        InProcessBus().publish(Event(kind, segment.payload()))  # raises if the sink's payload drifted


def test_the_api_serves_the_same_schemas(live_server, people):
    client = login_client(live_server.url, "agent1")
    served = client.get("/api/events/types").json()
    assert served.keys() == EVENT_TYPES.keys()
    for kind, model in EVENT_TYPES.items():
        assert served[kind] == model.model_json_schema()
    assert client.get("/api/events/types", headers={"Authorization": ""}).status_code == 401
