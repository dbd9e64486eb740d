"""Reference speaker turns from a stereo call recording: each party is on its own channel, so voice activity per
channel says who spoke when. Energy-based: good on clean PBX recordings, fooled by loud echo of the other party."""

import numpy as np

from asr.diarization.turns import Turn

FRAME_SECONDS = 0.02
MIN_SPEECH = 0.25  # shorter bursts are clicks, not turns
MIN_GAP = 0.3  # shorter pauses stay inside one turn


def voice_activity(
    samples: np.ndarray, rate: int, margin_db: float = 12.0, floor_db: float = 40.0
) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in one channel.

    A frame is speech when its energy is `margin_db` above the channel's noise floor (its 10th percentile) and
    within `floor_db` of its loudest frames, so a silent channel (digital zeros) yields nothing.
    """
    hop = max(1, int(rate * FRAME_SECONDS))
    n = len(samples) // hop
    if n == 0:
        return []
    frames = samples[: n * hop].astype(np.float64).reshape(n, hop)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1.0)
    if np.max(db) < 20:  # below ~|10| of 32768: nothing but dither
        return []
    threshold = max(np.percentile(db, 10) + margin_db, np.percentile(db, 99) - floor_db)
    active = db > threshold
    spans, start = [], None
    for i, on in enumerate([*active, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append([start * FRAME_SECONDS, i * FRAME_SECONDS])
            start = None
    merged: list[list[float]] = []
    for span in spans:
        if merged and span[0] - merged[-1][1] < MIN_GAP:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return [(a, b) for a, b in merged if b - a >= MIN_SPEECH]


def channel_reference(data: np.ndarray, rate: int, names: tuple[str, ...] = ("caller", "agent")) -> list[Turn]:
    """Turns of every channel of (frames, channels) audio, labelled by channel, in time order."""
    turns = [Turn(a, b, names[c]) for c in range(data.shape[1]) for a, b in voice_activity(data[:, c], rate)]
    return sorted(turns, key=lambda t: (t.start, t.speaker))


def mix_to_mono(data: np.ndarray) -> np.ndarray:
    """What a mono recorder would have made of the call: the channels summed (then clipped to int16)."""
    return np.clip(data.astype(np.int32).sum(axis=1), -32768, 32767).astype(np.int16)
