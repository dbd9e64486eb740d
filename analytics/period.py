"""A reporting period: whole local days [first, last], turned into UTC bounds for the queries."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from hotline.errors import Invalid
from hotline.localtime import centre_zone

MAX_DAYS = 400  # a year and a bit: longer ranges are not a meeting's question and would be slow


@dataclass(frozen=True)
class Period:
    first: date  # first local day, included
    last: date  # last local day, included

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise Invalid("统计期的结束日期不能早于开始日期", code="bad_period")
        if (self.last - self.first).days >= MAX_DAYS:
            raise Invalid(f"统计期最长 {MAX_DAYS} 天", code="period_too_long")

    @cached_property
    def tz(self) -> ZoneInfo:  # cached: local_day runs for every ticket of a month
        return centre_zone()

    @cached_property  # cached, as are the others: compared with every ticket of a month
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.tz).astimezone(UTC)

    @cached_property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def previous(self) -> "Period":
        """The period of the same length just before: what growth is measured against."""
        length = self.last - self.first + timedelta(days=1)
        return Period(self.first - length, self.first - timedelta(days=1))

    def label(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def day_positions(self, moments: np.ndarray) -> np.ndarray:
        """For each moment (seconds since the epoch), the index of its local day in `days`; -1 outside the period.
        Looked up among the days' UTC starts, all at once: a month's report places a hundred thousand tickets."""
        bounds = np.array([Period(d, d).start.timestamp() for d in self.days] + [self.end.timestamp()])
        positions = np.searchsorted(bounds, moments, side="right") - 1
        positions[positions >= len(self.days)] = -1
        return positions


def parse_period(first: str | date, last: str | date) -> Period:
    try:
        a = first if isinstance(first, date) else date.fromisoformat(first)
        b = last if isinstance(last, date) else date.fromisoformat(last)
    except ValueError:
        raise Invalid("日期格式应为 YYYY-MM-DD", code="bad_date") from None
    return Period(a, b)


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period(start, following - timedelta(days=1))
