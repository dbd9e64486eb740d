"""Browser fixtures: Debian's Chromium through Playwright, against a live server on SQLite.

Without /usr/bin/chromium the browser tests skip on a developer machine and FAIL under CI=true.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD, LiveServer, People

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 8000


# Module scope: Playwright's sync API keeps an event loop running in this thread while it lives, which would
# break later suites' asyncio.run; one Chromium per module costs about a second.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required under CI=true (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


HOUSING = "CITY-ZJ"  # the liaison's department (A市住房和城乡建设局)
TRANSPORT = "CITY-JT"  # the other liaison's department (A市交通运输局)


class Site:
    """The live app with one user of every role: log them in through the page, or set data up through the API."""

    def __init__(self, server: LiveServer, people: People, database_url: str, browser) -> None:
        from sqlmodel import Session, select

        from hotline.auth.models import User
        from hotline.db import engine_for
        from hotline.directory.models import Department

        # The People fixture hands back rows whose session has closed; read what the tests need afresh.
        with Session(engine_for(database_url)) as session:
            self.usernames = {key: session.get(User, actor.id).username for key, actor in people.actors.items()}
            self.departments = {d.code: d.id for d in session.exec(select(Department))}
        self.url = server.url
        self.database_url = database_url
        self.actors = people.actors
        self._browser = browser
        self._contexts = []
        self._sessions: dict[str, dict] = {}

    def new_page(self):
        """A page in a fresh browser context (its own localStorage), nobody signed in."""
        context = self._browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return context.new_page()

    def login(self, role: str, through_form: bool = False, next_page: str | None = None):
        """A fresh browser context with `role` signed in, on the page for the role (or `next_page`, via the form).

        Through the /login form when asked; otherwise with a session put where the form would put it (quicker).
        """
        page = self.new_page()
        if through_form:
            page.goto(f"{self.url}/login" + (f"?next={next_page}" if next_page else ""))
            page.get_by_label("用户名").fill(self.usernames[role])
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
        else:
            session = self._session(role)
            page.context.add_init_script(
                f"localStorage.setItem('hotline.token', {json.dumps(session['access_token'])});"
                f"localStorage.setItem('hotline.user', {json.dumps(json.dumps(session['user']))});"
            )
            page.goto(f"{self.url}/liaison" if session["user"]["role"] == "liaison" else f"{self.url}/desk")
        # The form lands each role on its home; the shortcut opens the liaison portal or the desk.
        if next_page:
            landing = next_page
        elif role.endswith("liaison"):
            landing = "/liaison"
        else:
            landing = "/analytics" if through_form and role == "manager" else "/desk"
        page.wait_for_url(f"**{landing}")
        page.locator("#live-status[data-status=open]").wait_for()
        return page

    def _session(self, role: str) -> dict:
        if role not in self._sessions:
            answer = httpx.post(
                f"{self.url}/api/auth/login", json={"username": self.usernames[role], "password": PASSWORD}
            )
            answer.raise_for_status()
            self._sessions[role] = answer.json()
        return self._sessions[role]

    def api(self, role: str, method: str, path: str, **kwargs) -> dict:
        """Set up data quickly through the API as `role`; fails the test on any error status."""
        headers = {"Authorization": f"Bearer {self._session(role)['access_token']}"}
        answer = httpx.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs)
        assert answer.is_success, answer.text
        return answer.json()

    def new_ticket(self, summary: str, department: str | None = None, sign: bool = False) -> dict:
        """A ticket filed by the agent; dispatched to the department with code `department` and signed if asked."""
        body = {"request_type": "投诉", "summary": summary, "description": f"{summary}，请尽快处理。"}
        ticket = self.api("agent", "POST", "/api/tickets", json=body)
        if department:
            body = {"department_id": self.departments[department]}
            ticket = self.api("agent", "POST", f"/api/tickets/{ticket['number']}/dispatch", json=body)
        if sign:
            ticket = self.api("liaison", "POST", f"/api/tickets/{ticket['number']}/sign", json={})
        return ticket

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def site(sqlite_db: str, sqlite_people: People, browser) -> Iterator[Site]:
    from hotline.events import set_bus

    set_bus(None)
    server = LiveServer().start()
    site = Site(server, sqlite_people, sqlite_db, browser)
    yield site
    site.close()
    server.stop()
    set_bus(None)


@pytest.fixture
def shot():
    """Save a screenshot of `page` as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save


def tiny_png() -> bytes:
    """A valid 8×8 grey PNG, made here so the suite needs no binary fixture files."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
