"""DER of a pipeline on stereo call recordings: the channels give the reference, their mix is diarized."""

from dataclasses import dataclass
from pathlib import Path

from asr.batch import read_recording
from asr.diarization.pipeline import Diarizer
from asr.diarization.reference import channel_reference, mix_to_mono
from asr.diarization.score import DerAccumulator, DerScore
from asr.diarization.turns import Turn
from asr.errors import AudioFormatError


@dataclass(frozen=True)
class FileResult:
    file: str
    duration: float
    reference: list[Turn]
    hypothesis: list[Turn]
    score: DerScore

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "duration": round(self.duration, 3),
            **self.score.to_dict(),
            "reference_turns": len(self.reference),
            "hypothesis_turns": len(self.hypothesis),
            "hypothesis_speakers": len({t.speaker for t in self.hypothesis}),
        }


def evaluate_stereo(
    diarizer: Diarizer, files: list[Path], num_speakers: int | None = 2, collar: float = 0.0
) -> tuple[DerScore, list[FileResult]]:
    """Per-file and pooled DER; `num_speakers=2` tells the pipeline a call has a caller and an agent."""
    metric = DerAccumulator(collar)
    rows = []
    for path in files:
        data, rate = read_recording(path)
        if data.shape[1] != 2:
            raise AudioFormatError(f"{path.name} 不是双声道录音：评测需要主叫、坐席各占一个声道", code="not_stereo")
        reference = channel_reference(data, rate)
        duration = len(data) / rate
        hypothesis = diarizer(mix_to_mono(data), rate, num_speakers=num_speakers).turns
        rows.append(FileResult(path.name, duration, reference, hypothesis, metric.add(reference, hypothesis, duration)))
    return metric.total(), rows
