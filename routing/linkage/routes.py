"""Linkage API: transfer a ticket (agents), the partners' signed inbound endpoints, dead letters (supervisors)."""

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from hotline.auth.deps import CurrentActor, SessionDep, require_roles
from hotline.auth.models import Role
from hotline.errors import Invalid, Unauthorized
from hotline.tickets.queries import outs, visible_ticket
from hotline.tickets.registry import describe, step_of
from hotline.tickets.schemas import TicketOut
from hotline.tickets.states import Action
from routing.linkage import outbox, service
from routing.linkage.nonces import remember_nonce
from routing.linkage.partners import PARTNERS, partner_of
from routing.linkage.protocol import StatusIn, TransferIn
from routing.linkage.settings import get_linkage_settings, partner_name
from routing.linkage.signing import check_signature

router = APIRouter(prefix="/api", tags=["联动 linkage"])

_REASONS = {
    "partner_not_configured": "未配置该联动单位的共享密钥",
    "signature_missing": "缺少签名（X-Signature、X-Timestamp、X-Nonce）",
    "bad_timestamp": "时间戳格式错误",
    "stale_timestamp": "请求时间超出允许范围（可能是重放），已拒绝",
    "bad_signature": "签名校验失败",
}


class TransferRequest(BaseModel):
    partner: Literal[tuple(PARTNERS)] = Field(description="110、119、120 或 city（数字城管）")  # type: ignore[valid-type]
    note: str | None = Field(default=None, max_length=500, description="转办说明")


class RetryRequest(BaseModel):
    note: str | None = Field(default=None, max_length=500, description="说明")


class LinkOut(BaseModel):
    partner: str
    partner_name: str
    direction: str
    partner_case_id: str | None
    status: str


class OutboxOut(BaseModel):
    id: int
    partner: str
    ticket_number: str | None
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: str
    created_at: str


class Signed(BaseModel):
    partner: str
    body: bytes
    nonce: str


async def signed(partner: str, request: Request) -> Signed:
    """The request must carry a valid signature of the partner's shared key (checked before any JSON parsing)."""
    partner_of(partner)
    settings = get_linkage_settings()
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    ok, reason = check_signature(
        settings.key(partner), request.method, request.url.path, body, headers, settings.linkage_replay_window_seconds
    )
    if not ok:
        raise Unauthorized(_REASONS[reason], code=reason)
    return Signed(partner=partner, body=body, nonce=headers["x-nonce"])


SignedDep = Annotated[Signed, Depends(signed)]


def _parse(model: type[BaseModel], raw: bytes) -> BaseModel:
    try:
        return model.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise Invalid(f"联动消息格式错误：{str(exc)[:200]}", code="bad_linkage_message") from None


@router.post(
    "/tickets/{number}/transfer",
    response_model=TicketOut,
    summary=step_of(Action.transfer).summary,
    description=describe([step_of(Action.transfer)]),
)
def transfer(number: str, body: TransferRequest, session: SessionDep, actor: CurrentActor) -> TicketOut:
    ticket = service.transfer(session, actor, number, body.partner, body.note)
    return outs(session, [ticket], actor.role)[0]


@router.post(
    "/tickets/{number}/transfer/retry",
    response_model=TicketOut,
    summary=step_of(Action.retry_transfer).summary,
    description=describe([step_of(Action.retry_transfer)]),
)
def retry_transfer(number: str, body: RetryRequest, session: SessionDep, actor: CurrentActor) -> TicketOut:
    ticket = service.retry_transfer(session, actor, number, body.note)
    return outs(session, [ticket], actor.role)[0]


@router.get("/tickets/{number}/linkage", response_model=list[LinkOut], summary="工单的联动转办记录")
def ticket_links(number: str, session: SessionDep, actor: CurrentActor) -> list[LinkOut]:
    ticket = visible_ticket(session, actor, number)
    return [
        LinkOut(
            partner=t.partner,
            partner_name=partner_name(t.partner),
            direction=t.direction,
            partner_case_id=t.partner_case_id,
            status=t.status,
        )
        for t in service.transfers_of(session, ticket.id)
    ]


def _remember(session: Session, signed_request: Signed) -> None:
    remember_nonce(
        session, signed_request.partner, signed_request.nonce, get_linkage_settings().linkage_replay_window_seconds
    )


@router.post("/linkage/{partner}/status", summary="联动单位回传状态（签名）")
def partner_status(partner: str, signed_request: SignedDep, session: SessionDep) -> dict:
    _remember(session, signed_request)
    body = _parse(StatusIn, signed_request.body)
    outcome = service.apply_status(session, partner, body)
    return {
        "ack": True,
        "ticket_number": outcome.ticket_number,
        "applied": outcome.applied,
        "duplicate": outcome.duplicate,
    }


@router.post("/linkage/{partner}/transfers", summary="联动单位转来工单（签名）")
def partner_transfer(partner: str, signed_request: SignedDep, session: SessionDep) -> dict:
    _remember(session, signed_request)
    body = _parse(TransferIn, signed_request.body)
    outcome = service.receive_transfer(session, partner, body)
    return {"ack": True, "ticket_number": outcome.ticket_number, "duplicate": outcome.duplicate}


Supervisor = Depends(require_roles(Role.supervisor, Role.admin))


def _outbox_out(session: Session, message) -> OutboxOut:
    from hotline.tickets.models import Ticket
    from routing.linkage.models import LinkageTransfer

    link = session.get(LinkageTransfer, message.transfer_id)
    ticket = session.get(Ticket, link.ticket_id) if link else None
    return OutboxOut(
        id=message.id,
        partner=message.partner,
        ticket_number=ticket.number if ticket else None,
        state=message.state,
        attempts=message.attempts,
        last_error=message.last_error,
        next_attempt_at=message.next_attempt_at.isoformat(),
        created_at=message.created_at.isoformat(),
    )


@router.get(
    "/linkage/dead-letters",
    response_model=list[OutboxOut],
    summary="投递失败的联动消息（死信）",
    dependencies=[Supervisor],
)
def dead_letters(session: SessionDep) -> list[OutboxOut]:
    return [_outbox_out(session, m) for m in outbox.dead_letters(session)]


@router.post(
    "/linkage/dead-letters/{message_id}/retry",
    response_model=OutboxOut,
    summary="重新投递死信",
    dependencies=[Supervisor],
)
def retry(message_id: int, session: SessionDep) -> OutboxOut:
    return _outbox_out(session, outbox.retry_dead_letter(session, message_id))
