"""Asterisk AudioSocket over TCP: the protocol of Asterisk's `AudioSocket()` application and channel.

Every frame is one kind byte, a 16-bit big-endian payload length, and the payload:
  0x00 hang-up (no payload) · 0x01 the call's UUID (16 bytes, always first) · 0x03 a DTMF digit ·
  0x10 audio, signed-linear 16-bit little-endian mono at 8 kHz · 0xff error (application-specific payload).
Asterisk dials out to this server (`AudioSocket(<uuid>,host:port)` in the dialplan); the UUID is the call id.
Transcripts go to the sinks (event bus); Asterisk gets nothing back but an error frame and a hang-up when
its stream is bad. One connection's failure never touches another's recogniser.
"""

import asyncio
import contextlib
import json
import logging
import struct
import uuid
from collections.abc import Callable

from asr.engine import AsrEngine
from asr.errors import AsrError
from asr.media import MediaDecoder, MediaFormat
from asr.queueing import caller_leg_ended, caller_leg_started
from asr.service import get_engine
from asr.sink import FanoutSink, TranscriptSink, default_sinks

log = logging.getLogger(__name__)

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_AUDIO = 0x10
KIND_ERROR = 0xFF
HEADER = struct.Struct(">BH")
IDLE_TIMEOUT = 30.0


def frame(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader, timeout: float = IDLE_TIMEOUT) -> tuple[int, bytes]:
    """One frame; IncompleteReadError when the peer closes mid-frame."""
    kind, length = HEADER.unpack(await asyncio.wait_for(reader.readexactly(HEADER.size), timeout))
    payload = await asyncio.wait_for(reader.readexactly(length), timeout) if length else b""
    return kind, payload


def error_frame(code: str, message: str) -> bytes:
    return frame(KIND_ERROR, json.dumps({"code": code, "message": message}, ensure_ascii=False).encode())


SinkFactory = Callable[[str, str], list[TranscriptSink]]


async def handle_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    engine: AsrEngine,
    leg: str = "caller",
    sinks: SinkFactory = default_sinks,
) -> None:
    peer = writer.get_extra_info("peername")
    stream = None
    try:
        kind, payload = await read_frame(reader)
        if kind != KIND_UUID or len(payload) != 16:
            raise AsrError(f"第一帧应为 UUID（类型 0x01，16 字节），收到类型 0x{kind:02x}", code="uuid_expected")
        call_id = str(uuid.UUID(bytes=payload))
        await caller_leg_started(call_id, leg)  # AudioSocket carries no caller number
        stream = engine.open_stream(call_id, leg, FanoutSink(sinks(call_id, leg)))
        decoder = MediaDecoder(MediaFormat(8000, "L16"), engine.sample_rate)
        log.info("audiosocket call %s from %s", call_id, peer)
        while True:
            kind, payload = await read_frame(reader)
            if kind == KIND_AUDIO:
                await stream.feed(decoder(payload))
            elif kind == KIND_HANGUP:
                break
            elif kind == KIND_DTMF:
                log.info("audiosocket call %s DTMF %r", call_id, payload.decode(errors="replace"))
            elif kind == KIND_ERROR:
                log.warning("audiosocket call %s: Asterisk reported error %s", call_id, payload.hex())
                break
            else:
                raise AsrError(f"未知的 AudioSocket 帧类型 0x{kind:02x}", code="unknown_kind")
    except AsrError as exc:
        log.warning("audiosocket %s: %s %s", peer, exc.code, exc.message)
        if stream is not None:
            await stream.sink.on_error(stream.call_id, stream.leg, exc.code, exc.message)
        await _say_goodbye(writer, error_frame(exc.code, exc.message))
    except (asyncio.IncompleteReadError, ConnectionError):
        log.warning("audiosocket %s vanished mid-stream", peer)
    except TimeoutError:
        log.warning("audiosocket %s idle for %.0f s", peer, IDLE_TIMEOUT)
        await _say_goodbye(writer, error_frame("idle_timeout", f"{IDLE_TIMEOUT:.0f} 秒未收到音频"))
    finally:
        if stream is not None:
            await stream.finish()
            await caller_leg_ended(stream.call_id, stream.leg)
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def _say_goodbye(writer: asyncio.StreamWriter, error: bytes) -> None:
    try:
        writer.write(error + frame(KIND_HANGUP))
        await writer.drain()
    except (ConnectionError, OSError):
        pass


async def start_audiosocket_server(
    host: str,
    port: int,
    engine: AsrEngine | None = None,
    leg: str = "caller",
    sinks: SinkFactory = default_sinks,
) -> asyncio.Server:
    """Listen for Asterisk on host:port (port 0 picks a free one: see `server.sockets[0].getsockname()`)."""
    engine = engine or get_engine()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await handle_connection(reader, writer, engine, leg, sinks)

    return await asyncio.start_server(on_connect, host, port)
