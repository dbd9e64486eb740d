"""The process's one diarization pipeline, loaded at start-up when `HOTLINE_DIARIZATION_PIPELINE` is set.

`start_diarization()` raises DiarizationError (a ModelError) with the reason, so a missing folder or a missing
extra stops start-up instead of failing an upload; without the setting it returns None and torch is never imported.
"""

import threading

from asr.diarization.pipeline import Diarizer
from asr.settings import AsrSettings, get_asr_settings

_lock = threading.Lock()
_diarizer: Diarizer | None = None


def start_diarization(settings: AsrSettings | None = None) -> Diarizer | None:
    global _diarizer
    settings = settings or get_asr_settings()
    if settings.diarization_pipeline is None:
        return None
    with _lock:
        if _diarizer is None:
            from asr.diarization.pipeline import load_pipeline

            _diarizer = load_pipeline(settings.diarization_pipeline)
    return _diarizer


def get_diarizer() -> Diarizer | None:
    return start_diarization()


def set_diarizer(diarizer: Diarizer | None) -> None:
    global _diarizer
    _diarizer = diarizer
