"""`Idempotency-Key` on creates (ticket intake, Open311 POST): the first request with a key makes the ticket, a retry
with the same key and body gets that same ticket back, the same key with another body is refused.

The key is claimed (inserted) before the work, so two concurrent retries cannot both create: the loser sees the claim
and answers 409 until the first finishes. A failed create releases its claim so the client may try again.
"""

import hashlib
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hotline.errors import Conflict, Invalid
from hotline.security.models import IdempotencyKey
from hotline.tickets.models import Ticket

MAX_KEY = 100


def digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _existing(session: Session, scope: str, key: str, body_digest: str) -> Ticket | None:
    found = session.get(IdempotencyKey, (scope, key))
    if found is None:
        return None
    if found.body_digest != body_digest:
        raise Invalid("这个 Idempotency-Key 已用于另一份内容，请换一个", code="idempotency_key_reused")
    if found.ticket_id is None:
        raise Conflict("同一个 Idempotency-Key 的请求正在处理，请稍后重试", code="idempotency_in_progress")
    return session.get(Ticket, found.ticket_id)


def once(
    session: Session, scope: str, key: str | None, body_digest: str, create: Callable[[], Ticket]
) -> tuple[Ticket, bool]:
    """(ticket, replayed): `create()` runs at most once per (scope, key)."""
    if key is None:
        return create(), False
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Invalid(f"Idempotency-Key 应为 1–{MAX_KEY} 个可见字符", code="bad_idempotency_key")
    if (ticket := _existing(session, scope, key, body_digest)) is not None:
        return ticket, True
    session.add(IdempotencyKey(scope=scope, key=key, body_digest=body_digest))
    try:
        session.commit()
    except IntegrityError:  # a concurrent request claimed it first
        session.rollback()
        if (ticket := _existing(session, scope, key, body_digest)) is not None:
            return ticket, True
        raise Conflict("同一个 Idempotency-Key 的请求正在处理，请稍后重试", code="idempotency_in_progress") from None
    try:
        ticket = create()
    except BaseException:
        session.rollback()
        claim = session.get(IdempotencyKey, (scope, key))
        if claim is not None:
            session.delete(claim)
            session.commit()
        raise
    claim = session.get(IdempotencyKey, (scope, key))
    claim.ticket_id = ticket.id
    session.add(claim)
    session.commit()
    return ticket, False
