"""What each partner says, and how their words map onto our ticket.

110 reports received → dispatched → handled → closed. 数字城管 reports its case stages
立案 → 派遣 → 处置 → 核查 → 结案. Every status becomes a 联动反馈 entry in the ticket's history; the last one
ends our part: 110 结案 closes the ticket (a police matter is 110's to answer), 数字城管 结案 sends the ticket
to our own callback (回访), because the caller asked 12345 and 12345 checks the result with them.
"""

from pydantic import BaseModel, ConfigDict, Field

TRANSFER_PATHS = {"110": "/api/transfers", "119": "/api/transfers", "120": "/api/transfers", "city": "/api/cases"}

# 119 and 120 speak 110's protocol (a city's 110/119/120 linkage platform is one system).
STATUS_NAMES: dict[str, dict[str, str]] = {
    "110": {"received": "已接警", "dispatched": "已派警", "handled": "已处置", "closed": "已结案"},
    "119": {"received": "已接警", "dispatched": "已出警", "handled": "已处置", "closed": "已结案"},
    "120": {"received": "已接警", "dispatched": "已派车", "handled": "已救治", "closed": "已结案"},
    "city": {"立案": "已立案", "派遣": "已派遣", "处置": "已处置", "核查": "已核查", "结案": "已结案"},
}
FINAL_STATUS = {"110": "closed", "119": "closed", "120": "closed", "city": "结案"}
# The status whose note is the partner's account of what was done: it becomes the ticket's latest reply.
RESULT_STATUSES = {p: {"handled", "closed"} for p in ("110", "119", "120")} | {"city": {"处置", "结案"}}


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
