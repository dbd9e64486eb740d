"""An AudioSocket client written from Asterisk's own sources, not from the product's code.

From res_audiosocket.h / res_audiosocket.c / app_audiosocket.c (Asterisk 20+):
* a message is `kind` (uint8), `length` (uint16, network byte order), `length` bytes of payload;
* Asterisk connects, sends the call's UUID first (kind 0x01, 16 raw bytes), then its audio as signed-linear
  16-bit little-endian frames of 20 ms at real time: kind 0x10 at 8 kHz, 0x11–0x18 at 12/16/24/32/44.1/48/96/192 kHz;
* a DTMF digit is kind 0x03 with one ASCII byte; an error is kind 0xff (payload: 0x01 the caller hung up,
  0x02 frame forwarding, 0x04 memory);
* Asterisk ends the call by closing the socket (a hang-up frame 0x00 is the other way);
* from the server Asterisk accepts audio, a hang-up (0x00) and nothing else it would not send itself — an error
  kind 0xff from the server is a protocol error that tears the channel down.
"""

import asyncio
import struct
import time
import uuid

import numpy as np
from scipy.signal import resample_poly

HANGUP, UUID, DTMF, SLIN8, ERROR = 0x00, 0x01, 0x03, 0x10, 0xFF
SLIN_KINDS = {8000: 0x10, 12000: 0x11, 16000: 0x12, 24000: 0x13, 32000: 0x14, 44100: 0x15, 48000: 0x16,
              96000: 0x17, 192000: 0x18}  # fmt: skip
KINDS_ASTERISK_ACCEPTS = {HANGUP, *SLIN_KINDS.values()}


def message(kind: int, payload: bytes = b"") -> bytes:
    return struct.pack("!BH", kind, len(payload)) + payload


class AsteriskChannel:
    """One channel's AudioSocket() connection, as app_audiosocket drives it."""

    def __init__(self, call_id: str | None = None) -> None:
        self.call_id = call_id or str(uuid.uuid4())
        self.received: list[tuple[int, bytes]] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._listener: asyncio.Task | None = None

    async def connect(self, host: str, port: int, send_uuid: bool = True) -> None:
        self._reader, self._writer = await asyncio.open_connection(host, port)
        self._listener = asyncio.create_task(self._listen())
        if send_uuid:
            self.send(UUID, uuid.UUID(self.call_id).bytes)

    async def _listen(self) -> None:
        try:
            while True:
                kind, length = struct.unpack("!BH", await self._reader.readexactly(3))
                self.received.append((kind, await self._reader.readexactly(length) if length else b""))
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def send(self, kind: int, payload: bytes = b"") -> None:
        self._writer.write(message(kind, payload))

    async def stream(self, pcm16k: np.ndarray, rate: int = 8000, speed: float = 1.0) -> None:
        """Play 16 kHz int16 audio as 20 ms slin frames at `rate`, on Asterisk's clock (speed 1 = real time)."""
        samples = pcm16k if rate == 16000 else resample_poly(pcm16k.astype(np.float64), rate, 16000)
        samples = np.clip(np.round(samples), -32768, 32767).astype("<i2")
        step = int(rate * 0.02)
        started = time.monotonic()
        for n, i in enumerate(range(0, len(samples), step)):
            self.send(SLIN_KINDS[rate], samples[i : i + step].tobytes())
            await self._writer.drain()
            if speed > 0:
                delay = started + (n + 1) * 0.02 / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def silence(self, seconds: float, rate: int = 8000) -> None:
        await self.stream(np.zeros(int(16000 * seconds), dtype=np.int16), rate)

    async def dtmf(self, digit: str) -> None:
        self.send(DTMF, digit.encode())
        await self._writer.drain()

    async def hang_up_by_close(self) -> None:
        """What Asterisk does when the channel hangs up: close the socket."""
        await self._writer.drain()
        self._writer.close()
        await self._wait_listener()

    async def hang_up_frame(self) -> None:
        self.send(HANGUP)
        await self._writer.drain()
        await self._wait_listener()

    async def _wait_listener(self, timeout: float = 30) -> None:
        """Asterisk keeps reading until the server closes its side."""
        if self._listener is not None:
            await asyncio.wait_for(self._listener, timeout)

    async def server_closed(self, timeout: float = 30) -> bool:
        try:
            await self._wait_listener(timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
