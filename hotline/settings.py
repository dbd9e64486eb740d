"""Settings from `HOTLINE_*` environment variables (pydantic-settings).

The defaults give the stand-alone install: a SQLite file under `var/`, the in-process event bus and
the real data in `../shared/data` when it is there.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path | None:
    candidate = PROJECT_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="where the stand-alone install keeps its files")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means a SQLite file in var_dir")
    redis_url: str | None = Field(default=None, description="Redis URL for the event bus across processes")
    redis_prefix: str = Field(
        default="hotline",
        min_length=1,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="namespace of every Redis key and channel: deployments sharing one Redis never see each other",
    )
    data_dir: Path | None = Field(default_factory=_default_data_dir, description="real data for demo and training")
    secret_key: str | None = Field(default=None, description="JWT signing key; generated into var_dir if unset")
    token_ttl_minutes: int = 12 * 60
    argon2_time_cost: int = Field(default=3, ge=1, description="password hashing cost (passes)")
    argon2_memory_kib: int = Field(default=64 * 1024, ge=1024, description="password hashing memory")
    timezone: str = "Asia/Shanghai"
    time_limits_file: Path | None = Field(default=None, description="TOML overriding the default time limits")
    calendar_file: Path | None = Field(default=None, description="TOML with holidays for years the package lacks")
    sweep_interval_seconds: float = 60.0
    events_recheck_seconds: float = Field(
        default=5, gt=0, description="how often an open event feed checks that its account is still active"
    )
    max_attachment_bytes: int = 20 * 1024 * 1024
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'hotline.db'}"

    @property
    def attachment_dir(self) -> Path:
        return self.var_dir / "attachments"

    def signing_key(self) -> str:
        """The JWT key: from settings, else a random key kept in var_dir so restarts keep sessions valid."""
        if self.secret_key:
            return self.secret_key
        key_file = self.var_dir / "secret_key"
        if not key_file.exists():
            import secrets

            self.var_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
