"""A PBX call reaches an agent: the caller leg's media start puts the call in the ACD queue, its end is the hang-up
(the call record is closed and the queue entry ended).

Only the caller leg counts (the agent leg exists once an agent has the call). A call already queued — by the PBX
integration over HTTP, or by another worker — is left as it is. Queueing problems are logged and never stop the
media: the transcript of a call matters more than its place in the queue.
"""

import asyncio
import contextlib
import logging

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from hotline.db import get_engine
from hotline.errors import DomainError, NotFound

log = logging.getLogger(__name__)
CALLER_LEG = "caller"


def _arrived(call_id: str, caller_phone: str | None) -> None:
    from routing.acd.models import QueuedCall
    from routing.acd.service import enqueue

    with Session(get_engine()) as session:
        if session.exec(select(QueuedCall.id).where(QueuedCall.call_external_id == call_id)).first() is None:
            try:
                enqueue(session, call_id, caller_phone)
            except IntegrityError:  # queued by another worker at the same moment
                session.rollback()


def _ended(call_id: str) -> None:
    """The caller hung up: the call record is closed (`ended_at`) and its queue entry ended."""
    from hotline.callers.service import end_call
    from routing.acd.service import hangup

    with Session(get_engine()) as session:
        with contextlib.suppress(NotFound):  # queued elsewhere, or never: the call record is closed all the same
            hangup(session, call_id)
        end_call(session, call_id)


async def caller_leg_started(call_id: str, leg: str, caller_phone: str | None = None) -> None:
    if leg != CALLER_LEG:
        return
    try:
        await asyncio.to_thread(_arrived, call_id, caller_phone)
    except (DomainError, OSError, SQLAlchemyError) as exc:
        log.warning("call %s could not be queued: %s", call_id, exc)


async def caller_leg_ended(call_id: str, leg: str) -> None:
    if leg != CALLER_LEG:
        return
    try:
        await asyncio.to_thread(_ended, call_id)
    except (DomainError, OSError, SQLAlchemyError) as exc:  # one line with the call id, not a traceback
        log.warning("call %s could not be ended: %s", call_id, exc)
