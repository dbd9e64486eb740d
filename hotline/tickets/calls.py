"""The call a ticket was taken on (通话记录): both legs of its transcript with times, and its recording, by role.

Inside the centre everyone sees it. A liaison of the ticket's department sees the transcript with spoken phone
numbers masked, and hears the recording; for a 保密 ticket neither leaves the centre (the voice and the words are
the caller's identity).
"""

from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field
from sqlmodel import Session

from hotline.auth.actor import Actor
from hotline.callers.models import Call, Caller
from hotline.callers.service import transcript
from hotline.errors import NotFound
from hotline.settings import get_settings
from hotline.tickets.privacy import HIDDEN_NOTE, inside_centre, mask_numbers, shown_caller
from hotline.tickets.queries import visible_ticket

LEG_NAMES = {"caller": "来电人", "agent": "话务员"}
AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4"}


class CallLine(BaseModel):
    leg: str
    leg_name: str
    start: float = Field(description="seconds from the start of the call")
    end: float
    at: datetime | None = Field(description="the moment it was said (the call's start + start)")
    text: str


class TicketCall(BaseModel):
    call_id: str
    caller_phone: str | None = Field(description="masked; none when withheld (保密)")
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    withheld: bool = Field(description="保密工单：转写与录音仅限热线中心")
    note: str | None
    transcript: list[CallLine]
    recording_url: str | None = Field(description="GET it with the same sign-in; none when there is no recording")


def recordings_dir() -> Path:
    return get_settings().var_dir / "recordings"


def recording_path(call: Call) -> Path | None:
    """The call's recording file, when the PBX left one under var/recordings (recording_ref is a file name)."""
    if not call.recording_ref:
        return None
    folder = recordings_dir().resolve()
    path = (folder / call.recording_ref).resolve()
    if folder not in path.parents or path.suffix.lower() not in AUDIO_TYPES or not path.is_file():
        return None
    return path


def _call_of(session: Session, actor: Actor, number: str) -> tuple[object, Call]:
    ticket = visible_ticket(session, actor, number)
    call = session.get(Call, ticket.call_id) if ticket.call_id else None
    if call is None:
        raise NotFound("这张工单不是由来电受理的，没有通话记录", code="no_call")
    return ticket, call


def ticket_call(session: Session, actor: Actor, number: str) -> TicketCall:
    ticket, call = _call_of(session, actor, number)
    caller = session.get(Caller, call.caller_id) if call.caller_id else None
    shown = shown_caller(ticket.confidential, caller.phone if caller else None, None, None, actor.role)
    base = call.answered_at or call.started_at
    withheld = shown.hidden
    lines = []
    if not withheld:
        for segment in transcript(session, call):
            text = segment.text if inside_centre(actor.role) else mask_numbers(segment.text)
            at = base + timedelta(seconds=segment.start) if base else None
            lines.append(
                CallLine(
                    leg=segment.leg,
                    leg_name=LEG_NAMES.get(segment.leg, segment.leg),
                    start=segment.start,
                    end=segment.end,
                    at=at,
                    text=text,
                )
            )
    has_recording = not withheld and recording_path(call) is not None
    return TicketCall(
        call_id=call.external_id,
        caller_phone=shown.phone,
        started_at=call.started_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        withheld=withheld,
        note=HIDDEN_NOTE if withheld else (None if lines else "这通电话没有转写"),
        transcript=lines,
        recording_url=f"/api/tickets/{ticket.number}/recording" if has_recording else None,
    )


def ticket_recording(session: Session, actor: Actor, number: str) -> tuple[Path, str]:
    ticket, call = _call_of(session, actor, number)
    path = recording_path(call)
    if path is None or shown_caller(ticket.confidential, None, None, None, actor.role).hidden:
        raise NotFound("这通电话没有可播放的录音", code="recording_not_found")
    return path, AUDIO_TYPES[path.suffix.lower()]
