"""Working time between two instants in O(1): cumulative working seconds per local day.

`WorkCalendar.working_hours_between` walks the days one by one; a month's indicators need it for tens of
thousands of tickets, so this keeps a prefix sum of working seconds per day and looks both ends up.
The answers are the calendar's own (a test compares them).
"""

from bisect import bisect_right
from datetime import date, datetime, time, timedelta

from hotline.clock import WorkCalendar, get_calendar


class WorkClock:
    def __init__(self, first: date, last: date, calendar: WorkCalendar | None = None) -> None:
        self.calendar = calendar or get_calendar()
        self.first = first
        self.day_seconds = self.calendar.hours_per_day * 3600
        days = (last - first).days + 1
        self.workday = [self.calendar.is_workday(first + timedelta(days=i)) for i in range(days)]
        self.before: list[float] = [0.0]  # working seconds from `first` 00:00 to the start of day i
        for is_work in self.workday:
            self.before.append(self.before[-1] + (self.day_seconds if is_work else 0.0))
        # Seconds since midnight at which each window opens and closes, and the worked time before each window.
        self.bounds = [(_secs(o), _secs(c)) for o, c in self.calendar.windows]
        self.opens = [o for o, _ in self.bounds]

    def _position(self, moment: datetime) -> float:
        local = moment.astimezone(self.calendar.tz)
        index = (local.date() - self.first).days
        if index < 0 or index >= len(self.workday):
            raise ValueError(f"{moment} lies outside the clock's range")
        total = self.before[index]
        if not self.workday[index]:
            return total
        now = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        for opens, closes in self.bounds[: bisect_right(self.opens, now)]:
            total += min(now, closes) - opens
        return total

    def working_days(self, start: datetime, end: datetime) -> float:
        """Working days from `start` to `end` (negative when `end` is earlier), as WorkCalendar counts them."""
        return (self._position(end) - self._position(start)) / self.day_seconds


def _secs(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second
