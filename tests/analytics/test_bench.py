"""`hotline analytics bench` at a tiny size on both databases, and the fast clock its histories are timed with."""

import json
import os
import random
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from analytics.bench.clock import EpochClock
from analytics.cli import app
from hotline.clock import get_calendar
from tests.conftest import IN_CI, PG_ADMIN, real_data


def test_epoch_clock_agrees_with_the_calendar_across_the_2025_holidays():
    clock = EpochClock(date(2024, 12, 1), date(2026, 2, 28))
    calendar = get_calendar()
    rng = random.Random(5)
    # random instants, plus the eve of the Spring Festival and National Day breaks and a window's very edges
    starts = [datetime(2025, 1, 27, 17, 0, tzinfo=UTC), datetime(2025, 9, 30, 9, 29, 59, tzinfo=UTC),
              datetime(2025, 3, 3, 4, 0, tzinfo=UTC), datetime(2025, 3, 3, 1, 30, tzinfo=UTC)]  # fmt: skip
    starts += [datetime.fromtimestamp(rng.randint(1735660800, 1764547200), UTC) for _ in range(300)]
    for start in starts:
        for hours in (0.5, 2, 3.5, 7.5, 37.5, 75):
            expected = calendar.add_working_hours(start, hours)
            got = clock.add_hours(int(start.timestamp()), hours)
            assert got == int(expected.timestamp()), (start, hours)


def _pg_names() -> set[str]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'hotline_bench_%'")}


def test_bench_times_both_databases_and_removes_them():
    real_data("messages")  # the bench resamples the real messages
    try:
        before = _pg_names()
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    result = CliRunner().invoke(app, ["bench", "--tickets", "2000", "--pg-admin", PG_ADMIN])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "指标" in result.output and "研判会材料" in result.output
    report = json.loads(lines[-1])
    assert report["tickets"] == 2000 and report["machine"]["cores"] == os.cpu_count()
    assert len(report["machine"]["load_average_before"]) == 3
    assert report["month_tickets"] > 2000 / 12  # the busiest month holds more than an average one
    figures = {}
    for backend in ("sqlite", "postgresql"):
        got = report["backends"][backend]
        assert got["rows"]["ticket"] == 2000
        assert 5 * 2000 < got["rows"]["ticket_event"] < 12 * 2000  # intake…close, with returns and reopens
        assert 0 < got["rows"]["queued_call"] < 2000 and got["rows"]["caller"] < 2000  # web tickets, repeat callers
        assert got["indicator_seconds"] > 0 and got["pack_seconds"] > got["indicators"]["承办单位绩效"]
        assert set(got["indicators"]) == {"承办单位绩效", "热线指标", "分类与区县", "读取工单", "读取上期工单",
                                          "事项归并", "热点", "突发上升", "重复投诉", "total"}  # fmt: skip
        assert got["pack_seconds"] > got["pack_steps"]["Excel 与 PDF"] > 0
        assert got["meets_targets"] is True
        figures[backend] = got["month_figures"]
    # one history, two databases: the same figures to the last digit
    assert figures["sqlite"] == figures["postgresql"]
    month = figures["sqlite"]
    assert month["tickets"] == report["month_tickets"]
    assert 0.8 < month["sign_rate"] < 1 and 0.03 < month["return_rate"] < 0.2 and 0.8 < month["satisfaction_rate"] < 1
    assert 0.2 < month["ontime_rate"] < 0.9 and 0.85 < month["answer_rate"] < 1
    # nothing left behind
    assert not Path(report["temporary"]["sqlite"]).exists()
    assert report["temporary"]["postgresql"] not in _pg_names() and _pg_names() <= before
