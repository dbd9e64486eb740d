"""The outbox worker: deliver pending messages to the partners, with retries, backoff and a dead letter.

Claiming is safe with several workers: candidate rows are read (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
then each is taken with a conditional UPDATE on its version, so two workers never both hold a row. A claim
is a lease: a worker that dies mid-delivery leaves the row to be retried by anyone once the lease ends. The
partner may then see the same transfer twice; its idempotency key makes the second one harmless.
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, update
from sqlmodel import Session, select

from hotline.db import get_engine, utcnow
from hotline.errors import Conflict, NotFound
from hotline.tickets.models import Ticket
from hotline.tickets.states import Action, TicketState
from hotline.tickets.steps import record, step
from routing.linkage.models import LinkageTransfer, OutboxMessage
from routing.linkage.settings import LinkageSettings, get_linkage_settings, partner_name
from routing.linkage.signing import sign_headers

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)


def lease(settings: LinkageSettings) -> timedelta:
    # Never shorter than one HTTP attempt, or a slow answer would let a second worker send it again.
    return timedelta(seconds=max(settings.linkage_lease_seconds, settings.linkage_timeout_seconds + 1))


def claim_due(session: Session, now: datetime, settings: LinkageSettings, limit: int = 20) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query).all())
    table = OutboxMessage.__table__
    claimed = []
    for row in rows:
        taken = session.execute(
            update(table)
            .where(table.c.id == row.id, table.c.version == row.version)
            .values(version=row.version + 1, claimed_until=now + lease(settings))
        )
        if taken.rowcount == 1:
            claimed.append(row.id)
    session.commit()
    return [session.get(OutboxMessage, i) for i in claimed]


def backoff(settings: LinkageSettings, attempts: int) -> timedelta:
    seconds = settings.linkage_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.linkage_backoff_max_seconds))


def _send(message: OutboxMessage, settings: LinkageSettings, client: httpx.Client) -> dict:
    """POST the signed message; the partner's acknowledgement, or an exception saying why not."""
    base = settings.url(message.partner)
    if not base:
        raise RuntimeError("联动地址未配置")
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = sign_headers(settings.key(message.partner), "POST", message.path, body)
    answer = client.post(base + message.path, content=body, headers=headers, timeout=settings.linkage_timeout_seconds)
    if answer.status_code // 100 != 2:
        raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:200]}")
    ack = answer.json()
    if not isinstance(ack, dict) or ack.get("ack") is not True:
        raise RuntimeError(f"对方未确认：{answer.text[:200]}")
    return ack


def _acknowledged(session: Session, message: OutboxMessage, ack: dict) -> None:
    """Mark delivered; the first acknowledgement of a transfer also goes into the ticket's history."""
    now = utcnow()
    table = OutboxMessage.__table__
    session.execute(
        update(table)
        .where(table.c.id == message.id)
        .values(state="delivered", delivered_at=now, claimed_until=None, last_error=None)
    )
    case_id = str(ack.get("case_id") or "")[:64] or None
    links = LinkageTransfer.__table__
    first = session.execute(
        update(links)
        .where(links.c.id == message.transfer_id, links.c.partner_case_id.is_(None))
        .values(partner_case_id=case_id, updated_at=now)
    ).rowcount
    session.execute(
        update(links)
        .where(links.c.id == message.transfer_id, links.c.status == "pending")
        .values(status="acknowledged")
    )
    session.commit()
    if not (first and case_id):
        return
    link = session.get(LinkageTransfer, message.transfer_id)
    ticket = session.get(Ticket, link.ticket_id)
    if ticket.state != TicketState.transferred:
        return  # the partner's own callbacks got here first; nothing to add
    from routing.linkage.service import partner_actor

    actor = partner_actor(message.partner)
    try:
        with step(session, actor, ticket.number, Action.partner_update) as ticket:
            note = f"{partner_name(message.partner)}已签收转办，对方案件号 {case_id}"
            record(session, ticket, actor, Action.partner_update, {}, note)
    except (Conflict, NotFound):
        log.info("ack of %s not recorded in history: ticket moved on", message.id)


def _failed(session: Session, message: OutboxMessage, error: str, settings: LinkageSettings) -> bool:
    """Count the failure; True when the message went to the dead letter list (and its ticket to 转办失败)."""
    attempts = message.attempts + 1
    dead = attempts >= settings.linkage_max_attempts
    table = OutboxMessage.__table__
    count = (
        update(table)
        .where(table.c.id == message.id)
        .values(
            attempts=attempts,
            state="dead" if dead else "pending",
            next_attempt_at=utcnow() + backoff(settings, attempts),
            claimed_until=None,
            last_error=error[:1000],
        )
    )
    if dead:
        from routing.linkage.service import transfer_gave_up

        # The dead letter and the ticket's 转办失败 commit together: a ticket never waits on a message nobody sends.
        if transfer_gave_up(session, message, count, f"{attempts} 次投递失败：{error[:200]}"):
            return True
    session.execute(count)
    session.commit()
    return dead


def deliver_due(session: Session, settings: LinkageSettings | None = None) -> DeliveryResult:
    settings = settings or get_linkage_settings()
    result = DeliveryResult()
    with httpx.Client() as client:
        for message in claim_due(session, utcnow(), settings):
            try:
                ack = _send(message, settings, client)
            except Exception as exc:  # any failure is the same to the sender: retry later
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("linkage delivery %s to %s failed: %s", message.id, message.partner, reason)
                (result.dead if _failed(session, message, reason, settings) else result.failed).append(message.id)
                continue
            _acknowledged(session, message, ack)
            result.delivered.append(message.id)
    return result


def deliver_once() -> DeliveryResult:
    with Session(get_engine()) as session:
        return deliver_due(session)


async def run_outbox(poll_seconds: float) -> None:
    """The app's delivery loop: deliver what is due, sleep, repeat; a failed round is logged and retried."""
    while True:
        try:
            await asyncio.to_thread(deliver_once)
        except Exception:
            log.exception("linkage outbox round failed")
        await asyncio.sleep(poll_seconds)


def dead_letters(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.state == "dead").order_by(OutboxMessage.id)))


def retry_dead_letter(session: Session, message_id: int) -> OutboxMessage:
    """A supervisor sends a dead letter again; a ticket left in 转办失败 by it waits on the partner again."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"没有编号为 {message_id} 的联动消息", code="outbox_not_found")
    if message.state != "dead":
        raise Conflict("只有投递失败（死信）的消息才能重新投递", code="not_dead_letter")
    from routing.linkage.service import SYSTEM, retry_transfer

    link = session.get(LinkageTransfer, message.transfer_id)
    ticket = session.get(Ticket, link.ticket_id)
    if ticket.state == TicketState.transfer_failed:
        retry_transfer(session, SYSTEM, ticket.number)
    else:
        requeue(session, message)
        session.commit()
    session.refresh(message)
    return message


def requeue(session: Session, message: OutboxMessage) -> None:
    """Back to pending, due now, with a fresh count of attempts (the caller commits)."""
    message.state, message.attempts, message.next_attempt_at = "pending", 0, utcnow()
    message.claimed_until, message.version = None, message.version + 1
    session.add(message)
