"""The liaison's live notice (Chromium): a ticket dispatched to their department, or sent back to them, raises a
toast and — with the permission given — a browser notification; another department's ticket raises nothing."""

import pytest
from playwright.sync_api import expect

from tests.web.conftest import HOUSING, TRANSPORT

pytestmark = pytest.mark.browser

# Wrap the browser's real Notification to see what the page asks it to show.
RECORD = """
window.__notices = [];
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) { super(title, options); window.__notices.push(options.body); }
  };
}
"""


def test_new_and_returned_tickets_notify_the_liaison(site, shot):
    liaison = site.login("liaison")
    expect(liaison.locator("#enable-notices")).to_be_visible()  # permission not asked yet: the button offers it
    liaison.context.grant_permissions(["notifications"], origin=site.url)
    liaison.context.add_init_script(RECORD)
    liaison.reload()
    liaison.locator("#live-status[data-status=open]").wait_for()
    expect(liaison.locator("#enable-notices")).to_be_hidden()
    ours = site.new_ticket("楼道灯不亮", department=HOUSING)["number"]
    expect(liaison.locator(".toast", has_text=f"新派工单：{ours}")).to_be_visible()
    liaison.wait_for_function("window.__notices.length >= 1")
    assert liaison.evaluate("window.__notices") == [f"新派工单：{ours}"]
    site.new_ticket("公交站牌损坏", department=TRANSPORT)
    site.api("liaison", "POST", f"/api/tickets/{ours}/sign", json={})
    site.api("liaison", "POST", f"/api/tickets/{ours}/reply", data={"text": "已更换灯泡"})
    site.api("supervisor", "POST", f"/api/tickets/{ours}/reply/review", json={"accept": False, "note": "请附照片"})
    liaison.wait_for_function("window.__notices.length >= 2")
    assert liaison.evaluate("window.__notices") == [f"新派工单：{ours}", f"答复被退回，请重新答复：{ours}"]
    shot(liaison, "liaison-notice")
