"""Working time on epoch seconds, for generating a million histories: the deadlines of every dispatch.

`WorkCalendar.add_working_hours` walks datetimes (tens of microseconds a call); this reuses `WorkClock`'s
prefix sums and inverts them with a bisection. The answers are the calendar's own (a test compares them).
"""

from bisect import bisect_left, bisect_right
from datetime import date, datetime

from analytics.workclock import WorkClock


class EpochClock:
    def __init__(self, first: date, last: date) -> None:
        self.clock = WorkClock(first, last)
        calendar = self.clock.calendar
        start = datetime.combine(first, datetime.min.time(), calendar.tz)
        self.offset = int(start.utcoffset().total_seconds())  # the hotline's zone has no summer time
        self.first_epoch = int(start.timestamp())  # local midnight of `first`
        self.day_seconds = self.clock.day_seconds
        self.bounds = self.clock.bounds

    def position(self, epoch: int) -> float:
        """Working seconds from the clock's first day to `epoch`."""
        index, now = divmod(epoch - self.first_epoch, 86400)
        if not 0 <= index < len(self.clock.workday):
            raise ValueError(f"{epoch} lies outside the clock's range")
        total = self.clock.before[index]
        if not self.clock.workday[index]:
            return total
        for opens, closes in self.bounds[: bisect_right(self.clock.opens, now)]:
            total += min(now, closes) - opens
        return total

    def at(self, position: float) -> int:
        """The first instant at which `position` working seconds have passed (a window's close stays there)."""
        index = bisect_left(self.clock.before, position) - 1
        if position <= 0 or index >= len(self.clock.workday):
            raise ValueError(f"{position} lies outside the clock's range")
        rest = position - self.clock.before[index]  # day `index` is a working day: the sums rose through it
        for opens, closes in self.bounds:
            if rest <= closes - opens:
                return self.first_epoch + index * 86400 + int(opens + rest)
            rest -= closes - opens
        raise AssertionError("a working day holds day_seconds")

    def add_hours(self, epoch: int, hours: float) -> int:
        return self.at(self.position(epoch) + hours * 3600)

    def add_days(self, epoch: int, days: float) -> int:
        return self.at(self.position(epoch) + days * self.day_seconds)
