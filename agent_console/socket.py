"""WebSocket `/api/console/ws`: hello with token (and the last seq seen), then events, heartbeats, pongs."""

import asyncio
import contextlib
import json

from fastapi import WebSocket, WebSocketDisconnect
from sqlmodel import Session

from agent_console.hub import CONSOLE_ROLES, Client, Hub
from agent_console.protocol import (
    CLOSE_BAD_MESSAGE,
    CLOSE_FORBIDDEN,
    CLOSE_REASONS,
    CLOSE_UNAUTHORIZED,
    message,
)
from hotline.auth.deps import user_from_token
from hotline.auth.tokens import read_token
from hotline.db import get_engine
from hotline.errors import DomainError


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _user(token: str) -> tuple[int, str, str]:
    """(user id, role, login session) of a good token."""
    with Session(get_engine()) as session:
        user = user_from_token(session, token)
        return user.id, user.role, read_token(token).session_id


async def _hello(websocket: WebSocket, timeout: float) -> tuple[int, str, str, int | None]:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), timeout)
    except TimeoutError:
        raise Refused(CLOSE_UNAUTHORIZED, "hello_timeout") from None
    try:
        hello = json.loads(raw)
        assert isinstance(hello, dict) and hello.get("type") == "hello"
        token = hello.get("token")
        since = hello.get("since")
        assert isinstance(token, str) and (since is None or (isinstance(since, int) and since >= 0))
    except (ValueError, AssertionError):
        raise Refused(CLOSE_BAD_MESSAGE, "hello_expected") from None
    try:
        user_id, role, session_id = await asyncio.to_thread(_user, token)
    except DomainError as exc:
        raise Refused(CLOSE_UNAUTHORIZED, exc.code) from None
    if role not in CONSOLE_ROLES:
        raise Refused(CLOSE_FORBIDDEN, "role_not_allowed")
    return user_id, role, session_id, since


async def serve(websocket: WebSocket, hub: Hub) -> None:
    # Accept first, then close with a code: a browser cannot read the HTTP status of a refused handshake.
    await websocket.accept()
    try:
        user_id, role, session_id, since = await _hello(websocket, hub.settings.auth_timeout_seconds)
    except Refused as refused:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.close(code=refused.code, reason=refused.reason)
        return
    except (WebSocketDisconnect, RuntimeError):
        return
    client = (await hub.join(user_id, role, since, session_id)).client
    tasks = [
        asyncio.create_task(_send(websocket, client)),
        asyncio.create_task(_receive(websocket, client)),
        asyncio.create_task(client.dropped.wait()),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.leave(client)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if client.drop_code is not None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await asyncio.wait_for(websocket.close(code=client.drop_code, reason=CLOSE_REASONS[client.drop_code]), 2)


async def _send(websocket: WebSocket, client: Client) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            await websocket.send_text(await client.outbox.get())


async def _receive(websocket: WebSocket, client: Client) -> None:
    """Pings are answered through the outbox (in order with the events); anything else is a protocol error."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            raw = await websocket.receive_text()
            try:
                body = json.loads(raw)
                kind = body.get("type")
            except (ValueError, AttributeError):
                client.drop(CLOSE_BAD_MESSAGE)
                return
            if kind == "ping":
                client.put(message("pong", None, {"id": body.get("id")}))
