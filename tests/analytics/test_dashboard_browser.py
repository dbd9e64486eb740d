"""/analytics in Debian's Chromium: a manager signs in, the charts draw from a real demo history, a click on a
bar opens the tickets behind it, and their CSV export downloads with the same tickets."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from analytics.demo_history import build_history
from hotline.db import engine_for, utcnow
from hotline.demo.catalogue import load_catalogue, seed_departments
from hotline.demo.people import DEMO_PASSWORD, demo_users, seed_users
from hotline.tickets.models import Ticket
from tests.conftest import LiveServer, real_data
from tests.web.conftest import ARTIFACTS, TIMEOUT_MS, VIEWPORT, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser
DRILL_HEADER = ["工单编号", "受理时间", "诉求摘要", "诉求类型", "区县", "一级分类", "状态"]


@pytest.fixture
def demo_server(sqlite_db):
    """The demo catalogue and accounts with a small year of history, served on loopback."""
    real_data("messages")
    from hotline.events import set_bus

    with Session(engine_for(sqlite_db)) as session:
        seed_departments(session, load_catalogue())
        seed_users(session, demo_users())
        build_history(session, 150, echo=lambda _: None)
    set_bus(None)
    server = LiveServer().start()
    yield server
    server.stop()
    set_bus(None)


def test_manager_drills_from_a_chart_to_tickets_and_exports_them(demo_server, browser, sqlite_db):  # noqa: F811
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    first, last = today - timedelta(days=90), today - timedelta(days=1)
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS * 4)  # the first report loads jieba's dictionary in the server
    try:
        page = context.new_page()
        page.goto(f"{demo_server.url}/analytics?from={first}&to={last}")
        page.wait_for_url("**/login**")  # no session yet
        page.get_by_label("用户名").fill("manager1")
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"**/analytics?from={first}&to={last}")  # back to the page the manager asked for
        page.locator("body[data-loading=false]").wait_for()
        expect(page.locator("#error")).to_be_hidden()
        # the charts drew: a bar for each day of the period, department bars, filled cards
        bars = page.locator("#trend-chart rect")
        expect(bars).to_have_count((last - first).days + 1)
        assert page.locator("#department-chart g[data-drill]").count() >= 1
        cards = dict(zip(page.locator(".an-card .name").all_inner_texts(),
                         page.locator(".an-card .value").all_inner_texts(), strict=True))  # fmt: skip
        with Session(engine_for(sqlite_db)) as session:
            in_period = session.exec(select(Ticket.number, Ticket.created_at)).all()
        local = {n: c.astimezone(ZoneInfo("Asia/Shanghai")).date() for n, c in in_period}
        expected = sorted(n for n, day in local.items() if first <= day <= last)
        assert int(cards["受理工单"]) == len(expected) > 10
        # a click on the busiest day's bar lists exactly that day's tickets
        busiest = max({local[n] for n in expected}, key=lambda d: (sum(local[n] == d for n in expected), d))
        page.locator(f"#trend-chart rect:nth-of-type({(busiest - first).days + 1})").click()
        expect(page.locator("#drill-title")).to_have_text(f"工单明细：{busiest} 受理")
        day_numbers = sorted(n for n in expected if local[n] == busiest)
        rows = page.locator("#drill-list tbody tr")
        expect(rows).to_have_count(len(day_numbers))
        assert sorted(rows.locator("td:first-child").all_inner_texts()) == day_numbers
        page.set_viewport_size(VIEWPORT)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "analytics-drill.png"))
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "analytics-dashboard.png"))
        with page.expect_download() as download:
            page.locator("#drill-csv").click()
        text = download.value.path().read_bytes().decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert table[0] == DRILL_HEADER
        assert sorted(r[0] for r in table[1:]) == day_numbers
        assert all(r[1].startswith(busiest.isoformat()) for r in table[1:])
        assert download.value.suggested_filename == f"tickets_{first}_{last}.csv"
    finally:
        context.close()
