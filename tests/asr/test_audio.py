"""G.711 against the reference codec in the standard library (audioop), and resampling without aliasing."""

import warnings

import numpy as np
import pytest
from scipy import signal

from asr.audio import (
    StreamResampler,
    alaw_decode,
    alaw_encode,
    decode,
    resample,
    ulaw_decode,
    ulaw_encode,
)
from asr.errors import AudioFormatError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # deprecated, still the CPython reference implementation of G.711 in 3.11

ALL_BYTES = bytes(range(256))
ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


def test_ulaw_decode_matches_reference():
    assert np.array_equal(ulaw_decode(ALL_BYTES), np.frombuffer(audioop.ulaw2lin(ALL_BYTES, 2), "<i2"))


def test_alaw_decode_matches_reference():
    assert np.array_equal(alaw_decode(ALL_BYTES), np.frombuffer(audioop.alaw2lin(ALL_BYTES, 2), "<i2"))


def test_ulaw_encode_matches_reference_for_every_sample():
    assert ulaw_encode(ALL_SAMPLES) == audioop.lin2ulaw(ALL_SAMPLES.tobytes(), 2)


def test_alaw_encode_matches_reference_for_every_sample():
    assert alaw_encode(ALL_SAMPLES) == audioop.lin2alaw(ALL_SAMPLES.tobytes(), 2)


def test_decode_rejects_odd_l16_and_unknown_encoding():
    with pytest.raises(AudioFormatError) as odd:
        decode(b"\x00\x01\x02", "L16")
    assert odd.value.code == "odd_byte_count"
    with pytest.raises(AudioFormatError) as unknown:
        decode(b"\x00\x01", "G729")
    assert unknown.value.code == "unknown_encoding"


def _level_db(x: np.ndarray, rate: int, freq: float) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    bin_ = round(freq * len(x) / rate)
    return 20 * np.log10(spectrum[bin_ - 2 : bin_ + 3].max() + 1e-9)


def test_upsampling_8k_to_16k_leaves_no_image():
    # A 3 kHz tone at 8 kHz: naive upsampling mirrors it to 5 kHz, a proper low-pass removes that image.
    t = np.arange(8000) / 8000
    tone = (10000 * np.sin(2 * np.pi * 3000 * t)).astype(np.int16)
    up = StreamResampler(8000, 16000).process(tone)
    assert len(up) == 16000
    assert _level_db(up, 16000, 3000) - _level_db(up, 16000, 5000) > 50
    held = np.repeat(tone, 2)  # sample-and-hold, the usual mistake, shows what the test detects
    assert _level_db(held, 16000, 3000) - _level_db(held, 16000, 5000) < 20


def test_downsampling_does_not_fold_high_frequencies_back():
    t = np.arange(16000) / 16000
    tone = (10000 * np.sin(2 * np.pi * 6000 * t)).astype(np.int16)  # above the 4 kHz Nyquist of 8 kHz
    down = resample(tone, 16000, 8000)
    naive = tone[::2]  # decimation without a filter folds 6 kHz onto 2 kHz
    assert _level_db(naive, 8000, 2000) - _level_db(down, 8000, 2000) > 40


@pytest.mark.parametrize(("rate_in", "rate_out"), [(8000, 16000), (16000, 8000), (44100, 16000)])
def test_streaming_equals_whole_signal_whatever_the_frame_size(rate_in, rate_out):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(rate_in) * 3000).astype(np.int16)
    whole = StreamResampler(rate_in, rate_out).process(x)
    stream = StreamResampler(rate_in, rate_out)
    sizes = [160, 7, 333, 1, 4000]
    parts, i, k = [], 0, 0
    while i < len(x):
        parts.append(stream.process(x[i : i + sizes[k % len(sizes)]]))
        i += sizes[k % len(sizes)]
        k += 1
    assert np.array_equal(np.concatenate(parts), whole)
    # and it is the same filter as scipy's resample_poly, only causal (delayed by the group delay)
    ref = signal.resample_poly(x.astype(float), *_ratio(rate_in, rate_out))
    delay = (len(stream.taps) - 1) // 2 // stream.down
    n = len(whole) - delay - 50
    assert np.max(np.abs(whole[delay : delay + n] - ref[:n])) <= 1.0


def _ratio(a: int, b: int) -> tuple[int, int]:
    from math import gcd

    g = gcd(a, b)
    return b // g, a // g
