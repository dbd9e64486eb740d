"""The centre desk's other steps: 直接答复 with a callback, 催办 and 督办, and buttons that follow the role."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.web.conftest import HOUSING

pytestmark = pytest.mark.browser


def test_direct_answer_with_callback_goes_to_the_callback_queue(site):
    number = site.new_ticket("社保卡补办需要哪些材料")["number"]
    desk = site.login("agent")
    desk.get_by_role("tab", name="待派单").click()
    desk.locator(f".ticket-row[data-number='{number}']").click()
    desk.locator(".action-bar [data-action=answer]").click()
    desk.get_by_label("答复内容").fill("携带身份证到任一社保网点即可办理。")
    desk.get_by_label("需要回访").check()
    desk.get_by_role("button", name="确认直接答复").click()
    detail = desk.locator(".ticket-detail")
    expect(detail).to_have_attribute("data-state", "callback_pending")
    expect(detail.locator(".text-block", has_text="直接答复")).to_contain_text("社保网点")
    expect(desk.locator("#tab-callbacks .tab-count")).to_have_text("1")


def test_remind_and_supervise_are_recorded_and_buttons_follow_the_role(site, shot):
    number = site.new_ticket("学校周边占道经营", department=HOUSING)["number"]
    manager = site.login("manager")
    expect(manager.locator("#new-ticket")).to_be_hidden()
    manager.get_by_role("tab", name="全部工单").click()
    manager.locator(f".ticket-row[data-number='{number}']").click()
    buttons = manager.locator(".action-bar button")
    expect(buttons).to_have_text(["督办", "催办"])
    manager.locator(".action-bar [data-action=remind]").click()
    manager.get_by_role("button", name="确认催办").click()
    detail = manager.locator(".ticket-detail")
    expect(detail.locator(".facts")).to_contain_text("催办次数1")
    manager.locator(".action-bar [data-action=supervise]").click()
    manager.get_by_label("备注").fill("请于今日内签收")
    manager.get_by_role("button", name="确认督办").click()
    expect(detail.locator(".ticket-title .badge.supervised")).to_be_visible()
    expect(detail.locator(".timeline")).to_contain_text("请于今日内签收")
    shot(manager, "13-desk-manager-supervised")

    liaison = site.login("liaison")
    liaison.locator(f".ticket-row[data-number='{number}']").click()
    expect(liaison.locator(".action-bar button")).to_have_text(["签收", "退单"])


def test_a_late_answer_for_the_tab_left_does_not_replace_the_tab_chosen(site):
    """Two tab clicks race: the list of the first tab arrives last and must not be drawn over the second."""
    returned = site.new_ticket("小区路灯损坏", department=HOUSING)["number"]
    site.api("liaison", "POST", f"/api/tickets/{returned}/return", json={"reason": "路灯不属本单位管理"})
    elsewhere = site.new_ticket("噪音扰民", department=HOUSING)["number"]
    supervisor = site.login("supervisor")
    expect(supervisor.locator("#tab-returned .tab-count")).to_have_text("1")

    held = []

    def hold_the_first_list(route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    supervisor.route(lambda url: urlparse(url).path == "/api/tickets", hold_the_first_list)
    supervisor.get_by_role("tab", name="全部工单").click()
    supervisor.get_by_role("tab", name="退单待审").click()
    expect(supervisor.locator(f".ticket-row[data-number='{returned}']")).to_be_visible()
    with supervisor.expect_response(lambda answer: urlparse(answer.url).path == "/api/tickets"):
        held[0].continue_()
    supervisor.wait_for_timeout(300)  # let the page draw the late answer, if it were going to
    expect(supervisor.locator("#list-caption")).to_contain_text("退单待审")
    expect(supervisor.locator(f".ticket-row[data-number='{elsewhere}']")).to_have_count(0)
    expect(supervisor.locator(f".ticket-row[data-number='{returned}']")).to_be_visible()
