"""Benchmarks: codec cost, real-time factor, pipeline throughput against raw Vosk, real-time stream capacity.

* raw Vosk: `workers` threads, each a KaldiRecognizer fed the same 16 kHz audio in 0.1 s chunks in a
  tight loop (what vosk-server's own loop does) — the ceiling for this machine and model;
* pipeline: the same number of legs through the product's path (PCMU 8 kHz frames of 20 ms → G.711 decode
  → 8 → 16 kHz resampling → LegStream with throttled partials), fed as fast as possible;
* capacity: N legs paced in real time; a load is sustained when the partial-result latency p95 is within
  500 ms and every leg's last final arrives within 1 s of its audio ending. N grows by doubling, then
  bisects between the last sustained and the first failed load.
"""

import asyncio
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from asr.audio import StreamResampler, resample, ulaw_decode, ulaw_encode
from asr.batch import read_recording
from asr.engine import AsrEngine
from asr.media import MediaDecoder, MediaFormat
from asr.models import LoadedModel
from asr.sink import MemorySink

FRAME = 160  # 20 ms at 8 kHz
LATENCY_TARGET = 0.5
FINAL_LAG_TARGET = 1.0


@dataclass
class Corpus:
    wire: list[bytes]  # PCMU 20 ms frames at 8 kHz, what the PBX sends
    pcm16k: bytes  # the same audio after decoding and resampling, for raw Vosk
    seconds: float


def load_corpus(wav_dir: Path, seconds: float) -> Corpus:
    """Concatenate the recordings (sorted by name) up to `seconds`, through the telephone band."""
    parts: list[np.ndarray] = []
    total = 0.0
    for wav in sorted(wav_dir.glob("*.wav")):
        data, rate = read_recording(wav)
        parts.append(resample(data[:, 0], rate, 8000))
        total += len(parts[-1]) / 8000
        if total >= seconds:
            break
    if not parts:
        raise FileNotFoundError(f"没有找到 WAV 文件：{wav_dir}")
    pcm8k = np.concatenate(parts)[: int(seconds * 8000)]
    wire_bytes = ulaw_encode(pcm8k)
    wire = [wire_bytes[i : i + FRAME] for i in range(0, len(wire_bytes), FRAME)]
    decoded = StreamResampler(8000, 16000).process(ulaw_decode(wire_bytes))
    return Corpus(wire, decoded.astype("<i2").tobytes(), len(pcm8k) / 8000)


def codec_cost(corpus: Corpus) -> dict:
    """Microseconds per 20 ms frame for G.711 decoding and 8 → 16 kHz resampling, frame by frame."""
    resampler = StreamResampler(8000, 16000)
    start = time.perf_counter()
    for f in corpus.wire:
        ulaw_decode(f)
    decode_s = time.perf_counter() - start
    pcm = [ulaw_decode(f) for f in corpus.wire]
    start = time.perf_counter()
    for p in pcm:
        resampler.process(p)
    resample_s = time.perf_counter() - start
    n = len(corpus.wire)
    return {
        "g711_decode_us_per_frame": round(decode_s / n * 1e6, 2),
        "resample_8k_16k_us_per_frame": round(resample_s / n * 1e6, 2),
        "codec_share_of_realtime": round((decode_s + resample_s) / corpus.seconds, 5),
    }


def raw_vosk_throughput(model: LoadedModel, corpus: Corpus, threads: int) -> float:
    """Audio seconds decoded per wall second by `threads` plain recognisers in a tight loop."""
    import vosk

    def work() -> None:
        rec = vosk.KaldiRecognizer(model.vosk, model.sample_rate)
        rec.SetWords(True)
        step = 3200
        for i in range(0, len(corpus.pcm16k), step):
            if rec.AcceptWaveform(corpus.pcm16k[i : i + step]):
                rec.Result()
        rec.FinalResult()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return threads * corpus.seconds / (time.perf_counter() - start)


@dataclass
class LoadResult:
    streams: int
    wall_seconds: float
    throughput: float  # audio seconds per wall second, all legs together
    partial_p95: float | None
    final_lag_max: float
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def sustained(self) -> bool:
        p95_ok = self.partial_p95 is not None and self.partial_p95 <= LATENCY_TARGET
        return p95_ok and self.final_lag_max <= FINAL_LAG_TARGET


async def run_pipeline(engine: AsrEngine, corpus: Corpus, streams: int, realtime: bool) -> LoadResult:
    """`streams` legs through the product's path; paced on the PBX clock when `realtime`."""

    async def leg(index: int) -> tuple[list[float], float]:
        decoder = MediaDecoder(MediaFormat(8000, "PCMU"), engine.sample_rate)
        stream = engine.open_stream(f"bench-{index}", "caller", MemorySink())
        start = time.monotonic()
        for i, f in enumerate(corpus.wire):
            if realtime:
                delay = start + (i + 1) * 0.02 - time.monotonic()  # frame i is complete at (i+1)*20 ms
                if delay > 0:
                    await asyncio.sleep(delay)
            elif i % 50 == 0:
                await asyncio.sleep(0)  # let the other legs and the decoders' results in
            await stream.feed(decoder(f))
        audio_end = time.monotonic()
        await stream.finish()
        return stream.stats.partial_latencies, time.monotonic() - audio_end

    started = time.monotonic()
    results = await asyncio.gather(*(leg(i) for i in range(streams)))
    wall = time.monotonic() - started
    latencies = [x for lat, _ in results for x in lat]
    p95 = float(np.percentile(latencies, 95)) if latencies else None
    return LoadResult(streams, wall, streams * corpus.seconds / wall, p95, max(lag for _, lag in results), latencies)


async def capacity(engine: AsrEngine, corpus: Corpus, max_streams: int, log=print) -> tuple[int, list[LoadResult]]:
    """The most real-time legs sustained (0 if even one is not)."""
    trials: list[LoadResult] = []

    async def trial(n: int) -> bool:
        result = await run_pipeline(engine, corpus, n, realtime=True)
        trials.append(result)
        p95 = "n/a" if result.partial_p95 is None else f"{result.partial_p95 * 1000:.0f} ms"
        log(
            f"  {n:3d} real-time legs: partial p95 {p95}, last final {result.final_lag_max:.2f} s after audio"
            f" → {'ok' if result.sustained else 'over'}"
        )
        return result.sustained

    good, bad, n = 0, None, 1
    while n <= max_streams:
        if await trial(n):
            good, n = n, n * 2
        else:
            bad = n
            break
    if bad is None and good < max_streams and await trial(max_streams):
        good = max_streams
    high = bad if bad is not None else max_streams
    while bad is not None and high - good > 1:
        mid = (good + high) // 2
        if await trial(mid):
            good = mid
        else:
            high = mid
    return good, trials


async def bench(
    model: LoadedModel, wav_dir: Path, max_streams: int, seconds: float, workers: int, log=print, repeats: int = 2
) -> dict:
    corpus = load_corpus(wav_dir, seconds)
    log(f"audio: {corpus.seconds:.1f} s from {wav_dir}, model {model.info.name}, {workers} decoding threads")
    codec = codec_cost(corpus)
    log(
        f"G.711 decode {codec['g711_decode_us_per_frame']} µs and 8→16 kHz resampling "
        f"{codec['resample_8k_16k_us_per_frame']} µs per 20 ms frame"
    )
    engine = AsrEngine(model, workers=workers)
    engine.warm_up()
    try:
        single = await run_pipeline(engine, corpus, 1, realtime=False)
        rtf = 1 / single.throughput
        log(f"real-time factor (one leg, as fast as possible): {rtf:.3f}")
        # raw and pipeline alternate and the best of each counts: on a shared machine the load changes
        # between runs, and the best run is the one least disturbed by others
        raw, piped = 0.0, None
        for _ in range(repeats):
            raw = max(raw, raw_vosk_throughput(model, corpus, workers))
            run = await run_pipeline(engine, corpus, workers, realtime=False)
            piped = run if piped is None or run.throughput > piped.throughput else piped
        ratio = piped.throughput / raw
        log(
            f"throughput with {workers} legs: pipeline {piped.throughput:.2f} vs raw Vosk {raw:.2f} "
            f"audio s per s → ratio {ratio:.3f}"
        )
        log("real-time capacity:")
        streams, trials = await capacity(engine, corpus, max_streams, log)
    finally:
        engine.shutdown()
    best = next((t for t in trials if t.streams == streams), None)
    return {
        "model": model.info.name,
        "audio_seconds": round(corpus.seconds, 2),
        "workers": workers,
        "rtf": round(rtf, 4),
        "raw_vosk_throughput": round(raw, 3),
        "pipeline_throughput": round(piped.throughput, 3),
        "throughput_ratio": round(ratio, 3),
        "max_realtime_streams": streams,
        "partial_p95_ms_at_max": None if not best or best.partial_p95 is None else round(best.partial_p95 * 1000),
        "trials": [{k: v for k, v in asdict(t).items() if k != "latencies"} for t in trials],
        **codec,
    }


def last_line(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)
