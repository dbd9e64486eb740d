"""Public self-service: the page, the JSON lookups (ticket progress, approval status) and voice.

No login. Instead: identity with every lookup, the same answer for a wrong identity as for an unknown
number, rate limits per IP and per number, and an audit row per lookup.
"""

from dataclasses import asdict
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from approvals_bridge.factory import approval_source
from hotline.auth.deps import SessionDep
from hotline.errors import NotFound
from selfservice.audit import audit, client_ip
from selfservice.progress import digits, find_progress
from selfservice.ratelimit import RateLimited, first_refusal, hit
from selfservice.settings import get_selfservice_settings
from selfservice.speech import answer_text, number_from

STATIC = Path(__file__).parent / "static"
router = APIRouter(tags=["自助查询 self-service"])

NOT_FOUND_TICKET = "未查到匹配的工单，请核对工单编号和登记的手机号码"
NOT_FOUND_APPROVAL = "未查到匹配的办件，请核对申办号和身份信息（手机号码，或身份证号后六位加姓名）"


class TicketLookup(BaseModel):
    number: str = Field(min_length=1, max_length=20, description="工单编号")
    phone: str = Field(min_length=1, max_length=20, description="登记的手机号码")


class ApprovalLookup(BaseModel):
    application_no: str = Field(min_length=1, max_length=32, description="申办号")
    identity: str = Field(min_length=1, max_length=20, description="申请人手机号码，或身份证号后六位（须同时填姓名）")
    name: str | None = Field(default=None, max_length=50, description="申请人姓名（用身份证号后六位核验时必填）")


class VoiceLookup(BaseModel):
    text: str | None = Field(default=None, max_length=500, description="识别出的来电者话语")
    digits: str | None = Field(default=None, max_length=40, description="按键输入（DTMF）")
    caller_phone: str | None = Field(default=None, max_length=20, description="主叫号码（由 IVR 提供）")


def _limited(session, request: Request, channel: str, kind: str, number: str | None) -> None:
    """Per address always (voice lookups without a number too), per number when there is one. A refused request is
    audited once per window and key, not once each: a flood must not become a flood of audit rows."""
    settings = get_selfservice_settings()
    ip = client_ip(request)
    keys = [(f"ip:{ip}", settings.ip_limit)] + ([(f"{kind}:{number}", settings.number_limit)] if number else [])
    for key, limit in keys:
        try:
            hit(key, limit, settings.window_seconds)
        except RateLimited:
            if first_refusal(key, settings.window_seconds):
                audit(session, channel, kind, number or "", ip, "rate_limited")
            raise


@router.get("/selfservice", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "selfservice.html", media_type="text/html; charset=utf-8")


@router.get("/selfservice/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    path = STATIC / name
    if "/" in name or not path.is_file():
        raise NotFound("没有这个文件", code="not_found")
    return FileResponse(path)


@router.post("/api/selfservice/ticket", summary="查询工单进度（工单编号 + 手机号）")
def ticket_progress(body: TicketLookup, request: Request, session: SessionDep) -> dict:
    number = digits(body.number)
    _limited(session, request, "web", "ticket", number)
    progress = find_progress(session, number, body.phone)
    audit(session, "web", "ticket", number, client_ip(request), "found" if progress else "not_found")
    if progress is None:
        raise NotFound(NOT_FOUND_TICKET, code="no_match")
    return asdict(progress)


@router.post("/api/selfservice/approval", summary="查询办件状态（申办号 + 身份核验）")
def approval_status(body: ApprovalLookup, request: Request, session: SessionDep) -> dict:
    number = body.application_no.strip().upper()
    _limited(session, request, "web", "approval", number)
    view = approval_source(session).lookup(number, body.identity, body.name)
    audit(session, "web", "approval", number, client_ip(request), "found" if view else "not_found")
    if view is None:
        raise NotFound(NOT_FOUND_APPROVAL, code="no_match")
    return asdict(view)


@router.post("/api/selfservice/voice", summary="语音自助：从话语或按键取工单号，返回播报文本")
def voice(body: VoiceLookup, request: Request, session: SessionDep) -> dict:
    number, spoken_phone = number_from(body.text, body.digits)
    phone = spoken_phone or body.caller_phone or ""
    _limited(session, request, "voice", "ticket", number)  # an utterance without a number counts too
    if not number:
        audit(session, "voice", "ticket", "", client_ip(request), "no_number")
        return {"number": None, "found": False, "speech": answer_text(None, None)}
    progress = find_progress(session, number, phone)
    audit(session, "voice", "ticket", number, client_ip(request), "found" if progress else "not_found")
    return {"number": number, "found": progress is not None, "speech": answer_text(number, progress)}
