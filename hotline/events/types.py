"""Every event on the bus, declared once: its type name, its payload's fields, and what it means.

`EVENT_TYPES` maps each type name to the pydantic model of its payload. The bus checks every event against it when
it is published (`check`), so a payload with a missing, extra or mistyped field raises `EventPayloadError` at the
line that made it instead of reaching pages that would misread it. The wire format stays the plain JSON object the
model validates; `docs/console.md` lists these types (`markdown()` writes that list, and a test keeps them equal),
and `GET /api/events/types` serves their JSON schemas.

Models marked `for_pages = False` are between processes only (the ACD hears the speech path's legs): the console
hub and `/api/events/ws` never hand them to a browser (a leg carries the caller's full number).
"""

import types
import typing
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from hotline.tickets.states import Action


class EventPayloadError(ValueError):
    """A published event whose type is not declared here or whose payload does not match its model."""


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    for_pages: ClassVar[bool] = True  # False: between processes only, never sent to a browser


class TicketChanged(EventPayload):
    """A ticket took a step (`tickets/steps.record`): one type per `Action`, `ticket.<action>`."""

    ticket_id: int
    number: str
    action: str
    action_name: str
    from_state: str | None
    state: str
    department_id: int | None
    department_ids: list[int]  # both ends of a (re)dispatch: a liaison's feed is filtered on it
    actor: str
    actor_role: str
    at: str


class ArticleChanged(EventPayload):
    """A knowledge article was created, updated, published or expired (`knowledge.<action>`)."""

    article_id: int
    version: int
    status: str


class QueuedCallChanged(EventPayload):
    """A call in the ACD queue changed: waiting, offered, answered, abandoned or ended (`routing/acd`)."""

    queued_call_id: int
    call_id: str
    state: str
    offered_to: int | None
    answered_by: int | None
    caller_phone: str | None  # masked: this reaches browsers
    skill: str | None
    reason: str | None  # why the system moved it (no_answer)


class AgentStateChanged(EventPayload):
    """An agent's ACD state changed (示闲, 示忙, 离线, 振铃, 通话中, 话后整理)."""

    user_id: int
    state: str
    state_name: str
    queued_call_id: int | None
    reason: str | None  # why the system changed it (no_answer: 未接听自动示忙)


class TranscriptPartial(EventPayload):
    """The utterance so far on one leg of a call (superseded by the next partial or the final)."""

    call_id: str
    leg: str
    text: str
    start: float
    end: float
    confidence: float | None


class Word(BaseModel):
    model_config = ConfigDict(extra="forbid")

    word: str
    start: float
    end: float
    conf: float


class TranscriptFinal(TranscriptPartial):
    """One recognised utterance of one leg of a call, with its words."""

    words: list[Word]


class LegStarted(EventPayload):
    """The speech path began receiving one leg of a call (`asr`); the ACD queues the call on its caller leg."""

    for_pages: ClassVar[bool] = False

    call_id: str
    leg: str
    caller_phone: str | None  # in full, from the PBX: never sent to a browser


class LegEnded(EventPayload):
    """A leg's media ended (`asr`); the caller leg's end is the hang-up: the ACD ends the call and its record."""

    for_pages: ClassVar[bool] = False

    call_id: str
    leg: str


class ConsoleMessage(EventPayload):
    """A supervisor's message to one agent (`to_user_id`) or to all (null)."""

    from_user_id: int
    from_name: str
    to_user_id: int | None
    to_name: str | None
    text: str
    at: str


class RisingIssue(EventPayload):
    """A rising issue (突发, 上升, 新出现) managers are alerted of once (`analytics`)."""

    kind: str
    day: str | None
    label: str
    keywords: list[str]
    places: list[str]
    count: int
    previous: int
    baseline_mean: float
    examples: list[str]


KNOWLEDGE_ACTIONS = ("create", "update", "publish", "expire")

EVENT_TYPES: dict[str, type[EventPayload]] = {
    **{f"ticket.{action.value}": TicketChanged for action in Action},
    **{f"knowledge.{action}": ArticleChanged for action in KNOWLEDGE_ACTIONS},
    "acd.call": QueuedCallChanged,
    "acd.agent_state": AgentStateChanged,
    "call.transcript.partial": TranscriptPartial,
    "call.transcript.final": TranscriptFinal,
    "call.leg_started": LegStarted,
    "call.leg_ended": LegEnded,
    "console.message": ConsoleMessage,
    "analytics.rising": RisingIssue,
}


def model_of(kind: str) -> type[EventPayload]:
    try:
        return EVENT_TYPES[kind]
    except KeyError:
        raise EventPayloadError(f"unknown event type {kind!r}: declare it in hotline/events/types.py") from None


def check(kind: str, payload: dict) -> None:
    """Raise `EventPayloadError` unless `payload` is a valid payload of the event type `kind`."""
    model = model_of(kind)
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(payload)'}: {e['msg']}" for e in exc.errors())
        raise EventPayloadError(f"event {kind!r} does not match {model.__name__}: {problems}") from None


def for_pages(kind: str) -> bool:
    """Whether events of this type may reach a browser (unknown types: yes, as before the registry)."""
    model = EVENT_TYPES.get(kind)
    return model is None or model.for_pages


def schemas() -> dict[str, dict[str, Any]]:
    """Each event type's payload as JSON schema (served at `GET /api/events/types`)."""
    return {kind: model.model_json_schema() for kind, model in EVENT_TYPES.items()}


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_name(a) for a in args)  # no "|": table cells
    if origin is list:
        return f"list[{_type_name(args[0])}]"
    return str(annotation)


def fields_of(model: type[BaseModel]) -> list[tuple[str, str]]:
    """(name, type) of each field, in declaration order."""
    return [(name, _type_name(info.annotation)) for name, info in model.model_fields.items()]


def markdown() -> str:
    """The event list of docs/console.md: one row per payload model, every type it serves, every field."""
    by_model: dict[type[EventPayload], list[str]] = {}
    for kind, model in EVENT_TYPES.items():
        by_model.setdefault(model, []).append(kind)
    lines = ["| types | payload fields | meaning |", "|---|---|---|"]
    for model, kinds in by_model.items():
        names = ", ".join(f"`{k}`" for k in kinds)
        fields = ", ".join(f"`{name}`: {kind}" for name, kind in fields_of(model))
        doc = " ".join((model.__doc__ or "").split())
        if not model.for_pages:
            doc += " Internal: never sent to a browser."
        lines.append(f"| {names} | {fields} | {doc} |")
    words = ", ".join(f"`{name}`: {kind}" for name, kind in fields_of(Word))
    lines += ["", f"`Word` (in `words`): {words}."]
    return "\n".join(lines) + "\n"
