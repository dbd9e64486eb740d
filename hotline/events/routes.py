"""A live feed of events for pages: WebSocket `/api/events/ws?token=…`.

Each message is the event as JSON. A liaison receives only the events of tickets with their department.
"""

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlmodel import Session

from hotline.auth.deps import user_from_token
from hotline.auth.models import Role
from hotline.db import get_engine
from hotline.errors import DomainError
from hotline.events.bus import Event, SubscriptionOverflow, get_bus

router = APIRouter(tags=["事件 events"])

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_SLOW = 4408


def _filter_for(role: str, department_id: int | None):
    if role != Role.liaison:
        return None

    def accept(event: Event) -> bool:
        return department_id in event.payload.get("department_ids", ())

    return accept


@router.websocket("/api/events/ws")
async def events_feed(websocket: WebSocket, token: str = "") -> None:
    try:
        with Session(get_engine()) as session:
            user = user_from_token(session, token)
            role, department_id = user.role, user.department_id
    except DomainError as exc:
        # Accept, then close with a code: a browser cannot read the HTTP status of a refused handshake.
        await websocket.accept()
        await websocket.close(code=CLOSE_UNAUTHORIZED, reason=exc.code)
        return
    await websocket.accept()
    subscription = get_bus().subscribe(maxsize=500, accept=_filter_for(role, department_id))
    # Notice a client that goes away even while no events flow.
    receiver = asyncio.create_task(_drain(websocket))
    try:
        while not receiver.done():
            getter = asyncio.create_task(subscription.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await websocket.send_text(getter.result().to_json())
    except SubscriptionOverflow:
        await websocket.close(code=CLOSE_TOO_SLOW, reason="too_slow")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        subscription.close()
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


async def _drain(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.receive_text()
