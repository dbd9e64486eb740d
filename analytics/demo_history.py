"""A year of demo history for the analytics: real messages at their real time of day and weekday, moved into
the last twelve months (by whole 52-week steps), each taken through the real lifecycle under `at_time`,
with the real reply at the real handling interval. Likes come from unlabelled.csv; calls for the hotline
indicators are synthesised around the tickets' intake times (the data has no call records). A message whose
title labelled.csv does not label takes the trained classifier's topic, as an agent takes the console's suggestion.
"""

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from analytics.models import TicketReaction
from classifier.model_store import ModelError
from classifier.predictor import load_predictor
from hotline.auth.actor import Actor
from hotline.auth.models import Role, User
from hotline.clock import callback_due, dispatch_deadlines, get_calendar
from hotline.db import utcnow
from hotline.demo import stories as steps
from hotline.demo.messages import Message, read_messages, read_topics, require_messages
from hotline.demo.seed import about_this_city, draft_for, places_for
from hotline.demo.stories import Cast, Fate, Story, plan_old, run_stories, working_hours_later
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
RECENT = timedelta(days=20)  # tickets younger than this may still be open
WEEK = timedelta(weeks=1)
RECENT_WEEKS = 3  # the weeks where the demo seed places its open work; the history tops them up to a usual week
RECENT_WEEK_SHARE = 1.1  # a usual week: the year's average, and a little
LATE_DAYS = 1.0  # working days an open history ticket may be past its deadline
MIN_REPLY = 10  # characters: shorter real replies are not replies the lifecycle accepts
# The data has one reply per message; the second, after a reopen, is written here.
REDONE_REPLY = "经重新组织现场核查，已督促责任单位落实整改，并已电话告知市民整改结果，市民表示认可。"


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


def _fate(message: Message, draft: TicketDraft, rng: random.Random, now: datetime) -> Fate | None:
    """What becomes of the message; None when it cannot be told truthfully (no real reply for an old complaint).

    Only recent tickets are left waiting (for a callback, or in handling without a reply yet), and only while their
    clock has not run out more than a working day ago: a ticket weeks past its deadline would fill the overdue
    lists with something a real centre would not have.
    """
    # a few real replies are a word or two ("已转办"): the reply step refuses those, as it would a liaison's
    has_reply = message.reply is not None and len(message.reply.strip()) >= MIN_REPLY
    if has_reply and message.reply_time and message.reply_time > message.time + timedelta(hours=2):
        roll = rng.random()
        if message.reply_time > now - RECENT and _still_due(callback_due(message.reply_time), now):
            called_soon = get_calendar().working_hours_between(message.reply_time, now) < 12  # callback ahead
            return Fate.callback_pending if roll < 0.5 or called_soon else Fate.closed
        return Fate.closed if roll < 0.92 else Fate.redone
    if draft.request_type in ANSWERABLE:
        return Fate.answered if rng.random() < 0.7 else Fate.answered_callback
    reply_due = dispatch_deadlines(message.time + timedelta(hours=1), draft.request_type, False).reply_due_at
    return Fate.in_progress if message.time > now - RECENT and _still_due(reply_due, now) else None


def _still_due(due: datetime, now: datetime) -> bool:
    """Not yet due, or due less than LATE_DAYS working days ago."""
    return get_calendar().working_days_between(due, now) < LATE_DAYS


def _topic_suggester(model_dir: Path | None, echo: Callable[[str], None]) -> Callable[[str, str], str] | None:
    """The classifier's first-level topic for a title and body; None when no usable model is trained (then only
    titles that labelled.csv labels get a topic, and the others stay 未分类)."""
    try:
        predictor = load_predictor(model_dir)
    except ModelError as exc:
        echo(f"不用分类模型补一级分类：{exc}")
        return None
    return lambda title, body: predictor.predict(body, title).topic.label


def build_history(session: Session, count: int = 1500, now: datetime | None = None,
                  echo: Callable[[str], None] = print, model_dir: Path | None = None) -> int:  # fmt: skip
    started = time.monotonic()
    now = (now or utcnow()).replace(microsecond=0)
    start = now - YEAR
    data_dir = require_messages(get_settings().data_dir, "unlabelled.csv")
    cast = _cast(session)
    if session.exec(select(QueuedCall.id).where(QueuedCall.call_external_id.like("demo-%")).limit(1)).first():
        echo("演示历史已经生成过，不再重复生成（make run 可以放心反复运行）。")
        return 0
    rng = random.Random(SEED)
    topics = read_topics(data_dir)
    places = places_for(cast.department_names)
    likes = _likes(data_dir)
    suggest_topic = _topic_suggester(model_dir, echo)
    stories: list[Story] = []
    candidates = [m for m in read_messages(data_dir) if about_this_city(m)]
    recent = _recent_weeks(session, now)
    weekly_cap = math.ceil(RECENT_WEEK_SHARE * count / 52)
    rng.shuffle(candidates)
    for original in candidates:
        if len(stories) >= count:
            break
        message = _moved(original, start)
        if not start <= message.time < now - timedelta(days=1) or (message.reply_time and message.reply_time >= now):
            continue
        draft, department = draft_for(message, topics, places)
        week = (now - message.time) // WEEK
        if week < RECENT_WEEKS and recent[week] >= weekly_cap:
            continue  # the demo seed's open work fills this week already: a busier week than the year's would show
        fate = _fate(message, draft, rng, now)
        if fate is None or (fate not in (Fate.answered, Fate.answered_callback) and department not in cast.liaisons):
            continue
        if draft.topic is None and suggest_topic:
            draft = replace(draft, topic=suggest_topic(draft.summary, draft.description))
        story = Story(len(stories), message, draft, department, fate, cast.agents[len(stories) % len(cast.agents)])
        plan_old(story, cast, rng)
        if fate == Fate.redone:
            _handle_again(story, cast, rng, now)
        elif fate == Fate.answered_callback:
            _call_back(story, rng, now)
        stories.append(story)
        recent[week] += 1
    echo(f"一年演示历史：{len(stories)} 张工单，按真实留言时间走完流转……")
    run_stories(session, stories)
    _reactions_and_calls(session, stories, likes, rng)
    echo(f"完成，用时 {time.monotonic() - started:.1f} 秒。")
    return len(stories)


def _recent_weeks(session: Session, now: datetime) -> Counter[int]:
    """Tickets already there (the demo seed's) per week back from now, for the last RECENT_WEEKS weeks."""
    since = now - RECENT_WEEKS * WEEK
    created = session.exec(select(Ticket.created_at).where(Ticket.created_at >= since)).all()
    return Counter((now - moment) // WEEK for moment in created)


def _handle_again(story: Story, cast: Cast, rng: random.Random, now: datetime) -> None:
    """A reopened (重办) ticket is signed for again, replied to, reviewed and called back satisfied, unless that
    would still lie ahead: a year-old reopened ticket left open is not what a centre's history looks like."""
    last, run = story.steps[-1]
    signed = run.__qualname__.startswith("sign.")  # plan_old signs half of the reopened tickets again
    sign_at = last if signed else working_hours_later(last, rng.uniform(0.3, 1.5))
    reply_at = working_hours_later(sign_at, rng.uniform(7.5, 30))
    accept_at = working_hours_later(reply_at, rng.uniform(0.5, 3))
    callback_at = working_hours_later(accept_at, rng.uniform(3, 9))
    if callback_at > now - timedelta(days=1):
        return
    code = story.department
    if not signed:
        steps.sign(story, cast, sign_at, code)
    steps.reply(story, cast, reply_at, code, REDONE_REPLY)
    steps.review(story, cast, accept_at, accept=True)
    steps.callback(story, callback_at, True, steps.CALLBACK_SATISFIED)


def _call_back(story: Story, rng: random.Random, now: datetime) -> None:
    """A direct answer with a callback asked for gets it a few working hours later, unless that lies ahead."""
    called = working_hours_later(story.steps[-1][0], rng.uniform(3, 9))
    if called < now - timedelta(days=1):
        steps.callback(story, called, True, steps.CALLBACK_SATISFIED)


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
