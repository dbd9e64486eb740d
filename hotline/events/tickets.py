"""Short-lived, single-use tickets for opening the event feed (`POST /api/events/ticket`).

A browser cannot set headers on a WebSocket, so the feed's credential rides in the URL, and URLs end up in access
logs and proxies. A login token there would be a 12-hour key in every log line; a ticket is good for one socket
within `TICKET_SECONDS` and is worthless once used. With Redis the tickets are shared by every worker (GETDEL makes
the single use atomic); without it, or while it is down, they live in this process.
"""

import hashlib
import logging
import secrets
import threading
import time

from hotline.events.bus import redis_key

log = logging.getLogger(__name__)
TICKET_SECONDS = 30

_local: dict[str, tuple[str, float]] = {}  # digest -> ("user id:login session", expires at)
_lock = threading.Lock()


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()  # the store never holds a usable ticket


def _redis():
    from hotline.settings import get_settings

    url = get_settings().redis_url
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def issue(user_id: int, session_id: str) -> str:
    """A ticket for this user's login session: the feed it opens closes when that session ends."""
    ticket = secrets.token_urlsafe(32)
    holder = f"{user_id}:{session_id}"
    digest = _digest(ticket)
    client = _redis()
    if client is not None:
        try:
            client.set(redis_key(f"ws-ticket:{digest}"), holder, ex=TICKET_SECONDS)
            return ticket
        except Exception as exc:  # Redis down: this worker still admits its own pages
            log.warning("WebSocket ticket kept in process, Redis unavailable: %s", exc)
        finally:
            client.close()
    now = time.monotonic()
    with _lock:
        for key in [k for k, (_, until) in _local.items() if until < now]:
            del _local[key]
        _local[digest] = (holder, now + TICKET_SECONDS)
    return ticket


def redeem(ticket: str) -> tuple[int, str] | None:
    """(user, login session) the ticket was issued to, once; None for an unknown, used or expired ticket."""
    if not ticket:
        return None
    digest = _digest(ticket)
    with _lock:
        held = _local.pop(digest, None)
    if held is not None:
        return _holder(held[0]) if held[1] >= time.monotonic() else None
    client = _redis()
    if client is None:
        return None
    try:
        value = client.getdel(redis_key(f"ws-ticket:{digest}"))
    except Exception as exc:
        log.warning("WebSocket ticket not checked, Redis unavailable: %s", exc)
        return None
    finally:
        client.close()
    return _holder(value.decode()) if value is not None else None


def _holder(value: str) -> tuple[int, str]:
    user_id, _, session_id = value.partition(":")
    return int(user_id), session_id
