"""Speaker diarization of mono recordings with a local pyannote-audio pipeline (optional extra `diarization`).

Only `pipeline.py` and `score.py` import torch / pyannote, and only when called: the product runs without the extra.

* `folder.py` — checks a pipeline folder and resolves its config to local paths (no torch)
* `pipeline.py` — `load_pipeline`, `Diarizer` (runs the pyannote pipeline on int16 samples)
* `service.py` — `start_diarization` / `get_diarizer`: the process's one pipeline, loaded at start-up
* `turns.py` — `Turn`, speaker labels, per-speaker channels for the Vosk batch path
* `reference.py` — reference turns from a stereo recording (energy-based voice activity per channel)
* `score.py` — DER through pyannote.metrics
* `evaluate.py` — DER of a pipeline on stereo recordings mixed to mono
"""

from asr.diarization.folder import DiarizationError, resolve_config
from asr.diarization.turns import Turn

__all__ = ["DiarizationError", "Turn", "resolve_config"]
