"""Real processes for the linkage suites: stand-in partners (`hotline partner-sim`) and the app under uvicorn."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_app_worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


HOTLINE = str(Path(sys.executable).with_name("hotline"))
KEYS = {"110": "shared-key-110-for-tests", "city": "shared-key-city-for-tests"}


def wait_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {process.stderr.read().decode()[-3000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def wait_for(check: Callable[[], object], timeout: float = 20, what: str = "condition") -> object:
    """Poll until `check` returns something truthy; fail with `what` if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Partner:
    """`hotline partner-sim <partner>` as a separate process on a free loopback port."""

    def __init__(self, partner: str, callback_url: str, tmp: Path, step_seconds: float = 0.15) -> None:
        self.partner, self.callback_url, self.step_seconds = partner, callback_url, step_seconds
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_file = tmp / f"sim-{partner}-{self.port}.json"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Partner":
        return self.launch().ready()

    def launch(self) -> "Partner":
        command = [
            HOTLINE,
            "partner-sim",
            self.partner,
            "--port",
            str(self.port),
            "--key",
            KEYS[self.partner],
            "--callback-url",
            self.callback_url,
            "--step-seconds",
            str(self.step_seconds),
            "--state-file",
            str(self.state_file),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def ready(self) -> "Partner":
        wait_http(self.url + "/sim/state", self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def state(self) -> dict:
        return httpx.get(self.url + "/sim/state", timeout=5).json()

    def mode(self, **mode: object) -> dict:
        return httpx.post(self.url + "/sim/mode", json=mode, timeout=5).json()

    def send_transfer(self, **spec: object) -> dict:
        return httpx.post(self.url + "/sim/send-transfer", json=spec, timeout=20).json()


def linkage_env(partners: dict[str, str], **extra: str) -> dict[str, str]:
    env = {
        "HOTLINE_LINKAGE_110_URL": partners.get("110", ""),
        "HOTLINE_LINKAGE_110_KEY": KEYS["110"],
        "HOTLINE_LINKAGE_CITY_URL": partners.get("city", ""),
        "HOTLINE_LINKAGE_CITY_KEY": KEYS["city"],
        "HOTLINE_LINKAGE_POLL_SECONDS": "0.2",
        "HOTLINE_LINKAGE_BACKOFF_SECONDS": "0.2",
        "HOTLINE_LINKAGE_BACKOFF_MAX_SECONDS": "1",
        "HOTLINE_LINKAGE_TIMEOUT_SECONDS": "3",
        "HOTLINE_LINKAGE_LEASE_SECONDS": "4",
    }
    return env | extra


class App:
    """The hotline app under uvicorn as its own process, so a test can kill and restart it."""

    def __init__(self, database_url: str, var_dir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = (
            os.environ
            | env
            | {
                "HOTLINE_DATABASE_URL": database_url,
                "HOTLINE_VAR_DIR": str(var_dir),
                "HOTLINE_SECRET_KEY": "test-secret-key-long-enough-for-hs256-signing",
                "HOTLINE_ARGON2_TIME_COST": "1",
                "HOTLINE_ARGON2_MEMORY_KIB": "1024",
            }
        )
        self.env.pop("HOTLINE_REDIS_URL", None)
        self.process: subprocess.Popen | None = None

    def start(self) -> "App":
        return self.launch().ready()

    def launch(self) -> "App":
        self.process = start_app_worker(self.port, self.env)
        return self

    def ready(self) -> "App":
        wait_http(self.url + "/api/health", self.process)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, exactly like a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def login(self, username: str, password: str = "secret-pass-1") -> httpx.Client:
        answer = httpx.post(f"{self.url}/api/auth/login", json={"username": username, "password": password})
        answer.raise_for_status()
        return self.client(answer.json()["access_token"])


@pytest.fixture
def processes() -> Iterator[list]:
    """Everything a test starts, stopped at the end whatever happens."""
    started: list = []
    yield started
    for thing in reversed(started):
        thing.stop()
