"""The process's one engine: loaded at start-up so a bad model stops the process, not a call."""

import asyncio
import logging
from pathlib import Path

from asr.engine import AsrEngine
from asr.models import load_model
from asr.settings import AsrSettings, get_asr_settings

log = logging.getLogger(__name__)
_engine: AsrEngine | None = None


def start_engine(model: Path | str | None = None, settings: AsrSettings | None = None) -> AsrEngine:
    """Load the model (raises ModelError with a clear message) and create the decoding pool, once."""
    global _engine
    if _engine is None:
        settings = settings or get_asr_settings()
        _engine = AsrEngine(
            load_model(model, settings),
            workers=settings.workers(),
            partial_interval=settings.asr_partial_interval_ms / 1000,
            chunk_seconds=settings.asr_chunk_ms / 1000,
            max_stream_seconds=settings.max_stream_seconds,
        )
        _engine.warm_up()
    return _engine


def get_engine() -> AsrEngine:
    return start_engine()


def set_engine(engine: AsrEngine | None) -> None:
    global _engine
    _engine = engine


async def start_speech() -> asyncio.Server | None:
    """The main app's speech start-up: load the model off the event loop (a missing or broken model stops
    start-up with its clear message) and listen for AudioSocket if configured. Returns that listener."""
    from asr.audiosocket import start_audiosocket_server

    settings = get_asr_settings()
    if not settings.asr_enabled:
        log.info("speech recognition is off (HOTLINE_ASR_ENABLED=false)")
        return None
    engine = await asyncio.to_thread(start_engine)
    from asr.diarization.service import start_diarization

    await asyncio.to_thread(start_diarization)  # a broken pipeline folder stops start-up with its code
    if not settings.audiosocket_enabled:
        return None
    return await start_audiosocket_server(
        settings.audiosocket_host, settings.audiosocket_port, engine=engine, leg=settings.audiosocket_leg
    )
