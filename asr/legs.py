"""The speech path tells the bus when a leg's media starts and ends: `call.leg_started` (with the caller's number
when the PBX gave one) and `call.leg_ended`. What a leg means for the call is not the speech path's business: the
ACD (`routing/acd/legs.py`) hears these events on every app worker and queues the call on its caller leg and ends
it on that leg's hang-up, so a speech node needs no import of the ACD and no part of its work.

Publishing never stops the media (the transcript of a call matters more than its place in the queue): a failure is
one warning line. The bus publishes from a worker thread, so a slow Redis does not hold up the audio loop.
"""

import asyncio
import logging

from hotline.events import Event, get_bus

log = logging.getLogger(__name__)


async def _publish(kind: str, payload: dict) -> None:
    try:
        await asyncio.to_thread(get_bus().publish, Event(kind, payload))
    except Exception as exc:  # the bus holds events while Redis is down; anything else: one line, the media goes on
        log.warning("call %s: could not publish %s: %s", payload["call_id"], kind, exc)


async def leg_started(call_id: str, leg: str, caller_phone: str | None = None) -> None:
    await _publish("call.leg_started", {"call_id": call_id, "leg": leg, "caller_phone": caller_phone})


async def leg_ended(call_id: str, leg: str) -> None:
    await _publish("call.leg_ended", {"call_id": call_id, "leg": leg})
