"""ACD steps. Each is one transaction; rows are claimed with an optimistic version so that two workers
never offer one call twice or give one agent two calls.

Rules:
- the longest-idle ready agent with the needed skill is offered the call (idle = ready since);
- an offer not accepted within `no_answer_seconds` goes back to the queue at its old place, and the agent
  who did not answer is set to not ready (示忙) so that the next caller does not ring into an empty seat;
- after a call the agent is in wrap-up (话后整理) for `wrap_up_seconds`, then ready again;
- a caller who hangs up before being answered is an abandoned call, kept on the missed-call list until called back.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.callers.models import mask_phone
from hotline.callers.service import ensure_call
from hotline.db import claim_row, transaction, utcnow
from hotline.errors import Conflict, Invalid, NotFound
from hotline.events import Event, publish_after_commit
from routing.acd.models import (
    AGENT_STATE_NAMES,
    CALLBACK_OUTCOMES,
    FINAL_OUTCOMES,
    AgentPresence,
    AgentState,
    CallbackAttempt,
    CallState,
    QueuedCall,
)
from routing.acd.settings import get_acd_settings

log = logging.getLogger(__name__)
MANUAL_STATES = {AgentState.ready, AgentState.not_ready, AgentState.offline}
MAX_SKILLS_LENGTH = 200


def _skills_column(skills: list[str]) -> str:
    """Stored as ",方言,英语," so that one LIKE finds a skill without matching part of another."""
    cleaned = sorted({s.strip() for s in skills if s.strip()})
    if any("," in s or len(s) > 32 for s in cleaned):
        raise Invalid("技能名称不能含逗号，且不超过 32 个字", code="bad_skill")
    text = f",{','.join(cleaned)}," if cleaned else ""
    if len(text) > MAX_SKILLS_LENGTH:
        raise Invalid("技能太多", code="bad_skill")
    return text


def skills_of(presence: AgentPresence) -> list[str]:
    return [s for s in presence.skills.split(",") if s]


def presence_of(session: Session, user_id: int) -> AgentPresence:
    presence = session.get(AgentPresence, user_id)
    if presence is None:
        presence = AgentPresence(user_id=user_id, state=AgentState.offline)
        session.add(presence)
        session.flush()
    return presence


def _publish(session: Session, kind: str, payload: dict) -> None:
    publish_after_commit(session, Event(f"acd.{kind}", payload))


def _agent_changed(session: Session, presence: AgentPresence, reason: str | None = None) -> None:
    """`reason`: why the system changed the state (no_answer: 未接听自动示忙), so the console can say so."""
    _publish(
        session,
        "agent_state",
        {
            "user_id": presence.user_id,
            "state": presence.state,
            "state_name": AGENT_STATE_NAMES[AgentState(presence.state)],
            "queued_call_id": presence.queued_call_id,
            "reason": reason,
        },
    )


def _call_changed(session: Session, call: QueuedCall, reason: str | None = None) -> None:
    _publish(
        session,
        "call",
        {
            "queued_call_id": call.id,
            "call_id": call.call_external_id,
            "state": call.state,
            "offered_to": call.offered_to,
            "answered_by": call.answered_by,
            "caller_phone": mask_phone(call.caller_phone),  # events reach browsers: never the full number
            "skill": call.skill,
            "reason": reason,
        },
    )


def _set(presence: AgentPresence, state: AgentState, now: datetime, **changes: object) -> None:
    presence.state = state
    presence.state_since = now
    for name, value in changes.items():
        setattr(presence, name, value)


def _lock(session: Session, row: AgentPresence | QueuedCall) -> None:
    model = type(row)
    key = row.user_id if isinstance(row, AgentPresence) else row.id
    if not claim_row(session, model, key, row.version):
        raise Conflict("状态刚被其他操作改变，请重试", code="stale_acd_state")
    session.expire(row, ["version"])


def set_state(session: Session, actor: Actor, state: AgentState, skills: list[str] | None = None) -> AgentPresence:
    """示闲 / 示忙 / 离线 from the console. Leaving a ringing offer puts the call back in the queue."""
    if state not in MANUAL_STATES:
        raise Invalid(f"只能手动切换为示闲、示忙或离线，不能切换为{AGENT_STATE_NAMES[state]}", code="bad_agent_state")
    now = utcnow()
    with transaction(session):
        presence = presence_of(session, actor.id)
        if presence.state == AgentState.on_call:
            raise Conflict("通话中不能切换状态，请先结束通话", code="agent_on_call")
        _lock(session, presence)
        if presence.state == AgentState.ringing and presence.queued_call_id:
            _return_offer(session, presence.queued_call_id, now)
        changes: dict = {"queued_call_id": None, "wrap_up_until": None}
        if state == AgentState.ready:
            changes["ready_since"] = now
        if skills is not None:
            changes["skills"] = _skills_column(skills)
        _set(presence, state, now, **changes)
        _agent_changed(session, presence)
    session.refresh(presence)
    distribute(session)
    return presence


def _return_offer(session: Session, queued_call_id: int, now: datetime, reason: str | None = None) -> None:
    call = session.get(QueuedCall, queued_call_id)
    if call is not None and call.state == CallState.offered:
        _lock(session, call)
        call.state = CallState.waiting
        call.offered_to = None
        call.offered_at = None
        session.add(call)
        _call_changed(session, call, reason)


def enqueue(session: Session, call_id: str, caller_phone: str | None = None, skill: str | None = None) -> QueuedCall:
    """A call from the PBX enters the queue (and the calls table); then the ACD looks for an agent."""
    if skill is not None and (not skill.strip() or len(skill) > 32 or "," in skill):
        raise Invalid("技能名称不正确", code="bad_skill")
    ensure_call(session, call_id, caller_phone=caller_phone)
    if session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).first():
        raise Conflict(f"通话 {call_id} 已在队列中", code="call_already_queued")
    call = QueuedCall(call_external_id=call_id, caller_phone=caller_phone, skill=skill.strip() if skill else None)
    session.add(call)
    session.flush()
    _call_changed(session, call)
    session.commit()
    session.refresh(call)
    distribute(session)
    session.refresh(call)
    return call


def _longest_idle_agent(session: Session, skill: str | None) -> AgentPresence | None:
    query = select(AgentPresence).where(AgentPresence.state == AgentState.ready)
    if skill:
        query = query.where(AgentPresence.skills.contains(f",{skill},"))
    return session.exec(query.order_by(AgentPresence.ready_since, AgentPresence.user_id).limit(1)).first()


def distribute(session: Session) -> list[tuple[int, int]]:
    """Offer waiting calls, oldest first, each to the longest-idle ready agent with the skill it needs.

    Returns the offers made as (queued_call_id, user_id). A call no ready agent can take waits; a younger
    call needing another skill may still be offered meanwhile.
    """
    offers = []
    waiting = session.exec(
        select(QueuedCall.id)
        .where(QueuedCall.state == CallState.waiting)
        .order_by(QueuedCall.enqueued_at, QueuedCall.id)
    ).all()
    for queued_call_id in waiting:
        call = session.get(QueuedCall, queued_call_id)
        session.refresh(call)
        agent = _longest_idle_agent(session, call.skill)
        if call.state != CallState.waiting or agent is None:
            session.rollback()
            continue
        now = utcnow()
        try:
            _lock(session, call)
            _lock(session, agent)
        except Conflict:
            session.rollback()  # another worker got there first; the next tick tries again
            continue
        call.state = CallState.offered
        call.offered_to = agent.user_id
        call.offered_at = now
        call.offer_count += 1
        _set(agent, AgentState.ringing, now, queued_call_id=call.id)
        session.add_all([call, agent])
        _call_changed(session, call)
        _agent_changed(session, agent)
        session.commit()
        offers.append((call.id, agent.user_id))
    return offers


def _call_for(session: Session, queued_call_id: int) -> QueuedCall:
    call = session.get(QueuedCall, queued_call_id)
    if call is None:
        raise NotFound(f"队列中没有编号为 {queued_call_id} 的来电", code="queued_call_not_found")
    return call


def accept(session: Session, actor: Actor, queued_call_id: int) -> QueuedCall:
    """The agent answers the ringing call (one key on the console)."""
    now = utcnow()
    with transaction(session):
        call = _call_for(session, queued_call_id)
        if call.state != CallState.offered or call.offered_to != actor.id:
            raise Conflict("这通来电没有分配给您，或已被接听/已挂断", code="not_offered_to_you")
        presence = presence_of(session, actor.id)
        _lock(session, call)
        _lock(session, presence)
        call.state = CallState.answered
        call.answered_by = actor.id
        call.answered_at = now
        call.wait_seconds = (now - call.enqueued_at).total_seconds()
        _set(presence, AgentState.on_call, now)
        linked = ensure_call(session, call.call_external_id)
        linked.answered_at, linked.agent_id = now, actor.id
        session.add_all([call, presence, linked])
        _call_changed(session, call)
        _agent_changed(session, presence)
    session.refresh(call)
    return call


def hangup(session: Session, call_id: str) -> QueuedCall:
    """The call ends: before an answer it is abandoned (放弃); after, the agent goes to wrap-up."""
    now = utcnow()
    with transaction(session):
        call = session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).first()
        if call is None:
            raise NotFound(f"队列中没有通话 {call_id}", code="queued_call_not_found")
        if call.state in (CallState.ended, CallState.abandoned):
            return call
        _lock(session, call)
        holder = call.offered_to if call.state == CallState.offered else call.answered_by
        if call.state in (CallState.waiting, CallState.offered):
            call.state = CallState.abandoned
            call.wait_seconds = (now - call.enqueued_at).total_seconds()
        else:
            call.state = CallState.ended
        call.ended_at = now
        if holder is not None:
            presence = presence_of(session, holder)
            _lock(session, presence)
            if call.state == CallState.abandoned:  # it was ringing: the seat is free again
                _set(presence, AgentState.ready, now, queued_call_id=None, ready_since=presence.ready_since or now)
            else:
                wrap = timedelta(seconds=get_acd_settings().wrap_up_seconds)
                _set(presence, AgentState.wrap_up, now, wrap_up_until=now + wrap)
            session.add(presence)
            _agent_changed(session, presence)
        session.add(call)
        _call_changed(session, call)
    session.refresh(call)
    _log_end(call)
    distribute(session)
    return call


def _log_end(call: QueuedCall) -> None:
    """One INFO line per call that ends: a hang-up is the normal end of a call, not an error."""
    if call.state == CallState.abandoned:
        log.info("call %s abandoned after %.0f s in the queue", call.call_external_id, call.wait_seconds or 0)
    else:
        talked = (call.ended_at - call.answered_at).total_seconds() if call.answered_at and call.ended_at else 0
        log.info("call %s ended: answered by agent %s, %.0f s", call.call_external_id, call.answered_by, talked)


@dataclass
class TickResult:
    rolled_over: list[int] = field(default_factory=list)
    wrapped_up: list[int] = field(default_factory=list)
    offers: list[tuple[int, int]] = field(default_factory=list)


def tick(session: Session, now: datetime | None = None) -> TickResult:
    """Time passes: unanswered offers move on, wrap-up ends, then waiting calls are offered."""
    now = now or utcnow()
    settings = get_acd_settings()
    result = TickResult()
    deadline = now - timedelta(seconds=settings.no_answer_seconds)
    stale_offers = session.exec(
        select(QueuedCall).where(QueuedCall.state == CallState.offered, QueuedCall.offered_at <= deadline)
    ).all()
    for call in stale_offers:
        try:
            presence = presence_of(session, call.offered_to)
            _lock(session, presence)
            _return_offer(session, call.id, now, "no_answer")
            _set(presence, AgentState.not_ready, now, queued_call_id=None)  # 未接听自动示忙
            _agent_changed(session, presence, "no_answer")
            session.commit()
            result.rolled_over.append(call.id)
        except Conflict:
            session.rollback()
    finished = session.exec(
        select(AgentPresence).where(AgentPresence.state == AgentState.wrap_up, AgentPresence.wrap_up_until <= now)
    ).all()
    for presence in finished:
        try:
            _lock(session, presence)
            _set(presence, AgentState.ready, now, queued_call_id=None, wrap_up_until=None, ready_since=now)
            _agent_changed(session, presence)
            session.commit()
            result.wrapped_up.append(presence.user_id)
        except Conflict:
            session.rollback()
    result.offers = distribute(session)
    return result


def missed_calls(session: Session, include_called_back: bool = False) -> list[QueuedCall]:
    query = select(QueuedCall).where(QueuedCall.state == CallState.abandoned)
    if not include_called_back:
        query = query.where(QueuedCall.called_back_at.is_(None))
    return list(session.exec(query.order_by(QueuedCall.enqueued_at)))


def _missed_call(session: Session, queued_call_id: int) -> QueuedCall:
    """The abandoned call still waiting to be returned, or the reason it is not."""
    call = _call_for(session, queued_call_id)
    if call.state != CallState.abandoned:
        raise Conflict("只有放弃的来电需要回拨", code="not_missed")
    if call.called_back_at is not None:
        raise Conflict("这通来电已经回拨过", code="already_called_back")
    return call


def mark_called_back(session: Session, actor: Actor, queued_call_id: int) -> QueuedCall:
    """An abandoned call has been returned (回拨): it leaves the missed-call list."""
    call = _missed_call(session, queued_call_id)
    with transaction(session):
        _lock(session, call)
        call.called_back_at, call.called_back_by = utcnow(), actor.id
        session.add(call)
        _call_changed(session, call)
    session.refresh(call)
    return call


def record_callback(
    session: Session, actor: Actor, queued_call_id: int, outcome: str, note: str | None = None
) -> QueuedCall:
    """回拨: one try at returning a missed call, with its outcome. 已接通 or 空号 takes the call off the missed list;
    无人接听 / 占线 leave it there for another try (the attempts are kept: `callback_attempt`)."""
    if outcome not in CALLBACK_OUTCOMES:
        raise Invalid(f"未知的回拨结果 {outcome}（可选：{'、'.join(CALLBACK_OUTCOMES)}）", code="bad_outcome")
    call = _missed_call(session, queued_call_id)
    with transaction(session):
        _lock(session, call)
        now = utcnow()
        session.add(CallbackAttempt(queued_call_id=call.id, at=now, by_user_id=actor.id, outcome=outcome, note=note))
        if outcome in FINAL_OUTCOMES:
            call.called_back_at, call.called_back_by = now, actor.id
        session.add(call)
        _call_changed(session, call)
    session.refresh(call)
    return call


def attempts_of(session: Session, call_ids: list[int]) -> dict[int, list[CallbackAttempt]]:
    rows = session.exec(
        select(CallbackAttempt).where(CallbackAttempt.queued_call_id.in_(call_ids)).order_by(CallbackAttempt.id)
    )
    found: dict[int, list[CallbackAttempt]] = {}
    for row in rows:
        found.setdefault(row.queued_call_id, []).append(row)
    return found


def active_calls(session: Session) -> list[QueuedCall]:
    query = select(QueuedCall).where(or_(QueuedCall.state == CallState.waiting, QueuedCall.state == CallState.offered))
    return list(session.exec(query.order_by(QueuedCall.enqueued_at)))
