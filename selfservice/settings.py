"""Self-service settings (`HOTLINE_SELFSERVICE_*`): rate limits and the Open311 API keys."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.security.config import CommaList
from hotline.settings import cached_settings


class SelfServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_SELFSERVICE_", env_file=".env", extra="ignore")

    ip_limit: int = Field(default=30, ge=1, description="lookups per IP address per window")
    number_limit: int = Field(default=6, ge=1, description="lookups of one ticket/application number per window")
    window_seconds: int = Field(default=600, ge=1)
    open311_api_keys: CommaList = Field(
        default_factory=list, description='keys of the apps allowed on Open311: `k1,k2` or JSON `["k1","k2"]`'
    )
    open311_jurisdiction: str = "12345.a-city.gov.cn"


@cached_settings
def get_selfservice_settings() -> SelfServiceSettings:
    return SelfServiceSettings()
