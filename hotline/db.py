"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL through psycopg 3 when configured."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import DateTime, event, update
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from hotline.settings import get_settings

_frozen_now: ContextVar[datetime | None] = ContextVar("frozen_now", default=None)


def utcnow() -> datetime:
    """The one clock of the product; `at_time` sets it for demo history and for tests of deadlines."""
    return _frozen_now.get() or datetime.now(UTC)


@contextmanager
def at_time(moment: datetime) -> Iterator[None]:
    """Run the enclosed steps as if it were `moment` (aware datetime): history keeps that time."""
    if moment.tzinfo is None:
        raise ValueError("at_time needs an aware datetime")
    token = _frozen_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen_now.reset(token)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL give the same values back."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def dialect_insert(session: Session):
    """INSERT with ON CONFLICT support for the session's database (both dialects spell it the same way)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


@contextmanager
def transaction(session: Session) -> Iterator[None]:
    """One unit of work: commit when the block succeeds, roll back on any error, so nothing half-done stays."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def claim_row(session: Session, model: type, key: object, version: int) -> bool:
    """Optimistic lock: bump `version` of the row with primary key `key` only if it still has `version`.

    False means somebody else changed the row since it was read: the caller should give up or re-read.
    """
    table = model.__table__
    (key_column,) = table.primary_key.columns
    result = session.execute(
        update(table).where(key_column == key, table.c.version == version).values(version=version + 1)
    )
    return result.rowcount == 1


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    return engine_for(get_settings().sqlalchemy_url)


@lru_cache
def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per database URL for the life of the process."""
    return make_engine(url)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request."""
    with Session(get_engine()) as session:
        yield session
