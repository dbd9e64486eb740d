"""A live app on SQLite with fast console heartbeats, and a small WebSocket client speaking the protocol."""

import asyncio
import json
import socket
from collections.abc import Iterator

import httpx
import pytest
import websockets

from tests.conftest import PASSWORD, LiveServer, People

HEARTBEAT = 0.3
CLIENT_QUEUE = 50


@pytest.fixture
def console_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from agent_console.settings import get_console_settings

    monkeypatch.setenv("HOTLINE_CONSOLE_HEARTBEAT_SECONDS", str(HEARTBEAT))
    monkeypatch.setenv("HOTLINE_CONSOLE_CLIENT_QUEUE", str(CLIENT_QUEUE))
    get_console_settings.cache_clear()
    yield
    get_console_settings.cache_clear()


class App:
    def __init__(self, server: LiveServer, people: People) -> None:
        self.server = server
        self.url = server.url
        self.ws_url = server.url.replace("http", "ws") + "/api/console/ws"
        self.people = people
        self._tokens: dict[str, str] = {}

    def token(self, key: str) -> str:
        if key not in self._tokens:
            answer = httpx.post(
                f"{self.url}/api/auth/login",
                json={"username": self.people.users[key].username, "password": PASSWORD},
            )
            answer.raise_for_status()
            self._tokens[key] = answer.json()["access_token"]
        return self._tokens[key]

    def api(self, key: str, method: str, path: str, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {self.token(key)}"}
        answer = httpx.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs)
        assert answer.is_success, answer.text
        return answer.json()


@pytest.fixture
def app(sqlite_db: str, sqlite_people: People, console_env) -> Iterator[App]:
    from hotline.events import set_bus

    set_bus(None)
    server = LiveServer().start()
    yield App(server, sqlite_people)
    server.stop()
    set_bus(None)


class Console:
    """One console connection: hello, then messages; keeps the last seq as the page does."""

    def __init__(self, ws, welcome: dict) -> None:
        self.ws = ws
        self.welcome = welcome
        self.last_seq = welcome["seq"]

    @classmethod
    async def open(cls, url: str, token: str, since: int | None = None, **connect) -> "Console":
        ws = await websockets.connect(url, **connect)
        await ws.send(json.dumps({"type": "hello", "token": token, "since": since}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert welcome["type"] == "welcome", welcome
        return cls(ws, welcome)

    async def next(self, timeout: float = 5, skip: tuple[str, ...] = ("heartbeat",)) -> dict:
        while True:
            body = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if body.get("seq") is not None:
                self.last_seq = max(self.last_seq, body["seq"])
            if body["type"] not in skip:
                return body

    async def events(self, count: int, kind: str | None = None, timeout: float = 5) -> list[dict]:
        got = []
        while len(got) < count:
            body = await self.next(timeout)
            if kind is None or body["type"] == kind:
                got.append(body)
        return got

    async def close(self) -> None:
        await self.ws.close()


def small_buffer_socket(url: str) -> socket.socket:
    """A client socket with a tiny receive buffer: a console that reads nothing fills up fast."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    return sock


def run(coroutine) -> object:
    """asyncio.run in its own thread: Playwright's sync API keeps an event loop running in the main thread
    once a browser test has run in this session."""
    import threading

    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
