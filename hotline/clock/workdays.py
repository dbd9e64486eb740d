"""The working-day calendar (工作日) and working-time arithmetic.

Working days follow China's official calendar with its moved working days (调休) through the
`chinesecalendar` package; a centre can add holidays and working days (for a year the package does
not know yet) through a TOML overrides file. Working time is the office windows of each working day.
"""

from __future__ import annotations

import logging
import math
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.settings import Settings, get_settings

log = logging.getLogger(__name__)

DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def require_aware(value: datetime, name: str = "datetime") -> None:
    """Refuse naive datetimes: a deadline is only meaningful with a known offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True)
class CalendarOverrides:
    """Extra holidays and extra working days that win over the packaged official calendar."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"calendar overrides list dates both as holiday and as working day: {listed}")

    @classmethod
    def from_toml(cls, path: Path) -> CalendarOverrides:
        """Read `[holidays] dates = [...]` and `[workdays] dates = [...]` (ISO strings or TOML dates)."""
        try:
            with Path(path).open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"calendar file {path}: not valid TOML: {exc}") from exc
        unknown = set(data) - {"holidays", "workdays"}
        if unknown:
            raise ValueError(
                f"calendar file {path}: unknown section(s) {sorted(unknown)}; expected [holidays] and [workdays]"
            )
        return cls(
            holidays=_read_dates(data.get("holidays", {}), f"{path} [holidays]"),
            workdays=_read_dates(data.get("workdays", {}), f"{path} [workdays]"),
        )


def _read_dates(section: object, where: str) -> frozenset[date]:
    if not isinstance(section, dict) or set(section) - {"dates"}:
        raise ValueError(f"calendar file {where}: expected only the key `dates = [...]`")
    raw = section.get("dates", [])
    if not isinstance(raw, list):
        raise ValueError(f"calendar file {where}: `dates` must be a list")
    dates: set[date] = set()
    for item in raw:
        dates.add(_parse_date(item, where))
    return frozenset(dates)


def _parse_date(item: object, where: str) -> date:
    # TOML has a native date type; a datetime (with a time) is a mistake, not a date.
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    if isinstance(item, str):
        try:
            return date.fromisoformat(item)
        except ValueError:
            pass
    raise ValueError(f'calendar file {where}: {item!r} is not a date like "2027-01-01"')


class WorkCalendar:
    """Working days and working hours in one local time zone.

    Working time is counted on the local wall clock (China has no daylight saving time).
    """

    def __init__(
        self,
        tz: str = "Asia/Shanghai",
        windows: tuple[tuple[time, time], ...] = DEFAULT_WINDOWS,
        overrides: CalendarOverrides | None = None,
    ) -> None:
        self.tz = ZoneInfo(tz)
        self.windows = _check_windows(windows)
        self.overrides = overrides or CalendarOverrides()
        self._day_length = sum((_length(opens, closes) for opens, closes in self.windows), timedelta())
        self._warned_years: set[int] = set()

    @property
    def hours_per_day(self) -> float:
        return self._day_length / _HOUR

    def is_workday(self, d: date) -> bool:
        if d in self.overrides.holidays:
            return False
        if d in self.overrides.workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(d))  # the package is untyped
        except NotImplementedError:
            self._warn_unknown_year(d.year)
            return d.weekday() < 5

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when `hours` of working time have passed since `start` (UTC).

        A start outside working time counts from the next window's opening; a result that falls
        exactly on a window's closing stays there rather than moving to the next opening.
        """
        local = self._local(start, "start")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number >= 0, got {hours}")
        remaining = timedelta(microseconds=round(hours * 3_600_000_000))
        day = local.date()
        # First day: only the part of each window after the start counts.
        for opens, closes in self._windows_on(day):
            begin = max(opens, local)
            if begin >= closes:
                continue
            if remaining <= closes - begin:
                return self._utc(begin + remaining)
            remaining -= closes - begin
        # Later days: skip whole working days while more than a day is left, then walk the windows.
        while True:
            day += _DAY
            windows = self._windows_on(day)
            if not windows:
                continue
            if remaining > self._day_length:
                remaining -= self._day_length
                continue
            for opens, closes in windows:
                if remaining <= closes - opens:
                    return self._utc(opens + remaining)
                remaining -= closes - opens

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_working_hours(start, days * self.hours_per_day)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working time from `start` to `end` in hours; negative if `end` is before `start`."""
        a, b = self._local(start, "start"), self._local(end, "end")
        if b < a:
            return -(self._worked(b, a) / _HOUR)
        return self._worked(a, b) / _HOUR

    def working_days_between(self, start: datetime, end: datetime) -> float:
        return self.working_hours_between(start, end) / self.hours_per_day

    def _worked(self, a: datetime, b: datetime) -> timedelta:
        if a.date() == b.date():
            return self._overlap(a.date(), a, b)
        total = self._overlap(a.date(), a, datetime.combine(a.date() + _DAY, time()))
        day = a.date() + _DAY
        while day < b.date():
            if self.is_workday(day):
                total += self._day_length
            day += _DAY
        return total + self._overlap(b.date(), datetime.combine(b.date(), time()), b)

    def _overlap(self, day: date, lo: datetime, hi: datetime) -> timedelta:
        total = timedelta()
        for opens, closes in self._windows_on(day):
            total += max(timedelta(), min(closes, hi) - max(opens, lo))
        return total

    def _windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's windows as naive local datetimes; none on a day off."""
        if not self.is_workday(day):
            return []
        return [(datetime.combine(day, o), datetime.combine(day, c)) for o, c in self.windows]

    def _local(self, value: datetime, name: str) -> datetime:
        require_aware(value, name)
        return value.astimezone(self.tz).replace(tzinfo=None)

    def _utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def _warn_unknown_year(self, year: int) -> None:
        if year in self._warned_years:
            return
        self._warned_years.add(year)
        known = sum(1 for d in self.overrides.holidays | self.overrides.workdays if d.year == year)
        log.warning(
            "chinesecalendar has no official calendar for %s; using Monday-Friday plus %d override date(s)"
            " from the calendar file",
            year,
            known,
        )


def _length(opens: time, closes: time) -> timedelta:
    return datetime.combine(date.min, closes) - datetime.combine(date.min, opens)


def _check_windows(windows: tuple[tuple[time, time], ...]) -> tuple[tuple[time, time], ...]:
    windows = tuple(windows)
    if not windows:
        raise ValueError("a work calendar needs at least one working window")
    previous_close: time | None = None
    for opens, closes in windows:
        if opens >= closes:
            raise ValueError(f"working window {opens}-{closes} must open before it closes (same day)")
        if previous_close is not None and opens < previous_close:
            raise ValueError("working windows must be in order and must not overlap")
        previous_close = closes
    return windows


def load_calendar(settings: Settings | None = None) -> WorkCalendar:
    settings = settings or get_settings()
    overrides = CalendarOverrides.from_toml(settings.calendar_file) if settings.calendar_file else None
    return WorkCalendar(tz=settings.timezone, overrides=overrides)


@lru_cache
def get_calendar() -> WorkCalendar:
    return load_calendar()
