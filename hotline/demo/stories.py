"""Demo ticket stories: each ticket's way through the lifecycle as dated steps of the real service functions.

A story is planned first (when each step happens, by whom), then all stories' steps run together in time
order under `at_time`, so ticket numbers, histories and merges happen in the order they would have happened.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from hotline.auth.actor import Actor
from hotline.clock import dispatch_deadlines, get_calendar, is_near_due
from hotline.db import at_time
from hotline.demo.messages import Message
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
REPLY_LIMIT = 400  # characters of the official reply kept: enough to read, short enough for a list


class Fate(StrEnum):
    """Where a story ends; the name says the state the ticket is left in."""

    received = "received"  # 待派单
    dispatched = "dispatched"  # 待签收
    returned = "returned"  # 退单待审
    in_progress = "in_progress"  # 办理中
    extension_pending = "extension_pending"  # 办理中，延期待批
    replied = "replied"  # 答复待审
    callback_pending = "callback_pending"  # 待回访
    closed = "closed"  # 答复、回访满意、办结
    answered = "answered"  # 直接答复办结
    answered_callback = "answered_callback"  # 直接答复，待回访
    reopened = "reopened"  # 直接答复后回访不满意：重办待派
    redone = "redone"  # 答复后回访不满意：派回原单位重办
    merged = "merged"  # 重复诉求并入主单


# What the people in the stories write when the data has no words for it (the data has only the official reply).
ANSWERS = {
    RequestType.consult: "已根据相关政策向市民解答，并告知办理地点、所需材料和咨询电话，市民表示清楚。",
    RequestType.suggestion: "已记录市民的建议，告知将汇总报送相关部门研究参考，市民表示认可。",
    RequestType.praise: "已记录市民的表扬，将转达相关单位和工作人员，感谢市民的肯定。",
}
ANSWER_OTHER = "已向市民说明相关规定和反映渠道，市民表示理解。"
FIRST_REPLY = "已收到该诉求，正在组织工作人员核实处理。"
SEND_BACK_NOTE = "答复未写明办理结果和依据，请核实后重新答复。"
TODAY_REPLY = "经现场核实，已责成责任单位限期整改，并已电话告知市民处理情况。"
EXTENSION_REASON = "需协调多个部门现场核查，申请延期{days}个工作日。"
CALLBACK_SATISFIED = "回访市民，对办理结果表示满意。"
CALLBACK_DISSATISFIED = "回访市民，表示问题未实际解决，不满意。"
CALLBACK_ANSWER_DISSATISFIED = "回访市民，表示解答未解决实际问题，要求转承办单位办理。"


@dataclass
class Cast:
    """The people who act in the stories and the units they can send tickets to."""

    agents: list[Actor]
    supervisor: Actor
    liaisons: dict[str, Actor]  # by department code
    department_ids: dict[str, int]  # by department code
    department_names: dict[str, str]


@dataclass
class Story:
    order: int
    message: Message
    draft: TicketDraft
    department: str  # code of the unit the rules send it to
    fate: Fate
    agent: Actor
    steps: list[tuple[datetime, Callable[[Session], object]]] = field(default_factory=list)
    number: str | None = None  # known once the intake step has run

    def at(self, moment: datetime, run: Callable[[Session], object]) -> datetime:
        moment = moment.replace(microsecond=0)  # whole seconds, like the data's own times
        if self.steps and moment <= self.steps[-1][0]:
            raise ValueError(f"story {self.order}: steps must move forward in time")
        self.steps.append((moment, run))
        return moment


def trimmed_reply(text: str, limit: int = REPLY_LIMIT) -> str:
    """The official reply cut at a sentence end within `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind("。", 0, limit)
    return (text[: cut + 1] if cut > limit // 3 else text[:limit]) + "……"


def working_hours_later(moment: datetime, hours: float) -> datetime:
    return get_calendar().add_working_hours(moment, hours)


# The steps: each books one service call at a moment.


def intake(story: Story, moment: datetime) -> datetime:
    def run(session: Session) -> None:
        story.number = service.intake(session, story.agent, story.draft).number

    return story.at(moment, run)


def dispatch(story: Story, cast: Cast, moment: datetime, code: str) -> datetime:
    return story.at(moment, lambda s: service.dispatch(s, story.agent, story.number, cast.department_ids[code]))


def sign(story: Story, cast: Cast, moment: datetime, code: str) -> datetime:
    return story.at(moment, lambda s: service.sign(s, cast.liaisons[code], story.number))


def return_ticket(story: Story, cast: Cast, moment: datetime, code: str, reason: str) -> datetime:
    return story.at(moment, lambda s: service.return_ticket(s, cast.liaisons[code], story.number, reason))


def redispatch(story: Story, cast: Cast, moment: datetime, code: str) -> datetime:
    department_id = cast.department_ids[code]
    return story.at(moment, lambda s: service.redispatch(s, cast.supervisor, story.number, department_id))


def insist(story: Story, cast: Cast, moment: datetime) -> datetime:
    note = "经核实属该单位职责范围，维持原派，请尽快签收办理。"
    return story.at(moment, lambda s: service.insist(s, cast.supervisor, story.number, note))


def request_extension(story: Story, cast: Cast, moment: datetime, code: str, days: int) -> datetime:
    reason = EXTENSION_REASON.format(days=days)
    return story.at(moment, lambda s: service.request_extension(s, cast.liaisons[code], story.number, days, reason))


def decide_extension(story: Story, cast: Cast, moment: datetime, approve: bool) -> datetime:
    note = "同意延期，请按期答复。" if approve else "不同意延期，请在原时限内答复。"
    return story.at(moment, lambda s: service.decide_extension(s, cast.supervisor, story.number, approve, note))


def reply(story: Story, cast: Cast, moment: datetime, code: str, text: str) -> datetime:
    return story.at(moment, lambda s: service.reply(s, cast.liaisons[code], story.number, text))


def review(story: Story, cast: Cast, moment: datetime, accept: bool) -> datetime:
    note = None if accept else SEND_BACK_NOTE
    return story.at(moment, lambda s: service.review_reply(s, cast.supervisor, story.number, accept, note))


def callback(story: Story, moment: datetime, satisfied: bool, note: str) -> datetime:
    return story.at(moment, lambda s: service.callback(s, story.agent, story.number, satisfied, note))


def answer(story: Story, moment: datetime, with_callback: bool) -> datetime:
    text = ANSWERS.get(RequestType(story.draft.request_type), ANSWER_OTHER)
    return story.at(moment, lambda s: service.answer(s, story.agent, story.number, text, callback=with_callback))


def merge(story: Story, moment: datetime, parent: Story) -> datetime:
    def run(session: Session) -> None:
        note = f"与工单 {parent.number} 反映同一事项"
        service.merge(session, story.agent, story.number, parent.number, note)

    return story.at(moment, run)


# Plans for the old tickets, at the real times of the messages.


def wrong_unit(story: Story, cast: Cast, rng: random.Random) -> str:
    """A plausible first (wrong) dispatch whose liaison can send it back: the district, else another bureau."""
    choices = sorted(code for code in cast.liaisons if code != story.department)
    district_codes = [c for c in choices if cast.department_names[c].startswith(story.draft.district or "-")]
    return district_codes[0] if district_codes else rng.choice(choices)


def plan_handling(
    story: Story, cast: Cast, rng: random.Random, start: datetime, end: datetime | None
) -> tuple[datetime, datetime]:
    """Dispatch to sign, perhaps with a wrong dispatch returned first, all before `end` when given.

    Returns the moments of the last dispatch (the clocks start there) and of signing. Natural gaps (an hour to
    dispatch, some working hours to sign) are used when they fit; a message answered within hours gets its steps
    spread evenly instead.
    """
    code = story.department
    detour = rng.random()
    moments = [start + rng.randint(15, 90) * MINUTE]
    if detour < 0.12:  # dispatched to a wrong unit, which returns it; the supervisor re-dispatches
        moments += [working_hours_later(moments[-1], rng.uniform(0.3, 1.5))]
        moments += [working_hours_later(moments[-1], rng.uniform(0.3, 1.5))]
    elif detour < 0.16:  # the right unit tries to return it; the supervisor insists
        moments += [working_hours_later(moments[-1], rng.uniform(0.3, 1.5))]
        moments += [working_hours_later(moments[-1], rng.uniform(0.3, 1.0))]
    late = rng.random() < 0.1  # a few units sign late: the sign-for clock shows it
    moments += [working_hours_later(moments[-1], rng.uniform(2.5, 6) if late else rng.uniform(0.2, 1.8))]
    if end is not None and moments[-1] >= end - 10 * MINUTE:
        step = (end - start) / (len(moments) + 3)
        moments = [start + step * (i + 1) for i in range(len(moments))]
    if detour < 0.12:
        wrong = wrong_unit(story, cast, rng)
        dispatch(story, cast, moments[0], wrong)
        reason = f"该诉求不属于本单位职责范围，应由{cast.department_names[code]}办理，请改派。"
        return_ticket(story, cast, moments[1], wrong, reason)
        redispatch(story, cast, moments[2], code)
    elif detour < 0.16:
        dispatch(story, cast, moments[0], code)
        return_ticket(story, cast, moments[1], code, "该事项涉及多个部门职责，建议改派牵头单位。")
        insist(story, cast, moments[2])
    else:
        dispatch(story, cast, moments[0], code)
    return moments[-2] if len(moments) > 2 else moments[0], sign(story, cast, moments[-1], code)


def plan_reply(story: Story, cast: Cast, rng: random.Random) -> datetime:
    """Through the real reply at the real reply time; extension and a sent-back first reply where they fit."""
    message, code = story.message, story.department
    assert message.reply and message.reply_time  # the reply pool holds only replied messages
    end = message.reply_time
    dispatched, signed = plan_handling(story, cast, rng, message.time, end)
    due = dispatch_deadlines(dispatched, story.draft.request_type, False).reply_due_at
    room = end - signed
    if end > due and due > signed + HOUR and rng.random() < 0.6:
        # Late reply: the unit asked for more time before the deadline; mostly granted.
        asked = signed + (due - signed) * 0.7
        days = max(1, min(service.MAX_EXTENSION_DAYS, round(get_calendar().working_days_between(due, end)) + 1))
        request_extension(story, cast, asked, code, days)
        decide_extension(story, cast, min(asked + 2 * HOUR, asked + (end - asked) / 2), rng.random() < 0.8)
    elif room > 6 * HOUR and rng.random() < 0.12:
        # A first reply without substance is sent back; the real reply follows.
        first = signed + room / 3
        reply(story, cast, first, code, FIRST_REPLY)
        review(story, cast, first + (end - first) / 4, accept=False)
    return reply(story, cast, end, code, trimmed_reply(message.reply))


def plan_old(story: Story, cast: Cast, rng: random.Random, parent: Story | None = None) -> None:
    t0 = story.message.time
    intake(story, t0)
    fate = story.fate
    if fate == Fate.received:
        return
    if fate == Fate.merged:
        assert parent is not None
        merge(story, t0 + rng.randint(5, 20) * MINUTE, parent)
        return
    if fate in (Fate.answered, Fate.answered_callback, Fate.reopened):
        answered = answer(story, t0 + rng.randint(3, 15) * MINUTE, with_callback=fate != Fate.answered)
        if fate == Fate.reopened:
            callback(story, working_hours_later(answered, rng.uniform(2, 8)), False, CALLBACK_ANSWER_DISSATISFIED)
        return
    if fate == Fate.dispatched:
        dispatch(story, cast, t0 + rng.randint(15, 90) * MINUTE, story.department)
        return
    if fate == Fate.returned:
        wrong = wrong_unit(story, cast, rng)
        dispatched = dispatch(story, cast, t0 + rng.randint(15, 90) * MINUTE, wrong)
        reason = f"该诉求不属于本单位职责范围，应由{cast.department_names[story.department]}办理，请改派。"
        return_ticket(story, cast, working_hours_later(dispatched, rng.uniform(0.3, 1.5)), wrong, reason)
        return
    if fate in (Fate.in_progress, Fate.extension_pending):
        _, signed = plan_handling(story, cast, rng, t0, None)
        if fate == Fate.extension_pending:
            request_extension(story, cast, working_hours_later(signed, rng.uniform(4, 12)), story.department, 5)
        return
    replied = plan_reply(story, cast, rng)
    if fate == Fate.replied:
        return
    accepted = review(story, cast, working_hours_later(replied, rng.uniform(0.5, 3)), accept=True)
    if fate == Fate.callback_pending:
        return
    called = working_hours_later(accepted, rng.uniform(3, 9))  # about a working day later
    if fate == Fate.closed:
        callback(story, called, True, CALLBACK_SATISFIED)
        return
    # Fate.redone: dissatisfied; the ticket goes back to the same unit, which sometimes has signed again.
    callback(story, called, False, CALLBACK_DISSATISFIED)
    if rng.random() < 0.5:
        sign(story, cast, working_hours_later(called, rng.uniform(0.3, 1.5)), story.department)


# Plans for today's tickets: relative to now, so the desk and the portal show live clocks.

TODAY_FATES: tuple[str, ...] = (
    "received",
    "dispatched_near_due",
    "dispatched_overdue",
    "in_progress",
    "in_progress_near_due",
    "extension_pending",
    "returned",
    "replied",
    "callback_pending",
)


def near_due_dispatch(now: datetime, request_type: str, clock: str, hours_left: float) -> datetime:
    """A dispatch moment whose `clock` ("sign_due_at" or "reply_due_at") has `hours_left` working hours left now.

    The deadline moves with the dispatch moment, so a bisection finds it (on a weekend it is the last working
    day). Checked against the sweep's own near-due rule; if the calendar allows no such moment, any recent one.
    """
    calendar = get_calendar()

    def left(moment: datetime) -> float:
        due = getattr(dispatch_deadlines(moment, request_type, False), clock)
        return calendar.working_hours_between(now, due)

    early, late = now - timedelta(days=60), now - MINUTE
    for _ in range(40):
        middle = early + (late - early) / 2
        early, late = (middle, late) if left(middle) < hours_left else (early, middle)
    due = getattr(dispatch_deadlines(late, request_type, False), clock)
    if due > now and is_near_due(now, due, False, started_at=late):
        return late
    return now - 6 * HOUR


def late_dispatch(now: datetime, request_type: str, hours_late: float) -> datetime:
    """A dispatch moment whose sign-for clock ran out `hours_late` working hours before now."""
    calendar = get_calendar()
    early, late = now - timedelta(days=30), now - MINUTE
    for _ in range(40):
        middle = early + (late - early) / 2
        due = dispatch_deadlines(middle, request_type, False).sign_due_at
        early, late = (middle, late) if calendar.working_hours_between(due, now) > hours_late else (early, middle)
    return early


def plan_today(story: Story, cast: Cast, rng: random.Random, now: datetime, kind: str) -> None:
    code = story.department
    if kind == "received":
        intake(story, now - 20 * MINUTE)
    elif kind == "dispatched_near_due":
        dispatched = near_due_dispatch(now, story.draft.request_type, "sign_due_at", 0.2)
        dispatch(story, cast, intake(story, dispatched - 15 * MINUTE) + 15 * MINUTE, code)
    elif kind == "dispatched_overdue":  # a unit that has not signed since yesterday: about a working day late
        hours_late = rng.uniform(0.5, 1.2) * get_calendar().hours_per_day
        dispatched = late_dispatch(now, story.draft.request_type, hours_late)
        dispatch(story, cast, intake(story, dispatched - 40 * MINUTE) + 40 * MINUTE, code)
    elif kind == "in_progress":
        dispatched = dispatch(story, cast, intake(story, now - 3 * HOUR) + 10 * MINUTE, code)
        sign(story, cast, dispatched + 50 * MINUTE, code)
    elif kind == "in_progress_near_due":
        dispatched = near_due_dispatch(now, story.draft.request_type, "reply_due_at", 1.5)
        intake(story, dispatched - 15 * MINUTE)
        dispatch(story, cast, dispatched, code)
        sign(story, cast, dispatched + (now - dispatched) / 4, code)
    elif kind == "extension_pending":
        dispatched = dispatch(story, cast, intake(story, now - 50 * HOUR) + 15 * MINUTE, code)
        sign(story, cast, dispatched + HOUR, code)
        request_extension(story, cast, now - 30 * MINUTE, code, 3)
    elif kind == "returned":
        wrong = wrong_unit(story, cast, rng)
        dispatched = dispatch(story, cast, intake(story, now - 4 * HOUR) + 15 * MINUTE, wrong)
        reason = f"该诉求不属于本单位职责范围，应由{cast.department_names[code]}办理，请改派。"
        return_ticket(story, cast, dispatched + 2 * HOUR, wrong, reason)
    elif kind == "replied":
        dispatched = dispatch(story, cast, intake(story, now - 24 * HOUR) + 20 * MINUTE, code)
        sign(story, cast, dispatched + HOUR, code)
        reply(story, cast, now - 40 * MINUTE, code, TODAY_REPLY)
    elif kind == "callback_pending":
        dispatched = dispatch(story, cast, intake(story, now - 72 * HOUR) + 20 * MINUTE, code)
        sign(story, cast, dispatched + HOUR, code)
        replied = reply(story, cast, now - 24 * HOUR, code, TODAY_REPLY)
        review(story, cast, replied + 4 * HOUR, accept=True)
    else:
        raise ValueError(f"unknown plan for today: {kind}")


def run_stories(session: Session, stories: list[Story]) -> None:
    """Every step of every story in time order, each inside `at_time` so its history carries that moment."""
    queue = [(moment, story.order, index, run) for story in stories for index, (moment, run) in enumerate(story.steps)]
    queue.sort(key=lambda item: item[:3])
    for moment, _, _, run in queue:
        with at_time(moment):
            run(session)
