"""The ACD hears the speech path's legs on the bus: a caller leg's `call.leg_started` puts the call in the queue,
its `call.leg_ended` is the hang-up (the queue entry ended, the call record closed). Only the caller leg counts:
the agent leg exists once an agent has the call.

`follow_legs` runs on every app worker with the other background jobs (`hotline/app.py`). With Redis every worker
hears every leg, from its own speech path or from a speech node, and handles it: the steps are idempotent in the
database (a call already queued is left as it is, an ended call stays ended, two workers ending it at once retry
and find it ended), so no lease is needed and no leg is lost while one worker is alive. Each worker handles a
call's legs in the order the bus numbered them, so the hang-up never overtakes its own queueing; different calls
go on at once. A call the PBX already queued over HTTP is left as it is. Problems are one warning line each.
"""

import asyncio
import contextlib
import logging

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from hotline.callers.service import end_call
from hotline.db import get_engine
from hotline.errors import Conflict, DomainError, NotFound
from hotline.events.bus import Event, EventBus, SubscriptionOverflow, get_bus
from routing.acd.models import QueuedCall
from routing.acd.service import enqueue, hangup

log = logging.getLogger(__name__)
CALLER_LEG = "caller"
LEG_EVENTS = frozenset({"call.leg_started", "call.leg_ended"})
BUS_RECHECK_SECONDS = 1.0
HANGUP_ATTEMPTS = 3  # a hang-up that meets another worker's (or an agent's) change of the same call reads it again


def _arrived(call_id: str, caller_phone: str | None) -> None:
    with Session(get_engine()) as session:
        if session.exec(select(QueuedCall.id).where(QueuedCall.call_external_id == call_id)).first() is not None:
            return
        try:
            enqueue(session, call_id, caller_phone)
        except IntegrityError:  # queued by another worker at the same moment
            session.rollback()
        except Conflict as exc:
            if exc.code != "call_already_queued":  # (the same race, seen after the call record was committed)
                raise


def _ended(call_id: str) -> None:
    """The caller hung up: the call's queue entry ended and the call record closed (`ended_at`)."""
    with Session(get_engine()) as session:
        for attempt in range(HANGUP_ATTEMPTS):
            try:
                hangup(session, call_id)
                break
            except NotFound:  # queued elsewhere, or never: the call record is closed all the same
                break
            except Conflict:
                if attempt == HANGUP_ATTEMPTS - 1:
                    raise
                session.expire_all()
        end_call(session, call_id)


def _handle(event: Event) -> None:
    payload = event.payload
    if event.type == "call.leg_started":
        _arrived(payload["call_id"], payload.get("caller_phone"))
    else:
        _ended(payload["call_id"])


async def _handle_after(event: Event, previous: asyncio.Task | None) -> None:
    if previous is not None:  # this call's earlier leg event first
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await previous
    try:
        await asyncio.to_thread(_handle, event)
    except (DomainError, OSError, SQLAlchemyError) as exc:  # one line with the call id, not a traceback
        doing = "queued" if event.type == "call.leg_started" else "ended"
        log.warning("call %s could not be %s: %s", event.payload.get("call_id"), doing, exc)
    except Exception:  # a bug: its traceback, and the next legs still go on
        log.exception("call %s: the ACD could not handle %s", event.payload.get("call_id"), event.type)


def _is_caller_leg(event: Event) -> bool:
    return event.type in LEG_EVENTS and event.payload.get("leg") == CALLER_LEG


async def follow_legs(bus: EventBus | None = None) -> None:
    """Handle the caller legs heard on the bus until cancelled (a background job of every app worker).

    Without `bus`, the process's bus, followed if it is replaced (`set_bus`, as tests do between servers)."""
    latest: dict[str, asyncio.Task] = {}  # call id -> the task handling its last leg event
    try:
        while True:
            current = bus or get_bus()
            subscription = current.subscribe(maxsize=10_000, accept=_is_caller_leg)
            try:
                while bus is not None or get_bus() is current:
                    try:
                        event = await asyncio.wait_for(subscription.get(), BUS_RECHECK_SECONDS)
                    except TimeoutError:
                        continue
                    call_id = event.payload["call_id"]
                    task = asyncio.create_task(_handle_after(event, latest.get(call_id)))
                    latest[call_id] = task
                    task.add_done_callback(lambda done, key=call_id: _forget(latest, key, done))
            except SubscriptionOverflow:  # far behind (a stalled database): the legs missed meanwhile are lost
                log.error("the ACD fell behind the speech path's leg events; listening again")
            finally:
                subscription.close()
    finally:
        for task in list(latest.values()):
            task.cancel()


def _forget(latest: dict[str, asyncio.Task], call_id: str, done: asyncio.Task) -> None:
    if latest.get(call_id) is done:
        del latest[call_id]
