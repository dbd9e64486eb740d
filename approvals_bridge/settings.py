"""Approval source settings (`HOTLINE_APPROVALS_*`): embedded store, or a platform's HTTP API."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.security.config import CommaMap
from hotline.settings import cached_settings

# Our field → the platform's field in its JSON answer. HOTLINE_APPROVALS_FIELD_MAP overrides (JSON or a=b,c=d).
DEFAULT_FIELD_MAP = {
    "application_no": "applyNo",
    "item_name": "itemName",
    "department": "deptName",
    "kind": "itemType",
    "promised_days": "promiseDays",
    "stage": "status",
    "submitted_at": "applyTime",
    "due_at": "promiseTime",
    "applicant_name": "applicantName",
    "applicant_phone": "applicantPhone",
    "id_number": "idCardNo",
    "steps": "processList",
    "step_stage": "nodeName",
    "step_at": "nodeTime",
    "step_text": "opinion",
}


class ApprovalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_APPROVALS_", env_file=".env", extra="ignore")

    source: str = Field(default="embedded", pattern="^(embedded|http)$", description="embedded or http")
    base_url: str = Field(default="", description="the platform's API base URL")
    lookup_path: str = Field(default="/api/apply/query", description="GET path; the number goes in `number_param`")
    number_param: str = "applyNo"
    app_id: str = Field(default="", description="credentials sent as X-App-Id / X-App-Secret headers")
    app_secret: str = ""
    timeout_seconds: float = 5.0
    field_map: CommaMap = Field(
        default_factory=lambda: dict(DEFAULT_FIELD_MAP), description="`ours=theirs,…` or a JSON object"
    )


@cached_settings
def get_approval_settings() -> ApprovalSettings:
    return ApprovalSettings()
