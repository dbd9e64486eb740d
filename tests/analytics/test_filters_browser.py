"""/analytics in Debian's Chromium with a district chosen, in a browser whose own time zone is far from the
centre's: the cards and lists are the district's, the call figures say 全市, the drill-down shows the centre's
local times, and the workbook downloaded from the page is the district's, typed."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.localtime import centre_today, format_centre
from hotline.tickets.models import Ticket
from tests.analytics.test_filters import WEEKS, fortnight_server  # noqa: F401  (the fixture)
from tests.conftest import PASSWORD
from tests.web.conftest import ARTIFACTS, TIMEOUT_MS, VIEWPORT, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser
BROWSER_ZONE = "Pacific/Pago_Pago"  # UTC−11: its calendar day is the centre's day before for most of the day


def cards(page) -> dict[str, str]:
    return dict(zip(page.locator(".an-card .name").all_inner_texts(), page.locator(".an-card .value").all_inner_texts(),
                    strict=True))  # fmt: skip


def test_manager_filters_by_district_drills_down_and_downloads_the_districts_pack(fortnight_server, browser,  # noqa: F811
                                                                                 sqlite_db):  # fmt: skip
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id=BROWSER_ZONE, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS * 4)  # the first report loads jieba's dictionary in the server
    try:
        page = context.new_page()
        page.goto(f"{fortnight_server.url}/analytics")
        page.wait_for_url("**/login**")
        page.get_by_label("用户名").fill("manager1")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/analytics**")
        page.locator("body[data-loading=false]").wait_for()
        # the default period ends yesterday at the centre, whatever day it is where the browser is
        assert page.locator("#to").input_value() == str(centre_today() - timedelta(days=1))
        page.locator("#from").fill(WEEKS["from"])
        page.locator("#to").fill(WEEKS["to"])
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#scope")).to_have_text("全市 · 2025-03-03 至 2025-03-16")
        city = cards(page)
        assert (city["受理工单"], city["派单量"], city["签收及时率"], city["满意率"]) == ("8", "5", "75.0%", "50.0%")
        # the district list is the catalogue's, not only the districts of the period's tickets
        options = page.locator("#district option").all_inner_texts()
        assert options[:3] == ["全市", "A2区", "A3区"]
        page.locator("#district").select_option("A2区")
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#scope")).to_have_text("A2区 · 2025-03-03 至 2025-03-16")
        a2 = cards(page)
        assert a2 == a2 | {"受理工单": "4", "上期": "1", "派单量": "2", "签收及时率": "50.0%", "按时办结率": "100.0%",
                           "退单率": "0.0%", "延期率": "0.0%", "回访率": "50.0%", "满意率": "100.0%",
                           "平均办理（工作日）": "1.41", "热线接通率（全市）": "75.0%"}  # fmt: skip
        assert page.url.endswith("district=A2%E5%8C%BA")  # a reload keeps the filter
        departments = page.locator("[data-list=departments] tbody tr")
        expect(departments).to_have_count(1)
        assert "A市住房和城乡建设局" in departments.inner_text()
        expect(page.locator("[data-list=districts] tbody tr")).to_have_count(1)
        # drill down from the department row: the district's tickets sent to it, at the centre's local time
        departments.click()
        rows = page.locator("#drill-list tbody tr")
        expect(rows).to_have_count(2)
        with Session(engine_for(sqlite_db)) as session:
            taken = {t.number: t.created_at for t in session.exec(select(Ticket).where(Ticket.district == "A2区"))}
        for row in rows.all():
            number, shown = row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()
            assert shown == format_centre(taken[number]), number  # 2025-03-03 09:00, not UTC nor Pago Pago
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "analytics-district-drill.png"))
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "analytics-district.png"))
        # the reload keeps the district and its figures
        page.reload()
        page.locator("body[data-loading=false]").wait_for()
        expect(page.locator("#district")).to_have_value("A2区")
        assert cards(page)["派单量"] == "2"
        with page.expect_download() as download:
            page.locator("#pack-xlsx").click()
        assert download.value.suggested_filename == "研判会材料_2025-03-03_2025-03-16_A2区.xlsx"
        book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
        summary = {r[0].value: r[1] for r in book["概览"].iter_rows(min_row=4)}
        assert summary["区县"].value == "A2区" and summary["派单量"].value == 2
        assert summary["签收及时率"].value == 0.5 and summary["签收及时率"].number_format == "0.0%"
        assert summary["热线接通率（全市）"].value == 0.75
    finally:
        context.close()
