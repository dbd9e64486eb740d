"""Working-day clocks (工作日时限): the official calendar, time limits and ticket deadlines."""

from hotline.clock.deadlines import (
    DispatchDeadlines,
    callback_due,
    dispatch_deadlines,
    extended_due,
    is_near_due,
    remaining_working_hours,
)
from hotline.clock.limits import REQUEST_TYPES, TimeLimits, get_time_limits, load_time_limits
from hotline.clock.workdays import (
    DEFAULT_WINDOWS,
    CalendarOverrides,
    WorkCalendar,
    get_calendar,
    load_calendar,
    require_aware,
)

__all__ = [
    "DEFAULT_WINDOWS",
    "REQUEST_TYPES",
    "CalendarOverrides",
    "DispatchDeadlines",
    "TimeLimits",
    "WorkCalendar",
    "callback_due",
    "dispatch_deadlines",
    "extended_due",
    "get_calendar",
    "get_time_limits",
    "is_near_due",
    "load_calendar",
    "load_time_limits",
    "remaining_working_hours",
    "require_aware",
]
