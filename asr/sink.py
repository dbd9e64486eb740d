"""Where transcripts go: the `TranscriptSink` protocol the adapters call, and its implementations here.

* `BusSink` publishes `call.transcript.partial` / `call.transcript.final` events on the core's event bus.
* `CallRecordSink` stores finals on the Call in the database (read back through `GET /api/calls/{id}`).
* `MemorySink` keeps a call's finals in memory (batch transcription, tests).
* `FanoutSink` calls several sinks; a sink that fails is logged and the others still get the segment.

`add_sink_factory` lets another package give every live stream one more sink.
"""

import asyncio
import logging
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


class CallRecordSink:
    """Finals stored on the Call (the core's `transcript_segment` table), so the transcript outlives the process.

    Writes go to a worker thread: the database must never stall the event loop that carries the audio.
    """

    async def on_partial(self, segment: Segment) -> None:
        return None

    async def on_final(self, segment: Segment) -> None:
        await asyncio.to_thread(_store_final, segment)

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None:
        return None

    async def on_end(self, call_id: str, leg: str) -> None:
        return None


def _store_final(segment: Segment) -> None:
    from sqlmodel import Session

    from hotline.callers.service import add_segment
    from hotline.db import get_engine

    with Session(get_engine()) as session:
        add_segment(session, segment.call_id, segment.leg, segment.start, segment.end, segment.text, segment.confidence)


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
_factories: list[SinkFactory] = [lambda call_id, leg: BusSink(), lambda call_id, leg: CallRecordSink()]


def add_sink_factory(factory: SinkFactory) -> None:
    """Register a sink every live stream gets (the core's DB sink goes here)."""
    _factories.append(factory)


def default_sinks(call_id: str, leg: str) -> list[TranscriptSink]:
    return [factory(call_id, leg) for factory in _factories]
