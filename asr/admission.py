"""Admission control for speech: bounded work for every leg, a cap per node, and calls before uploads.

Decoding costs CPU in proportion to the audio received, so every way in is bounded here:
* a frame may hold at most `MAX_FRAME_SECONDS` of audio (`frame_limit`), so one frame cannot pin a core;
* a leg may send at most `pace` × real time after a burst allowance (`Pacer`: the adapters wait, and TCP /
  WebSocket flow control slows the sender); audio is never dropped for it;
* a node decodes at most `max_legs()` live legs; one more is refused with `asr_capacity` (a clear reason the PBX can
  fail over on), and uploads get at most `max_uploads` slots and only while live legs leave room: real calls first;
* a call id belongs to the connection that opened it (`claim`): a second connection with the same call id and leg
  is refused with `call_in_use`, so nobody can end or feed someone else's call.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from asr.errors import AsrError
from asr.settings import get_asr_settings

MAX_FRAME_SECONDS = 1.0  # a PBX sends 20 ms frames; a second is generous and still cheap to decode
BYTES_PER_SAMPLE = {"L16": 2, "PCMU": 1, "PCMA": 1}

Kind = Literal["live", "upload"]


def frame_limit(sample_rate: int, encoding: str) -> int:
    """Largest frame (bytes) accepted for this wire format."""
    return int(sample_rate * MAX_FRAME_SECONDS) * BYTES_PER_SAMPLE[encoding]


def check_frame(size: int, limit: int) -> None:
    if size > limit:
        raise AsrError(
            f"音频帧过大：{size} 字节，上限 {limit} 字节（{MAX_FRAME_SECONDS:.0f} 秒音频）", code="frame_too_large"
        )


def max_legs() -> int:
    return get_asr_settings().max_legs()


class Pacer:
    """A token bucket in audio seconds: `burst` may arrive at once, then at most `pace` × real time.

    `wait(seconds)` is awaited before each frame is read further: a sender faster than allowed is slowed by its own
    transport's flow control instead of costing the node CPU.
    """

    def __init__(self, pace: float, burst: float) -> None:
        self.pace, self.burst = pace, burst
        self._credit = burst
        self._at = time.monotonic()
        self.waited = 0.0

    async def wait(self, seconds: float) -> None:
        now = time.monotonic()
        self._credit = min(self.burst, self._credit + (now - self._at) * self.pace)
        self._at = now
        self._credit -= seconds
        if self._credit < 0:
            delay = -self._credit / self.pace
            self.waited += delay
            await asyncio.sleep(delay)


@dataclass
class Slot:
    kind: Kind
    key: tuple[str, str] | None  # (call_id, leg) for live legs


@dataclass
class Admission:
    """The node's legs: who holds which call, how many decode, and why others were refused."""

    max_legs: int
    max_uploads: int
    live: dict[tuple[str, str], object] = field(default_factory=dict)  # (call_id, leg) -> owning connection
    uploads: int = 0
    admitted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    def admit_live(self, call_id: str, leg: str, owner: object) -> Slot:
        key = (call_id, leg)
        if key in self.live:
            self.refused["call_in_use"] += 1
            raise AsrError(f"通话 {call_id} 的 {leg} 路已由另一连接占用", code="call_in_use")
        if len(self.live) + self.uploads >= self.max_legs:
            self.refused["asr_capacity"] += 1
            raise AsrError(
                f"语音识别已满负荷（本节点最多 {self.max_legs} 路），请转其他节点", code="asr_capacity", status=503
            )
        self.live[key] = owner
        self.admitted["live"] += 1
        return Slot("live", key)

    def admit_upload(self) -> Slot:
        if self.uploads >= self.max_uploads or len(self.live) + self.uploads >= self.max_legs:
            self.refused["upload_capacity"] += 1
            raise AsrError("录音转写繁忙（实时通话优先），请稍后重试", code="upload_capacity", status=503)
        self.uploads += 1
        self.admitted["upload"] += 1
        return Slot("upload", None)

    def release(self, slot: Slot) -> None:
        if slot.kind == "upload":
            self.uploads -= 1
        elif slot.key is not None:
            self.live.pop(slot.key, None)

    def status(self) -> dict[str, int | dict[str, int]]:
        """Figures for supervisors and metrics (`GET /api/asr/capacity`)."""
        return {
            "max_legs": self.max_legs,
            "live_legs": len(self.live),
            "uploads": self.uploads,
            "max_uploads": self.max_uploads,
            "available": max(0, self.max_legs - len(self.live) - self.uploads),
            "admitted": dict(self.admitted),
            "refused": dict(self.refused),
        }


_admission: Admission | None = None


def get_admission() -> Admission:
    global _admission
    if _admission is None:
        settings = get_asr_settings()
        _admission = Admission(settings.max_legs(), settings.asr_max_uploads)
    return _admission


def set_admission(admission: Admission | None) -> None:
    """Tests and the worker's start-up replace the node's admission (e.g. a small cap)."""
    global _admission
    _admission = admission


def new_pacer() -> Pacer:
    settings = get_asr_settings()
    return Pacer(settings.asr_pace, settings.asr_burst_seconds)
