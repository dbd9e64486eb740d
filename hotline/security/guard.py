"""The first thing every HTTP request meets (pure ASGI, before routing, login or body parsing):

- a body limit enforced while reading: a declared Content-Length over the limit is refused at once (413) and a body
  that grows past it while streaming stops there, so no route buffers or spools more than it may take;
- routes that take large bodies (reply attachments, recordings) need a valid login token before a byte is read;
- NUL characters in the path, query or a JSON / form body are refused (422): PostgreSQL text cannot hold them;
- security headers on every answer (CSP, X-Frame-Options, nosniff, Referrer-Policy).
"""

import re
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.errors import DomainError, error_response
from hotline.settings import get_settings

# Pages load only their own scripts and styles; the API docs page (Swagger UI, served by the app: fastapi-offline)
# needs its inline start-up script and styles, and nothing from another host.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; object-src 'none'"
)
HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
_NUL_QUERY = re.compile(rb"%00|\x00")
_NUL_JSON = re.compile(rb"\\u0000|\x00")
MiB = 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from inside `receive`; FastAPI passes HTTPExceptions through its body parsing untouched."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求内容过大：上限 {limit / MiB:g} MB")


def body_rule(path: str) -> tuple[int, bool]:
    """(largest body in bytes, login needed before reading it) for a path."""
    settings = get_settings()
    if path.startswith("/api/tickets/") and path.endswith("/reply"):
        from hotline.tickets.attachments import MAX_FILES

        return MAX_FILES * settings.max_attachment_bytes + MiB, True
    if path.startswith("/api/recordings/"):
        from asr.settings import get_asr_settings

        return get_asr_settings().max_upload_bytes + MiB, True
    return settings.max_body_bytes, False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _token_ok(scope: Scope) -> bool:
    from hotline.auth.tokens import read_token

    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        read_token(token.strip())
    except DomainError:
        return False
    return True


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    """Refuse before routing, in the format the path's clients expect (an Open311 client gets Open311's errors)."""
    response = error_response(Request(scope, receive), status, code, message)
    if status == 413:
        response.headers["connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)


def _with_headers(scope: Scope, send: Send) -> Callable[[Message], Awaitable[None]]:
    csp = DOCS_CSP if scope["path"] == "/docs" else CSP

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {key.lower() for key, _ in message.get("headers", ())}
            extra = [(k, v) for k, v in HEADERS if k not in names]
            if b"content-security-policy" not in names:
                extra.append((b"content-security-policy", csp.encode()))
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return send_with_headers


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and _NUL_QUERY.search(scope.get("query_string", b"")):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        send = _with_headers(scope, send)
        if "\x00" in scope["path"] or _NUL_QUERY.search(scope.get("query_string", b"")):
            await _answer(scope, receive, send, 422, "nul_character", "输入含有不允许的空字符（NUL）")
            return
        limit, login_first = body_rule(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and not declared.strip().isdigit():
            await _answer(scope, receive, send, 400, "bad_content_length", "Content-Length 格式错误")
            return
        if login_first and scope["method"] not in ("GET", "HEAD") and not _token_ok(scope):
            await _answer(scope, receive, send, 401, "not_logged_in", "请先登录（上传前需要有效的登录令牌）")
            return
        if declared is not None and int(declared) > limit:
            await _answer(scope, receive, send, 413, "body_too_large", f"请求内容过大：上限 {limit / MiB:g} MB")
            return
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if content_type in ("application/json", "application/x-www-form-urlencoded") or content_type.endswith("+json"):
            await self._small_body(scope, receive, send, limit, content_type)
            return
        await self.app(scope, _capped(receive, limit), send)

    async def _small_body(self, scope: Scope, receive: Receive, send: Send, limit: int, content_type: str) -> None:
        """JSON and form bodies are small: read them whole (within the limit), check them, hand them on."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _answer(scope, receive, send, 413, "body_too_large", f"请求内容过大：上限 {limit / MiB:g} MB")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        nul = _NUL_JSON if content_type != "application/x-www-form-urlencoded" else _NUL_QUERY
        if nul.search(body):
            await _answer(scope, receive, send, 422, "nul_character", "输入含有不允许的空字符（NUL）")
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _capped(receive: Receive, limit: int) -> Receive:
    received = 0

    async def capped() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise BodyTooLarge(limit)
        return message

    return capped
