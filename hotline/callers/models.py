from datetime import datetime

from sqlalchemy import Column, event
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from hotline.tickets.grams import last4


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough for the caller to recognise, not enough to read out."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * len(phone)


class Caller(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(index=True, unique=True, max_length=20, description="stored in full, shown masked")
    phone_last4: str | None = Field(default=None, index=True, max_length=4, description="尾号, for the desk search")
    name: str | None = Field(default=None, max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Call(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(index=True, unique=True, max_length=64, description="the PBX's call id or UUID")
    channel: str = Field(default="phone", max_length=16)
    direction: str = Field(default="inbound", max_length=16)
    caller_id: int | None = Field(default=None, foreign_key="caller.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    legs: str = Field(default="caller,agent", max_length=64, description="legs with audio, comma separated")
    recording_ref: str | None = Field(default=None, max_length=255)


class TranscriptSegment(SQLModel, table=True):
    """One final result of one leg: the transcript of a call is its segments ordered by start time."""

    __tablename__ = "transcript_segment"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    leg: str = Field(max_length=16)
    start: float = Field(description="seconds from the start of the leg")
    end: float
    text: str
    confidence: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


@event.listens_for(Caller, "before_insert")
@event.listens_for(Caller, "before_update")
def _fill_last4(_mapper, _connection, caller: Caller) -> None:
    caller.phone_last4 = last4(caller.phone)
