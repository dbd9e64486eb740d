"""Working-day clocks on China's real 2025–2026 calendar.

Expected deadlines are worked out by hand from the State Council holiday notices (default windows
08:30–12:00 and 13:30–17:30, so 7.5 working hours a day) and written as literal UTC datetimes:
Beijing time is UTC+8.
"""

import logging
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from hotline.clock import (
    CalendarOverrides,
    WorkCalendar,
    callback_due,
    dispatch_deadlines,
    extended_due,
    get_calendar,
    get_time_limits,
    is_near_due,
    load_calendar,
    load_time_limits,
    remaining_working_hours,
)
from hotline.settings import Settings

CST = ZoneInfo("Asia/Shanghai")


def bj(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def limits():
    return load_time_limits(None)


# --- the official calendar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Spring Festival 2025: off Jan 28 – Feb 4; Sun Jan 26 and Sat Feb 8 are working days (调休).
        ("2025-01-26", True),
        ("2025-01-27", True),
        ("2025-01-28", False),
        ("2025-02-04", False),
        ("2025-02-05", True),
        ("2025-02-08", True),
        # National Day + Mid-Autumn 2025: off Oct 1–8; Sun Sep 28 and Sat Oct 11 are working days.
        ("2025-09-27", False),
        ("2025-09-28", True),
        ("2025-10-01", False),
        ("2025-10-06", False),
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2025-10-11", True),
        ("2025-10-12", False),
        # 2026 (国办发明电〔2025〕7号): New Year off Jan 1–3, Sun Jan 4 works.
        ("2026-01-02", False),
        ("2026-01-04", True),
        # Spring Festival 2026: off Feb 15–23; Sat Feb 14 and Sat Feb 28 are working days.
        ("2026-02-14", True),
        ("2026-02-16", False),
        ("2026-02-23", False),
        ("2026-02-24", True),
        ("2026-02-28", True),
        # Labour Day 2026: off May 1–5, Sat May 9 works.
        ("2026-05-05", False),
        ("2026-05-09", True),
        # Mid-Autumn Sep 25 2026 (Fri) off; National Day off Oct 1–7; Sun Sep 20 and Sat Oct 10 work.
        ("2026-09-20", True),
        ("2026-09-25", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),
        # An ordinary weekend.
        ("2025-03-15", False),
        ("2025-03-17", True),
    ],
)
def test_official_calendar(cal: WorkCalendar, day: str, expected: bool) -> None:
    assert cal.is_workday(date.fromisoformat(day)) is expected


def test_working_days_in_a_year(cal: WorkCalendar) -> None:
    # 2025: 261 weekdays − 18 weekday holidays + 5 调休 weekend days = 248.
    assert cal.working_days_between(bj(2025, 1, 1), bj(2026, 1, 1)) == pytest.approx(248)
    # 2026: 261 weekdays − 19 weekday holidays + 6 调休 weekend days = 248.
    assert cal.working_days_between(bj(2026, 1, 1), bj(2027, 1, 1)) == pytest.approx(248)


def test_hours_per_day(cal: WorkCalendar) -> None:
    assert cal.hours_per_day == 7.5
    assert WorkCalendar(windows=((time(9), time(17)),)).hours_per_day == 8.0


# --- dispatch deadlines ----------------------------------------------------------------------------


def test_complaint_dispatched_friday_before_national_day(cal: WorkCalendar, limits) -> None:
    # Fri 2025-09-26 16:00. Sign 2 h: 1.5 h on Friday, then Sat is off but Sun 09-28 works → 09:00.
    # Handle 5 days = 37.5 h: Fri 1.5, Sun 28 7.5, Mon 29 7.5, Tue 30 7.5, (Oct 1–8 off),
    # Thu Oct 9 7.5 → 31.5 h; Fri Oct 10: 3.5 in the morning, 2.5 in the afternoon → 16:00.
    d = dispatch_deadlines(bj(2025, 9, 26, 16), "投诉", urgent=False, limits=limits, calendar=cal)
    assert d.sign_due_at == utc(2025, 9, 28, 1, 0)
    assert d.reply_due_at == utc(2025, 10, 10, 8, 0)
    assert d.reply_due_at.tzinfo is UTC


def test_high_urgency_complaint_signs_in_one_working_hour_and_is_handled_within_a_working_day(cal, limits) -> None:
    # 较急, Fri 2025-09-26 16:00: sign 1 h → 17:00; handle 1 working day (7.5 h) instead of 5: 1.5 h on Friday,
    # then Sun 09-28 (a moved working day) 08:30–12:00 and 13:30–16:00 → 16:00.
    d = dispatch_deadlines(bj(2025, 9, 26, 16), "投诉", urgent=False, limits=limits, calendar=cal, high=True)
    assert d.sign_due_at == utc(2025, 9, 26, 9, 0)
    assert d.reply_due_at == utc(2025, 9, 28, 8, 0)
    assert (limits.high_sign_working_hours, limits.high_handle_working_days) == (1, 1)


def test_consult_dispatched_at_17_before_a_weekend(cal: WorkCalendar, limits) -> None:
    # Fri 2025-03-14 17:00: 0.5 h left that day; Mon 03-17: 1.5 h more → sign 10:00;
    # 7 h more for the 1-day consult → Mon 17:00.
    d = dispatch_deadlines(bj(2025, 3, 14, 17), "咨询", urgent=False, limits=limits, calendar=cal)
    assert d.sign_due_at == utc(2025, 3, 17, 2, 0)
    assert d.reply_due_at == utc(2025, 3, 17, 9, 0)


def test_consult_before_spring_festival_2025(cal: WorkCalendar, limits) -> None:
    # Fri 2025-01-24 17:00 → the 调休 Sunday 01-26 counts: due Sun 17:00.
    d = dispatch_deadlines(bj(2025, 1, 24, 17), "咨询", urgent=False, limits=limits, calendar=cal)
    assert d.reply_due_at == utc(2025, 1, 26, 9, 0)
    # Mon 2025-01-27 17:00, last day before the holiday (Jan 28 – Feb 4) → Wed 02-05 17:00.
    d = dispatch_deadlines(bj(2025, 1, 27, 17), "咨询", urgent=False, limits=limits, calendar=cal)
    assert d.sign_due_at == utc(2025, 2, 5, 2, 0)
    assert d.reply_due_at == utc(2025, 2, 5, 9, 0)


def test_complaint_across_spring_festival_2026(cal: WorkCalendar, limits) -> None:
    # Thu 2026-02-12 09:00 + 5 days (same wall time each working day): Fri 13, Sat 14 (调休),
    # (Feb 15–23 off), Tue 24, Wed 25, Thu 26 → 2026-02-26 09:00.
    d = dispatch_deadlines(bj(2026, 2, 12, 9), "投诉", urgent=False, limits=limits, calendar=cal)
    assert d.reply_due_at == utc(2026, 2, 26, 1, 0)
    # Help (3 days) from Wed 2026-02-25 14:00: Thu 26, Fri 27, Sat 28 (调休) → 14:00.
    d = dispatch_deadlines(bj(2026, 2, 25, 14), "求助", urgent=False, limits=limits, calendar=cal)
    assert d.reply_due_at == utc(2026, 2, 28, 6, 0)


@pytest.mark.parametrize(
    ("dispatched", "sign_due"),
    [
        (bj(2025, 3, 11, 11), utc(2025, 3, 11, 6, 30)),  # 1 h before lunch, 1 h after 13:30 → 14:30
        (bj(2025, 3, 11, 12, 30), utc(2025, 3, 11, 7, 30)),  # in the lunch break: from 13:30 → 15:30
        (bj(2025, 3, 11, 17), utc(2025, 3, 12, 2, 0)),  # 0.5 h tonight, 1.5 h tomorrow → 10:00
        (bj(2025, 3, 11, 20), utc(2025, 3, 12, 2, 30)),  # evening: from 08:30 next day → 10:30
        (bj(2025, 3, 11, 10), utc(2025, 3, 11, 4, 0)),  # ends exactly at 12:00, not at 13:30
    ],
)
def test_sign_for_crosses_lunch_and_evening(cal: WorkCalendar, limits, dispatched, sign_due) -> None:
    d = dispatch_deadlines(dispatched, "建议", urgent=False, limits=limits, calendar=cal)
    assert d.sign_due_at == sign_due


def test_urgent_ticket_on_a_holiday(cal: WorkCalendar, limits) -> None:
    # National Day 2025-10-02 22:00: calendar hours, holiday or not → 22:30 and 00:00 next day.
    now = bj(2025, 10, 2, 22)
    d = dispatch_deadlines(now, "求助", urgent=True, limits=limits, calendar=cal)
    assert d.sign_due_at == utc(2025, 10, 2, 14, 30)
    assert d.reply_due_at == utc(2025, 10, 2, 16, 0)
    assert remaining_working_hours(bj(2025, 10, 2, 23), d.reply_due_at, urgent=True, calendar=cal) == 1.0
    assert not is_near_due(bj(2025, 10, 2, 22, 10), d.reply_due_at, True, limits, cal)
    assert is_near_due(bj(2025, 10, 2, 23, 45), d.reply_due_at, True, limits, cal)
    assert not is_near_due(bj(2025, 10, 3, 0, 5), d.reply_due_at, True, limits, cal)  # overdue


def test_unknown_request_type(cal: WorkCalendar, limits) -> None:
    with pytest.raises(ValueError, match="未知的诉求类型：投拆"):
        dispatch_deadlines(bj(2025, 3, 11, 9), "投拆", urgent=False, limits=limits, calendar=cal)
    with pytest.raises(ValueError, match="未知的诉求类型"):
        dispatch_deadlines(bj(2025, 3, 11, 9), "other", urgent=True, limits=limits, calendar=cal)


# --- extension, callback, near-due -----------------------------------------------------------------


def test_extension_across_national_day(cal: WorkCalendar) -> None:
    # 2026: due Wed 09-30 15:00; +3 working days skips Oct 1–7 → Thu 8, Fri 9, Sat 10 (调休) 15:00.
    assert extended_due(bj(2026, 9, 30, 15), 3, cal) == utc(2026, 10, 10, 7, 0)
    # 2025: due Tue 09-30 15:00; +2 skips Oct 1–8 → Thu 9, Fri 10 15:00.
    assert extended_due(bj(2025, 9, 30, 15), 2, cal) == utc(2025, 10, 10, 7, 0)
    with pytest.raises(ValueError):
        extended_due(bj(2025, 9, 30, 15), 0, cal)


def test_callback_due(cal: WorkCalendar, limits) -> None:
    # Reply accepted Sat 2025-10-11 (调休, working) 16:00 → +2 days: Mon 13, Tue 14 16:00.
    assert callback_due(bj(2025, 10, 11, 16), limits, cal) == utc(2025, 10, 14, 8, 0)


def test_near_due_in_working_hours(cal: WorkCalendar, limits) -> None:
    due = bj(2025, 9, 30, 15)
    assert is_near_due(bj(2025, 9, 30, 12), due, False, limits, cal)  # 13:30–15:00 = 1.5 h
    assert not is_near_due(bj(2025, 9, 29, 16), due, False, limits, cal)  # 1.5 + 3.5 + 1.5 = 6.5 h
    assert not is_near_due(bj(2025, 9, 30, 16), due, False, limits, cal)  # overdue, not near-due
    assert remaining_working_hours(bj(2025, 9, 30, 16), due, False, cal) == -1.0
    # Friday evening with a Monday 10:00 deadline: only 1.5 working hours left.
    assert is_near_due(bj(2025, 3, 14, 18), bj(2025, 3, 17, 10), False, limits, cal)


# --- working time between two instants -------------------------------------------------------------


def test_working_hours_between_across_tiaoxiu_weekend(cal: WorkCalendar) -> None:
    # Fri 2025-10-10 09:00 → Mon 10-13 09:00: Fri 7, Sat 11 (调休) 7.5, Sun off, Mon 0.5 = 15.
    assert cal.working_hours_between(bj(2025, 10, 10, 9), bj(2025, 10, 13, 9)) == 15.0
    assert cal.working_days_between(bj(2025, 10, 10, 9), bj(2025, 10, 13, 9)) == 2.0
    assert cal.working_hours_between(bj(2025, 10, 13, 9), bj(2025, 10, 10, 9)) == -15.0
    # The same span a week later is an ordinary weekend: 7 + 0.5.
    assert cal.working_hours_between(bj(2025, 10, 17, 9), bj(2025, 10, 20, 9)) == 7.5
    # Fri 2025-09-26 12:00 → Mon 09-29 12:00: Fri 4, Sun 28 (调休) 7.5, Mon 3.5 = 15.
    assert cal.working_hours_between(bj(2025, 9, 26, 12), bj(2025, 9, 29, 12)) == 15.0
    # Fri 2026-09-18 17:00 → Mon 09-21 08:30: Fri 0.5, Sun 20 (调休) 7.5 = 8.
    assert cal.working_hours_between(bj(2026, 9, 18, 17), bj(2026, 9, 21, 8, 30)) == 8.0


def test_inputs_in_other_offsets(cal: WorkCalendar) -> None:
    # 2025-03-11 01:00 UTC is 09:00 in Beijing; +2 h → 11:00 Beijing.
    assert cal.add_working_hours(utc(2025, 3, 11, 1), 2) == utc(2025, 3, 11, 3)


def test_adding_zero(cal: WorkCalendar) -> None:
    start = bj(2025, 3, 11, 9, 17)
    assert cal.add_working_hours(start, 0) == start
    # Outside working time, zero counts from the next opening (Sat/Sun off → Mon 08:30).
    assert cal.add_working_hours(bj(2025, 3, 15, 10), 0) == utc(2025, 3, 17, 0, 30)


def test_naive_datetimes_refused(cal: WorkCalendar, limits) -> None:
    naive = datetime(2025, 3, 11, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_hours_between(bj(2025, 3, 11, 9), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        dispatch_deadlines(naive, "咨询", urgent=True, limits=limits, calendar=cal)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_near_due(naive, bj(2025, 3, 11, 9), False, limits, cal)


def test_bad_windows_refused() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(windows=((time(9), time(12)), (time(11), time(17))))
    with pytest.raises(ValueError):
        WorkCalendar(windows=((time(17), time(9)),))
    with pytest.raises(ValueError):
        WorkCalendar(windows=())


def test_long_span_is_fast(cal: WorkCalendar) -> None:
    # One year of working days (248 in 2025) from 2025-01-02 09:00 lands on the first 2026 working
    # day, 2026-01-04 (Sun, 调休) 09:00, since Jan 1–3 2026 are off.
    assert cal.add_working_days(bj(2025, 1, 2, 9), 248) == utc(2026, 1, 4, 1, 0)


# --- years the package does not know ---------------------------------------------------------------


def test_unknown_year_falls_back_to_weekdays(caplog: pytest.LogCaptureFixture) -> None:
    # A year far enough ahead that no chinesecalendar release will know it.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2099, 1, 1))
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="hotline.clock.workdays"):
        assert cal.is_workday(date(2099, 1, 1))  # Thursday: no data, so a plain weekday
        assert not cal.is_workday(date(2099, 1, 3))  # Saturday
        assert cal.is_workday(date(2099, 1, 5))
        # Fri 2099-01-02 17:00 + 1 day: 0.5 h, the weekend, 7 h on Mon 01-05 → 17:00.
        assert cal.add_working_days(bj(2099, 1, 2, 17), 1) == utc(2099, 1, 5, 9, 0)
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1


def test_override_file_for_unknown_year(tmp_path: Path) -> None:
    # chinesecalendar 1.11 stops at 2026; a centre adds 2027 dates from the notice by itself.
    path = tmp_path / "calendar.toml"
    path.write_text(
        '[holidays]\ndates = ["2027-01-01", 2027-02-10]\n\n[workdays]\ndates = ["2027-01-09"]\n',
        encoding="utf-8",
    )
    cal = load_calendar(Settings(calendar_file=path, timezone="Asia/Shanghai"))
    assert not cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 2, 10))  # a native TOML date works too
    assert cal.is_workday(date(2027, 1, 9))  # a Saturday made a working day
    # Thu 2026-12-31 17:00 + 1 day: 0.5 h, Jan 1 off, weekend, Mon 2027-01-04 17:00.
    assert cal.add_working_days(bj(2026, 12, 31, 17), 1) == utc(2027, 1, 4, 9, 0)
    # Overrides also win over the packaged calendar for a year it knows.
    cal = WorkCalendar(overrides=CalendarOverrides(holidays=frozenset({date(2025, 3, 11)})))
    assert not cal.is_workday(date(2025, 3, 11))


def test_bad_override_file(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('[holidays]\ndates = ["2027-13-01"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="2027-13-01"):
        CalendarOverrides.from_toml(path)
    path.write_text('[holiday]\ndates = ["2027-01-01"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="holiday"):
        CalendarOverrides.from_toml(path)
    path.write_text('[holidays]\ndates = ["2027-01-01"]\n[workdays]\ndates = ["2027-01-01"]\n')
    with pytest.raises(ValueError, match="both"):
        CalendarOverrides.from_toml(path)


# --- time limits file ------------------------------------------------------------------------------


def test_cached_getters() -> None:
    assert get_calendar() is get_calendar()
    assert get_time_limits() is get_time_limits()


def test_default_time_limits(limits) -> None:
    assert limits.sign_working_hours == 2
    assert dict(limits.handle_working_days) == {
        "咨询": 1,
        "求助": 3,
        "投诉": 5,
        "举报": 10,
        "建议": 5,
        "表扬": 1,
    }
    assert (limits.urgent_sign_hours, limits.urgent_handle_hours) == (0.5, 2)
    assert limits.callback_working_days == 2
    assert (limits.near_due_working_hours, limits.urgent_near_due_hours) == (4, 0.5)


def test_time_limits_file_overrides_some_keys(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text('[handle]\n"投诉" = 7\n\n[sign]\nworking_hours = 1.5\n', encoding="utf-8")
    limits = load_time_limits(path)
    assert limits.handle_working_days["投诉"] == 7
    assert limits.handle_working_days["咨询"] == 1  # untouched keys keep the default
    assert limits.sign_working_hours == 1.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[handle]\n"咨讯" = 1\n', "unknown key 'handle.咨讯'"),
        ("[sign]\nhours = 2\n", "unknown key 'sign.hours'"),
        ("[signing]\nworking_hours = 2\n", r"unknown section \[signing\]"),
        ("[sign]\nworking_hours = -1\n", "'sign.working_hours' must be greater than 0"),
        ('[urgent]\nsign_hours = "half"\n', "'urgent.sign_hours' must be a number"),
        ("[sign\nworking_hours = 2\n", "not valid TOML"),
    ],
)
def test_bad_time_limits_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "limits.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as excinfo:
        load_time_limits(path)
    assert str(path) in str(excinfo.value)


# --- property: adding and measuring are inverse ----------------------------------------------------


def _in_working_time(cal: WorkCalendar, when: datetime) -> bool:
    local = when.astimezone(CST)
    if not cal.is_workday(local.date()):
        return False
    return any(o < local.time() <= c for o, c in cal.windows)


def test_add_and_between_are_inverse(cal: WorkCalendar) -> None:
    rng = random.Random(12345)
    base = bj(2025, 1, 1)
    for _ in range(2000):
        start = base + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60 - 40 * 24 * 60))
        hours = rng.choice([0.0, 0.5, 2.0, 7.5, 37.5]) if rng.random() < 0.2 else rng.uniform(0, 80)
        due = cal.add_working_hours(start, hours)
        assert due >= start
        assert cal.working_hours_between(start, due) == pytest.approx(hours, abs=1e-6)
        assert cal.working_hours_between(due, start) == pytest.approx(-hours, abs=1e-6)
        if hours > 0:
            assert _in_working_time(cal, due)
        # And the other way: measuring to a working instant then adding gets back there.
        end = start + timedelta(minutes=rng.randrange(1, 20 * 24 * 60))
        if _in_working_time(cal, end):
            assert cal.add_working_hours(start, cal.working_hours_between(start, end)) == end
