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


def test_an_event_for_one_agent_reaches_their_consoles_and_the_watchers_without_testing_the_rest() -> None:
    """The hub's audience index (issue 20): a transcript line costs the consoles that hold the call, not all 500."""
    import asyncio

    async def scenario() -> None:
        hub = Hub(InProcessBus(), ConsoleSettings())
        agents = [(await hub.join(user_id, "agent", None)).client for user_id in range(1, 501)]
        watcher = (await hub.join(900, "supervisor", None)).client
        twice = (await hub.join(7, "agent", None)).client  # agent 7 on a second screen
        for client in [*agents, watcher, twice]:
            client.outbox.get_nowait()  # the welcome
        hub.handle(_event("acd.call", 1, call_id="c7", state="answered", offered_to=7, answered_by=7))
        for client in [*agents, watcher, twice]:
            while not client.outbox.empty():
                client.outbox.get_nowait()
        tested: list[int] = []
        visible = hub.visible
        hub.visible = lambda client, event: tested.append(client.user_id) or visible(client, event)
        hub.handle(_event("call.transcript.final", 2, call_id="c7", leg="caller", text="喂", start=0.0, end=1.0))
        assert sorted(tested) == [7, 7, 900]
        assert [c.user_id for c in [*agents, watcher, twice] if not c.outbox.empty()] == [7, 900, 7]
        hub.leave(twice)
        hub.handle(_event("ticket.intake", 3, number="T1"))
        assert sum(not c.outbox.empty() for c in [*agents, watcher]) == 501  # a ticket is for every console
        assert twice.outbox.qsize() == 1  # the transcript only: it left before the ticket
        assert 7 in hub.by_user and len(hub.by_user[7]) == 1

    asyncio.run(scenario())
