"""Each worker's console hub: one bus subscription, a ring buffer of recent events, and a bounded outbox
per connected console.

Every worker hears every event (in-process, or through Redis), numbered by the bus with a global `seq`, so a
console that reconnects to any worker can resume after its last `seq` from that worker's ring. A console
whose outbox fills up is dropped (close 4408) without holding up the others; it resumes from the ring.
"""

import asyncio
import contextlib
import logging
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import NamedTuple

from agent_console.protocol import (
    CLOSE_ACCOUNT_CHANGED,
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHORIZED,
    EPHEMERAL_TYPES,
    event_message,
    message,
)
from agent_console.settings import ConsoleSettings
from hotline.events.bus import Event, EventBus, SubscriptionOverflow
from hotline.events.types import for_pages

log = logging.getLogger(__name__)
WATCHER_ROLES = frozenset({"supervisor", "manager", "admin"})
CONSOLE_ROLES = WATCHER_ROLES | {"agent"}
MAX_CALLS_REMEMBERED = 20_000
RESYNC_TEXT = {
    "too_old": "断线期间的事件已无法补发，请重新加载当前状态",
    "unknown_seq": "服务已重启，请重新加载当前状态",
}


class Stored(NamedTuple):
    seq: int
    event: Event
    text: str  # the message as sent, serialised once for every console


@dataclass(eq=False)
class Client:
    user_id: int
    role: str
    floor: int  # only events with a larger seq go to this console
    limit: int
    outbox: asyncio.Queue = field(default_factory=asyncio.Queue)
    dropped: asyncio.Event = field(default_factory=asyncio.Event)
    drop_code: int | None = None
    session_id: str | None = None  # the login session it was opened with: its end closes the console

    def put(self, text: str) -> None:
        if self.dropped.is_set():
            return
        if self.outbox.qsize() >= self.limit:
            self.drop(4408)
            return
        self.outbox.put_nowait(text)

    def drop(self, code: int) -> None:
        self.drop_code = code
        self.dropped.set()


class Resume(NamedTuple):
    client: Client
    resumed: bool  # the console's seq was honoured: everything after it is on its way
    resync_reason: str | None  # why not: the console must reload its state
    replayed: int


class Hub:
    def __init__(self, bus: EventBus, settings: ConsoleSettings) -> None:
        self.bus = bus
        self.settings = settings
        self.ring: deque[Stored] = deque(maxlen=settings.ring_size)
        self.clients: set[Client] = set()
        # user id -> their open consoles, and the watchers: an event for one agent (a transcript line, their state)
        # is handed to that agent's consoles without testing all of them (the fan-out's cost per event)
        self.by_user: dict[int, set[Client]] = {}
        self.watchers: set[Client] = set()
        self.latest = 0  # the last seq this hub handled
        self.covered_from = 0  # every event after this seq is in the ring (or on its way to it)
        # call id -> agents it was ever offered to / answered by: who hears what becomes of it
        self.call_agents: OrderedDict[str, set[int]] = OrderedDict()
        # call id -> the agent who holds it now (ringing or talking): who may read its transcript
        self.call_holders: dict[str, set[int]] = {}
        self._subscription = None
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._subscribe()
        # Taken after subscribing: anything numbered later reaches this hub.
        self.covered_from = self.latest = await asyncio.to_thread(self.bus.current_seq)
        self._tasks = [
            asyncio.create_task(self._run(), name="console-hub"),
            asyncio.create_task(self._heartbeats(), name="console-heartbeats"),
            asyncio.create_task(self._recheck_accounts(), name="console-accounts"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._subscription:
            self._subscription.close()

    def _subscribe(self) -> None:
        self._subscription = self.bus.subscribe(maxsize=self.settings.hub_queue)

    async def _run(self) -> None:
        while True:
            try:
                event = await self._subscription.get()
            except SubscriptionOverflow:
                await self._reset()
                continue
            try:
                self.handle(event)
            except Exception:  # one odd event must not stop every console
                log.exception("console hub could not handle %s", event.type)

    async def _reset(self) -> None:
        """The hub itself fell behind: its ring has a hole, so every console reloads."""
        log.error("console hub overflowed; every console is asked to reconnect")
        self._subscription.close()
        self._subscribe()
        self.ring.clear()
        self.covered_from = self.latest = await asyncio.to_thread(self.bus.current_seq)
        for client in list(self.clients):
            client.drop(4409)

    def handle(self, event: Event) -> None:
        if not for_pages(event.type):  # between processes only (the speech path's legs): no console sees it
            self.latest = max(self.latest, event.seq or 0)
            return
        if event.seq is None:  # held by the bus while Redis is down: delivered live here, kept for no resume
            self._learn_call(event)
            text = event_message(event)
            for client in self._audience(event):
                if self.visible(client, event):
                    client.put(text)
            return
        seq = event.seq
        if seq <= self.latest and self.latest and seq:
            return  # heard twice (Redis reconnect): already handled
        self.latest = max(self.latest, seq)
        self._learn_call(event)
        stored = Stored(seq, event, event_message(event))
        if event.type not in EPHEMERAL_TYPES:
            if len(self.ring) == self.ring.maxlen:
                self.covered_from = self.ring[0].seq
            self.ring.append(stored)
        for client in self._audience(event):
            if seq > client.floor and self.visible(client, event):
                client.put(stored.text)

    def _audience(self, event: Event) -> set[Client] | list[Client]:
        """The consoles that may see the event (`visible` has the last word): the named agents' and the watchers'
        for the events addressed to agents, every console for the rest."""
        users = self._addressees(event)
        if users is None:
            return self.clients
        audience = list(self.watchers)
        for user_id in users:
            audience.extend(self.by_user.get(user_id, ()))
        return audience

    def _addressees(self, event: Event) -> set | None:
        """The agents an event is addressed to, or None when it is for everyone (tickets, broadcasts)."""
        payload = event.payload
        kind = event.type
        if kind.startswith("call."):
            return self.call_holders.get(payload.get("call_id"), set())
        if kind == "acd.call":
            named = {payload.get("offered_to"), payload.get("answered_by")}
            return (named | self.call_agents.get(payload.get("call_id"), set())) - {None}
        if kind == "acd.agent_state":
            return {payload.get("user_id")}
        if kind == "console.message" and payload.get("to_user_id") is not None:
            return {payload.get("to_user_id")}
        return None

    def _learn_call(self, event: Event) -> None:
        if event.type != "acd.call":
            return
        call_id = event.payload.get("call_id")
        people = {event.payload.get("offered_to"), event.payload.get("answered_by")} - {None}
        if call_id and event.payload.get("state") in ("waiting", "abandoned"):
            self.call_holders[call_id] = set()  # back in the queue: the agent it rang for no longer reads it
        if call_id and people:
            self.call_agents.setdefault(call_id, set()).update(people)
            self.call_agents.move_to_end(call_id)
            self.call_holders[call_id] = people
            while len(self.call_agents) > MAX_CALLS_REMEMBERED:
                forgotten, _ = self.call_agents.popitem(last=False)
                self.call_holders.pop(forgotten, None)

    def visible(self, client: Client, event: Event) -> bool:
        """Supervisors see everything; an agent sees their own calls, state and messages, and every ticket."""
        if client.role in WATCHER_ROLES:
            return True
        payload = event.payload
        kind = event.type
        if kind.startswith("call."):
            return client.user_id in self.call_holders.get(payload.get("call_id"), ())
        if kind == "acd.call":
            return client.user_id in (payload.get("offered_to"), payload.get("answered_by")) or (
                client.user_id in self.call_agents.get(payload.get("call_id"), ())
            )
        if kind == "acd.agent_state":
            return payload.get("user_id") == client.user_id
        if kind == "console.message":
            return payload.get("to_user_id") in (None, client.user_id)
        return True

    async def join(self, user_id: int, role: str, since: int | None, session_id: str | None = None) -> Resume:
        """Register a console; with `since`, queue what it missed first. Atomic with the hub's dispatch
        (no await between reading the ring and registering), so nothing falls between replay and live."""
        current = await asyncio.to_thread(self.bus.current_seq) if since is not None else 0
        client = Client(user_id, role, self.latest, self.settings.client_queue, session_id=session_id)
        reason = None
        replay: list[str] = []
        if since is not None:
            if since > current:
                reason = "unknown_seq"  # from before a restart of the counter
            elif since < self.covered_from:
                reason = "too_old"  # the ring no longer reaches back that far
            else:
                client.floor = since
                replay = [s.text for s in self._after(since) if self.visible(client, s.event)]
        client.limit += len(replay)
        hello = {
            "user_id": user_id,
            "role": role,
            "resumed": since is not None and reason is None,
            "replayed": len(replay),
            "heartbeat_seconds": self.settings.heartbeat_seconds,
            "worker": self.bus.__class__.__name__,
        }
        client.put(message("welcome", client.floor, hello))
        if reason:
            text = RESYNC_TEXT[reason]
            client.put(message("resync", client.floor, {"reason": reason, "message": text}))
        for text in replay:
            client.put(text)
        self.clients.add(client)
        if role in WATCHER_ROLES:
            self.watchers.add(client)
        else:
            self.by_user.setdefault(user_id, set()).add(client)
        return Resume(client, hello["resumed"], reason, len(replay))

    def _after(self, since: int) -> list[Stored]:
        newer: list[Stored] = []
        for stored in reversed(self.ring):
            if stored.seq <= since:
                break
            newer.append(stored)
        newer.reverse()
        return newer

    def leave(self, client: Client) -> None:
        self.clients.discard(client)
        self.watchers.discard(client)
        mine = self.by_user.get(client.user_id)
        if mine is not None:
            mine.discard(client)
            if not mine:
                del self.by_user[client.user_id]

    def finals_of(self, call_id: str) -> list[dict]:
        """The transcript finals of a call this worker has heard (for a console picking up a call)."""
        return [
            s.event.payload
            for s in self.ring
            if s.event.type == "call.transcript.final" and s.event.payload.get("call_id") == call_id
        ]

    async def _heartbeats(self) -> None:
        """Through each console's outbox, so a heartbeat's seq says: everything up to here has been sent."""
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            text = message("heartbeat", self.latest, {})
            for client in list(self.clients):
                client.put(text)

    async def _recheck_accounts(self) -> None:
        """Close the consoles of accounts deactivated or whose login session has ended (退出登录, idle: 4401), or
        given another role (4403 / 4410) since they joined: one query for all consoles every
        `HOTLINE_EVENTS_RECHECK_SECONDS`."""
        from hotline.settings import get_settings

        while True:
            await asyncio.sleep(get_settings().events_recheck_seconds)
            clients = list(self.clients)
            if not clients:
                continue
            try:
                accounts, live = await asyncio.to_thread(_accounts, clients)
            except Exception:  # the database is away: keep the consoles, look again next time
                continue
            for client in clients:
                role = accounts.get(client.user_id)
                if role is None or (client.session_id is not None and client.session_id not in live):
                    client.drop(CLOSE_UNAUTHORIZED)
                elif role != client.role:
                    client.drop(CLOSE_ACCOUNT_CHANGED if role in CONSOLE_ROLES else CLOSE_FORBIDDEN)


def _accounts(clients: list[Client]) -> tuple[dict[int, str], set[str]]:
    """(user id -> role of the active accounts, the login sessions still live) among these consoles'."""
    from sqlmodel import Session, select

    from hotline.auth import sessions
    from hotline.auth.models import User
    from hotline.db import get_engine

    user_ids = {c.user_id for c in clients}
    with Session(get_engine()) as session:
        rows = session.exec(select(User.id, User.role).where(User.id.in_(user_ids), User.active)).all()
        live = sessions.live(session, {c.session_id for c in clients if c.session_id is not None})
        return {user_id: str(role) for user_id, role in rows}, live
