"""Bulk loading of the benchmark rows: one transaction of large executemany batches on SQLite, COPY on PostgreSQL.

Rows come with epoch seconds; each loader formats them as its database keeps `UTCDateTime` (naive UTC text).
"""

import sqlite3
from datetime import UTC, datetime

import psycopg

from analytics.bench.history import (
    ASSIGNMENT_COLUMNS,
    CALL_COLUMNS,
    CALLER_COLUMNS,
    EVENT_COLUMNS,
    REACTION_COLUMNS,
    TICKET_COLUMNS,
    TIME_COLUMNS,
    WORDS_COLUMNS,
    Batch,
)

TABLES = (("caller", CALLER_COLUMNS, "callers"), ("ticket", TICKET_COLUMNS, "tickets"),
          ("ticket_event", EVENT_COLUMNS, "events"), ("queued_call", CALL_COLUMNS, "calls"),
          ("ticket_reaction", REACTION_COLUMNS, "reactions"), ("ticket_assignment", ASSIGNMENT_COLUMNS, "assignments"),
          ("ticket_words", WORDS_COLUMNS, "words"))  # fmt: skip


class Stamps:
    """Epoch seconds → 'YYYY-MM-DD HH:MM:SS' + suffix, the date part cached per day (millions of calls)."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix
        self.days: dict[int, str] = {}

    def __call__(self, epoch: int | None) -> str | None:
        if epoch is None:
            return None
        day, second = divmod(epoch, 86400)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        hour, rest = divmod(second, 3600)
        return f"{prefix} {hour:02d}:{rest // 60:02d}:{rest % 60:02d}{self.suffix}"


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)  # "before" is a keyword


def _formatter(columns: tuple[str, ...], stamp: Stamps):
    times = [i for i, c in enumerate(columns) if c in TIME_COLUMNS]
    if not times:
        return lambda row: row

    def format_row(row: tuple) -> tuple:
        row = list(row)
        for i in times:
            row[i] = stamp(row[i])
        return row

    return format_row


class SqliteLoader:
    """All batches in one transaction; the journal and syncs off while loading a throw-away file."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")
        stamp = Stamps(".000000")  # SQLAlchemy's SQLite DateTime text
        self.statements = [
            (f"INSERT INTO {name} ({_names(cols)}) VALUES ({', '.join('?' * len(cols))})", _formatter(cols, stamp),
             attr)
            for name, cols, attr in TABLES
        ]  # fmt: skip

    def write(self, batch: Batch) -> None:
        for sql, fmt, attr in self.statements:
            self.conn.executemany(sql, map(fmt, getattr(batch, attr)))

    def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA journal_mode=WAL")  # as the product's engine keeps it
        self.conn.close()


class PostgresLoader:
    """COPY into the tables with their secondary indexes dropped, then the indexes rebuilt, the tables vacuumed
    and analysed and a checkpoint taken: the database is left settled, as a running server's is, so that
    autovacuum and checkpoint writes of fresh bulk-loaded tables do not run during the timings."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url)
        names = [name for name, _, _ in TABLES]
        self.indexes = self.conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [names],
        ).fetchall()
        for name, _ in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        stamp = Stamps("")
        self.copies = [(f"COPY {name} ({_names(cols)}) FROM STDIN", _formatter(cols, stamp), attr)
                       for name, cols, attr in TABLES]  # fmt: skip

    def write(self, batch: Batch) -> None:
        with self.conn.cursor() as cur:
            for sql, fmt, attr in self.copies:
                rows = getattr(batch, attr)
                if not rows:
                    continue
                with cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(fmt(row))

    def finish(self) -> None:
        for _, definition in self.indexes:
            self.conn.execute(definition)
        for name, columns, _ in TABLES:
            if "id" in columns:
                self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {name}))")  # fmt: skip
        self.conn.commit()
        self.conn.autocommit = True
        for name, _, _ in TABLES:
            self.conn.execute(f"VACUUM (ANALYZE) {name}")
        self.conn.execute("CHECKPOINT")
        self.conn.close()
