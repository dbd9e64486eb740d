"""The console WebSocket protocol: message envelopes and close codes (documented in docs/console.md).

Every server message is one JSON object `{"type", "seq", "payload"}`; bus events keep their own type
(`ticket.dispatch`, `call.transcript.final`, …) and the bus's global `seq`.
"""

import json
from typing import Any

from hotline.events.bus import Event

PATH = "/api/console/ws"

CLOSE_BAD_MESSAGE = 4400  # the first message was not a hello, or a message was not JSON
CLOSE_UNAUTHORIZED = 4401  # missing, forged or expired token (or no hello in time)
CLOSE_FORBIDDEN = 4403  # a role the console is not for (liaison, knowledge editor)
CLOSE_TOO_SLOW = 4408  # the console fell too far behind; reconnect and resume
CLOSE_HUB_RESET = 4409  # this worker lost its own place in the event stream; reconnect and resume
CLOSE_ACCOUNT_CHANGED = 4410  # the account's role changed while connected; reconnect for what it may see now

CLOSE_REASONS = {
    CLOSE_BAD_MESSAGE: "bad_message",
    CLOSE_UNAUTHORIZED: "unauthorized",
    CLOSE_FORBIDDEN: "forbidden",
    CLOSE_TOO_SLOW: "too_slow",
    CLOSE_HUB_RESET: "hub_reset",
    CLOSE_ACCOUNT_CHANGED: "account_changed",
}

# Transcript partials are superseded by the next partial or the final: never replayed after a reconnect.
EPHEMERAL_TYPES = frozenset({"call.transcript.partial"})


def message(kind: str, seq: int | None, payload: dict[str, Any]) -> str:
    return json.dumps({"type": kind, "seq": seq, "payload": payload}, ensure_ascii=False, default=str)


def event_message(event: Event) -> str:
    body = {"type": event.type, "seq": event.seq, "payload": event.payload, "id": event.id, "at": event.at}
    return json.dumps(body, ensure_ascii=False, default=str)
