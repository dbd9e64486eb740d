"""Loading and running a pyannote pipeline. torch and pyannote are imported here, inside functions only."""

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from asr.diarization.folder import DiarizationError, resolve_config
from asr.diarization.turns import Turn, relabel

log = logging.getLogger(__name__)

EXTRA_MISSING = (
    "已配置说话人分离（HOTLINE_DIARIZATION_PIPELINE），但未安装可选组件 diarization："
    "先 pip install torch==2.13.0（CPU 版），再 pip install -e '.[diarization]'"
)


def offline() -> None:
    """Nothing may call out: no hub look-ups and no pyannote usage telemetry (both read at import)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["PYANNOTE_METRICS_ENABLED"] = "false"


def import_pyannote() -> Any:
    offline()
    try:
        with warnings.catch_warnings():
            # torchcodec (file decoding) is not needed: audio is handed over in memory
            warnings.filterwarnings("ignore", message=r"(?s).*torchcodec")
            import torch  # noqa: F401
            from pyannote.audio import Pipeline
    except ImportError as exc:
        raise DiarizationError(f"{EXTRA_MISSING}（{exc}）", code="diarization_extra_missing") from exc
    except OSError as exc:  # e.g. a torchaudio build whose native library needs CUDA
        raise DiarizationError(f"说话人分离组件无法加载：{exc}", code="diarization_extra_broken") from exc
    return Pipeline


@dataclass(frozen=True)
class Diarization:
    turns: list[Turn]  # may overlap (two people talking at once): what DER is computed on
    exclusive: list[Turn]  # one speaker at a time: what transcription is split by


class Diarizer:
    """A loaded pipeline. Calls are serialised: one pipeline object is not safe to run in two threads."""

    def __init__(self, pipeline: Any, folder: Path) -> None:
        self.pipeline = pipeline
        self.folder = folder
        self._lock = threading.Lock()

    def __call__(self, samples: np.ndarray, rate: int, num_speakers: int | None = None) -> Diarization:
        """Diarize mono int16 (or float in [-1, 1]) samples."""
        import torch

        wave = samples.astype(np.float32) / (32768.0 if samples.dtype == np.int16 else 1.0)
        duration = len(wave) / rate
        audio = {"waveform": torch.from_numpy(wave).unsqueeze(0), "sample_rate": rate}
        with self._lock, torch.inference_mode(), warnings.catch_warnings():
            # per-chunk numeric warnings (e.g. std of a one-frame chunk) say nothing an operator can act on
            warnings.filterwarnings("ignore", category=UserWarning, module=r"(pyannote|torch|torchaudio)\b")
            output = self.pipeline(audio, num_speakers=num_speakers)
        # pyannote 4 returns DiarizeOutput; a `legacy: true` config returns the Annotation alone
        full = getattr(output, "speaker_diarization", output)
        exclusive = getattr(output, "exclusive_speaker_diarization", full)
        names: dict[str, str] = {}  # shared, so a speaker has the same name in both lists
        return Diarization(relabel(_tracks(full), duration, names), relabel(_tracks(exclusive), duration, names))


def _tracks(annotation: Any) -> list[tuple[float, float, str]]:
    return [(s.start, s.end, label) for s, _, label in annotation.itertracks(yield_label=True)]


def load_pipeline(folder: Path | str) -> Diarizer:
    """Build the pipeline from a local folder; any failure becomes a DiarizationError (code + Chinese message)."""
    config = resolve_config(folder)
    Pipeline = import_pyannote()
    try:
        pipeline = Pipeline.from_pretrained(config)
    except Exception as exc:  # at start-up every failure must become one clear message
        raise DiarizationError(
            f"说话人分离模型加载失败（{folder}）：{type(exc).__name__}: {exc}", code="diarization_load_failed"
        ) from exc
    if pipeline is None:
        raise DiarizationError(f"说话人分离模型加载失败（{folder}）", code="diarization_load_failed")
    log.info("diarization pipeline %s loaded from %s", type(pipeline).__name__, folder)
    return Diarizer(pipeline, Path(folder))
