"""The console bench's reference: the same events from the same Redis channel to the same consoles, with nothing
but a queue and a sender per socket in between (no hub, no ring, no visibility rules, no auth).

`hotline bench console` measures it in the same run as the real console and reports the ratio of the two tails:
the machine's load moves both, a slower console path moves only the first.
Run as `python -m uvicorn agent_console.bench_reference:app --port P` with `HOTLINE_REDIS_URL` set.
"""

import asyncio
import contextlib
import json
import os
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from hotline.events.bus import channel_name

sockets: dict[int, asyncio.Queue] = {}  # user id -> that console's outbox


def _route(raw: bytes) -> None:
    event = json.loads(raw)
    call_id = str(event.get("payload", {}).get("call_id") or "")
    if call_id.startswith("bench-call-"):  # a call's events (its agent's call, its transcript) go to its agent
        outbox = sockets.get(int(call_id.removeprefix("bench-call-")))
        if outbox is not None:
            outbox.put_nowait(raw.decode())
        return
    text = raw.decode()
    for outbox in sockets.values():
        outbox.put_nowait(text)


async def _listen() -> None:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(os.environ["HOTLINE_REDIS_URL"])
    async with client.pubsub() as pubsub:
        await pubsub.subscribe(channel_name())
        async for message in pubsub.listen():
            if message.get("type") == "message":
                _route(message["data"])


async def console(websocket: WebSocket) -> None:
    user_id = int(websocket.query_params["user"])
    await websocket.accept()
    await websocket.receive_text()  # the hello
    await websocket.send_text(json.dumps({"type": "welcome", "seq": 0, "payload": {}}))
    outbox: asyncio.Queue = asyncio.Queue()
    sockets[user_id] = outbox

    async def send() -> None:
        while True:
            await websocket.send_text(await outbox.get())

    sender = asyncio.create_task(send())
    try:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:  # until the console goes
                await websocket.receive_text()
    finally:
        sockets.pop(user_id, None)
        sender.cancel()


@asynccontextmanager
async def lifespan(_: Starlette):
    listener = asyncio.create_task(_listen())
    yield
    listener.cancel()


app = Starlette(routes=[WebSocketRoute("/ws", console)], lifespan=lifespan)
