"""The desk's search, filters, paging, export, bulk steps and 工单打印 as a person uses them, in Chromium."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.web.conftest import HOUSING

pytestmark = pytest.mark.browser


def filed(site, summary: str, phone: str, **extra) -> str:
    body = {"request_type": "投诉", "summary": summary, "description": f"{summary}，请尽快处理。"}
    return site.api("agent", "POST", "/api/tickets", json=body | {"caller_phone": phone} | extra)["number"]


def test_search_finds_a_ticket_of_another_queue_by_the_last_four_and_exports_it(site, shot):
    lift = filed(site, "电梯停运", "13812344321", district="A2区")
    site.api("agent", "POST", f"/api/tickets/{lift}/dispatch", json={"department_id": site.departments[HOUSING]})
    noise = filed(site, "夜间施工噪音", "13900001111", district="A3区")
    desk = site.login("agent")
    desk.get_by_role("tab", name="待派单").click()
    expect(desk.locator(".ticket-row")).to_have_count(1)
    desk.locator("#search").fill("4321")
    expect(desk.locator(".ticket-row")).to_have_count(1)
    expect(desk.locator(f".ticket-row[data-number='{lift}']")).to_be_visible()  # 待签收, not this tab's
    expect(desk.locator("#list-caption")).to_contain_text("查询结果（全部工单） · 1 张")
    desk.locator("#search").fill("")
    desk.locator("#filters [name=district]").fill("A3区")
    desk.locator("#filters [name=district]").dispatch_event("change")
    expect(desk.locator(".ticket-row")).to_have_count(1)
    expect(desk.locator(f".ticket-row[data-number='{noise}']")).to_be_visible()
    expect(desk.locator("#page-info")).to_have_text("第 1 / 1 页")
    shot(desk, "desk-search-filtered")
    with desk.expect_download() as download:
        desk.get_by_role("button", name="导出 Excel").click()
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [noise]


def test_past_the_count_limit_the_caption_says_more_than(site, monkeypatch):
    monkeypatch.setattr("hotline.tickets.routes.COUNT_LIMIT", 2)
    for phone in ("13812340001", "13812340002", "13812340003"):
        filed(site, "小区停水", phone)
    desk = site.login("agent")
    desk.locator("#search").fill("停水")
    expect(desk.locator(".ticket-row")).to_have_count(3)
    expect(desk.locator("#list-caption")).to_contain_text("查询结果（全部工单） · 超过 2 张")
    expect(desk.locator("#page-info")).to_have_text("第 1 页（共 1 页以上）")
    desk.locator("#search").fill("13812340001")
    expect(desk.locator(".ticket-row")).to_have_count(1)
    expect(desk.locator("#list-caption")).to_contain_text("查询结果（全部工单） · 1 张")
    expect(desk.locator("#page-info")).to_have_text("第 1 / 1 页")


def test_bulk_dispatch_of_selected_tickets_and_the_printable_ticket(site, shot):
    first = filed(site, "路灯不亮", "13700001111")
    second = filed(site, "井盖缺失", "13700002222")
    desk = site.login("agent")
    desk.get_by_role("tab", name="待派单").click()
    desk.get_by_label(f"选择工单 {first}").check()
    desk.get_by_label(f"选择工单 {second}").check()
    expect(desk.locator("#bulk-count")).to_have_text("已选 2 张")
    desk.locator("#bulk-department").select_option(label="A市住房和城乡建设局")
    desk.get_by_role("button", name="批量派单").click()
    expect(desk.locator(".toast").first).to_contain_text("批量派单：完成 2 张")
    expect(desk.locator("#bulk-bar")).to_be_hidden()
    for number in (first, second):
        assert site.api("agent", "GET", f"/api/tickets/{number}")["state"] == "dispatched"
    desk.get_by_role("tab", name="全部工单").click()
    desk.locator(f".ticket-row[data-number='{first}']").click()
    with desk.context.expect_page() as opened:
        desk.get_by_role("link", name="打印工单").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    expect(sheet.locator("h1")).to_have_text("12345 政务服务便民热线 工单")
    facts = sheet.get_by_label("工单信息")
    expect(facts).to_contain_text("A市住房和城乡建设局")
    expect(facts).to_contain_text("137****1111")
    expect(sheet.get_by_label("流转记录")).to_contain_text("派单")
    shot(sheet, "desk-ticket-print")


def test_the_caller_page_lists_all_their_tickets(site):
    first = filed(site, "小区停水", "13655557777")
    second = filed(site, "停水后水质发黄", "13655557777")
    desk = site.login("agent")
    desk.get_by_role("tab", name="全部工单").click()
    desk.locator(f".ticket-row[data-number='{second}']").click()
    desk.get_by_role("link", name="来电人全部工单").click()
    desk.wait_for_url(f"**/caller/{second}")
    expect(desk.locator("#caller-title")).to_contain_text("136****7777")
    rows = desk.get_by_label("来电人的工单").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(desk.get_by_label("来电人的工单")).to_contain_text(first)
