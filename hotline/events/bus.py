"""One event bus interface with two transports.

* `InProcessBus` (default): fan-out to subscribers inside this process.
* `RedisBus` (when `HOTLINE_REDIS_URL` is set): every event goes through one Redis pub/sub channel and each
  process fans out what it hears, so several workers see each other's events.

`publish` is synchronous and thread-safe (service functions run in worker threads); subscribing is for
async code (WebSockets, server-sent events). Each subscriber has a bounded queue: a subscriber that falls
too far behind is marked overflowed and dropped, so one slow page never slows the others.

Every published event gets a sequence number (`seq`), increasing in the order subscribers hear the events:
a process counter in-process, a Redis counter incremented in the same script that publishes (so every
worker hears the events in `seq` order). Consoles resume from their last `seq` on any worker.
"""

import asyncio
import contextlib
import json
import logging
import os
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import event as sa_event
from sqlmodel import Session

from hotline.events.types import check

log = logging.getLogger(__name__)
ORIGIN = f"{os.uname().nodename}:{os.getpid()}"


def redis_key(name: str) -> str:
    """A Redis key or channel in this deployment's namespace (`HOTLINE_REDIS_PREFIX`)."""
    from hotline.settings import get_settings

    return f"{get_settings().redis_prefix}:{name}"


def channel_name() -> str:
    return redis_key("events")


@dataclass(frozen=True)
class Event:
    type: str
    payload: dict
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    origin: str = ORIGIN
    seq: int | None = None  # given by the bus on publish

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, raw: str | bytes) -> "Event":
        data = json.loads(raw)
        return cls(**{k: data[k] for k in ("type", "payload", "id", "at", "origin")}, seq=data.get("seq"))


class SubscriptionOverflow(Exception):
    """The subscriber fell so far behind that events had to be dropped."""


class Subscription:
    def __init__(self, bus: "EventBus", maxsize: int, accept: Callable[[Event], bool] | None) -> None:
        self._bus = bus
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self._accept = accept
        self.overflowed = False

    def offer(self, event: Event) -> None:
        """Called from any thread."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
            self._loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: Event) -> None:
        if self.overflowed or (self._accept and not self._accept(event)):
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True

    async def get(self) -> Event:
        if self.overflowed:
            raise SubscriptionOverflow
        return await self._queue.get()

    def qsize(self) -> int:
        return self._queue.qsize()

    def close(self) -> None:
        self._bus._subscribers.discard(self)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.get()


class EventBus:
    """In-process fan-out; the base of every transport."""

    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self._seq_lock = threading.Lock()
        self._seq = 0

    def publish(self, event: Event) -> None:
        """Check the payload against its declared type (`types.py`: a wrong one raises), then send it."""
        check(event.type, event.payload)
        self._send_checked(event)

    def _send_checked(self, event: Event) -> None:
        # Numbering and fan-out under one lock: subscribers hear the events in seq order.
        with self._seq_lock:
            self._seq += 1
            self._fan_out(replace(event, seq=self._seq))

    def current_seq(self) -> int:
        """The seq of the last event published (what a resuming console compares its own with)."""
        return self._seq

    def status(self) -> dict:
        """For the readiness check."""
        return {"redis": "not_configured", "held_events": 0}

    def _fan_out(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(event)

    def subscribe(self, maxsize: int = 1000, accept: Callable[[Event], bool] | None = None) -> Subscription:
        subscription = Subscription(self, maxsize, accept)
        self._subscribers.add(subscription)
        return subscription

    async def start(self) -> None:
        """Transports that listen for other processes start here."""

    async def stop(self) -> None:
        self._subscribers.clear()


class InProcessBus(EventBus):
    pass


# INCR and PUBLISH in one script: Redis runs scripts one at a time, so the channel carries the events in seq
# order even when several workers publish at once. The seq goes in as the JSON object's last member.
_PUBLISH_WITH_SEQ = """
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], string.sub(ARGV[1], 1, -2) .. ',"seq":' .. seq .. '}')
return seq
"""


MAX_HELD_EVENTS = 100_000  # events kept for Redis while it is down (about 100 MB at worst)


class RedisBus(EventBus):
    """Events through Redis; while Redis is down, each worker still delivers its own events at once and holds them,
    in order, until Redis is back, then publishes them so the other workers' pages catch up (issue 14, finding 6).
    Start-up does not need Redis. Held events live in the worker's memory: a worker that dies during an outage
    loses what it held (the tickets themselves are in the database; pages reload them)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self._url = url
        # Short timeouts: a publish runs inside a request and must not hang on a Redis that does not answer.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self._listener: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._publish_script = self._client.register_script(_PUBLISH_WITH_SEQ)
        self._channel, self._seq_key = channel_name(), redis_key("events:seq")
        self._held: deque[Event] = deque()
        self._held_lock = threading.Lock()
        self._delivered_here: set[str] = set()  # ids of held events this worker already fanned out itself
        self._last_seq = 0
        self.dropped_held = 0
        self.connected = False

    def _send_checked(self, event: Event) -> None:
        with self._held_lock:
            if not self._held:
                try:
                    self._send(event)
                    return
                except Exception as exc:  # Redis away: deliver here now, the others when it returns
                    log.warning("Redis unavailable, holding event %s for replay: %s", event.type, exc)
            self._hold(event)

    def _send(self, event: Event) -> None:
        body = asdict(event)
        body.pop("seq")
        text = json.dumps(body, ensure_ascii=False, default=str)
        self._publish_script(keys=[self._seq_key, self._channel], args=[text])

    def _hold(self, event: Event) -> None:
        if len(self._held) >= MAX_HELD_EVENTS:
            self._delivered_here.discard(self._held.popleft().id)
            self.dropped_held += 1
            log.error("Redis down too long: dropped the oldest held event (%d so far)", self.dropped_held)
        self._held.append(event)
        self._delivered_here.add(event.id)
        self._fan_out(event)  # unnumbered (seq None): delivered live here, never in a resume ring

    def replay_held(self) -> int:
        """Publish the held events in order; returns how many went out (stops at the first failure)."""
        sent = 0
        with self._held_lock:
            while self._held:
                try:
                    self._send(self._held[0])
                except Exception as exc:
                    log.warning("Redis still unavailable, %d events held: %s", len(self._held), exc)
                    break
                self._held.popleft()
                sent += 1
        if sent:
            log.info("replayed %d held events through Redis", sent)
        return sent

    def held(self) -> int:
        return len(self._held)

    def status(self) -> dict:
        held = self.held()  # a failed publish is news before the listener notices
        return {"redis": "ok" if self.connected and not held else "unavailable", "held_events": held}

    def _fan_out(self, event: Event) -> None:
        if event.seq is not None:
            self._last_seq = max(self._last_seq, event.seq)
        super()._fan_out(event)

    def current_seq(self) -> int:
        try:
            return int(self._client.get(self._seq_key) or 0)
        except Exception:  # Redis away: the last number this worker heard
            return self._last_seq

    async def start(self) -> None:
        """Starts listening; waits briefly for Redis but starts without it (the listener keeps trying)."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="redis-event-listener")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout=3)

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._client.close()
        await super().stop()

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        backoff = 0.5
        while True:
            client = aioredis.Redis.from_url(self._url, socket_connect_timeout=1)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self.connected = True
                    self._ready.set()
                    backoff = 0.5
                    await asyncio.to_thread(self.replay_held)
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is None:
                            if self._held:  # publishing failed meanwhile (a blip): try again
                                await asyncio.to_thread(self.replay_held)
                            continue
                        self._heard(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: keep trying, the bus must come back by itself
                self.connected = False
                log.warning("Redis event listener lost its connection (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
            finally:
                await client.aclose()

    def _heard(self, raw: bytes) -> None:
        try:
            event = Event.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed event on %s", self._channel)
            return
        if event.id in self._delivered_here:  # held here during an outage: this worker's pages have it
            self._delivered_here.discard(event.id)
            self._last_seq = max(self._last_seq, event.seq or 0)
            return
        self._fan_out(event)


_bus: EventBus | None = None


def get_bus() -> EventBus:
    global _bus
    if _bus is None:
        from hotline.settings import get_settings

        url = get_settings().redis_url
        _bus = RedisBus(url) if url else InProcessBus()
    return _bus


def set_bus(bus: EventBus | None) -> None:
    global _bus
    _bus = bus


def publish_after_commit(session: Session, event: Event) -> None:
    """Queue an event that goes out only if the session's transaction commits (checked now: a wrong payload fails
    the transaction at the line that made it, not silently after the commit)."""
    check(event.type, event.payload)
    session.info.setdefault("pending_events", []).append(event)


@sa_event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    pending = session.info.pop("pending_events", [])
    bus = get_bus()
    for item in pending:
        try:
            bus.publish(item)
        except Exception:  # the write is committed; a lost notification must not turn it into an error
            log.exception("could not publish event %s", item.type)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop("pending_events", None)
