"""Which approval source this install uses (HOTLINE_APPROVALS_SOURCE)."""

from sqlmodel import Session

from approvals_bridge.embedded import EmbeddedApprovalSource
from approvals_bridge.http import HttpApprovalSource
from approvals_bridge.settings import get_approval_settings
from approvals_bridge.source import ApprovalSource


def approval_source(session: Session) -> ApprovalSource:
    settings = get_approval_settings()
    if settings.source == "http":
        return HttpApprovalSource(settings)
    return EmbeddedApprovalSource(session)
