"""A live feed of events for pages: `POST /api/events/ticket`, then WebSocket `/api/events/ws?ticket=…`.

Each message is the event as JSON. A liaison receives only the events of tickets with their department.
The login token never goes in the URL (URLs reach access logs): the page trades it for a single-use ticket.
The feed looks at the account again every `events_recheck_seconds`: deactivated or its login session ended (退出登录,
idle) → closed 4401, a new role or
department → closed 4409 (the page reconnects and gets the feed its account now allows).
"""

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import BaseModel
from sqlmodel import Session

from hotline.auth import sessions
from hotline.auth.deps import CurrentUser, bearer_token
from hotline.auth.models import Role, User
from hotline.auth.tokens import read_token
from hotline.db import get_engine
from hotline.events import tickets
from hotline.events.bus import Event, SubscriptionOverflow, get_bus
from hotline.events.types import for_pages, schemas
from hotline.settings import get_settings

router = APIRouter(tags=["事件 events"])

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_SLOW = 4408
CLOSE_ACCOUNT_CHANGED = 4409


class FeedTicket(BaseModel):
    ticket: str
    expires_in: int


@router.post("/api/events/ticket", summary="事件推送的一次性连接票据（30 秒内使用一次）")
def feed_ticket(user: CurrentUser, token: Annotated[str, Depends(bearer_token)]) -> FeedTicket:
    return FeedTicket(ticket=tickets.issue(user.id, read_token(token).session_id), expires_in=tickets.TICKET_SECONDS)


def _account(user_id: int, session_id: str) -> tuple[str, int | None] | None:
    """(role, department) of an active account whose login session is still live, else None."""
    with Session(get_engine()) as session:
        user = session.get(User, user_id)
        if user is None or not user.active or not sessions.live(session, {session_id}):
            return None
        return user.role, user.department_id


def _filter_for(role: str, department_id: int | None):
    if role != Role.liaison:
        return _for_pages

    def accept(event: Event) -> bool:
        return _for_pages(event) and department_id in event.payload.get("department_ids", ())

    return accept


def _for_pages(event: Event) -> bool:
    return for_pages(event.type)  # the speech path's legs carry the caller's full number: never to a browser


@router.get("/api/events/types", summary="事件类型及其载荷字段（JSON Schema）")
def event_types(user: CurrentUser) -> dict[str, dict]:
    """Every event type the bus carries, with the JSON schema of its payload (`hotline/events/types.py`)."""
    return schemas()


@router.websocket("/api/events/ws")
async def events_feed(websocket: WebSocket, ticket: str = "") -> None:
    holder = tickets.redeem(ticket)
    account = await asyncio.to_thread(_account, *holder) if holder is not None else None
    # Accept, then close with a code: a browser cannot read the HTTP status of a refused handshake.
    await websocket.accept()
    if account is None:
        await websocket.close(code=CLOSE_UNAUTHORIZED, reason="invalid_ticket" if holder is None else "user_inactive")
        return
    role, department_id = account
    subscription = get_bus().subscribe(maxsize=500, accept=_filter_for(role, department_id))
    # Notice a client that goes away even while no events flow, and an account that changes under the feed.
    receiver = asyncio.create_task(_drain(websocket))
    watcher = asyncio.create_task(_watch_account(*holder, account))
    try:
        while not receiver.done() and not watcher.done():
            getter = asyncio.create_task(subscription.get())
            done, _ = await asyncio.wait({getter, receiver, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await websocket.send_text(getter.result().to_json())
        if watcher.done():
            code, reason = watcher.result()
            await websocket.close(code=code, reason=reason)
    except SubscriptionOverflow:
        await websocket.close(code=CLOSE_TOO_SLOW, reason="too_slow")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        subscription.close()
        for task in (receiver, watcher):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _watch_account(user_id: int, session_id: str, opened_as: tuple[str, int | None]) -> tuple[int, str]:
    """Returns (close code, reason) once the account is deactivated, its login session has ended, or it is no longer
    the one the feed was opened for."""
    while True:
        await asyncio.sleep(get_settings().events_recheck_seconds)
        try:
            now = await asyncio.to_thread(_account, user_id, session_id)
        except Exception:  # the database is away: keep the feed, look again next time
            continue
        if now is None:
            return CLOSE_UNAUTHORIZED, "user_inactive"
        if now != opened_as:
            return CLOSE_ACCOUNT_CHANGED, "account_changed"


async def _drain(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await websocket.receive_text()
