"""/missed in Chromium: an abandoned call is seen, a busy callback is noted, a reached one leaves the list."""

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from hotline.db import engine_for
from routing.acd import service

pytestmark = pytest.mark.browser


def test_one_click_callback_outcomes(site, shot):
    with Session(engine_for(site.database_url)) as session:
        service.enqueue(session, "page-gone", "13900004321")
        service.hangup(session, "page-gone")
    page = site.login("agent")
    page.get_by_role("link", name="未接来电").click()
    page.wait_for_url("**/missed")
    row = page.locator("#missed-rows tr", has_text="139****4321")
    expect(row).to_contain_text("未回拨")
    row.get_by_role("button", name="占线").click()
    expect(row.locator(".attempts")).to_contain_text("占线")
    shot(page, "missed-busy")
    row.get_by_role("button", name="已接通").click()
    expect(page.locator("#missed-rows")).to_contain_text("没有待回拨的来电")
