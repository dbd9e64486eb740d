"""Telephone audio: G.711 μ-law/A-law, 16-bit PCM, and anti-aliased resampling to the model's rate.

G.711 is decoded through 256-entry tables (one numpy take per frame). Resampling uses a windowed-sinc
low-pass FIR (the same Kaiser design as scipy.signal.resample_poly), so going from 8 kHz to 16 kHz does not
create an image of the speech band above 4 kHz, and going down does not fold high frequencies back in.
`StreamResampler` keeps the filter state between frames: a call's frames give exactly the output of
resampling the whole call at once.
"""

from math import gcd

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from asr.errors import AudioFormatError

ENCODINGS = ("L16", "PCMU", "PCMA")

Pcm = NDArray[np.int16]  # signed 16-bit samples, what every codec decodes to and the model reads


def _ulaw_table() -> Pcm:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> Pcm:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    mantissa = (a & 0x0F) << 4
    segment = (a & 0x70) >> 4
    magnitude = np.where(segment == 0, mantissa + 8, (mantissa + 0x108) << np.maximum(segment - 1, 0))
    return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)


ULAW_TO_PCM = _ulaw_table()
ALAW_TO_PCM = _alaw_table()


def ulaw_decode(data: bytes) -> Pcm:
    return ULAW_TO_PCM[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> Pcm:
    return ALAW_TO_PCM[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(pcm: Pcm) -> bytes:
    """16-bit PCM to μ-law (what a PBX sends), bit-exact with the ITU reference (14-bit magnitude, bias 33)."""
    x = pcm.astype(np.int32) >> 2
    mask = np.where(x < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(x), 8159) + 0x21
    segment = np.floor(np.log2(magnitude)).astype(np.int32) - 5  # 0x21..0x1FFF -> segments 0..7
    mantissa = (magnitude >> (segment + 1)) & 0x0F
    code = np.where(segment >= 8, 0x7F, (segment << 4) | mantissa)  # full scale saturates at 0x7F
    return (code ^ mask).astype(np.uint8).tobytes()


def alaw_encode(pcm: Pcm) -> bytes:
    x = pcm.astype(np.int32)
    mask = np.where(x >= 0, 0xD5, 0x55)
    magnitude = np.where(x >= 0, x, -x - 1)
    segment = np.clip(np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 7, 0, 7)
    mantissa = np.where(segment == 0, magnitude >> 4, (magnitude >> (segment + 3)) & 0x0F)
    return (((segment << 4) | mantissa) ^ mask).astype(np.uint8).tobytes()


def pcm16_decode(data: bytes) -> Pcm:
    """Little-endian signed 16-bit samples; an odd byte count is a broken frame, not half a sample."""
    if len(data) % 2:
        raise AudioFormatError(f"L16 音频帧字节数为奇数（{len(data)}）", code="odd_byte_count")
    return np.frombuffer(data, dtype="<i2")


def decode(data: bytes, encoding: str) -> Pcm:
    if encoding == "L16":
        return pcm16_decode(data)
    if encoding == "PCMU":
        return ulaw_decode(data)
    if encoding == "PCMA":
        return alaw_decode(data)
    raise AudioFormatError(f"不支持的音频编码：{encoding}（支持 {', '.join(ENCODINGS)}）", code="unknown_encoding")


def _lowpass(up: int, down: int) -> NDArray[np.float64]:
    # Same design as scipy.signal.resample_poly: Kaiser(5.0) windowed sinc, cut-off at the lower Nyquist.
    max_rate = max(up, down)
    half_len = 10 * max_rate
    taps = np.asarray(signal.firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)), dtype=np.float64)
    return taps * up


def resample(pcm: NDArray[np.number], rate_in: int, rate_out: int) -> Pcm:
    """Resample a whole recording (batch path) to int16."""
    if rate_in == rate_out:
        return pcm.astype(np.int16, copy=False)
    g = gcd(rate_in, rate_out)
    out = np.asarray(signal.resample_poly(pcm.astype(np.float32), rate_out // g, rate_in // g), dtype=np.float64)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


class StreamResampler:
    """Frame-by-frame polyphase resampling (scipy's upfirdn) with the input history carried across frames.

    Output sample m is the causal filter output at upsampled time m*down, computed once all the input it
    depends on has arrived, so any framing of a call gives exactly the output of resampling it whole.
    The output lags by the filter's group delay (2.5 ms at 8 → 16 kHz), irrelevant for word timing, and
    there are no clicks at frame seams as with frame-wise resampling.
    """

    def __init__(self, rate_in: int, rate_out: int) -> None:
        g = gcd(rate_in, rate_out)
        self.up, self.down = rate_out // g, rate_in // g
        self.passthrough = rate_in == rate_out
        if not self.passthrough:
            self.taps = _lowpass(self.up, self.down)
            self._buf = np.zeros(0, dtype=np.float32)
            self._start = 0  # global input index of _buf[0]; always a multiple of `down`
            self._next = 0  # global index of the next output sample

    def process(self, pcm: Pcm) -> Pcm:
        if self.passthrough or len(pcm) == 0:
            return pcm.astype(np.int16, copy=False)
        up, down = self.up, self.down
        self._buf = np.concatenate([self._buf, pcm.astype(np.float32)])
        end = self._start + len(self._buf)  # inputs [start, end) are here
        last = (end * up - 1) // down  # last output whose inputs have all arrived
        out = np.zeros(0, dtype=np.int16)
        if last >= self._next:
            y = np.asarray(signal.upfirdn(self.taps, self._buf, up, down), dtype=np.float64)
            offset = self._start * up // down
            kept = y[self._next - offset : last + 1 - offset]
            out = np.clip(np.round(kept), -32768, 32767).astype(np.int16)
            self._next = last + 1
        # keep the inputs the next output still needs, starting at a multiple of `down` to stay on the grid
        need = max(0, (self._next * down - len(self.taps) + 1) // up)
        new_start = need - need % down
        if new_start > self._start:
            self._buf = self._buf[new_start - self._start :]
            self._start = new_start
        return out
