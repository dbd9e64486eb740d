"""Who reads a call's transcript: the agent who holds it now, not one it rang for before it went elsewhere."""

from agent_console.hub import Client, Hub
from agent_console.settings import ConsoleSettings
from hotline.events.bus import Event, InProcessBus


def _event(kind: str, seq: int, **payload) -> Event:
    return Event(kind, payload, seq=seq)


def test_a_transcript_follows_the_call_to_the_agent_who_has_it() -> None:
    hub = Hub(InProcessBus(), ConsoleSettings())
    first = Client(user_id=1, role="agent", floor=0, limit=10)
    second = Client(user_id=2, role="agent", floor=0, limit=10)
    final = _event("call.transcript.final", 9, call_id="c1", leg="caller", text="喂", start=0.0, end=1.0)
    hub.handle(_event("acd.call", 1, call_id="c1", state="offered", offered_to=1, answered_by=None))
    assert hub.visible(first, final) and not hub.visible(second, final)
    waiting = _event("acd.call", 2, call_id="c1", state="waiting", offered_to=None, answered_by=None)
    hub.handle(waiting)
    assert hub.visible(first, waiting)  # the agent it rang for hears that it went back to the queue
    assert not hub.visible(first, final)
    offered = _event("acd.call", 3, call_id="c1", state="offered", offered_to=2, answered_by=None)
    hub.handle(offered)
    assert hub.visible(first, offered)  # … and that another agent has it now
    hub.handle(_event("acd.call", 4, call_id="c1", state="answered", offered_to=2, answered_by=2))
    assert hub.visible(second, final) and not hub.visible(first, final)
