"""Linkage as ticket steps: transfer out (转办), partners' status (联动反馈), partners' transfers in (联动转入).

Each is one transaction: the ticket's change, its history entry and the linkage rows (the outbox message,
the inbound message that makes a repeat harmless) commit together or not at all.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.auth.models import Role
from hotline.callers.models import Caller
from hotline.callers.service import caller_for
from hotline.clock import callback_due
from hotline.db import utcnow
from hotline.errors import Conflict, Invalid, NotFound
from hotline.tickets.models import Attachment, Ticket
from hotline.tickets.numbers import next_ticket_number
from hotline.tickets.privacy import partner_may_know_caller
from hotline.tickets.registry import Public, Step, declare, handles
from hotline.tickets.service import close_ticket
from hotline.tickets.states import Action, RequestType, TicketState, Urgency
from hotline.tickets.steps import record, step
from routing.linkage.models import InboundMessage, LinkageTransfer, OutboxMessage
from routing.linkage.partners import partner_of
from routing.linkage.protocol import StatusIn, TransferIn
from routing.linkage.settings import get_linkage_settings, partner_name

# Linkage's own ticket steps, in the lifecycle's registry (roles, states, names, what callers read).
declare(
    Step(Action.transfer, "转办联动单位", frozenset({Role.agent, Role.supervisor}),
         frozenset({TicketState.received, TicketState.reopened, TicketState.returned}), path="transfer",
         summary="一键转办 110 / 119 / 120 / 数字城管", public=Public("已转交联动单位（110 或数字城管）办理")),
    # Only the partners' signed callbacks (the system) report their progress or hand tickets over.
    Step(Action.partner_update, "联动反馈", frozenset(), frozenset({TicketState.transferred}),
         public=Public("联动单位反馈：{actor}已更新办理进展")),
    Step(Action.partner_intake, "联动转入", frozenset(), public=Public("您的诉求已受理", shared=None)),
    # The outbox records it when delivery gives up; the desk then re-sends (or answers / dispatches itself).
    Step(Action.transfer_failed, "转办失败", frozenset(), frozenset({TicketState.transferred})),
    Step(Action.retry_transfer, "重新转办", frozenset({Role.agent, Role.supervisor}),
         frozenset({TicketState.transfer_failed}), path="transfer/retry",
         summary="重新转办（转办失败的工单：同一转办重新投递）"),
)  # fmt: skip


def partner_actor(partner: str) -> Actor:
    """The partner's callbacks act as the system (they passed the signature check, not a login)."""
    return Actor(id=None, name=partner_name(partner), role="system")


# The outbox's own steps (转办失败, a supervisor's re-send of a dead letter) are the system's.
SYSTEM = Actor(id=None, name="联动发件箱", role="system")


def _transfer_payload(session: Session, ticket: Ticket, partner: str, key: str, note: str | None) -> dict:
    known = ticket.caller_id and partner_may_know_caller(ticket.confidential, partner_of(partner).emergency)
    phone = session.get(Caller, ticket.caller_id) if known else None
    payload: dict = {
        "idempotency_key": key,
        "ticket_number": ticket.number,
        "request_type": ticket.request_type,
        "urgency": ticket.urgency,
        "summary": ticket.summary,
        "description": ticket.description,
        "caller_phone": phone.phone if phone else None,
        "caller_name": phone.name if phone else None,
        "note": note,
        "created_at": ticket.created_at.isoformat(),
        "transferred_at": utcnow().isoformat(),
    }
    if ticket.address or ticket.district:
        payload["location"] = {"address": ticket.address, "district": ticket.district}
    photos = session.exec(
        select(Attachment).where(Attachment.ticket_id == ticket.id, Attachment.content_type.startswith("image/"))
    ).all()
    if photos:
        payload["photos"] = [{"filename": p.filename, "sha256": p.sha256, "size": p.size} for p in photos]
    return payload


@handles(Action.transfer)
def transfer(session: Session, actor: Actor, number: str, partner: str, note: str | None = None) -> Ticket:
    """转办联动单位: the ticket waits for the partner; the message goes out through the outbox."""
    declared = partner_of(partner)
    if not get_linkage_settings().url(partner):
        raise Invalid(f"尚未配置{declared.name}的联动地址，无法转办", code="partner_not_configured")
    with step(session, actor, number, Action.transfer) as ticket:
        key = uuid.uuid4().hex
        text = f"转{partner_name(partner)}" + (f"：{note.strip()}" if note and note.strip() else "")
        record(session, ticket, actor, Action.transfer, {"state": TicketState.transferred, "sla_flag": None}, text)
        link = LinkageTransfer(partner=partner, direction="out", ticket_id=ticket.id, idempotency_key=key)
        session.add(link)
        session.flush()
        payload = _transfer_payload(session, ticket, partner, key, note)
        session.add(OutboxMessage(partner=partner, transfer_id=link.id, path=declared.transfer_path, payload=payload))
    return ticket


def transfer_gave_up(session: Session, message: OutboxMessage, mark_dead, reason: str) -> bool:
    """转办失败: delivery gave up, so the ticket comes back to the desk (queue 转办失败) instead of waiting on a
    partner that never got it. `mark_dead` (the outbox's UPDATE) runs in the same transaction. False when the
    ticket is no longer waiting on this transfer (nothing recorded; the caller marks the message alone)."""
    link = session.get(LinkageTransfer, message.transfer_id)
    ticket = session.get(Ticket, link.ticket_id) if link else None
    if ticket is None or ticket.state != TicketState.transferred:
        return False
    try:
        with step(session, SYSTEM, ticket.number, Action.transfer_failed) as ticket:
            if session.execute(mark_dead).rowcount != 1:  # this claim is stale: another worker settled the message
                raise Conflict("投递结果已由其他进程处理")
            link.status, link.updated_at = "failed", utcnow()
            session.add(link)
            note = f"{partner_name(link.partner)}未签收（{reason}），请重新转办或自行派单"
            record(session, ticket, SYSTEM, Action.transfer_failed, {"state": TicketState.transfer_failed}, note)
    except (Conflict, NotFound):
        return False  # the ticket moved on meanwhile
    return True


@handles(Action.retry_transfer)
def retry_transfer(session: Session, actor: Actor, number: str, note: str | None = None) -> Ticket:
    """重新转办: the failed transfer's message goes out again (same idempotency key: a partner that did get it
    after all opens no second case) and the ticket waits on the partner again."""
    with step(session, actor, number, Action.retry_transfer) as ticket:
        link = session.exec(
            select(LinkageTransfer)
            .where(LinkageTransfer.ticket_id == ticket.id, LinkageTransfer.direction == "out")
            .order_by(LinkageTransfer.id.desc())
        ).first()
        message = link and session.exec(select(OutboxMessage).where(OutboxMessage.transfer_id == link.id)).first()
        if message is None:
            raise Conflict(f"工单 {number} 没有可重发的转办", code="no_failed_transfer")
        if not get_linkage_settings().url(link.partner):
            raise Invalid(f"尚未配置{partner_of(link.partner).name}的联动地址，无法转办", code="partner_not_configured")
        from routing.linkage.outbox import requeue

        requeue(session, message)
        link.status, link.updated_at = "pending", utcnow()
        session.add(link)
        text = f"重新转{partner_name(link.partner)}" + (f"：{note.strip()}" if note and note.strip() else "")
        record(session, ticket, actor, Action.retry_transfer, {"state": TicketState.transferred}, text)
    return ticket


@dataclass(frozen=True)
class Outcome:
    ticket_number: str | None
    applied: bool
    duplicate: bool = False


def _seen(session: Session, partner: str, message_id: str) -> InboundMessage | None:
    return session.exec(
        select(InboundMessage).where(InboundMessage.partner == partner, InboundMessage.message_id == message_id)
    ).first()


def _status_note(partner: str, body: StatusIn) -> str:
    declared = partner_of(partner)
    parts = [f"{partner_name(partner)}{declared.statuses[body.status]}"]
    if body.case_id:
        parts.append(f"（案件号 {body.case_id}）")
    if body.note:
        parts.append(f"：{body.note.strip()}")
    if body.photos:
        parts.append(f"；附现场照片 {len(body.photos)} 张")
    if body.location and body.location.address:
        parts.append(f"；位置：{body.location.address}")
    return "".join(parts)


def apply_status(session: Session, partner: str, body: StatusIn) -> Outcome:
    """联动反馈: append the partner's status to the ticket; their final status ends our wait."""
    declared = partner_of(partner)
    if body.status not in declared.statuses:
        known = "、".join(declared.statuses)
        raise Invalid(f"未知的联动状态 {body.status}（可选：{known}）", code="unknown_status")
    if _seen(session, partner, body.event_id):
        session.rollback()
        return Outcome(None, applied=False, duplicate=True)
    link = session.exec(
        select(LinkageTransfer).where(
            LinkageTransfer.idempotency_key == body.idempotency_key,
            LinkageTransfer.partner == partner,
            LinkageTransfer.direction == "out",
        )
    ).first()
    if link is None:
        raise NotFound("没有这次转办（idempotency_key 不存在）", code="transfer_not_found")
    ticket = session.get(Ticket, link.ticket_id)
    message = InboundMessage(
        partner=partner, message_id=body.event_id, kind="status", ticket_id=ticket.id, payload=body.model_dump()
    )
    link.status, link.updated_at = body.status, utcnow()
    if body.case_id and not link.partner_case_id:
        link.partner_case_id = body.case_id
    try:
        if ticket.state != TicketState.transferred:
            # Late news about a ticket we no longer wait on: kept with the transfer, not in the history.
            session.add_all([message, link])
            session.commit()
            return Outcome(ticket.number, applied=False)
        actor = partner_actor(partner)
        with step(session, actor, ticket.number, Action.partner_update) as ticket:
            session.add_all([message, link])
            changes: dict = {}
            if body.status in declared.result_statuses and body.note:
                changes["latest_reply"] = body.note.strip()
            final = body.status == declared.final_status
            if final and not declared.emergency:
                changes |= {"state": TicketState.callback_pending, "callback_due_at": callback_due(utcnow())}
            record(session, ticket, actor, Action.partner_update, changes, _status_note(partner, body))
            if final and declared.emergency:
                close_ticket(session, ticket, actor, f"{partner} 已结案，工单办结")
    except IntegrityError:
        # The same callback raced itself in from two connections: the other one won.
        session.rollback()
        return Outcome(ticket.number, applied=False, duplicate=True)
    return Outcome(ticket.number, applied=True)


def receive_transfer(session: Session, partner: str, body: TransferIn) -> Outcome:
    """联动转入: a non-police matter from 110 (or a case from 数字城管) becomes a ticket in the dispatch queue."""
    declared = partner_of(partner)
    if declared.channel is None:
        raise Invalid(f"{declared.name}不向热线转入案件", code="partner_sends_no_cases")
    try:
        RequestType(body.request_type)
    except ValueError:
        raise Invalid(f"未知的诉求类型 {body.request_type}", code="bad_request_type") from None
    earlier = _seen(session, partner, body.idempotency_key)
    if earlier is not None:
        number = session.get(Ticket, earlier.ticket_id).number
        session.rollback()
        return Outcome(number, applied=False, duplicate=True)
    actor = partner_actor(partner)
    try:
        caller = caller_for(session, body.caller_phone, body.caller_name) if body.caller_phone else None
        now = utcnow()
        ticket = Ticket(
            number=next_ticket_number(session, now),
            channel=declared.channel,
            request_type=body.request_type,
            district=body.district,
            address=body.address,
            urgency=Urgency(body.urgency),
            summary=body.summary.strip(),
            description=body.description.strip(),
            caller_id=caller.id if caller else None,
            created_at=now,
        )
        session.add(ticket)
        session.flush()
        note = f"{partner_name(partner)}转来" + (f"（案件号 {body.case_id}）" if body.case_id else "")
        note += f"：{body.note.strip()}" if body.note and body.note.strip() else ""
        record(session, ticket, actor, Action.partner_intake, {"state": TicketState.received}, note)
        session.add(
            LinkageTransfer(
                partner=partner,
                direction="in",
                ticket_id=ticket.id,
                idempotency_key=f"{partner}:{body.idempotency_key}"[:64],
                partner_case_id=body.case_id,
                status="received",
            )
        )
        session.add(
            InboundMessage(
                partner=partner,
                message_id=body.idempotency_key,
                kind="transfer",
                ticket_id=ticket.id,
                payload=body.model_dump(),
            )
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        earlier = _seen(session, partner, body.idempotency_key)
        if earlier is None:
            raise
        return Outcome(session.get(Ticket, earlier.ticket_id).number, applied=False, duplicate=True)
    except BaseException:
        session.rollback()
        raise
    return Outcome(ticket.number, applied=True)


def transfers_of(session: Session, ticket_id: int) -> list[LinkageTransfer]:
    return list(
        session.exec(
            select(LinkageTransfer).where(LinkageTransfer.ticket_id == ticket_id).order_by(LinkageTransfer.id)
        ).all()
    )
