"""Streaming recognition: one shared model, one Kaldi recogniser per call leg, decoding on a thread pool.

Adapters call `LegStream.feed` with 16-bit samples at the model's rate as frames arrive; feeding never
waits for decoding. Each leg has at most one decoding step in flight, which takes everything buffered
so far: when the machine is busy, steps grow instead of queueing, so a slow moment costs latency, not
an ever-growing backlog of tiny jobs. Inside a step the audio goes to Vosk in fixed chunks, so utterance
end-points are found exactly as in a plain loop over the file. Vosk (cffi) releases the GIL while it
decodes, so the pool's threads really run in parallel.

Partial results are asked for at most every `partial_interval` seconds per leg (they cost a lattice
search each) and only sent when their text changed.
"""

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from asr.errors import AsrError
from asr.models import LoadedModel
from asr.sink import Segment, TranscriptSink, Word
from asr.text import clean_transcript

log = logging.getLogger(__name__)


@dataclass
class StreamStats:
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0  # time spent inside Vosk for this leg
    partial_latencies: list[float] = field(default_factory=list)  # seconds from oldest audio to its partial
    final_count: int = 0


class AsrEngine:
    """The process's recognition service: the shared model and the decoding pool."""

    def __init__(
        self,
        model: LoadedModel,
        workers: int,
        partial_interval: float = 0.3,
        chunk_seconds: float = 0.2,
        max_stream_seconds: float = 4 * 3600,
    ) -> None:
        self.model = model
        self.workers = workers
        self.partial_interval = partial_interval
        self.chunk_bytes = int(model.sample_rate * chunk_seconds) * 2
        self.max_stream_seconds = max_stream_seconds
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asr-decode")
        self.active_streams = 0

    @property
    def sample_rate(self) -> int:
        return self.model.sample_rate

    def warm_up(self) -> None:
        """Decode a second of speech-like noise once, so the first call does not pay for paging in the graph."""
        import vosk

        rec = vosk.KaldiRecognizer(self.model.vosk, self.sample_rate)
        noise = (np.random.default_rng(0).standard_normal(self.sample_rate) * 2000).astype("<i2")
        rec.AcceptWaveform(noise.tobytes())
        rec.FinalResult()

    def open_stream(self, call_id: str, leg: str, sink: TranscriptSink, partials: bool = True) -> "LegStream":
        return LegStream(self, call_id, leg, sink, partials)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _words(items: list[dict]) -> tuple[Word, ...]:
    return tuple(Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0))) for w in items)


class LegStream:
    """The recogniser of one call leg."""

    def __init__(self, engine: AsrEngine, call_id: str, leg: str, sink: TranscriptSink, partials: bool) -> None:
        import vosk

        self.engine, self.call_id, self.leg, self.sink, self.partials = engine, call_id, leg, sink, partials
        self._rec = vosk.KaldiRecognizer(engine.model.vosk, engine.model.sample_rate)
        self._rec.SetWords(True)
        # no partial word times: with them Vosk keeps only confident words and partials come late and sparse
        self._rec.SetPartialWords(False)
        self._utterance_start = 0.0  # end of the previous final: where the current partial starts
        self._pending = bytearray()
        self._oldest_arrival: float | None = None
        self._task: asyncio.Task | None = None
        self._last_partial_at = 0.0
        self._last_partial_text = ""
        self._closed = False
        self._decoded_bytes = 0  # audio Vosk has consumed: what a partial's `end` reports
        self._budget: int | None = None  # bytes still to decode once the client has gone (None: all of it)
        self.stats = StreamStats()
        self.finals: list[Segment] = []
        engine.active_streams += 1

    async def feed(self, pcm: np.ndarray) -> None:
        """Queue samples (int16 at the model's rate); decoding starts in the background once a chunk is due."""
        if self._closed:
            raise AsrError("识别流已结束", code="stream_closed")
        if len(pcm) == 0:
            return
        self.stats.audio_seconds += len(pcm) / self.engine.sample_rate
        if self.stats.audio_seconds > self.engine.max_stream_seconds:
            raise AsrError(f"单路音频超过 {self.engine.max_stream_seconds:.0f} 秒上限", code="stream_too_long")
        if self._oldest_arrival is None:
            self._oldest_arrival = time.monotonic()
        self._pending += pcm.astype("<i2", copy=False).tobytes()
        if len(self._pending) >= self.engine.chunk_bytes and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._drain(flush=False))

    async def abandon(self, grace_seconds: float) -> list[Segment]:
        """The client has gone: decode at most `grace_seconds` more of its backlog, drop the rest, then finish.

        The words said just before a hang-up are kept (a real-time sender has well under a second buffered), while a
        sender that pushed minutes of audio and left does not keep a core busy for nobody.
        """
        self._budget = int(grace_seconds * self.engine.sample_rate) * 2
        dropped = max(0, len(self._pending) - self._budget)
        if dropped:
            del self._pending[self._budget :]
            log.info(
                "call %s leg %s: %.1f s of undecoded audio dropped after the client left",
                self.call_id,
                self.leg,
                dropped / 2 / self.engine.sample_rate,
            )
        return await self.finish()

    async def finish(self) -> list[Segment]:
        """Decode what is left, emit the last final, tell the sink the leg ended. Safe to call twice."""
        if self._closed:
            return self.finals
        self._closed = True
        try:
            if self._task is not None:
                await self._task
            await self._drain(flush=True)
        finally:
            self.engine.active_streams -= 1
            await self.sink.on_end(self.call_id, self.leg)
        return self.finals

    async def _drain(self, flush: bool) -> None:
        loop = asyncio.get_running_loop()
        try:
            while flush or len(self._pending) >= self.engine.chunk_bytes:
                data, arrived = bytes(self._pending), self._oldest_arrival
                self._pending.clear()
                self._oldest_arrival = None
                due = time.monotonic() - self._last_partial_at >= self.engine.partial_interval
                want_partial = self.partials and not flush and due
                results, spent = await loop.run_in_executor(
                    self.engine.executor, self._decode, data, want_partial, flush
                )
                self.stats.decode_seconds += spent
                for kind, result, decoded in results:
                    await self._emit(kind, result, arrived, decoded)
                if flush:
                    break
        except Exception as exc:  # a decoder failure ends this leg only; the caller is told why
            log.exception("decoding failed on call %s leg %s", self.call_id, self.leg)
            await self.sink.on_error(self.call_id, self.leg, "decode_failed", f"语音识别失败：{exc}")

    def _decode(self, data: bytes, want_partial: bool, flush: bool) -> tuple[list[tuple[str, dict, float]], float]:
        """Runs on a pool thread: the only place this leg's recogniser is touched."""
        started = time.perf_counter()
        out: list[tuple[str, dict, float]] = []
        step = self.engine.chunk_bytes
        for i in range(0, len(data), step):
            if self._budget is not None:  # the client left meanwhile: stop when the grace is used up
                if self._budget <= 0:
                    break
                self._budget -= step
            chunk = data[i : i + step]
            self._decoded_bytes += len(chunk)
            if self._rec.AcceptWaveform(chunk):
                out.append(("final", json.loads(self._rec.Result()), self.decoded_seconds))
        if flush:
            out.append(("final", json.loads(self._rec.FinalResult()), self.decoded_seconds))
        elif want_partial:
            out.append(("partial", json.loads(self._rec.PartialResult()), self.decoded_seconds))
        return out, time.perf_counter() - started

    @property
    def decoded_seconds(self) -> float:
        return self._decoded_bytes / 2 / self.engine.sample_rate

    async def _emit(self, kind: str, result: dict, arrived: float | None, decoded: float) -> None:
        if kind == "partial":
            raw = result.get("partial", "")
            self._last_partial_at = time.monotonic()
            if not raw or raw == self._last_partial_text:
                return
            self._last_partial_text = raw
            segment = self._segment(raw, (), final=False, decoded=decoded)
            if arrived is not None:
                self.stats.partial_latencies.append(time.monotonic() - arrived)
            await self.sink.on_partial(segment)
            return
        raw = result.get("text", "")
        self._last_partial_text = ""
        if not raw.strip():
            return  # silence or noise: Vosk closes an empty utterance, nobody needs to see it
        segment = self._segment(raw, _words(result.get("result", [])), final=True, decoded=decoded)
        self.finals.append(segment)
        self._utterance_start = segment.end
        self.stats.final_count += 1
        await self.sink.on_final(segment)

    def _segment(self, raw: str, words: tuple[Word, ...], final: bool, decoded: float) -> Segment:
        # a partial reaches as far as the audio decoded for it, not the audio received meanwhile
        start = words[0].start if words else self._utterance_start
        end = words[-1].end if words else decoded
        confidence = float(np.mean([w.conf for w in words])) if words else None
        return Segment(self.call_id, self.leg, clean_transcript(raw), raw, start, end, confidence, final, words)
