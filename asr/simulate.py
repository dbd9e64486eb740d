"""Play a real recording into the product as a PBX would: paced 20 ms frames over WebSocket or AudioSocket.

A stereo recording becomes two legs (channel 1 caller, channel 2 agent) played at the same time.
"""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import websockets

from asr.audio import alaw_encode, resample, ulaw_encode
from asr.audiosocket import KIND_AUDIO, KIND_HANGUP, KIND_UUID, frame, read_frame
from asr.batch import STEREO_LEGS, read_recording
from asr.settings import get_asr_settings

FRAME_MS = 20


@dataclass
class LegResult:
    leg: str
    frames: list[dict] = field(default_factory=list)  # every JSON frame the server sent

    def of(self, kind: str) -> list[dict]:
        return [f for f in self.frames if f.get("type") == kind]


def wire_frames(pcm: np.ndarray, rate: int, to_rate: int, encoding: str) -> list[bytes]:
    """Resample (anti-aliased) and encode a leg into 20 ms frames as a PBX sends them."""
    pcm = resample(pcm, rate, to_rate)
    step = to_rate * FRAME_MS // 1000
    chunks = [pcm[i : i + step] for i in range(0, len(pcm), step)]
    encode = {"L16": lambda c: c.astype("<i2").tobytes(), "PCMU": ulaw_encode, "PCMA": alaw_encode}[encoding]
    return [encode(c) for c in chunks]


def pbx_headers(token: str | None = None) -> dict[str, str]:
    """The PBX's credentials for `/media/stream`."""
    token = token or next(iter(get_asr_settings().pbx_tokens), None)
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _paced(frames: list[bytes], speed: float):
    """Yield frames on the PBX's clock (speed 2.0 = twice real time; 0 = as fast as possible)."""
    start = time.monotonic()
    for i, data in enumerate(frames):
        if speed > 0:
            delay = start + i * FRAME_MS / 1000 / speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        yield data


async def websocket_leg(
    url: str,
    call_id: str,
    leg: str,
    pcm: np.ndarray,
    rate: int,
    *,
    to_rate: int = 8000,
    encoding: str = "PCMU",
    speed: float = 1.0,
    timeout: float = 60.0,
    caller: str | None = None,
    token: str | None = None,
) -> LegResult:
    """One leg over `/media/stream`, authenticated as a PBX (`token`, default: the first of HOTLINE_PBX_TOKENS)."""
    result = LegResult(leg)
    frames = wire_frames(pcm, rate, to_rate, encoding)
    async with websockets.connect(url, max_size=None, additional_headers=pbx_headers(token)) as ws:
        header = {"call_id": call_id, "leg": leg, "sample_rate": to_rate, "encoding": encoding}
        if caller:
            header["caller"] = caller  # the number the PBX saw: the call rings on a console with the caller's history
        await ws.send(json.dumps(header))

        async def receive() -> None:
            async for raw in ws:
                body = json.loads(raw)
                result.frames.append(body)
                if body.get("type") in ("end", "error"):
                    return

        receiver = asyncio.create_task(receive())
        async for data in _paced(frames, speed):
            if receiver.done():  # the server refused the stream: stop sending
                break
            await ws.send(data)
        if not receiver.done():
            await ws.send(json.dumps({"type": "end"}))
        await asyncio.wait_for(receiver, timeout)
    return result


async def audiosocket_leg(
    host: str, port: int, call_id: str, pcm: np.ndarray, rate: int, *, speed: float = 1.0
) -> list[tuple[int, bytes]]:
    """Send one leg as Asterisk does; returns what the server sent back (errors, hang-up)."""
    frames = wire_frames(pcm, rate, 8000, "L16")
    reader, writer = await asyncio.open_connection(host, port)
    replies: list[tuple[int, bytes]] = []
    try:
        writer.write(frame(KIND_UUID, uuid.UUID(call_id).bytes))
        async for data in _paced(frames, speed):
            writer.write(frame(KIND_AUDIO, data))
            await writer.drain()
        writer.write(frame(KIND_HANGUP))
        await writer.drain()
        while True:
            try:
                replies.append(await read_frame(reader, timeout=60))
            except (asyncio.IncompleteReadError, ConnectionError):
                break
    finally:
        writer.close()
    return replies


async def simulate_call(
    wav: Path,
    via: str,
    *,
    url: str = "ws://127.0.0.1:8000/media/stream",
    host: str = "127.0.0.1",
    port: int = 9092,
    speed: float = 1.0,
    encoding: str = "PCMU",
    call_id: str | None = None,
    caller: str | None = None,
    token: str | None = None,
    repeat: int = 1,
) -> dict:
    """Play `wav` as one call, `repeat` times in a row (a short clip then lasts long enough to answer the call);
    returns the transcript frames per leg (WebSocket) or AudioSocket's replies.

    The product stores the finals on the Call: `GET /api/calls/{call_id}` shows them.
    """
    data, rate = read_recording(wav)
    data = np.tile(data, (max(1, repeat), 1))
    legs = STEREO_LEGS[: data.shape[1]]
    started = time.monotonic()
    if via == "websocket":
        call_id = call_id or f"sim-{uuid.uuid4().hex[:12]}"
        results = await asyncio.gather(
            *(
                websocket_leg(
                    url, call_id, leg, data[:, i], rate, encoding=encoding, speed=speed, caller=caller, token=token
                )
                for i, leg in enumerate(legs)
            )
        )
        out = {"call_id": call_id, "legs": {r.leg: r.frames for r in results}}
    elif via == "audiosocket":
        if data.shape[1] != 1:
            raise ValueError("AudioSocket 每个连接只传一路音频：请使用单声道录音")
        call_id = call_id or str(uuid.uuid4())
        replies = await audiosocket_leg(host, port, call_id, data[:, 0], rate, speed=speed)
        out = {"call_id": call_id, "replies": [(k, p.decode(errors="replace")) for k, p in replies]}
    else:
        raise ValueError(f"unknown transport {via!r}")
    out["seconds"] = round(time.monotonic() - started, 3)
    out["audio_seconds"] = round(len(data) / rate, 3)
    return out
