"""The linkage messages: a partner's status callback and a case they hand to us (what each partner's statuses
mean is in partners.py)."""

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Location(_Strict):
    address: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)


class StatusIn(_Strict):
    """A partner's status callback about a ticket we transferred to them."""

    event_id: str = Field(min_length=1, max_length=64, description="unique per callback; a repeat is ignored")
    idempotency_key: str = Field(min_length=1, max_length=64, description="the key of our transfer")
    case_id: str | None = Field(default=None, max_length=64, description="their case number")
    status: str = Field(min_length=1, max_length=16)
    note: str | None = Field(default=None, max_length=2000)
    at: str | None = Field(default=None, max_length=40, description="when it happened on their side (ISO 8601)")
    photos: list[str] = Field(default_factory=list, max_length=20, description="photo URLs on their platform")
    location: Location | None = None


class TransferIn(_Strict):
    """A case the partner hands to 12345 (e.g. a non-police matter from 110)."""

    idempotency_key: str = Field(min_length=1, max_length=64)
    case_id: str | None = Field(default=None, max_length=64)
    request_type: str = Field(default="求助", max_length=8)
    summary: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20000)
    caller_phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 ()-]{5,20}$")
    caller_name: str | None = Field(default=None, max_length=50)
    district: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)
    urgency: str = Field(default="normal", pattern="^(normal|high|urgent)$")
    note: str | None = Field(default=None, max_length=2000)
