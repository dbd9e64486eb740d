"""The ACD API: agents change state and accept calls; the PBX side queues and ends calls; supervisors watch."""

import logging
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from hotline.auth.deps import CurrentActor, SessionDep, require_roles
from hotline.auth.models import Role
from hotline.callers.models import mask_phone
from hotline.db import get_engine
from routing.acd import service
from routing.acd.models import AGENT_STATE_NAMES, CALLBACK_OUTCOMES, AgentPresence, AgentState, QueuedCall
from routing.acd.stats import Wallboard, wallboard

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/acd", tags=["话务分配 ACD"])
_centre = Depends(require_roles(Role.agent, Role.supervisor))
_watchers = Depends(require_roles(Role.supervisor, Role.manager, Role.admin))
# Queuing and ending calls is the PBX side's job: the media adapters call the service directly; over HTTP a
# supervisor or admin account (or the PBX integration's account) does it.
_pbx = Depends(require_roles(Role.supervisor, Role.admin))


class StateIn(BaseModel):
    state: AgentState = Field(description="ready 示闲 / not_ready 示忙 / offline 离线")
    skills: list[str] | None = Field(default=None, max_length=10, description="e.g. 方言, 企业专席, 英语")


class PresenceOut(BaseModel):
    user_id: int
    state: AgentState
    state_name: str
    skills: list[str]
    state_since: datetime
    ready_since: datetime | None
    queued_call_id: int | None
    wrap_up_until: datetime | None

    @classmethod
    def of(cls, presence: AgentPresence) -> "PresenceOut":
        return cls(
            user_id=presence.user_id,
            state=presence.state,
            state_name=AGENT_STATE_NAMES[AgentState(presence.state)],
            skills=service.skills_of(presence),
            state_since=presence.state_since,
            ready_since=presence.ready_since,
            queued_call_id=presence.queued_call_id,
            wrap_up_until=presence.wrap_up_until,
        )


class EnqueueIn(BaseModel):
    call_id: str = Field(min_length=1, max_length=64, description="the PBX's call id")
    caller_phone: str | None = Field(default=None, max_length=20, pattern=r"^\+?[0-9 ()-]{5,20}$")
    skill: str | None = Field(default=None, max_length=32)


class AttemptOut(BaseModel):
    at: datetime
    outcome: str
    outcome_name: str
    note: str | None


class CallbackIn(BaseModel):
    outcome: Literal["reached", "no_answer", "busy", "invalid"] = Field(
        description="reached 已接通 / no_answer 无人接听 / busy 占线 / invalid 空号或错号"
    )
    note: str | None = Field(default=None, max_length=500)


class QueuedCallOut(BaseModel):
    id: int
    call_id: str
    caller_phone: str | None = Field(description="masked")
    skill: str | None
    state: str
    enqueued_at: datetime
    offered_to: int | None
    answered_by: int | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    called_back_at: datetime | None
    attempts: list["AttemptOut"] = Field(default_factory=list, description="回拨记录（未接来电列表）")

    @classmethod
    def of(cls, call: QueuedCall) -> "QueuedCallOut":
        return cls(
            id=call.id,
            call_id=call.call_external_id,
            caller_phone=mask_phone(call.caller_phone),
            skill=call.skill,
            state=call.state,
            enqueued_at=call.enqueued_at,
            offered_to=call.offered_to,
            answered_by=call.answered_by,
            answered_at=call.answered_at,
            ended_at=call.ended_at,
            wait_seconds=call.wait_seconds,
            called_back_at=call.called_back_at,
        )


@router.get("/me", response_model=PresenceOut, summary="我的座席状态", dependencies=[_centre])
def my_state(session: SessionDep, actor: CurrentActor) -> PresenceOut:
    presence = service.presence_of(session, actor.id)
    session.commit()
    return PresenceOut.of(presence)


@router.post("/me/state", response_model=PresenceOut, summary="示闲 / 示忙 / 离线", dependencies=[_centre])
def change_state(body: StateIn, session: SessionDep, actor: CurrentActor) -> PresenceOut:
    return PresenceOut.of(service.set_state(session, actor, body.state, body.skills))


@router.post("/calls/{queued_call_id}/accept", response_model=QueuedCallOut, summary="接听", dependencies=[_centre])
def accept(queued_call_id: int, session: SessionDep, actor: CurrentActor) -> QueuedCallOut:
    return QueuedCallOut.of(service.accept(session, actor, queued_call_id))


@router.post(
    "/calls", response_model=QueuedCallOut, status_code=201, summary="来电进入队列（PBX）", dependencies=[_pbx]
)
def enqueue(body: EnqueueIn, session: SessionDep) -> QueuedCallOut:
    return QueuedCallOut.of(service.enqueue(session, body.call_id, body.caller_phone, body.skill))


@router.post("/calls/by-id/{call_id}/hangup", response_model=QueuedCallOut, summary="挂机（PBX 或座席）")
def hangup(call_id: str, session: SessionDep, actor: CurrentActor) -> QueuedCallOut:
    return QueuedCallOut.of(service.hangup(session, call_id))


@router.get("/queue", response_model=list[QueuedCallOut], summary="排队中的来电", dependencies=[_watchers])
def queue(session: SessionDep) -> list[QueuedCallOut]:
    return [QueuedCallOut.of(c) for c in service.active_calls(session)]


@router.get("/agents", response_model=list[PresenceOut], summary="座席状态一览", dependencies=[_watchers])
def agents(session: SessionDep) -> list[PresenceOut]:
    return [PresenceOut.of(p) for p in session.exec(select(AgentPresence).order_by(AgentPresence.user_id))]


@router.get("/missed", response_model=list[QueuedCallOut], summary="未接来电（待回拨）", dependencies=[_centre])
def missed(session: SessionDep) -> list[QueuedCallOut]:
    calls = service.missed_calls(session)
    attempts = service.attempts_of(session, [c.id for c in calls])
    return [_with_attempts(QueuedCallOut.of(c), attempts.get(c.id, [])) for c in calls]


def _with_attempts(out: QueuedCallOut, attempts: list) -> QueuedCallOut:
    out.attempts = [
        AttemptOut(at=a.at, outcome=a.outcome, outcome_name=CALLBACK_OUTCOMES[a.outcome], note=a.note) for a in attempts
    ]
    return out


@router.post(
    "/missed/{queued_call_id}/callback",
    response_model=QueuedCallOut,
    summary="回拨并记录结果（已接通 / 空号移出未接列表）",
    dependencies=[_centre],
)
def callback(queued_call_id: int, body: CallbackIn, session: SessionDep, actor: CurrentActor) -> QueuedCallOut:
    call = service.record_callback(session, actor, queued_call_id, body.outcome, body.note)
    return _with_attempts(QueuedCallOut.of(call), service.attempts_of(session, [call.id]).get(call.id, []))


@router.post(
    "/missed/{queued_call_id}/called-back", response_model=QueuedCallOut, summary="已回拨", dependencies=[_centre]
)
def called_back(queued_call_id: int, session: SessionDep, actor: CurrentActor) -> QueuedCallOut:
    return QueuedCallOut.of(service.mark_called_back(session, actor, queued_call_id))


@router.get("/wallboard", response_model=Wallboard, summary="班长看板：排队、座席、服务水平", dependencies=[_watchers])
def board(session: SessionDep) -> Wallboard:
    return wallboard(session)


def tick_once() -> service.TickResult:
    with Session(get_engine()) as session:
        return service.tick(session)
