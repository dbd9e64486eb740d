"""Linkage settings (`HOTLINE_LINKAGE_*`): partners' addresses and shared keys, delivery policy."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.settings import cached_settings
from routing.linkage.partners import partner_of


class LinkageSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    linkage_110_url: str = Field(default="", description="110 linkage endpoint base URL, e.g. http://10.0.0.5:9110")
    linkage_110_key: str = Field(default="", description="shared HMAC key with 110")
    linkage_119_url: str = Field(default="", description="119 linkage endpoint base URL (same protocol as 110)")
    linkage_119_key: str = Field(default="", description="shared HMAC key with 119")
    linkage_120_url: str = Field(default="", description="120 linkage endpoint base URL (same protocol as 110)")
    linkage_120_key: str = Field(default="", description="shared HMAC key with 120")
    linkage_city_url: str = Field(default="", description="数字城管 platform base URL")
    linkage_city_key: str = Field(default="", description="shared HMAC key with 数字城管")
    linkage_replay_window_seconds: int = Field(default=300, description="signed requests older/newer are refused")
    linkage_max_attempts: int = Field(default=8, ge=1, description="failed deliveries before the dead letter")
    linkage_backoff_seconds: float = Field(default=5.0, gt=0, description="first retry delay; doubles each time")
    linkage_backoff_max_seconds: float = Field(default=600.0, gt=0)
    linkage_timeout_seconds: float = Field(default=10.0, gt=0, description="HTTP timeout per delivery")
    linkage_lease_seconds: float = Field(
        default=60.0, gt=0, description="a claimed row is retried by any worker after this (crash during delivery)"
    )
    linkage_poll_seconds: float = Field(default=1.0, gt=0, description="outbox worker poll interval")
    linkage_worker: bool = Field(default=True, description="run the outbox worker inside the app")
    linkage_demo_step_seconds: float = Field(default=3.0, gt=0, description="stand-ins' pace between statuses")
    linkage_demo: str = Field(
        default="", description="partners served by stand-ins (`hotline serve --demo-partners` sets it): 演示"
    )

    # Each declared partner has its two fields here; an undeclared one is refused, not given another's.
    def url(self, partner: str) -> str:
        return str(getattr(self, f"linkage_{partner_of(partner).code}_url")).rstrip("/")

    def key(self, partner: str) -> str:
        return str(getattr(self, f"linkage_{partner_of(partner).code}_key"))


def partner_name(partner: str) -> str:
    """The partner's name as tickets show it; a stand-in's says 演示 so nobody mistakes it for the real one."""
    demo = get_linkage_settings().linkage_demo.split(",")
    return partner_of(partner).name + ("（演示）" if partner in demo else "")


@cached_settings
def get_linkage_settings() -> LinkageSettings:
    return LinkageSettings()
