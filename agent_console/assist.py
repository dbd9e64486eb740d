"""What the console suggests while the caller speaks: topic / department / request type / urgency
(`routing.suggest`), similar open tickets to merge with (`routing.repeats`), with the caller's own open
tickets as merge candidates too. A part that is not installed yet says so instead of failing the call.
"""

import dataclasses
import importlib
import inspect
import logging
from typing import Any

from sqlmodel import Session

from hotline.tickets.models import Ticket
from hotline.tickets.queries import outs

log = logging.getLogger(__name__)
OPEN_STATES = ("received", "dispatched", "returned", "in_progress", "replied", "callback_pending", "reopened")
MERGEABLE_INTO = set(OPEN_STATES) - {"callback_pending"}


def plain(value: Any) -> Any:
    """Dataclasses, pydantic models and tuples from other packages as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return plain(value.model_dump())
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def _function(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def suggestion(text: str, address: str | None) -> tuple[dict | None, str | None]:
    """routing.suggest.suggest(text, address=None) → (the suggestion, or None with a note for the agent)."""
    suggest = _function("routing.suggest", "suggest")
    if suggest is None:
        return None, "智能分类（routing.suggest）尚未安装"
    if not text.strip():
        return None, "等待更多通话内容"
    try:
        return plain(suggest(text, address=address)), None
    except Exception as exc:  # a missing model or a bad input: the call goes on without suggestions
        log.warning("routing.suggest failed: %s", exc)
        return None, f"智能分类暂不可用：{getattr(exc, 'message', None) or exc}"


def similar_open(session: Session, text: str, address: str | None, limit: int = 5) -> tuple[list[dict], str | None]:
    """routing.repeats: similar open tickets; an unknown signature or absence leaves the list empty."""
    module = _function("routing.repeats", "similar_open_tickets") or _function("routing.repeats", "similar")
    if module is None:
        return [], "相似工单（routing.repeats）尚未安装"
    if not text.strip():
        return [], None
    try:
        params = inspect.signature(module).parameters
        kwargs = {k: v for k, v in {"address": address, "limit": limit}.items() if k in params}
        found = module(session, text, **kwargs) if "session" in params else module(text, **kwargs)
        return [plain(item) for item in found][:limit], None
    except Exception as exc:
        log.warning("routing.repeats failed: %s", exc)
        return [], f"相似工单暂不可用：{exc}"


def caller_open_tickets(session: Session, caller_id: int | None) -> list[dict]:
    """The caller's own open tickets: the first place a repeat request (并单) comes from."""
    if caller_id is None:
        return []
    from sqlmodel import select

    tickets = session.exec(
        select(Ticket)
        .where(Ticket.caller_id == caller_id, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.created_at.desc())
        .limit(5)
    ).all()
    return [
        {**t.model_dump(mode="json"), "mergeable": t.state in MERGEABLE_INTO, "why": "同一来电人的未办结工单"}
        for t in outs(session, list(tickets))
    ]
