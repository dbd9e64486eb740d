from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class AgentState(StrEnum):
    offline = "offline"  # 离线
    ready = "ready"  # 示闲
    not_ready = "not_ready"  # 示忙
    ringing = "ringing"  # 振铃
    on_call = "on_call"  # 通话中
    wrap_up = "wrap_up"  # 话后整理


AGENT_STATE_NAMES = {
    AgentState.offline: "离线",
    AgentState.ready: "示闲",
    AgentState.not_ready: "示忙",
    AgentState.ringing: "振铃",
    AgentState.on_call: "通话中",
    AgentState.wrap_up: "话后整理",
}


class CallState(StrEnum):
    waiting = "waiting"  # 排队中
    offered = "offered"  # 振铃中
    answered = "answered"  # 已接通
    ended = "ended"  # 已结束
    abandoned = "abandoned"  # 放弃（未接通挂机）


def _when(nullable: bool = True):
    return Field(default=None, sa_column=Column(UTCDateTime, nullable=nullable))


class AgentPresence(SQLModel, table=True):
    """An agent's seat: the ACD's truth about who may be offered a call."""

    __tablename__ = "agent_presence"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    state: str = Field(default=AgentState.offline, max_length=16, index=True)
    skills: str = Field(default="", max_length=200, description="comma separated, e.g. 方言,英语")
    state_since: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    ready_since: datetime | None = _when()
    queued_call_id: int | None = Field(default=None, description="the call offered to or handled by the agent")
    wrap_up_until: datetime | None = _when()
    version: int = 1


class QueuedCall(SQLModel, table=True):
    """One inbound call's way through the queue; kept after the call for the service-level figures."""

    __tablename__ = "queued_call"

    id: int | None = Field(default=None, primary_key=True)
    call_external_id: str = Field(max_length=64, index=True, unique=True)
    caller_phone: str | None = Field(default=None, max_length=20)
    skill: str | None = Field(default=None, max_length=32, description="the skill the call needs, if any")
    state: str = Field(default=CallState.waiting, max_length=16, index=True)
    enqueued_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    offered_to: int | None = Field(default=None, foreign_key="user.id")
    offered_at: datetime | None = _when()
    offer_count: int = 0
    answered_by: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime | None = _when()
    ended_at: datetime | None = _when()
    wait_seconds: float | None = Field(default=None, description="from queueing to answer or abandon")
    called_back_at: datetime | None = _when()
    called_back_by: int | None = Field(default=None, foreign_key="user.id")
    version: int = 1


CALLBACK_OUTCOMES = {"reached": "已接通", "no_answer": "无人接听", "busy": "占线", "invalid": "空号/错号"}
# Outcomes after which the missed call leaves the list: the caller was reached, or can never be.
FINAL_OUTCOMES = frozenset({"reached", "invalid"})


class CallbackAttempt(SQLModel, table=True):
    """One try at returning a missed call (回拨), with what came of it; a call may need several."""

    __tablename__ = "callback_attempt"

    id: int | None = Field(default=None, primary_key=True)
    queued_call_id: int = Field(foreign_key="queued_call.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    by_user_id: int | None = Field(default=None, foreign_key="user.id")
    outcome: str = Field(max_length=16, description="reached / no_answer / busy / invalid")
    note: str | None = Field(default=None, max_length=500)
