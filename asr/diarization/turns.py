"""Speaker turns and how the batch path uses them: one masked channel per speaker for the Vosk recognisers."""

from dataclasses import dataclass

import numpy as np

SPEAKER_PREFIX = "说话人"
PAD_SECONDS = 0.15  # kept around a turn so a recogniser does not lose a clipped first or last syllable


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str

    def payload(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "speaker": self.speaker}


def relabel(turns: list[tuple[float, float, str]], duration: float, names: dict[str, str] | None = None) -> list[Turn]:
    """pyannote's SPEAKER_00… become 说话人1, 说话人2… in order of first speech; times clipped to the audio."""
    names = {} if names is None else names
    out = []
    for start, end, label in sorted(turns):
        start, end = max(0.0, start), min(duration, end)
        if end <= start:
            continue
        name = names.setdefault(label, f"{SPEAKER_PREFIX}{len(names) + 1}")
        out.append(Turn(start, end, name))
    return out


def speakers(turns: list[Turn]) -> list[str]:
    return list(dict.fromkeys(t.speaker for t in turns))


def speaker_channels(samples: np.ndarray, rate: int, turns: list[Turn]) -> tuple[np.ndarray, tuple[str, ...]]:
    """(frames, speakers) int16: column i is the mono audio where speaker i speaks and silence elsewhere.

    Each column then goes through the stereo batch path unchanged, so times stay those of the recording.
    """
    names = speakers(turns)
    out = np.zeros((len(samples), len(names)), dtype=np.int16)
    for turn in turns:
        a = max(0, int((turn.start - PAD_SECONDS) * rate))
        b = min(len(samples), int((turn.end + PAD_SECONDS) * rate))
        out[a:b, names.index(turn.speaker)] = samples[a:b]
    return out, tuple(names)
