"""`hotline tickets bench-search`: the desk search (工单查询) on a generated year of tickets.

The tickets are the analytics benchmark's (real citizens' messages, real departments and callers, a year of
history; `analytics/bench`), loaded into a throw-away database built by the real migrations. Each query kind
runs with values drawn from the data (numbers, phones, words of real titles); the figure is the wall time of one
desk request's two queries (the count, which stops past COUNT_LIMIT as the API's does, and the first page of 50).
The baseline is the plain 全部工单 list.
"""

import os
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import update
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.auth.models import Role
from hotline.callers.models import Caller
from hotline.db import make_engine
from hotline.tickets.models import NEXT_DUE, Ticket
from hotline.tickets.search import COUNT_LIMIT, TicketFilters, search_tickets
from hotline.tickets.searchfill import fill_search_columns

TARGET_MS = 500.0


def _kinds(session: Session, rng: random.Random) -> dict[str, list[TicketFilters]]:
    """Ten filter sets per kind of query, drawn from the data."""
    sample = session.exec(select(Ticket).order_by(Ticket.id).offset(rng.randrange(1000)).limit(2000)).all()
    picks = rng.sample(sample, 10)
    phones = [session.get(Caller, t.caller_id).phone for t in picks if t.caller_id]
    words = [t.summary[:2] for t in picks]
    return {
        "list_all": [TicketFilters() for _ in range(10)],
        "number": [TicketFilters(q=t.number) for t in picks],
        "phone_full": [TicketFilters(q=p) for p in phones],
        "phone_last4": [TicketFilters(q=p[-4:]) for p in phones],
        "words": [TicketFilters(q=w) for w in words],
        "words_and_district": [TicketFilters(q=w, district=t.district) for w, t in zip(words, picks, strict=True)],
        "filters": [TicketFilters(district=t.district, request_type=t.request_type, state="closed") for t in picks],
        "overdue": [TicketFilters(overdue=True) for _ in range(10)],
        "dates_newest": [
            TicketFilters(created_from=t.created_at.date(), created_to=t.created_at.date(), sort="newest")
            for t in picks
        ],
    }


def _time(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def measure(url: str, rounds: int = 3, seed: int = 7) -> dict[str, dict[str, float]]:
    engine = make_engine(url)
    agent = Actor(id=None, name="bench", role=Role.agent)
    figures = {}
    with Session(engine) as session:
        for kind, filter_sets in _kinds(session, random.Random(seed)).items():
            search_tickets(session, agent, filter_sets[0], count_limit=COUNT_LIMIT)  # warm the cache as a server's is
            times = [
                _time(lambda f=f: search_tickets(session, agent, f, count_limit=COUNT_LIMIT))  # as GET /api/tickets
                for _ in range(rounds)
                for f in filter_sets
            ]
            times.sort()
            figures[kind] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            }
    engine.dispose()
    return figures


def _has_tickets(url: str) -> bool:
    from sqlalchemy import inspect, text

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("ticket"):
                return False
            return connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() > 0
    finally:
        engine.dispose()


def _unfilled(url: str) -> bool:
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return (
                connection.execute(text("SELECT 1 FROM ticket WHERE search_grams IS NULL LIMIT 1")).first() is not None
            )
    finally:
        engine.dispose()


def _fill_postgres(url: str) -> None:
    """The same values as fill_search_columns (same functions), written by COPY into a scratch table and one
    UPDATE with the ticket table's secondary indexes dropped and rebuilt, as the loader does: row-by-row updates
    ran at ~6 ms a ticket here, most of two hours for a million."""
    import psycopg

    from hotline.tickets.grams import grams, last4

    with psycopg.connect(url, autocommit=True) as conn:  # committed first: the reader below needs the table
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'ticket' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE caller SET phone_last4 = right(phone, 4) WHERE length(phone) >= 4")
        conn.execute("CREATE TEMP TABLE fill (id int PRIMARY KEY, n4 text, c4 text, g text)")
        with psycopg.connect(url) as reader, reader.cursor(name="tickets") as rows:  # one COPY per connection
            rows.execute("SELECT id, number, callback_phone, summary, description, address FROM ticket")
            with conn.cursor().copy("COPY fill FROM STDIN") as copy:
                for i, number, callback, summary, description, address in rows:
                    copy.write_row((i, last4(number), last4(callback), grams(summary, description, address)))
        conn.execute(
            "UPDATE ticket SET number_last4 = f.n4, callback_last4 = f.c4, search_grams = f.g FROM fill f "
            "WHERE ticket.id = f.id"
        )
        conn.commit()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(update(Ticket.__table__).values(next_due_at=NEXT_DUE))
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE")  # as autovacuum would after a load this size


def _fill(url: str, backend: str) -> None:
    """Fill the stored search columns of bulk-loaded rows as the migration does."""
    if backend == "postgresql":
        return _fill_postgres(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        fill_search_columns(connection)
    engine.dispose()


def build(url: str, tickets: int, backend: str, echo: Callable[[str], None]) -> None:
    """A year of `tickets` generated tickets in the empty database at `url`, search columns filled."""
    from analytics.bench.corpus import load_corpus
    from analytics.bench.history import batches
    from analytics.bench.load import PostgresLoader, SqliteLoader
    from analytics.bench.run import AS_OF, BATCH, prepare
    from hotline.demo.catalogue import load_catalogue
    from hotline.settings import get_settings

    corpus = load_corpus(get_settings().data_dir, {u.code: u.name for u in load_catalogue()})
    cast = prepare(url)
    loader = SqliteLoader(url.removeprefix("sqlite:///")) if backend == "sqlite" else PostgresLoader(url)
    began = time.perf_counter()
    for batch in batches(corpus, cast, tickets, int(AS_OF.timestamp()), BATCH):
        loader.write(batch)
    loader.finish()
    echo(f"生成并写入 {tickets} 张工单：{time.perf_counter() - began:.0f} 秒")
    began = time.perf_counter()
    _fill(url, backend)
    echo(f"填充检索索引列：{time.perf_counter() - began:.0f} 秒")


def run_bench(tickets: int, echo: Callable[[str], None], backend: str = "sqlite", database: str | None = None) -> dict:
    """Build into a throw-away database, or into `database` (kept; reused as it is when it already holds
    tickets, after the migrations are brought to head: a million tickets take tens of minutes to build)."""
    from analytics.bench.run import PG_ADMIN, temporary_postgres, temporary_sqlite
    from hotline.migrate import upgrade

    load_before = os.getloadavg()
    if database:
        if _has_tickets(database):
            began = time.perf_counter()
            upgrade("heads", database)
            if _unfilled(database):  # a build stopped after the load, before its fill was committed
                _fill(database, backend)
            echo(f"沿用已有数据库，迁移到最新：{time.perf_counter() - began:.0f} 秒")
        else:
            build(database, tickets, backend, echo)
        figures = measure(database)
    else:
        with temporary_sqlite() if backend == "sqlite" else temporary_postgres(PG_ADMIN) as url:
            build(url, tickets, backend, echo)
            figures = measure(url)
    baseline = figures["list_all"]["p95_ms"]
    for kind, f in figures.items():
        echo(f"  {kind:20s} p50 {f['p50_ms']:8.1f} ms   p95 {f['p95_ms']:8.1f} ms")
    missing = [k for k, f in figures.items() if f["p95_ms"] > TARGET_MS]
    return {
        "tickets": tickets,
        "backend": backend,
        "queries": figures,
        "ratio_p95_to_list_all": {k: round(f["p95_ms"] / baseline, 2) for k, f in figures.items() if baseline},
        "target_p95_ms": TARGET_MS,
        "over_target": missing,
        "machine": {
            "cores": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
