"""Deadlines the ticket lifecycle sets and checks: sign-for, reply, extension, callback, near-due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hotline.clock.limits import TimeLimits, get_time_limits
from hotline.clock.workdays import WorkCalendar, get_calendar, require_aware


@dataclass(frozen=True)
class DispatchDeadlines:
    sign_due_at: datetime
    reply_due_at: datetime


def dispatch_deadlines(
    now: datetime,
    request_type: str,
    urgent: bool,
    limits: TimeLimits | None = None,
    calendar: WorkCalendar | None = None,
    high: bool = False,
) -> DispatchDeadlines:
    """Sign-for (签收) and reply (答复) deadlines for a ticket dispatched at `now` (`high`: 较急)."""
    require_aware(now, "now")
    limits = limits or get_time_limits()
    handle_days = limits.handle_days(request_type)  # validates the type for urgent tickets too
    if urgent:
        start = now.astimezone(UTC)
        return DispatchDeadlines(
            sign_due_at=start + timedelta(hours=limits.urgent_sign_hours),
            reply_due_at=start + timedelta(hours=limits.urgent_handle_hours),
        )
    calendar = calendar or get_calendar()
    if high:
        return DispatchDeadlines(
            sign_due_at=calendar.add_working_hours(now, limits.high_sign_working_hours),
            reply_due_at=calendar.add_working_days(now, min(handle_days, limits.high_handle_working_days)),
        )
    return DispatchDeadlines(
        sign_due_at=calendar.add_working_hours(now, limits.sign_working_hours),
        reply_due_at=calendar.add_working_days(now, handle_days),
    )


def extended_due(reply_due_at: datetime, days: int, calendar: WorkCalendar | None = None) -> datetime:
    """The reply deadline after an extension (延期) of `days` working days."""
    if days < 1:
        raise ValueError(f"延期天数必须大于0：{days}")
    return (calendar or get_calendar()).add_working_days(reply_due_at, days)


def callback_due(now: datetime, limits: TimeLimits | None = None, calendar: WorkCalendar | None = None) -> datetime:
    """The callback (回访) deadline counted from the moment the reply is accepted."""
    limits = limits or get_time_limits()
    return (calendar or get_calendar()).add_working_days(now, limits.callback_working_days)


def remaining_working_hours(now: datetime, due: datetime, urgent: bool, calendar: WorkCalendar | None = None) -> float:
    """Hours left until `due`: working hours, or calendar hours for urgent tickets; negative when late."""
    require_aware(now, "now")
    require_aware(due, "due")
    if urgent:
        return (due - now) / timedelta(hours=1)
    return (calendar or get_calendar()).working_hours_between(now, due)


def is_near_due(
    now: datetime,
    due: datetime,
    urgent: bool,
    limits: TimeLimits | None = None,
    calendar: WorkCalendar | None = None,
    started_at: datetime | None = None,
) -> bool:
    """True while the deadline is still ahead but less than the warning threshold remains.

    With `started_at`, the threshold is at most a quarter of the whole period: a 2-hour sign-for clock
    warns in its last half hour, not from the start. A deadline already passed is overdue, not near-due
    (that is the 督办 path).
    """
    require_aware(now, "now")
    require_aware(due, "due")
    if now >= due:
        return False
    limits = limits or get_time_limits()
    threshold = limits.urgent_near_due_hours if urgent else limits.near_due_working_hours
    if started_at is not None:
        threshold = min(threshold, remaining_working_hours(started_at, due, urgent, calendar) / 4)
    return remaining_working_hours(now, due, urgent, calendar) < threshold
