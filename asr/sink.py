"""Where transcripts go: the `TranscriptSink` protocol the adapters call, and its implementations here.

* `BusSink` publishes `call.transcript.partial` / `call.transcript.final` events on the core's event bus.
* `MemorySink` keeps a call's finals in memory (batch transcription, the recent-transcripts route, tests).
* `FanoutSink` calls several sinks; a sink that fails is logged and the others still get the segment.

The core adds a sink that stores finals on the Call through `add_sink_factory`.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

PARTIAL_EVENT = "call.transcript.partial"
FINAL_EVENT = "call.transcript.final"


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True)
class Segment:
    """One recognised utterance of one leg (final), or the utterance so far (partial).

    Times are seconds from the start of the leg's audio; `text` is cleaned (Chinese joined, numbers as
    digits), `raw_text` is what Vosk said.
    """

    call_id: str
    leg: str
    text: str
    raw_text: str
    start: float
    end: float
    confidence: float | None
    final: bool
    words: tuple[Word, ...] = field(default_factory=tuple)

    def payload(self) -> dict:
        body: dict = {
            "call_id": self.call_id,
            "leg": self.leg,
            "text": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "confidence": None if self.confidence is None else round(self.confidence, 4),
        }
        if self.final:
            body["words"] = [asdict(w) for w in self.words]
        return body


@runtime_checkable
class TranscriptSink(Protocol):
    async def on_partial(self, segment: Segment) -> None: ...

    async def on_final(self, segment: Segment) -> None: ...

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None: ...

    async def on_end(self, call_id: str, leg: str) -> None: ...


class BusSink:
    """Transcript events on the core's event bus (publish is synchronous and thread-safe)."""

    def __init__(self) -> None:
        from hotline.events import Event, get_bus

        self._event, self._get_bus = Event, get_bus

    async def on_partial(self, segment: Segment) -> None:
        self._get_bus().publish(self._event(type=PARTIAL_EVENT, payload=segment.payload()))

    async def on_final(self, segment: Segment) -> None:
        self._get_bus().publish(self._event(type=FINAL_EVENT, payload=segment.payload()))

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None:
        log.warning("transcription error on call %s leg %s: %s %s", call_id, leg, code, message)

    async def on_end(self, call_id: str, leg: str) -> None:
        return None


class MemorySink:
    """Finals (and the last partial) of one stream, in order."""

    def __init__(self) -> None:
        self.finals: list[Segment] = []
        self.partials: list[Segment] = []
        self.errors: list[tuple[str, str]] = []
        self.ended = False

    async def on_partial(self, segment: Segment) -> None:
        self.partials.append(segment)

    async def on_final(self, segment: Segment) -> None:
        self.finals.append(segment)

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None:
        self.errors.append((code, message))

    async def on_end(self, call_id: str, leg: str) -> None:
        self.ended = True


class RecentTranscripts:
    """Finals of the most recent calls, in memory, for the transcript route until the core stores them."""

    def __init__(self, max_calls: int = 500) -> None:
        self._calls: OrderedDict[str, list[Segment]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_calls

    def add(self, segment: Segment) -> None:
        with self._lock:
            self._calls.setdefault(segment.call_id, []).append(segment)
            self._calls.move_to_end(segment.call_id)
            while len(self._calls) > self._max:
                self._calls.popitem(last=False)

    def get(self, call_id: str) -> list[Segment] | None:
        with self._lock:
            segments = self._calls.get(call_id)
            return sorted(segments, key=lambda s: (s.start, s.leg)) if segments is not None else None


recent_transcripts = RecentTranscripts()


class RecentSink:
    def __init__(self, store: RecentTranscripts = recent_transcripts) -> None:
        self._store = store

    async def on_partial(self, segment: Segment) -> None:
        return None

    async def on_final(self, segment: Segment) -> None:
        self._store.add(segment)

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None:
        return None

    async def on_end(self, call_id: str, leg: str) -> None:
        return None


class FanoutSink:
    def __init__(self, sinks: list[TranscriptSink]) -> None:
        self.sinks = sinks

    async def _each(self, method: str, *args: object) -> None:
        for sink in self.sinks:
            try:
                await getattr(sink, method)(*args)
            except Exception:  # one broken sink must not cost the others their transcript
                log.exception("transcript sink %s.%s failed", type(sink).__name__, method)

    async def on_partial(self, segment: Segment) -> None:
        await self._each("on_partial", segment)

    async def on_final(self, segment: Segment) -> None:
        await self._each("on_final", segment)

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None:
        await self._each("on_error", call_id, leg, code, message)

    async def on_end(self, call_id: str, leg: str) -> None:
        await self._each("on_end", call_id, leg)


SinkFactory = Callable[[str, str], TranscriptSink]  # (call_id, leg) -> sink
_factories: list[SinkFactory] = [lambda call_id, leg: BusSink(), lambda call_id, leg: RecentSink()]


def add_sink_factory(factory: SinkFactory) -> None:
    """Register a sink every live stream gets (the core's DB sink goes here)."""
    _factories.append(factory)


def default_sinks(call_id: str, leg: str) -> list[TranscriptSink]:
    return [factory(call_id, leg) for factory in _factories]
