"""One ASGI middleware: a request id for every request (kept from the balancer's `X-Request-ID` header, else
made here, and sent back), the call id a PBX may send (`X-Call-ID`), and the request metrics."""

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.ops import logs, metrics


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")[:128]
    return None


def _route(scope: Scope) -> str:
    # The route's template (/api/tickets/{number}), never the raw path: one label value per route, not per ticket.
    route = scope.get("route")
    return getattr(route, "path", "unmatched")


class OpsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = _header(scope, b"x-request-id") or uuid.uuid4().hex
        request_token = logs.request_id.set(rid)
        call_token = logs.call_id.set(_header(scope, b"x-call-id"))
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send, rid)
            else:
                await self._websocket(scope, receive, send)
        finally:
            logs.request_id.reset(request_token)
            logs.call_id.reset(call_token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, rid: str) -> None:
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _route(scope)
            metrics.REQUESTS.labels(method=scope["method"], route=route, status=str(status)).inc()
            metrics.LATENCY.labels(method=scope["method"], route=route).observe(time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        gauge = None

        async def sending(message: Message) -> None:
            nonlocal gauge
            if message["type"] == "websocket.accept" and gauge is None:
                gauge = metrics.WEBSOCKETS.labels(route=_route(scope))
                gauge.inc()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if gauge is not None:
                gauge.dec()
