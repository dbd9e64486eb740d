"""Settings from `HOTLINE_*` environment variables (pydantic-settings).

The defaults give the stand-alone install: a SQLite file under `var/`, the in-process event bus and
the real data in `../shared/data` when it is there.
"""

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.security.config import CommaList, check_networks, check_timezone

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
    token_ttl_minutes: int = Field(default=8 * 60, ge=5, le=24 * 60, description="a login lasts one shift at most")
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="a login left without any activity this long ends (登录超时自动退出)"
    )
    argon2_time_cost: int = Field(default=3, ge=1, le=10, description="password hashing cost (passes)")
    argon2_memory_kib: int = Field(default=64 * 1024, ge=1024, le=512 * 1024, description="password hashing memory")
    login_concurrency: int = Field(default=2, ge=1, le=64, description="password checks running at once per worker")
    login_max_failures: int = Field(default=5, ge=1, description="wrong passwords for one account before it locks")
    login_ip_max_failures: int = Field(default=20, ge=1, description="failed logins from one address before a pause")
    login_lock_minutes: int = Field(default=15, ge=1, description="lock time, and the window failures are counted in")
    password_min_length: int = Field(default=10, ge=8, le=64, description="password policy: length")
    trusted_proxies: Annotated[CommaList, AfterValidator(check_networks)] = Field(
        default_factory=list, description="reverse proxies whose X-Forwarded-For is believed: `10.0.0.5,10.0.1.0/24`"
    )
    timezone: Annotated[str, AfterValidator(check_timezone)] = "Asia/Shanghai"
    time_limits_file: Path | None = Field(default=None, description="TOML overriding the default time limits")
    calendar_file: Path | None = Field(default=None, description="TOML with holidays for years the package lacks")
    sweep_interval_seconds: float = 60.0
    job_lease_seconds: float = Field(
        default=10.0, gt=0, description="a periodic job's lease: how soon another worker takes over a dead holder's job"
    )
    rising_interval_seconds: float = Field(default=3600.0, gt=0, description="how often the rising-issue check runs")
    log_format: str = Field(default="text", pattern="^(text|json)$", description="text, or json for log collectors")
    events_recheck_seconds: float = Field(
        default=5, gt=0, description="how often an open event feed checks that its account is still active"
    )
    max_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="per reply attachment")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="largest request body of any other route (JSON, forms)"
    )
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


T = TypeVar("T")
_CACHED: list = []


def cached_settings(load: Callable[[], T]) -> Callable[[], T]:
    """Read a package's settings once per process, and remember the cache so `reset_all_settings` can drop it."""
    cached = lru_cache(maxsize=1)(load)
    _CACHED.append(cached)
    return cached


def reset_all_settings() -> None:
    """Forget every package's settings (read them again from the environment): tests that change it call this."""
    for cached in _CACHED:
        cached.cache_clear()


@cached_settings
def get_settings() -> Settings:
    return Settings()
