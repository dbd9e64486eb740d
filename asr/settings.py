"""ASR settings from `HOTLINE_*` environment variables (kept apart from the core's settings)."""

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.security.config import CommaList, check_networks  # list settings as `a,b` or JSON, as everywhere
from hotline.settings import cached_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_speech_dir() -> Path | None:
    candidate = PROJECT_ROOT.parent / "shared" / "data" / "speech"
    return candidate if candidate.is_dir() else None


class AsrSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    asr_enabled: bool = Field(default=True, description="load the speech engine in the app (off: no PBX media)")
    vosk_model: Path | None = Field(default=None, description="folder of the Vosk model to use")
    models_dir: Path = Field(default=PROJECT_ROOT / "var" / "models", description="where `models fetch` unpacks")
    asr_workers: int = Field(default=0, description="decoding threads; 0 means one per CPU core")
    asr_partial_interval_ms: int = Field(default=300, description="at most one partial result per leg this often")
    # 200 ms: fewer, larger decoding steps sustain more concurrent legs than 100 ms (docs/benchmarks.md).
    asr_chunk_ms: int = Field(default=200, description="audio gathered before one decoding step")
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, description="largest recording accepted by upload")
    max_stream_seconds: float = Field(default=4 * 3600, description="longest media stream accepted per leg")
    audiosocket_enabled: bool = Field(default=True, description="listen for Asterisk AudioSocket in the app")
    # AudioSocket has no authentication of its own: listen on the PBX network only and accept listed peers only
    audiosocket_host: str = Field(default="127.0.0.1", description="address the AudioSocket listener binds to")
    audiosocket_port: int = 9092
    audiosocket_leg: str = "caller"
    audiosocket_allow: CommaList = Field(
        default=["127.0.0.1/32", "::1/128"], description="PBX addresses (CIDRs, comma list) AudioSocket accepts"
    )
    pbx_tokens: CommaList = Field(
        default=[], description="secrets a PBX presents on /media/stream (comma list); empty refuses every stream"
    )
    # admission control (docs/asr.md "Security"): bounded work per leg and per node
    asr_max_legs: int = Field(default=0, description="live legs decoded at once on this node; 0: 4 per core")
    asr_max_uploads: int = Field(default=1, description="recording uploads decoded at once (they yield to calls)")
    asr_pace: float = Field(default=2.0, description="a leg may send at most this many times real time")
    asr_burst_seconds: float = Field(default=5.0, description="audio a leg may send ahead of real time at once")
    asr_dither: float = Field(default=-1.0, description="Kaldi dither; 0 = decoding repeats exactly; <0: model's")
    diarization_pipeline: Path | None = Field(default=None, description="local pyannote pipeline folder")
    speech_dir: Path | None = Field(default_factory=_default_speech_dir, description="real recordings for demos")

    @field_validator("audiosocket_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return check_networks(value)

    def workers(self) -> int:
        return self.asr_workers if self.asr_workers > 0 else (os.cpu_count() or 1)

    def max_legs(self) -> int:
        """Live legs this node decodes at once; one more is refused with `asr_capacity`."""
        return self.asr_max_legs if self.asr_max_legs > 0 else 4 * (os.cpu_count() or 1)


@cached_settings
def get_asr_settings() -> AsrSettings:
    return AsrSettings()
