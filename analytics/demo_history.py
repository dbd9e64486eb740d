"""A year of demo history for the analytics: real messages at their real time of day and weekday, moved into
the last twelve months (by whole 52-week steps), each taken through the real lifecycle under `at_time`,
with the real reply at the real handling interval. Likes come from unlabelled.csv; calls for the hotline
indicators are synthesised around the tickets' intake times (the data has no call records).
"""

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session, select

from analytics.models import TicketReaction
from hotline.auth.actor import Actor
from hotline.auth.models import Role, User
from hotline.db import utcnow
from hotline.demo.messages import Message, read_messages, read_topics
from hotline.demo.seed import Places, _district_governments, _streets, about_this_city, draft_for
from hotline.demo.stories import Cast, Fate, Story, plan_old, run_stories
from hotline.directory.models import Department
from hotline.errors import Invalid
from hotline.settings import get_settings
from hotline.tickets.models import Ticket
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from routing.acd.models import CallState, QueuedCall

SEED = 2026
YEAR = timedelta(weeks=52)
ANSWERABLE = {RequestType.consult, RequestType.suggestion, RequestType.praise}


def _cast(session: Session) -> Cast:
    users = list(session.exec(select(User).where(User.active.is_(True))))
    departments = list(session.exec(select(Department)))
    codes = {d.id: d.code for d in departments}
    agents = [Actor.of(u) for u in users if u.role == Role.agent]
    supervisors = [Actor.of(u) for u in users if u.role == Role.supervisor]
    if not agents or not supervisors:
        raise Invalid("请先运行 hotline demo seed：需要演示话务员、班长和联络员账号", code="no_demo_users")
    return Cast(
        agents=agents,
        supervisor=supervisors[0],
        liaisons={codes[u.department_id]: Actor.of(u) for u in users if u.role == Role.liaison and u.department_id},
        department_ids={d.code: d.id for d in departments},
        department_names={d.code: d.name for d in departments},
    )


def _moved(message: Message, start: datetime) -> Message:
    steps = max(0, -(-(start - message.time) // YEAR))  # whole 52-week steps: same weekday, same time of day
    shift = YEAR * steps
    reply_time = message.reply_time + shift if message.reply_time else None
    return replace(message, time=message.time + shift, reply_time=reply_time)


def _fate(message: Message, draft: TicketDraft, rng: random.Random) -> Fate:
    if message.reply and message.reply_time and message.reply_time > message.time + timedelta(hours=2):
        roll = rng.random()
        return Fate.closed if roll < 0.86 else Fate.redone if roll < 0.93 else Fate.callback_pending
    if draft.request_type in ANSWERABLE:
        return Fate.answered if rng.random() < 0.7 else Fate.answered_callback
    return Fate.in_progress


def build_history(session: Session, count: int = 1500, now: datetime | None = None,
                  echo: Callable[[str], None] = print) -> int:  # fmt: skip
    started = time.monotonic()
    now = (now or utcnow()).replace(microsecond=0)
    start = now - YEAR
    data_dir = get_settings().data_dir
    if data_dir is None or not (data_dir / "messages" / "unlabelled.csv").is_file():
        raise Invalid("未找到真实留言数据（HOTLINE_DATA_DIR/messages）", code="no_data")
    cast = _cast(session)
    rng = random.Random(SEED)
    topics = read_topics(data_dir)
    places = Places(_streets(cast), _district_governments(cast))
    likes = _likes(data_dir)
    stories: list[Story] = []
    candidates = [m for m in read_messages(data_dir) if about_this_city(m)]
    rng.shuffle(candidates)
    for original in candidates:
        if len(stories) >= count:
            break
        message = _moved(original, start)
        if not start <= message.time < now - timedelta(days=1) or (message.reply_time and message.reply_time >= now):
            continue
        draft, department = draft_for(message, topics, places)
        fate = _fate(message, draft, rng)
        if fate not in (Fate.answered, Fate.answered_callback) and department not in cast.liaisons:
            continue
        story = Story(len(stories), message, draft, department, fate, cast.agents[len(stories) % len(cast.agents)])
        plan_old(story, cast, rng)
        stories.append(story)
    echo(f"一年演示历史：{len(stories)} 张工单，按真实留言时间走完流转……")
    run_stories(session, stories)
    _reactions_and_calls(session, stories, likes, rng)
    echo(f"完成，用时 {time.monotonic() - started:.1f} 秒。")
    return len(stories)


def _likes(data_dir) -> dict[str, tuple[int, int]]:
    import csv

    with (data_dir / "messages" / "unlabelled.csv").open(encoding="utf-8", newline="") as fh:
        return {row["id"]: (int(row["likes"] or 0), int(row["dislikes"] or 0)) for row in csv.DictReader(fh)}


def _reactions_and_calls(session: Session, stories: list[Story], likes: dict, rng: random.Random) -> None:
    numbers = {s.number: s for s in stories if s.number}
    rows = session.exec(select(Ticket.id, Ticket.number, Ticket.created_at).where(Ticket.number.in_(list(numbers))))
    for ticket_id, number, created_at in rows:
        story = numbers[number]
        if story.message.source == "unlabelled" and story.message.id in likes:
            up, down = likes[story.message.id]
            if up or down:
                session.add(TicketReaction(ticket_id=ticket_id, likes=up, dislikes=down))
        session.add(_call(number, created_at, rng))
    session.commit()


def _call(number: str, at: datetime, rng: random.Random) -> QueuedCall:
    """A call behind the ticket: most answered within seconds, a few after a long wait, some abandoned."""
    wait = rng.expovariate(1 / 9)
    enqueued = at - timedelta(seconds=wait + 30)
    if rng.random() < 0.04:
        return QueuedCall(call_external_id=f"demo-{number}", state=CallState.abandoned, enqueued_at=enqueued,
                          ended_at=enqueued + timedelta(seconds=wait), wait_seconds=round(wait, 1))  # fmt: skip
    answered = enqueued + timedelta(seconds=wait)
    talk = rng.uniform(90, 420)
    return QueuedCall(call_external_id=f"demo-{number}", state=CallState.ended, enqueued_at=enqueued,
                      answered_at=answered, ended_at=answered + timedelta(seconds=talk),
                      wait_seconds=round(wait, 1), offer_count=1)  # fmt: skip
