"""The adapter for a government service platform's HTTP API: one GET by application number, fields mapped
by settings, the identity checked here (the platform returns the applicant's data to us, never to the caller)."""

from datetime import datetime

import httpx

from approvals_bridge.settings import DEFAULT_FIELD_MAP, ApprovalSettings
from approvals_bridge.source import ApprovalStep, ApprovalView, headline, identity_matches, mask_name
from hotline.errors import DomainError
from hotline.localtime import centre_zone


class PlatformUnavailable(DomainError):
    status = 503
    code = "approvals_unavailable"


def _time(value: object) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:  # platforms commonly send local time without an offset
        moment = moment.replace(tzinfo=centre_zone())
    return moment


class HttpApprovalSource:
    def __init__(self, settings: ApprovalSettings) -> None:
        self.settings = settings
        self.fields = DEFAULT_FIELD_MAP | settings.field_map

    def _get(self, record: dict, name: str) -> object:
        return record.get(self.fields[name])

    def lookup(self, application_no: str, identity: str, name: str | None = None) -> ApprovalView | None:
        s = self.settings
        try:
            answer = httpx.get(
                s.base_url.rstrip("/") + s.lookup_path,
                params={s.number_param: application_no.strip()},
                headers={"X-App-Id": s.app_id, "X-App-Secret": s.app_secret},
                timeout=s.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(f"政务服务平台暂时无法访问，请稍后再查（{type(exc).__name__}）") from None
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise PlatformUnavailable(f"政务服务平台返回错误（HTTP {answer.status_code}），请稍后再查")
        record = answer.json()
        record = record.get("data", record) if isinstance(record, dict) else None
        if not record:
            return None
        id_number = str(self._get(record, "id_number") or "")
        phone = str(self._get(record, "applicant_phone") or "")
        applicant = str(self._get(record, "applicant_name") or "")
        if not identity_matches(identity, phone, id_number, name, applicant):
            return None
        days = int(self._get(record, "promised_days") or 0)
        stage, stage_text, steps = headline(str(self._get(record, "stage") or ""), [
            ApprovalStep(
                str(step.get(self.fields["step_stage"], "")),
                _time(step.get(self.fields["step_at"])),
                str(step.get(self.fields["step_text"], "")),
            )
            for step in (self._get(record, "steps") or [])
        ])  # fmt: skip
        return ApprovalView(
            application_no=str(self._get(record, "application_no") or application_no),
            item_name=str(self._get(record, "item_name") or ""),
            department=str(self._get(record, "department") or ""),
            kind=str(self._get(record, "kind") or ("承诺件" if days else "即办件")),
            stage=stage,
            stage_text=stage_text,
            submitted_at=_time(self._get(record, "submitted_at")),
            promised_days=days,
            due_at=_time(self._get(record, "due_at")),
            applicant=mask_name(str(self._get(record, "applicant_name") or "")),
            steps=steps,
        )
