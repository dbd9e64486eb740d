"""The liaison portal with the desk beside it: 退单 → 改派, 延期 → 同意, refusals in Chinese,
the department's scope and the live list."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.web.conftest import HOUSING, TRANSPORT

pytestmark = pytest.mark.browser


def open_ticket(page, number: str, tab: str | None = None):
    if tab:
        page.get_by_role("tab", name=tab).click()
    page.locator(f".ticket-row[data-number='{number}']").click()
    detail = page.locator(f".ticket-detail[data-number='{number}']")
    expect(detail).to_be_visible()
    return detail


def beijing(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def test_a_return_is_redispatched_by_the_supervisor(site, shot):
    number = site.new_ticket("公交站台顶棚破损漏雨", department=HOUSING)["number"]
    liaison = site.login("liaison")
    detail = open_ticket(liaison, number)
    liaison.locator(".action-bar [data-action=return]").click()
    liaison.get_by_label("退单理由").fill("公交站台属交通运输局管理，不属本单位职责")
    liaison.get_by_role("button", name="确认退单").click()
    expect(detail).to_have_attribute("data-state", "returned")
    expect(liaison.locator(f".ticket-row[data-number='{number}']")).to_have_count(0)

    supervisor = site.login("supervisor")
    expect(supervisor.locator("#tab-returned .tab-count")).to_have_text("1")
    detail = open_ticket(supervisor, number, tab="退单待审")
    expect(detail.locator(".timeline")).to_contain_text("不属本单位职责")
    supervisor.locator(".action-bar [data-action=redispatch]").click()
    options = supervisor.get_by_label("改派到").locator("option")
    expect(options).not_to_contain_text(["A市住房和城乡建设局"])  # not back to the unit that returned it
    supervisor.get_by_label("改派到").select_option(label="A市交通运输局")
    shot(supervisor, "07-desk-redispatch")
    supervisor.get_by_role("button", name="确认改派").click()
    expect(detail).to_have_attribute("data-state", "dispatched")
    expect(detail.locator(".facts")).to_contain_text("A市交通运输局")
    expect(detail.locator(".timeline > li").last).to_have_attribute("data-action", "redispatch")

    other = site.login("other_liaison")
    expect(other.locator(f".ticket-row[data-number='{number}']")).to_be_visible()


def test_an_approved_extension_moves_the_reply_deadline(site, shot):
    before = site.new_ticket("老旧小区加装电梯进度咨询", department=HOUSING, sign=True)
    number = before["number"]
    liaison = site.login("liaison")
    detail = open_ticket(liaison, number)
    liaison.locator(".action-bar [data-action=extension]").click()
    liaison.get_by_label("延期工作日数").fill("3")
    liaison.get_by_label("延期理由").fill("需协调电梯厂家现场勘查")
    liaison.get_by_role("button", name="确认申请延期").click()
    expect(detail.locator(".text-block.notice")).to_contain_text("申请延期 3 个工作日")
    expect(liaison.locator(".action-bar [data-action=extension]")).to_have_count(0)

    supervisor = site.login("supervisor")
    detail = open_ticket(supervisor, number, tab="延期待审")
    reply_due = detail.locator("[data-deadline=reply_due_at]")
    expect(reply_due).to_contain_text(beijing(before["reply_due_at"]))
    supervisor.locator(".action-bar [data-action=approve_extension]").click()
    after = site.api("supervisor", "GET", f"/api/tickets/{number}")
    assert after["reply_due_at"] > before["reply_due_at"] and after["extended_days"] == 3
    expect(reply_due).to_contain_text(beijing(after["reply_due_at"]))
    expect(detail.locator(".tl-change")).to_contain_text(f"答复时限：{beijing(before['reply_due_at'])} →")
    expect(detail.locator(".facts")).to_contain_text("3 个工作日")
    shot(supervisor, "08-desk-extension-approved")
    # The liaison's page follows by itself.
    expect(liaison.locator(".ticket-detail [data-deadline=reply_due_at]")).to_contain_text(
        beijing(after["reply_due_at"])
    )


def test_refused_steps_show_the_servers_chinese_message(site, shot):
    closed = site.new_ticket("路灯不亮")["number"]
    site.api("agent", "POST", f"/api/tickets/{closed}/answer", json={"text": "已告知市民报修电话"})
    repeat = site.new_ticket("路灯一直不亮")["number"]
    desk = site.login("agent")
    detail = open_ticket(desk, repeat, tab="待派单")
    desk.locator(".action-bar [data-action=merge]").click()
    desk.get_by_label("并入主单编号").fill(closed)
    desk.get_by_role("button", name="确认并单").click()
    expect(desk.locator(".action-form [role=alert]")).to_have_text(f"主单 {closed} 已办结或已并单，不能再并入")
    expect(detail).to_have_attribute("data-state", "received")
    shot(desk, "09-desk-refused-merge")

    signed = site.new_ticket("小区绿化带被占用", department=HOUSING, sign=True)["number"]
    liaison = site.login("liaison")
    open_ticket(liaison, signed)
    liaison.locator(".action-bar [data-action=reply]").click()
    liaison.get_by_label("办理情况").fill("已处理")
    liaison.get_by_role("button", name="确认答复").click()
    expect(liaison.locator(".action-form [role=alert]")).to_contain_text("答复内容太短")
    shot(liaison, "10-liaison-refused-reply")


def test_a_liaison_never_sees_another_departments_ticket(site):
    theirs = site.new_ticket("出租车拒载投诉", department=TRANSPORT)["number"]
    ours = site.new_ticket("物业维修基金使用咨询", department=HOUSING)["number"]
    liaison = site.login("liaison")
    expect(liaison.locator(f".ticket-row[data-number='{ours}']")).to_be_visible()
    expect(liaison.locator(".ticket-row")).to_have_count(1)
    # Neither live: another dispatch to the other department does not appear.
    later = site.new_ticket("网约车绕路投诉", department=TRANSPORT)["number"]
    also_ours = site.new_ticket("商品房延期交房投诉", department=HOUSING)["number"]
    expect(liaison.locator(f".ticket-row[data-number='{also_ours}']")).to_be_visible()
    expect(liaison.locator(f".ticket-row[data-number='{later}']")).to_have_count(0)
    # Nor by its number in the address.
    liaison.goto(f"{site.url}/liaison#{theirs}")
    expect(liaison.locator("#detail [role=alert]")).to_have_text("这张工单不在本单位，无权查看或办理")
    expect(liaison.locator(".ticket-row")).to_have_count(2)


def test_the_liaison_list_follows_a_dispatch_from_the_desk_live(site, shot):
    number = site.new_ticket("楼道堆放杂物存在消防隐患")["number"]
    liaison = site.login("liaison")
    expect(liaison.locator("#ticket-list")).to_contain_text("本单位暂无待办工单")
    liaison.evaluate("window.sameDocument = true")

    desk = site.login("agent")
    open_ticket(desk, number, tab="待派单")
    desk.locator(".action-bar [data-action=dispatch]").click()
    desk.get_by_label("承办单位").select_option(label="A市住房和城乡建设局")
    desk.get_by_role("button", name="确认派单").click()

    row = liaison.locator(f".ticket-row[data-number='{number}']")
    expect(row).to_be_visible()
    expect(row.locator(".countdown")).to_contain_text("剩")
    expect(liaison.locator("#list-count")).to_have_text("1 张")
    assert liaison.evaluate("window.sameDocument") is True  # no reload happened
    shot(liaison, "11-liaison-live")
