"""Replay protection: each signed request's nonce may be used once inside the replay window."""

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hotline.db import utcnow
from hotline.errors import Unauthorized
from routing.linkage.models import SeenNonce


def remember_nonce(session: Session, partner: str, nonce: str, window_seconds: int) -> None:
    """Store the nonce, or refuse the request if it was seen; forget nonces too old to be replayed anyway."""
    now = utcnow()
    session.execute(delete(SeenNonce).where(SeenNonce.seen_at < now - timedelta(seconds=2 * window_seconds)))
    session.add(SeenNonce(partner=partner, nonce=nonce[:64], seen_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Unauthorized("重复的请求（nonce 已使用），已拒绝", code="replayed") from None
