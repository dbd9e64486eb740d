"""Shared fixtures: real SQLite and PostgreSQL databases (migrated with alembic), users of every role,
and a live server on loopback.

PostgreSQL tests skip on a developer machine where the server is down, and FAIL under CI=true.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
import uvicorn
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import hotline.models  # noqa: F401  (the whole schema)
from hotline.db import engine_for
from hotline.settings import get_settings, reset_all_settings

PG_ADMIN = os.environ.get("HOTLINE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI") == "true"
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PBX_TOKEN = "test-pbx-token"  # the PBX's secret for /media/stream in every test (docs/asr.md "Security")
os.environ.setdefault("HOTLINE_PBX_TOKENS", PBX_TOKEN)
os.environ.setdefault("HOTLINE_ASR_DITHER", "0")  # decoding repeats exactly, run to run


# What each lane needs, read from the tests themselves so a new test is marked without anyone remembering to:
# `make test-fast` leaves out the marked ones, `make test` (CI) runs them all.
_LANE_FIXTURES = {"browser": "browser", "site": "browser", "pg_database": "postgres", "processes": "slow"}
# Names called by the test or by any fixture it uses (the cluster's fixture needs Redis, PostgreSQL and processes).
_LANE_CALLS = {
    "require_redis": "redis",
    "start_app_worker": "slow",
    "fresh_pg_database": "postgres",
    "PG_ADMIN": "postgres",
    "Popen": "slow",  # a server of its own in another process
}


def _codes(item: pytest.Item) -> list[object]:
    """The code of the test function and of every fixture it uses, directly or through other fixtures."""
    codes = [getattr(getattr(item, "function", None), "__code__", None)]
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info is not None else ():
        codes += [getattr(d.func, "__code__", None) for d in definitions]
    return [code for code in codes if code is not None]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        lanes = {lane for name, lane in _LANE_FIXTURES.items() if name in getattr(item, "fixturenames", ())}
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db") == "postgresql":
            lanes.add("postgres")
        for code in _codes(item):
            lanes |= {lane for name, lane in _LANE_CALLS.items() if name in code.co_names}
        if item.path.name == "test_diarization.py":
            lanes.add("diarization")
        for lane in lanes:
            item.add_marker(lane)


def real_data(*parts: str) -> Path:
    """A file or folder of the real data (../shared/data or HOTLINE_DATA_DIR): skipped without it on a developer
    machine, a failure under CI=true."""
    data_dir = get_settings().data_dir
    path = data_dir.joinpath(*parts) if data_dir else None
    if path is None or not path.exists():
        message = f"the real data is needed: {path or 'HOTLINE_DATA_DIR / ../shared/data'}"
        if IN_CI:
            pytest.fail(f"{message} (required under CI=true)")
        pytest.skip(message)
    return path


def require_redis() -> None:
    """Skip without the local Redis on a developer machine; fail under CI=true."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required under CI=true but unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")


def start_app_worker(port: int, env: dict) -> subprocess.Popen:
    """The real app as a separate process (a worker of a multi-worker deployment)."""
    command = [sys.executable, "-m", "uvicorn", "hotline.app:create_app", "--factory", "--port", str(port)]
    command += ["--log-level", "warning", "--no-proxy-headers"]  # as `hotline serve`: HOTLINE_TRUSTED_PROXIES decides
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"worker at {url} did not start")


def reset_settings() -> None:
    """Every package caches its settings; a test that changes the environment must drop them all."""
    reset_all_settings()


def _pg_url(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


@contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database, dropped on the way out; skipped (failed under CI) when PostgreSQL is down."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield _pg_url(name)
    finally:
        engine_for.cache_clear()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    with fresh_pg_database("hotline_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"


_migrated: set[str] = set()


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str, var_dir: Path) -> None:
    """Point the settings at `url`, migrating it the first time it is used."""
    from hotline.migrate import upgrade

    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(var_dir))
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "test-secret-key-long-enough-for-hs256-signing")
    monkeypatch.delenv("HOTLINE_REDIS_URL", raising=False)
    # The app's servers in these suites need no speech engine; the ASR and console suites turn it on.
    monkeypatch.setenv("HOTLINE_ASR_ENABLED", "false")
    # Cheap password hashing: the suite creates users in every test; verification reads the cost from the hash.
    monkeypatch.setenv("HOTLINE_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("HOTLINE_ARGON2_MEMORY_KIB", "1024")
    reset_settings()
    if url not in _migrated:
        upgrade("heads", url)
        _migrated.add(url)


def _empty_tables(url: str) -> None:
    engine = engine_for(url)
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Both backends: the storage and lifecycle suites run against SQLite and PostgreSQL."""
    url = request.getfixturevalue(f"{request.param}_database" if request.param == "sqlite" else "pg_database")
    _use_database(monkeypatch, url, tmp_path)
    yield url
    _empty_tables(url)
    reset_settings()


@pytest.fixture
def sqlite_db(sqlite_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """SQLite only, for suites whose subject is not the storage."""
    _use_database(monkeypatch, sqlite_database, tmp_path)
    yield sqlite_database
    _empty_tables(sqlite_database)
    reset_settings()


@pytest.fixture
def session(db: str) -> Iterator[Session]:
    with Session(engine_for(db)) as session:
        yield session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The real app under uvicorn in a thread, reached over loopback HTTP."""

    def __init__(self) -> None:
        from hotline.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", proxy_headers=False
        )  # as `hotline serve` runs it: X-Forwarded-For is believed only from HOTLINE_TRUSTED_PROXIES
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(db: str) -> Iterator[LiveServer]:
    from hotline.events import set_bus

    set_bus(None)
    server = LiveServer().start()
    yield server
    server.stop()
    set_bus(None)


PASSWORD = "secret-pass-1"
CJK = re.compile(r"[\u4e00-\u9fff]")


def login_client(base_url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    """An HTTP client on the live server, signed in as `username` (bearer token set)."""
    client = httpx.Client(base_url=base_url, timeout=15)
    answer = client.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client


def error_of(answer: httpx.Response, status: int, code: str | None = None) -> dict:
    """The error body of a refused request: the expected status, a Chinese message, the expected code."""
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert CJK.search(error["message"]), error
    if code:
        assert error["code"] == code, error
    return error


class People:
    """Departments and one user of every role, as the lifecycle tests need them."""

    def __init__(self, session: Session) -> None:
        from hotline.auth.actor import Actor
        from hotline.auth.models import Role
        from hotline.auth.service import create_user
        from hotline.directory.models import Department

        self.housing = Department(code="CITY-ZJ", name="A市住房和城乡建设局", level="city")
        self.transport = Department(code="CITY-JT", name="A市交通运输局", level="city")
        self.district = Department(code="A2-GOV", name="A2区人民政府", level="district", district="A2区")
        self.closed_unit = Department(code="OLD-UNIT", name="A市已撤销单位", level="city", active=False)
        session.add_all([self.housing, self.transport, self.district, self.closed_unit])
        session.commit()
        for department in (self.housing, self.transport, self.district, self.closed_unit):
            session.refresh(department)
        specs = {
            "agent": ("agent1", Role.agent, None),
            "supervisor": ("super1", Role.supervisor, None),
            "liaison": ("zj_liaison", Role.liaison, "CITY-ZJ"),
            "other_liaison": ("jt_liaison", Role.liaison, "CITY-JT"),
            "manager": ("manager1", Role.manager, None),
            "editor": ("editor1", Role.editor, None),
            "admin": ("admin1", Role.admin, None),
        }
        self.users = {}
        self.actors = {}
        for key, (username, role, code) in specs.items():
            user = create_user(session, username, f"{key}-name", PASSWORD, role, code)
            self.users[key] = user
            self.actors[key] = Actor.of(user)

    def __getattr__(self, key: str):
        actors = self.__dict__.get("actors", {})
        if key in actors:
            return actors[key]
        raise AttributeError(key)


@pytest.fixture
def people(session: Session) -> People:
    return People(session)


@pytest.fixture
def sqlite_people(sqlite_db: str) -> People:
    # Keep the loaded values after the session's commits and close: tests read them outside it.
    with Session(engine_for(sqlite_db), expire_on_commit=False) as session:
        return People(session)
