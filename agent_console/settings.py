from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.settings import cached_settings


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_CONSOLE_", env_file=".env", extra="ignore")

    heartbeat_seconds: float = Field(default=15, gt=0, description="server heartbeat; clients reconnect after 2.5×")
    auth_timeout_seconds: float = Field(default=5, gt=0, description="time to send the hello message")
    ring_size: int = Field(default=20_000, ge=10, description="events each worker keeps for resuming consoles")
    client_queue: int = Field(default=1_000, ge=1, description="messages waiting for one console before it is dropped")
    hub_queue: int = Field(default=100_000, ge=100, description="events waiting for the worker's hub")


@cached_settings
def get_console_settings() -> ConsoleSettings:
    return ConsoleSettings()
