"""Asterisk AudioSocket over TCP, as Asterisk's res_audiosocket / app_audiosocket speak it.

Every frame is one kind byte, a 16-bit big-endian payload length, and the payload:
  0x00 hang-up · 0x01 the call's UUID (16 bytes, first) · 0x03 a DTMF digit · 0x10 signed-linear 16-bit
  little-endian mono at 8 kHz · 0x11–0x18 the same at 12/16/24/32/44.1/48/96/192 kHz (newer Asterisk) ·
  0xff error (payload: Asterisk's error code, 0x01 = the calling party hung up).
Asterisk dials out to this server (`AudioSocket(<uuid>,host:port)` in the dialplan); the UUID is the call id.
Asterisk ends a call by closing the socket (or a hang-up frame): that is the normal end of a leg.

What we send back is only ever what Asterisk expects: nothing on a good call; a hang-up frame (0x00) and a close when
we must end the stream. Never 0xff: Asterisk reads that as a protocol error of its own. Kinds we do not know are
skipped (as Asterisk itself does), a repeated UUID frame too; each is logged once per call.

AudioSocket has no authentication: peers outside `HOTLINE_AUDIOSOCKET_ALLOW` are closed before a byte is read, and
every leg goes through the node's admission (cap, pacing, frame size) like a WebSocket leg.
"""

import asyncio
import contextlib
import logging
import struct
import uuid
from collections.abc import Callable

from asr.access import peer_allowed
from asr.admission import check_frame, frame_limit, get_admission, new_pacer
from asr.audio import StreamResampler, pcm16_decode
from asr.engine import AsrEngine, LegStream
from asr.errors import AsrError
from asr.legs import leg_ended, leg_started
from asr.service import get_engine
from asr.sink import FanoutSink, TranscriptSink, default_sinks

log = logging.getLogger(__name__)

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_AUDIO = 0x10
KIND_ERROR = 0xFF
# signed-linear audio kinds and their sample rates (res_audiosocket.h: AST_AUDIOSOCKET_KIND_AUDIO[_SLINnn])
SLIN_RATES = {
    0x10: 8000,
    0x11: 12000,
    0x12: 16000,
    0x13: 24000,
    0x14: 32000,
    0x15: 44100,
    0x16: 48000,
    0x17: 96000,
    0x18: 192000,
}
ERROR_CALLER_HANGUP = b"\x01"  # Asterisk's error payload when the calling party hung up
HEADER = struct.Struct(">BH")
UUID_TIMEOUT = 5.0  # a connection that does not say which call it is holds nothing for long
IDLE_TIMEOUT = 30.0
GRACE_SECONDS = 5.0  # backlog still decoded after a connection dropped mid-frame


class Dropped(ConnectionError):
    """The peer went away in the middle of a frame (not a clean close)."""


def frame(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader, timeout: float = IDLE_TIMEOUT) -> tuple[int, bytes]:
    """One frame. IncompleteReadError: closed between frames (a hang-up); Dropped: closed inside one."""
    kind, length = HEADER.unpack(await asyncio.wait_for(reader.readexactly(HEADER.size), timeout))
    if not length:
        return kind, b""
    try:
        return kind, await asyncio.wait_for(reader.readexactly(length), timeout)
    except asyncio.IncompleteReadError as exc:
        raise Dropped(f"closed after {len(exc.partial)} of {length} payload bytes") from exc


SinkFactory = Callable[[str, str], list[TranscriptSink]]


class _Leg:
    """One AudioSocket connection's leg: its recogniser, the decoder for the current slin rate, its pacing."""

    def __init__(self, stream: LegStream, model_rate: int) -> None:
        self.stream, self.model_rate = stream, model_rate
        self.rate = 0
        self._resampler: StreamResampler | None = None
        self.pacer = new_pacer()
        self.logged: set[str] = set()  # what was already logged once for this call

    def once(self, what: str, message: str, *args: object) -> None:
        if what not in self.logged:
            self.logged.add(what)
            log.info(message, *args)

    async def audio(self, kind: int, payload: bytes) -> None:
        rate = SLIN_RATES[kind]
        check_frame(len(payload), frame_limit(rate, "L16"))
        if rate != self.rate:  # the first frame, or Asterisk changed the channel's rate
            if self.rate:
                log.info("audiosocket call %s: audio now at %d Hz (was %d)", self.stream.call_id, rate, self.rate)
            self.rate, self._resampler = rate, StreamResampler(rate, self.model_rate)
        await self.stream.feed(self._resampler.process(pcm16_decode(payload)))
        await self.pacer.wait(len(payload) / 2 / rate)  # faster than allowed: stop reading, TCP slows the sender


async def handle_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    engine: AsrEngine,
    leg: str = "caller",
    sinks: SinkFactory = default_sinks,
) -> None:
    peer = writer.get_extra_info("peername")
    if not peer_allowed(peer[0] if peer else None):
        log.warning("audiosocket connection from %s refused: not in HOTLINE_AUDIOSOCKET_ALLOW", peer)
        await _close(writer)
        return
    admission, slot, call, call_id, dropped = get_admission(), None, None, None, False
    try:
        kind, payload = await read_frame(reader, UUID_TIMEOUT)
        if kind != KIND_UUID or len(payload) != 16:
            raise AsrError(f"第一帧应为 UUID（类型 0x01，16 字节），收到类型 0x{kind:02x}", code="uuid_expected")
        call_id = str(uuid.UUID(bytes=payload))
        slot = admission.admit_live(call_id, leg, writer)
        await leg_started(call_id, leg)  # AudioSocket carries no caller number
        call = _Leg(engine.open_stream(call_id, leg, FanoutSink(sinks(call_id, leg))), engine.sample_rate)
        log.info("audiosocket call %s from %s", call_id, peer)
        while True:
            kind, payload = await read_frame(reader)
            if kind in SLIN_RATES:
                await call.audio(kind, payload)
            elif kind == KIND_HANGUP:
                log.info("audiosocket call %s: hang-up", call_id)
                break
            elif kind == KIND_DTMF:
                log.info("audiosocket call %s DTMF %r", call_id, payload.decode(errors="replace"))
            elif kind == KIND_ERROR:
                if payload == ERROR_CALLER_HANGUP:
                    log.info("audiosocket call %s: the caller hung up", call_id)
                else:
                    log.warning("audiosocket call %s: Asterisk reported error %s", call_id, payload.hex() or "-")
                break
            elif kind == KIND_UUID:
                call.once("uuid", "audiosocket call %s: repeated UUID frame ignored", call_id)
            else:
                call.once(f"kind{kind}", "audiosocket call %s: unknown frame kind 0x%02x ignored", call_id, kind)
    except AsrError as exc:
        log.warning("audiosocket call %s from %s ended: %s %s", call_id or "-", peer, exc.code, exc.message)
        if call is not None:
            await call.stream.sink.on_error(call_id, leg, exc.code, exc.message)
        await _hang_up(writer)
    except asyncio.IncompleteReadError:
        if call_id:
            log.info("audiosocket call %s: hang-up (socket closed)", call_id)  # how Asterisk ends a call
    except ConnectionError as exc:
        log.warning("audiosocket call %s from %s dropped mid-stream: %s", call_id or "-", peer, exc)
        dropped = True
    except TimeoutError:
        log.warning("audiosocket call %s from %s: nothing received, closed", call_id or "-", peer)
        await _hang_up(writer)
    finally:
        await _close(writer)  # Asterisk is done with us: free its channel now, decode what is left after
        if call is not None:
            stream = call.stream
            await (stream.abandon(GRACE_SECONDS) if dropped else stream.finish())
            await leg_ended(stream.call_id, stream.leg)
        if slot is not None:
            admission.release(slot)  # held until decoding is done: the node's CPU is what the cap protects


async def _hang_up(writer: asyncio.StreamWriter) -> None:
    """Tell Asterisk to end the stream, in the one way it expects from us."""
    try:
        writer.write(frame(KIND_HANGUP))
        await writer.drain()
    except (ConnectionError, OSError):
        pass


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()


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
