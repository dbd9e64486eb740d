"""Figures for the supervisor's wallboard and the analytics: queue, agents, service level of a day."""

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from hotline.db import utcnow
from hotline.localtime import to_centre
from hotline.tickets.models import Ticket
from routing.acd.models import AGENT_STATE_NAMES, AgentPresence, AgentState, CallState, QueuedCall
from routing.acd.settings import get_acd_settings


class Wallboard(BaseModel):
    queue_length: int
    longest_wait_seconds: float
    agents: dict[str, int]
    agent_state_names: dict[str, str]
    offered: int
    answered: int
    answered_in_time: int
    service_level: float | None
    service_level_seconds: float
    abandoned: int
    missed_not_called_back: int
    average_wait_seconds: float | None
    average_handle_seconds: float | None
    tickets_filed: int


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = to_centre(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def wallboard(session: Session, now: datetime | None = None) -> Wallboard:
    now = now or utcnow()
    start, end = day_bounds(now)
    limit = get_acd_settings().service_level_seconds
    waiting = session.exec(
        select(QueuedCall.enqueued_at).where(QueuedCall.state.in_([CallState.waiting, CallState.offered]))
    ).all()
    agents = dict(session.exec(select(AgentPresence.state, func.count()).group_by(AgentPresence.state)).all())
    today = list(session.exec(select(QueuedCall).where(QueuedCall.enqueued_at >= start, QueuedCall.enqueued_at < end)))
    answered = [c for c in today if c.answered_at is not None]
    abandoned = [c for c in today if c.state == CallState.abandoned]
    in_time = [c for c in answered if c.wait_seconds is not None and c.wait_seconds <= limit]
    # Service level: answered in time out of the calls that finished waiting (answered or abandoned).
    finished = len(answered) + len(abandoned)
    handled = [(c.ended_at - c.answered_at).total_seconds() for c in answered if c.ended_at]
    waits = [c.wait_seconds for c in answered + abandoned if c.wait_seconds is not None]
    tickets = session.exec(
        select(func.count()).select_from(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    ).one()
    return Wallboard(
        queue_length=len(waiting),
        longest_wait_seconds=max(((now - t).total_seconds() for t in waiting), default=0.0),
        agents={state.value: agents.get(state.value, 0) for state in AgentState},
        agent_state_names={state.value: name for state, name in AGENT_STATE_NAMES.items()},
        offered=len(today),
        answered=len(answered),
        answered_in_time=len(in_time),
        service_level=round(len(in_time) / finished, 4) if finished else None,
        service_level_seconds=limit,
        abandoned=len(abandoned),
        missed_not_called_back=sum(1 for c in abandoned if c.called_back_at is None),
        average_wait_seconds=round(sum(waits) / len(waits), 1) if waits else None,
        average_handle_seconds=round(sum(handled) / len(handled), 1) if handled else None,
        tickets_filed=tickets,
    )
