"""Transcription of whole recordings: mono, or stereo with caller and agent on separate channels.

A stereo recording (as PBXs record calls) is transcribed per channel, each channel on its own recogniser
at the same time, and the utterances are merged into one dialogue by start time. A mono recording is one `mixed`
leg, or, when a diarization pipeline is configured, split by speaker turns into one masked channel per speaker
(说话人1, 说话人2…) that go through the same per-channel path.
"""

import asyncio
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from asr.audio import resample
from asr.diarization.service import get_diarizer
from asr.diarization.turns import Turn, speaker_channels
from asr.engine import AsrEngine
from asr.errors import AudioFormatError
from asr.sink import FanoutSink, MemorySink, Segment, TranscriptSink

STEREO_LEGS = ("caller", "agent")
MONO_LEG = "mixed"


@dataclass(frozen=True)
class Transcript:
    call_id: str
    duration: float
    channels: int
    segments: list[Segment]  # finals of every leg, ordered by start time
    speaker_turns: list[Turn] | None = None  # mono recordings with a diarization pipeline

    def dialogue(self) -> str:
        return "\n".join(f"[{s.start:7.2f}] {s.leg}: {s.text}" for s in self.segments)

    def to_dict(self) -> dict:
        return {
            "call_id": self.call_id,
            "duration": round(self.duration, 3),
            "channels": self.channels,
            "segments": [s.payload() for s in self.segments],
            "dialogue": self.dialogue(),
            **({"diarization": [t.payload() for t in self.speaker_turns]} if self.speaker_turns is not None else {}),
        }


def read_recording(source: Path | str | BinaryIO | bytes) -> tuple[np.ndarray, int]:
    """Samples as int16, shape (frames, channels), and the rate; any format libsndfile reads."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        data, rate = sf.read(source, dtype="int16", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioFormatError(f"无法读取录音文件（格式损坏或不支持）：{exc}", code="unreadable_audio") from exc
    if data.shape[1] > 2:
        raise AudioFormatError(f"录音有 {data.shape[1]} 个声道，只支持单声道或双声道", code="too_many_channels")
    if len(data) == 0:
        raise AudioFormatError("录音文件没有音频", code="empty_audio")
    return data, rate


def merge_dialogue(*legs: list[Segment]) -> list[Segment]:
    return sorted((s for leg in legs for s in leg), key=lambda s: (s.start, s.leg))


async def transcribe_samples(
    engine: AsrEngine,
    data: np.ndarray,
    rate: int,
    call_id: str,
    legs: tuple[str, ...] = STEREO_LEGS,
    extra_sinks: list[TranscriptSink] | None = None,
    diarize: bool = True,
) -> Transcript:
    """Transcribe (frames, channels) int16 audio; channel i is leg `legs[i]` (mono is one `mixed` leg, or one
    leg per speaker when a diarization pipeline is configured and `diarize` is on)."""
    channels, duration = data.shape[1], len(data) / rate
    names = (MONO_LEG,) if channels == 1 else legs[:channels]
    loop = asyncio.get_running_loop()
    turns = None
    # cached after start-up; loaded here (off the event loop) only if start-up did not
    diarizer = await loop.run_in_executor(None, get_diarizer) if channels == 1 and diarize else None
    if diarizer is not None:
        # the pipeline holds its own lock and uses torch's threads: keep it off the Vosk decoding pool
        turns = (await loop.run_in_executor(None, diarizer, data[:, 0], rate)).exclusive
        if turns:  # no speech found: transcribe the one mixed leg as without a pipeline
            data, names = speaker_channels(data[:, 0], rate, turns)

    async def one(index: int, leg: str) -> list[Segment]:
        pcm = await loop.run_in_executor(engine.executor, resample, data[:, index], rate, engine.sample_rate)
        collected = MemorySink()
        stream = engine.open_stream(call_id, leg, FanoutSink([collected, *(extra_sinks or [])]), partials=False)
        await stream.feed(pcm)
        await stream.finish()
        return collected.finals

    per_leg = await asyncio.gather(*(one(i, leg) for i, leg in enumerate(names)))
    return Transcript(call_id, duration, channels, merge_dialogue(*per_leg), turns)


async def transcribe_file(
    engine: AsrEngine, source: Path | str | BinaryIO | bytes, call_id: str, **kwargs: object
) -> Transcript:
    data, rate = await asyncio.get_running_loop().run_in_executor(None, read_recording, source)
    return await transcribe_samples(engine, data, rate, call_id, **kwargs)  # type: ignore[arg-type]
