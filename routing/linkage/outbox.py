"""The outbox worker: deliver pending messages to the partners, with retries, backoff and a dead letter.

Claiming is safe with several workers: a candidate row is read (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
then taken with a conditional UPDATE on its version, so two workers never both hold a row. A claim is a lease on
ONE message, taken right before its own send: a round that meets slow partners never leaves the rest of a batch
with leases that ran out while they waited (another worker would send them a second time). A worker that dies
mid-delivery leaves the row to be retried by anyone once the lease ends; the partner's idempotency key makes a
second copy harmless.

Delivered is final: a failure only counts for the claim that made it (its version, still pending), so a worker
whose lease ran out cannot turn a message another worker delivered into a dead letter; a late acknowledgement
turns a dead letter into delivered, and `reconcile` does the same for dead letters whose transfer the partner has
meanwhile acknowledged by callback.
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


def claim_next(session: Session, now: datetime, settings: LinkageSettings) -> OutboxMessage | None:
    """Take one due message with its own lease, or None when nothing is due (or others hold what is)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(5)  # a few candidates: another worker may take the first between our read and our update
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    table = OutboxMessage.__table__
    for row in list(session.exec(query).all()):
        taken = session.execute(
            update(table)
            .where(table.c.id == row.id, table.c.version == row.version, table.c.state == "pending")
            .values(version=row.version + 1, claimed_until=now + lease(settings))
        )
        if taken.rowcount == 1:
            session.commit()
            return session.get(OutboxMessage, row.id)
    session.commit()
    return None


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
    session.execute(  # whoever holds the row now: the partner has it, so it is delivered (even if dead meanwhile)
        update(table)
        .where(table.c.id == message.id, table.c.state != "delivered")
        .values(state="delivered", delivered_at=now, claimed_until=None, last_error=None, version=table.c.version + 1)
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
    """Count the failure of this claim; True when the message went to the dead letter list. A claim that is no
    longer current (delivered by another worker, or claimed again after this lease ran out) changes nothing."""
    attempts = message.attempts + 1
    dead = attempts >= settings.linkage_max_attempts
    table = OutboxMessage.__table__
    count = (
        update(table)
        .where(table.c.id == message.id, table.c.version == message.version, table.c.state == "pending")
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
    counted = session.execute(count).rowcount
    session.commit()
    return dead and counted == 1


def deliver_due(session: Session, settings: LinkageSettings | None = None, limit: int = 20) -> DeliveryResult:
    settings = settings or get_linkage_settings()
    result = DeliveryResult()
    reconcile(session)
    with httpx.Client() as client:
        for _ in range(limit):
            message = claim_next(session, utcnow(), settings)
            if message is None:
                break
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


def reconcile(session: Session) -> list[int]:
    """Dead letters whose transfer the partner has acknowledged after all (a late ack, its own callbacks) are
    delivered: nobody is asked to retry what the partner already has. Returns their ids."""
    links = LinkageTransfer.__table__
    table = OutboxMessage.__table__
    received = select(links.c.id).where(or_(links.c.partner_case_id.is_not(None), links.c.status != "pending"))
    dead = select(OutboxMessage.id).where(OutboxMessage.state == "dead", OutboxMessage.transfer_id.in_(received))
    ids = list(session.exec(dead).all())
    if ids:
        note = "对账：对方已确认收到此转办，按已送达处理"
        session.execute(
            update(table)
            .where(table.c.id.in_(ids), table.c.state == "dead")
            .values(state="delivered", delivered_at=utcnow(), last_error=note, version=table.c.version + 1)
        )
        session.commit()
        log.info("reconciled dead letters already received by the partner: %s", ids)
    return ids


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
