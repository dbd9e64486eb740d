from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.settings import cached_settings


class AcdSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_ACD_", env_file=".env", extra="ignore")

    no_answer_seconds: float = Field(
        default=15, gt=0, description="an offer not accepted by then goes to the next agent"
    )
    wrap_up_seconds: float = Field(default=30, ge=0, description="话后整理 after each call before the next offer")
    service_level_seconds: float = Field(default=15, gt=0, description="answered within this counts for 服务水平")
    tick_seconds: float = Field(default=1, gt=0)


@cached_settings
def get_acd_settings() -> AcdSettings:
    return AcdSettings()
