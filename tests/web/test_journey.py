"""The whole way of a ticket through the pages:
受理 → 派单 → 签收 → 答复 (with a photo) → 审核通过 → 回访满意 → 已办结."""

import pytest
from playwright.sync_api import expect

from tests.web.conftest import tiny_png

pytestmark = pytest.mark.browser


def test_ticket_travels_from_intake_to_closed(site, shot):
    desk = site.login("agent", through_form=True)
    desk.keyboard.press("n")  # the intake shortcut
    form = desk.locator("#intake-form")
    form.get_by_label("诉求类型").select_option("投诉")
    form.get_by_label("来电号码").fill("13812345678")
    form.get_by_label("区域").fill("A2区")
    form.get_by_label("地址").fill("A市A2区幸福路18号")
    form.get_by_label("诉求摘要").fill("幸福路工地夜间施工噪音扰民")
    form.get_by_label("诉求内容").fill("每晚十点以后仍在打桩，影响周边居民休息。")
    shot(desk, "01-desk-intake")
    form.get_by_role("button", name="受理", exact=True).click()

    detail = desk.locator(".ticket-detail")
    expect(detail).to_have_attribute("data-state", "received")
    number = detail.get_attribute("data-number")
    expect(desk.locator(f".ticket-row[data-number='{number}']")).to_be_visible()
    desk.locator(".action-bar [data-action=dispatch]").click()
    desk.get_by_label("承办单位").select_option(label="A市住房和城乡建设局")
    desk.get_by_role("button", name="确认派单").click()
    expect(detail).to_have_attribute("data-state", "dispatched")
    expect(detail.locator("[data-deadline=sign_due_at] .countdown")).to_contain_text("剩")
    shot(desk, "02-desk-dispatched")

    liaison = site.login("liaison")
    liaison.locator(f".ticket-row[data-number='{number}']").click()
    ticket = liaison.locator(".ticket-detail")
    expect(ticket.locator("h2")).to_have_text("幸福路工地夜间施工噪音扰民")
    shot(liaison, "03-liaison-dispatched")
    liaison.locator(".action-bar [data-action=sign]").click()
    expect(ticket).to_have_attribute("data-state", "in_progress")
    liaison.locator(".action-bar [data-action=reply]").click()
    liaison.get_by_label("办理情况").fill("已责令施工单位停止夜间施工，并安排执法人员夜间巡查。")
    liaison.get_by_label("附件").set_input_files(
        [{"name": "现场照片.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    shot(liaison, "04-liaison-reply-form")
    liaison.get_by_role("button", name="确认答复").click()
    expect(ticket).to_have_attribute("data-state", "replied")
    file_link = ticket.locator(".tl-files a", has_text="现场照片.png")
    expect(file_link).to_be_visible()
    with liaison.expect_download() as download:
        file_link.click()
    assert download.value.suggested_filename == "现场照片.png"
    shot(liaison, "05-liaison-replied")

    supervisor = site.login("supervisor")
    supervisor.get_by_role("tab", name="答复待审").click()
    supervisor.locator(f".ticket-row[data-number='{number}']").click()
    expect(supervisor.locator(".text-block", has_text="承办单位答复")).to_contain_text("停止夜间施工")
    supervisor.locator(".action-bar [data-action=accept_reply]").click()
    expect(supervisor.locator(".ticket-detail")).to_have_attribute("data-state", "callback_pending")

    # The agent's page followed every step live; now the callback.
    expect(detail).to_have_attribute("data-state", "callback_pending")
    expect(desk.locator("#tab-callbacks .tab-count")).to_have_text("1")
    desk.get_by_role("tab", name="待回访").click()
    desk.locator(f".ticket-row[data-number='{number}']").click()
    expect(detail.locator("[data-deadline=callback_due_at] .countdown")).to_contain_text("剩")
    desk.locator(".action-bar [data-action=callback_satisfied]").click()
    desk.get_by_label("备注").fill("市民表示满意")
    desk.get_by_role("button", name="确认满意并办结").click()

    expect(detail).to_have_attribute("data-state", "closed")
    expect(detail.locator(".ticket-title .badge").first).to_have_text("已办结")
    steps = detail.locator(".timeline > li")
    expect(steps).to_have_count(7)
    actions = [item.get_attribute("data-action") for item in steps.all()]
    assert actions == ["intake", "dispatch", "sign", "reply", "accept_reply", "callback", "close"]
    expect(detail.locator(".timeline")).to_contain_text("市民表示满意")
    shot(desk, "06-desk-closed")
