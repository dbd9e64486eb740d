"""`hotline analytics bench`: a year of N tickets in a temporary SQLite file and a temporary PostgreSQL database,
then the busiest month's indicators and meeting pack timed on each. The temporary databases are always removed.
"""

import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
from sqlmodel import Session, select

from analytics.bench.corpus import load_corpus
from analytics.bench.history import YEAR, Cast, batches
from analytics.bench.load import PostgresLoader, SqliteLoader
from analytics.period import Period, month_of
from hotline.auth.models import Role, User
from hotline.db import make_engine
from hotline.demo.catalogue import load_catalogue, seed_departments
from hotline.localtime import centre_zone
from hotline.migrate import upgrade
from hotline.settings import get_settings

INDICATOR_TARGET = 10.0  # seconds, the month's indicators
PACK_TARGET = 60.0  # seconds, the month's whole meeting pack (Excel + PDF)
BATCH = 20_000  # tickets per batch: about 150k rows in memory at a time
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
AS_OF = datetime(YEAR + 1, 1, 10, tzinfo=UTC)  # the meetings look back from early next year
Echo = Callable[[str], None]


@contextmanager
def temporary_sqlite() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="hotline-bench-")
    try:
        yield f"sqlite:///{folder}/bench.db"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def temporary_postgres(admin_url: str) -> Iterator[str]:
    """CREATE DATABASE with a fresh name next to `admin_url`'s, DROP … WITH (FORCE) at the end."""
    name = f"hotline_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str) -> Cast:
    """Schema by the real migrations; the demo catalogue; an account for every actor of the histories."""
    upgrade("heads", url)
    engine = make_engine(url)
    with Session(engine) as session:
        departments = seed_departments(session, load_catalogue())
        users = [User(username=f"bench-agent{i}", display_name=f"话务员{i:02d}", password_hash="!", role=Role.agent)
                 for i in range(1, 21)]  # fmt: skip
        users.append(User(username="bench-supervisor", display_name="值班班长", password_hash="!",
                          role=Role.supervisor))  # fmt: skip
        users += [User(username=f"bench-{d.code.lower()}", display_name=f"{d.name}联络员", password_hash="!",
                       role=Role.liaison, department_id=d.id) for d in departments.values()]  # fmt: skip
        session.add_all(users)
        session.commit()
        rows = session.exec(select(User)).all()
        by_dept = {u.department_id: (u.id, u.display_name) for u in rows if u.role == Role.liaison}
        cast = Cast(
            agents=[(u.id, u.display_name) for u in rows if u.role == Role.agent],
            supervisor=next((u.id, u.display_name) for u in rows if u.role == Role.supervisor),
            liaisons=by_dept,
            departments={code: d.id for code, d in departments.items()},
        )
    engine.dispose()
    return cast


def indicators(url: str, month: Period) -> tuple[dict[str, float], dict]:
    """The month's figures: every section a meeting reads (build_report), without writing the files. Returns
    each step's seconds with the total, and the month's headline figures."""
    from analytics.report import build_report
    from analytics.text import clear_text_cache

    clear_text_cache()  # timed from cold: a first report of the month cuts every text into words
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            started = time.perf_counter()
            report = build_report(session, month, as_of=AS_OF)
            total = round(time.perf_counter() - started, 3)
    finally:
        engine.dispose()
    # the month's headline figures: a glance tells whether the generated history is plausible
    headline = {k: v for k, v in report.performance.total.rates().items() if k != "average_handling_days"}
    headline |= {"tickets": report.ticket_count, "assignments": report.performance.total.assignments,
                 "answer_rate": report.hotline.answer_rate, "topics": len(report.topics),
                 "repeats": len(report.repeats), "rising": len(report.rising)}  # fmt: skip
    return report.timings | {"total": total}, headline


def meeting_pack(url: str, month: Period) -> tuple[float, dict[str, float]]:
    """The whole meeting pack from cold: the figures, the Excel workbook and the PDF."""
    from analytics.pack.build import make_pack
    from analytics.text import clear_text_cache

    clear_text_cache()
    engine = make_engine(url)
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-pack-"))
    try:
        with Session(engine) as session:
            started = time.perf_counter()
            made = make_pack(session, month, folder, as_of=AS_OF)
            seconds = round(time.perf_counter() - started, 3)
        files = round(seconds - sum(made.report.timings.values()), 3)
        return seconds, made.report.timings | {"Excel 与 PDF": files}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        engine.dispose()


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        from sqlalchemy import text

        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("ticket", "ticket_event", "queued_call", "caller")}  # fmt: skip
    engine.dispose()
    return counts


def run_bench(tickets: int, backends: list[str], echo: Echo, pg_admin: str = PG_ADMIN) -> dict:
    from analytics.text import load_dictionaries

    load_dictionaries()  # the server has them loaded; do not time it
    load_before = os.getloadavg()
    corpus = load_corpus(get_settings().data_dir, {u.code: u.name for u in load_catalogue()})
    echo(f"真实留言 {len(corpus.samples)} 条、真实答复 {len(corpus.replies)} 条，生成 {tickets} 张工单的一年历史……")
    result: dict = {"tickets": tickets, "backends": {}, "machine": {"cores": os.cpu_count()},
                    "targets": {"indicators_seconds": INDICATOR_TARGET, "pack_seconds": PACK_TARGET}}  # fmt: skip
    with temporary_sqlite() as sqlite_url, temporary_postgres(pg_admin) if "postgresql" in backends else _none() as pg:
        urls = {"sqlite": sqlite_url, "postgresql": pg}
        urls = {b: urls[b] for b in backends}
        result["temporary"] = {"sqlite": sqlite_url.removeprefix("sqlite:///"), "postgresql": pg and pg.rsplit("/")[-1]}
        casts = {b: prepare(u) for b, u in urls.items()}
        cast = next(iter(casts.values()))
        if any(c.departments != cast.departments or c.liaisons != cast.liaisons for c in casts.values()):
            raise RuntimeError("the backends gave the catalogue different ids")
        loaders = {"sqlite": lambda u: SqliteLoader(u.removeprefix("sqlite:///")), "postgresql": PostgresLoader}
        open_loaders = {b: loaders[b](u) for b, u in urls.items()}
        load_seconds = dict.fromkeys(urls, 0.0)
        months: Counter = Counter()
        generation = 0.0
        started = time.perf_counter()
        for batch in batches(corpus, cast, tickets, int(AS_OF.timestamp()), BATCH):
            generation += time.perf_counter() - started
            months.update(datetime.fromtimestamp(row[13], UTC).astimezone(month_tz()).strftime("%Y-%m")
                          for row in batch.tickets)  # fmt: skip
            for backend, loader in open_loaders.items():
                began = time.perf_counter()
                loader.write(batch)
                load_seconds[backend] += time.perf_counter() - began
            started = time.perf_counter()
        for backend, loader in open_loaders.items():
            began = time.perf_counter()
            loader.finish()
            load_seconds[backend] += time.perf_counter() - began
        busiest, month_tickets = months.most_common(1)[0]
        month = month_of(date.fromisoformat(busiest + "-01"))
        result |= {"generation_seconds": round(generation, 1), "month": busiest, "month_tickets": month_tickets}
        echo(f"生成用时 {generation:.1f} 秒；最忙的月份 {busiest}（{month_tickets} 张）。")
        for backend, url in urls.items():
            rows = _row_counts(url)
            echo(f"[{backend}] 写入 {load_seconds[backend]:.1f} 秒：工单 {rows['ticket']}，流转记录 "
                 f"{rows['ticket_event']}，来电 {rows['queued_call']}，来电人 {rows['caller']}")  # fmt: skip
            figures, headline = indicators(url, month)
            echo(f"[{backend}] 指标 {figures['total']:.2f} 秒（目标 ≤ {INDICATOR_TARGET:.0f}）：{_parts(figures)}")
            pack_seconds, pack_parts = meeting_pack(url, month)
            echo(
                f"[{backend}] 研判会材料（Excel + PDF）{pack_seconds:.2f} 秒（目标 ≤ {PACK_TARGET:.0f}）："
                f"{_parts(pack_parts)}"
            )
            result["backends"][backend] = {
                "rows": rows, "load_seconds": round(load_seconds[backend], 1), "indicators": figures,
                "indicator_seconds": figures["total"], "pack_seconds": pack_seconds, "pack_steps": pack_parts,
                "month_figures": headline,
                "meets_targets": figures["total"] <= INDICATOR_TARGET and pack_seconds <= PACK_TARGET,
            }  # fmt: skip
    result["machine"] |= {"load_average_before": [round(x, 2) for x in load_before],
                          "load_average_after": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    echo(f"机器：{os.cpu_count()} 核，负载（1/5/15 分钟）开始 {_load(load_before)}，结束 {_load(os.getloadavg())}")
    return result


def month_tz():
    return centre_zone()


def _parts(timings: dict[str, float]) -> str:
    return "，".join(f"{k} {v:.2f}" for k, v in timings.items() if k != "total")


def _load(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


@contextmanager
def _none() -> Iterator[None]:
    yield None
