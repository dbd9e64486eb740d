"""Where a demo story happens in time: done work spread over the past year, open work in the last few working days.

The messages are years old. Closed tickets move by whole 52-week steps into the last year (same weekday, same time
of day), so the analytics have a year of history. An open ticket is placed so that the clock running on it now has
a realistic amount of time left: most with time to spare, some near due, a few a day or so overdue. The story is
planned at the placed time (its working-hour gaps on the real calendar) and moved as a whole until its clock
starts where wanted; the deadlines themselves are set by the lifecycle when the steps run.
"""

import math
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from hotline.clock import callback_due, dispatch_deadlines, get_calendar, get_time_limits
from hotline.demo.messages import Message
from hotline.demo.stories import Fate, Story

YEAR = timedelta(weeks=52)  # whole weeks: a moved message keeps its weekday and time of day
DAY = timedelta(days=1)
SETTLED = DAY  # the newest done ticket finished at least this long ago
MOVE_TRIES = 8
CLOSE_ENOUGH = 0.25  # working hours between where a clock starts and where it was wanted
# Open fates whose ticket has a running clock, and the step that starts it.
CLOCK_STEPS = {
    Fate.dispatched: ("dispatch.",),
    Fate.in_progress: ("dispatch.", "redispatch."),
    Fate.extension_pending: ("dispatch.", "redispatch."),
    Fate.callback_pending: ("review.",),
    Fate.answered_callback: ("answer.",),
    Fate.redone: ("callback.",),
}
# Open fates without a running clock: how long (working hours) the ticket has waited at its last step. Up to about
# a working day, so the last day's intake is not a spike on the analytics' trend.
WAITING_HOURS = {
    Fate.received: (0.2, 8.0),
    Fate.returned: (0.5, 8.0),
    Fate.replied: (0.5, 10.0),
    Fate.reopened: (0.5, 8.0),
}
# Shares of open tickets by what their clock shows now: overdue (by up to OVERDUE_DAYS), near due, on time.
OVERDUE_SHARE = 0.15
NEAR_DUE_SHARE = 0.2
OVERDUE_DAYS = 1.5

Plan = Callable[[Message], Story]  # plans a fresh story (its own random draws) for the message at the given time


def moved(message: Message, delta: timedelta) -> Message:
    reply_time = message.reply_time + delta if message.reply_time else None
    return replace(message, time=message.time + delta, reply_time=reply_time)


def into_last_year(message: Message, now: datetime) -> Message:
    """The message moved by whole 52-week steps into the year before `now` (unchanged when already there)."""
    steps = max(0, math.ceil((now - YEAR - message.time) / YEAR))
    return moved(message, YEAR * steps)


def place_done(message: Message, plan: Plan, now: datetime) -> Story | None:
    """A finished story in the past year; None when its steps would run into the last day (draw another)."""
    story = plan(into_last_year(message, now))
    return story if story.steps[-1][0] < now - SETTLED else None


def _step_moment(story: Story, prefixes: tuple[str, ...]) -> datetime | None:
    found = [moment for moment, run in story.steps if run.__qualname__.startswith(prefixes)]
    return found[-1] if found else None


def clock_of(story: Story) -> tuple[datetime, Callable[[datetime], datetime]] | None:
    """Where the clock running at the story's end starts, and its due time as a function of that start."""
    fate, kind = story.fate, story.draft.request_type
    prefixes = CLOCK_STEPS.get(fate)
    if prefixes is None:
        return None
    start = _step_moment(story, prefixes)
    if start is None:
        return None
    if fate in (Fate.callback_pending, Fate.answered_callback):
        return start, callback_due
    last_run = story.steps[-1][1].__qualname__
    signs = fate in (Fate.in_progress, Fate.extension_pending) or last_run.startswith("sign.")
    if signs:
        return start, lambda moment: dispatch_deadlines(moment, kind, False).reply_due_at
    return start, lambda moment: dispatch_deadlines(moment, kind, False).sign_due_at


def start_for(now: datetime, due_of: Callable[[datetime], datetime], hours_left: float) -> datetime:
    """The latest clock start whose due time leaves `hours_left` working hours now (negative: overdue)."""
    calendar = get_calendar()
    early, late = now - timedelta(days=90), now
    for _ in range(40):
        middle = early + (late - early) / 2
        if calendar.working_hours_between(now, due_of(middle)) < hours_left:
            early = middle
        else:
            late = middle
    return early if calendar.working_hours_between(now, due_of(early)) >= hours_left else late


def wanted_left(length: float, rng: random.Random) -> float:
    """Working hours left on a clock of `length` hours: most with time to spare, some near due, a few overdue."""
    roll = rng.random()
    if roll < OVERDUE_SHARE:
        return -rng.uniform(0.1, OVERDUE_DAYS * get_calendar().hours_per_day)
    if roll < OVERDUE_SHARE + NEAR_DUE_SHARE:
        return rng.uniform(0.05, 0.9) * near_window(length)
    return rng.uniform(near_window(length), 0.95 * length)


def near_window(length: float) -> float:
    """The sweep's near-due window for a clock of `length` working hours (clock.is_near_due with its start)."""
    return min(get_time_limits().near_due_working_hours, length / 4)


def place_open(message: Message, plan: Plan, now: datetime, rng: random.Random) -> Story | None:
    """An open story whose clock shows a realistic time left now; None when it cannot be placed so."""
    calendar = get_calendar()
    trial = plan(message)
    target: datetime
    found = clock_of(trial)
    if found is not None:
        start, due_of = found
        length = calendar.working_hours_between(start, due_of(start))
        target = start_for(now, due_of, wanted_left(length, rng))
    else:
        low, high = WAITING_HOURS[trial.fate]
        target = start_for(now, lambda moment: moment, -rng.uniform(low, high))
    story = trial
    for _ in range(MOVE_TRIES):
        anchor = found[0] if found else story.steps[-1][0]
        last = story.steps[-1][0]
        if last >= now - timedelta(minutes=2):  # a step still ahead: the whole story moves back
            target = min(target, anchor - (last - now) - timedelta(minutes=rng.randint(5, 40)))
        elif abs(calendar.working_hours_between(anchor, target)) <= CLOSE_ENOUGH:
            return story
        message = moved(message, target - anchor)
        story = plan(message)
        found = clock_of(story) if found is not None else None
    return None
