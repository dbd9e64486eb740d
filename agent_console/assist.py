"""What the console suggests while the caller speaks: topic / department / request type / urgency
(`routing.suggest`), similar open tickets to merge with (`routing.repeats`), with the caller's own open
tickets as merge candidates too. A part that is not installed yet says so instead of failing the call.
"""

import dataclasses
import importlib
import logging
from typing import Any

from sqlmodel import Session, select

from hotline.tickets.models import Ticket
from hotline.tickets.queries import outs
from routing.jurisdiction import find_jurisdiction
from routing.urgency import detect_urgency, triage_details

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
    """routing.suggest.suggest(text, address=None) → (the suggestion, or what there is with a note)."""
    suggest = _function("routing.suggest", "suggest")
    if suggest is None:
        return None, "智能分类（routing.suggest）尚未安装"
    if not text.strip():
        return None, "等待更多通话内容"
    try:
        return plain(suggest(text, address=address)), None
    except Exception as exc:  # a missing model or a bad input: the call goes on without the model's part
        log.warning("routing.suggest failed: %s", exc)
        partial = rules_only(text, address)
        note = (
            "分类模型未训练，仅给出紧急程度与属地" if getattr(exc, "code", "") == "classifier_model_missing" else None
        )
        return partial, note or f"智能分类暂不可用：{getattr(exc, 'message', None) or exc}"


def rules_only(text: str, address: str | None) -> dict | None:
    """The parts of a suggestion that need no trained model: urgency cues and the place (属地)."""
    urgency = detect_urgency(f"{address or ''} {text}")
    place = find_jurisdiction(text, address)
    return {
        "urgency": {"label": urgency.level, "confidence": urgency.confidence, "reason": urgency.reason},
        "jurisdiction": {"label": place.unit, "confidence": place.confidence, "reason": place.reason},
        "details": {"urgency_cues": urgency.cues, "triage": triage_details(urgency)},
    }


def similar_open(
    session: Session, text: str, address: str | None, caller_phone: str | None, viewer_role: str, limit: int = 5
) -> tuple[list[dict], str | None]:
    """routing.similar: open tickets about the same matter (并单 candidates), with their summary and state."""
    find = _function("routing.similar", "similar_open_tickets")
    if find is None:
        return [], "相似工单（routing.similar）尚未安装"
    if not text.strip():
        return [], None
    try:
        matches = find(session, text, address=address, caller_phone=caller_phone, limit=limit)
    except Exception as exc:
        log.warning("routing.similar failed: %s", exc)
        return [], f"相似工单暂不可用：{exc}"
    numbers = [m.number for m in matches]
    tickets = {t.number: t for t in session.exec(select(Ticket).where(Ticket.number.in_(numbers)))} if numbers else {}
    found = []
    views = outs(session, [tickets[n] for n in numbers if n in tickets], viewer_role)
    for match, out in zip(matches, views, strict=False):
        found.append(
            {
                **out.model_dump(mode="json"),
                "score": match.score,
                "why": "、".join(match.reasons) or f"相似度 {round(match.score * 100)}%",
                "mergeable": out.state in MERGEABLE_INTO,
            }
        )
    return found, None


def caller_open_tickets(session: Session, caller_id: int | None, viewer_role: str) -> list[dict]:
    """The caller's own open tickets: the first place a repeat request (并单) comes from."""
    if caller_id is None:
        return []
    tickets = session.exec(
        select(Ticket)
        .where(Ticket.caller_id == caller_id, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.created_at.desc())
        .limit(5)
    ).all()
    return [
        {**t.model_dump(mode="json"), "mergeable": t.state in MERGEABLE_INTO, "why": "同一来电人的未办结工单"}
        for t in outs(session, list(tickets), viewer_role)
    ]
