"""Valid payloads for tests that publish on the bus themselves, made through the declared models
(`hotline/events/types.py`): the bus refuses a payload its type does not declare."""

from hotline.events.types import TicketChanged, TranscriptFinal, TranscriptPartial


def ticket(number: str = "2611220001", action: str = "intake", **fields: object) -> dict:
    """A `ticket.<action>` payload."""
    base = {"ticket_id": 1, "number": number, "action": action, "action_name": action, "from_state": None,
            "state": "received", "department_id": None, "department_ids": [], "actor": "测试", "actor_role": "agent",
            "at": "2026-11-22T08:30:00+00:00"}  # fmt: skip
    return TicketChanged.model_validate(base | fields).model_dump()


def transcript(call_id: str, text: str = "", start: float = 0.0, final: bool = True, **fields: object) -> dict:
    """A `call.transcript.final` (or `.partial`) payload."""
    base = {"call_id": call_id, "leg": "caller", "text": text, "start": start, "end": start + 2.0, "confidence": None}
    if final:
        return TranscriptFinal.model_validate({"words": []} | base | fields).model_dump()
    return TranscriptPartial.model_validate(base | fields).model_dump()
