"""Diarization error rate through pyannote.metrics (part of the extra; it does not import torch)."""

from dataclasses import dataclass
from typing import Any

from asr.diarization.folder import DiarizationError
from asr.diarization.pipeline import EXTRA_MISSING
from asr.diarization.turns import Turn


@dataclass(frozen=True)
class DerScore:
    der: float
    missed: float  # seconds of reference speech with no hypothesis speaker
    false_alarm: float  # seconds of hypothesis speech where the reference is silent
    confusion: float  # seconds given to the wrong speaker (after the best speaker mapping)
    total: float  # seconds of reference speech

    def to_dict(self) -> dict:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


def _metric(collar: float) -> Any:
    try:
        from pyannote.metrics.diarization import DiarizationErrorRate
    except ImportError as exc:
        raise DiarizationError(f"{EXTRA_MISSING}（{exc}）", code="diarization_extra_missing") from exc
    # skip_overlap=False: overlapped speech counts, as it does in a real call
    return DiarizationErrorRate(collar=collar, skip_overlap=False)


def _annotation(turns: list[Turn]) -> Any:
    from pyannote.core import Annotation, Segment

    out = Annotation()
    for i, t in enumerate(turns):
        out[Segment(t.start, t.end), i] = t.speaker
    return out


class DerAccumulator:
    """DER per recording and over all of them (pooled by seconds, as pyannote.metrics does)."""

    def __init__(self, collar: float = 0.0) -> None:
        self.metric = _metric(collar)

    def add(self, reference: list[Turn], hypothesis: list[Turn], duration: float) -> DerScore:
        from pyannote.core import Segment, Timeline

        uem = Timeline([Segment(0.0, duration)])
        parts = self.metric(_annotation(reference), _annotation(hypothesis), uem=uem, detailed=True)
        return _score(parts)

    def total(self) -> DerScore:
        return _score({**self.metric.accumulated_, self.metric.name: abs(self.metric)})


def _score(parts: dict) -> DerScore:
    return DerScore(
        der=float(parts["diarization error rate"]),
        missed=float(parts["missed detection"]),
        false_alarm=float(parts["false alarm"]),
        confusion=float(parts["confusion"]),
        total=float(parts["total"]),
    )


def der(reference: list[Turn], hypothesis: list[Turn], duration: float, collar: float = 0.0) -> DerScore:
    return DerAccumulator(collar).add(reference, hypothesis, duration)
