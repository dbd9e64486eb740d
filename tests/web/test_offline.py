"""Offline: every page, the scripts, styles, fonts and images it loads, and /docs (Swagger UI) come from the app
itself. The centre's network has no internet: one request to another host fails the test."""

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# (page, who opens it, what shows once it has loaded)
PAGES = [
    ("/login", None, "#username, [name=username]"),
    ("/desk", "agent", "#queue-tabs .tab"),
    ("/liaison", "liaison", "#live-status[data-status=open]"),
    ("/console", "agent", "body"),
    ("/wallboard", "supervisor", "body"),
    ("/analytics", "manager", "body"),
    ("/selfservice", None, "form"),
    ("/docs", None, ".swagger-ui .info .title"),
]
ASSETS = {"script", "stylesheet", "font", "image", "document"}


def test_every_page_loads_only_from_the_app(site, shot):
    ticket = site.new_ticket("路灯不亮")["number"]
    own = urlsplit(site.url).netloc
    foreign: list[str] = []
    broken: list[str] = []
    extra = [(f"/tickets/{ticket}/print", "agent", "h1"), (f"/caller/{ticket}", "agent", "#caller-title"),
             ("/missed", "agent", "#missed-rows")]  # fmt: skip
    for path, role, ready in [*PAGES, *extra]:
        page = site.login(role) if role else site.new_page()

        def watch(route, request, path=path):
            if urlsplit(request.url).netloc != own and not request.url.startswith(("data:", "blob:")):
                foreign.append(f"{path} → {request.url}")
                route.abort()
            else:
                route.continue_()

        page.route("**/*", watch)
        page.on(
            "response",
            lambda r, p=path: (
                broken.append(f"{p} → {r.url} {r.status}")
                if r.request.resource_type in ASSETS and r.status >= 400
                else None
            ),
        )
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        expect(page.locator(ready).first).to_be_attached()
        if path == "/docs":
            shot(page, "offline-docs")
    assert foreign == [], foreign
    assert broken == [], broken
    assert httpx.get(site.url + "/redoc").status_code == 404  # dropped: its bundle fetches a logo from a CDN
