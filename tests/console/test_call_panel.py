"""The console, call by call, in Chromium: two calls in a row from different callers start clean (nothing of the
first caller is left on the second one's panel, the first ticket stays read-only with its number), a reload
mid-call brings back the call and the half-filled form, an urgent call shows its referral above everything with
its one-key transfer highlighted, and an unanswered offer says what really happened.

Speech reaches the page as the ASR service sends it: final transcript events on the bus of the live app.
"""

import re
import time
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from hotline.callers.service import add_segment
from hotline.db import engine_for
from hotline.events import Event, get_bus
from tests.events.payloads import transcript
from tests.web.conftest import browser, shot, site  # noqa: F401  (the browser fixtures)

FIRST_CALLER, SECOND_CALLER = "13912345678", "13800001111"
ARTICLE = {
    "title": "《中华人民共和国残疾人证》挂失补办",
    "body": "办理部门：市残疾人联合会\n申请材料：\n1. 居民身份证\n2. 近期免冠照片两张\n"
    "办理地点：各区残联服务窗口\n承诺办结时限：5 个工作日",
    "tags": ["公共服务"],
    "publish": True,
}
OTHER_ARTICLE = {"title": "企业职工基本养老金申领", "body": "申请条件：达到法定退休年龄。", "tags": [], "publish": True}


def say(site, call_id: str, text: str, start: float, leg: str = "caller") -> None:  # noqa: F811
    """What the ASR service does with a final: store it on the call, publish it on the bus."""
    with Session(engine_for(site.database_url)) as session:
        add_segment(session, call_id, leg, start, start + 2.0, text, 0.9)
    get_bus().publish(Event("call.transcript.final", transcript(call_id, text, start, leg=leg)))


def ring(site, caller: str) -> str:  # noqa: F811
    call_id = f"call-{uuid.uuid4().hex[:8]}"
    site.api("supervisor", "POST", "/api/acd/calls", json={"call_id": call_id, "caller_phone": caller})
    return call_id


def ready(site):  # noqa: F811
    page = site.login("agent", next_page="/console", through_form=True)
    page.get_by_role("button", name="示闲").click()
    page.locator("#agent-state[data-state=ready]").wait_for()
    return page


def answer(page, call_id: str) -> None:
    page.locator(f"#call-card[data-call='{call_id}'][data-call-state=offered]").wait_for()
    page.keyboard.press("F2")
    page.locator(f"#call-card[data-call='{call_id}'][data-call-state=answered]").wait_for()
    page.locator(f"#ticket-form[data-call='{call_id}']").wait_for()


def assist_text(page) -> str:
    return page.locator(".assist-pane").inner_text()


@pytest.mark.browser
def test_two_calls_in_a_row_from_different_callers_start_clean(site, shot, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOTLINE_ACD_WRAP_UP_SECONDS", "1")
    from routing.acd.settings import get_acd_settings

    get_acd_settings.cache_clear()
    page = ready(site)
    first = ring(site, FIRST_CALLER)
    answer(page, first)
    say(site, first, "我叫王建国，住在天心区桂花坪街道新天村3栋，我们小区从早上停水到现在", 1.0)
    page.locator("#summary").wait_for()
    # 智能填单. Locators, not wait_for_function: the pages' CSP forbids the eval that one needs.
    expect(page.locator("#summary")).to_have_value(re.compile("停水"), timeout=30_000)
    assert page.locator("#caller_name").input_value() == "王建国"
    assert page.locator("#district").input_value() == "A2区"  # 区域 from the place the caller named
    page.locator("#department_id").select_option(index=1)
    page.keyboard.press("F9")
    page.locator(f"#ticket-form[data-call='{first}'][data-state=dispatched]").wait_for()
    number = page.locator("#ticket-form").get_attribute("data-number")
    assert number in page.locator("#ticket-status").inner_text()  # read-only, with its number
    assert page.locator("#summary").is_disabled() and page.locator("#do-dispatch").is_disabled()
    page.keyboard.press("F4")
    page.locator("#agent-state[data-state=wrap_up]").wait_for()
    page.locator("#agent-state[data-state=ready]").wait_for(timeout=15_000)  # wrap-up over

    second = ring(site, SECOND_CALLER)
    page.locator(f"#call-card[data-call='{second}'][data-call-state=offered]").wait_for()
    # Ringing: the previous call's form, suggestions and notices are gone, before anything is said.
    assert page.locator("#ticket-form").inner_text() == ""
    assert number not in assist_text(page) and "停水" not in assist_text(page)
    assert page.locator("#caller-number").inner_text() == "138****1111"
    answer(page, second)
    assert page.locator("#summary").input_value() == "" and not page.locator("#summary").is_disabled()
    say(site, second, "我们小区停水了，从早上到现在都没有水", 1.0)
    expect(page.locator("#summary")).to_have_value(re.compile(".+"), timeout=30_000)
    page.locator("#similar li").first.wait_for()
    time.sleep(1)  # let every pending answer for the first call arrive, if any were still on their way
    panel = assist_text(page)
    # The first caller's ticket may be a 并单 candidate for the same matter, but never as this caller's own.
    assert "同一来电号码" not in panel and "同一来电人" not in panel
    assert "null" not in panel and "依据：依据：" not in panel
    assert page.locator("#ticket-form").get_attribute("data-call") == second
    assert FIRST_CALLER not in page.content() and SECOND_CALLER not in page.content()
    shot(page, "console-second-call")

    # The desk shows the first ticket's call: the caller's words with their time.
    desk = site.login("agent")
    desk.goto(f"{site.url}/desk#{number}")
    record = desk.locator(".call-record .call-lines")
    record.wait_for()
    assert "王建国" in record.inner_text() and "来电人" in record.inner_text()
    assert "null" not in desk.locator(".call-record").inner_text()


@pytest.mark.browser
def test_reload_mid_call_restores_the_call_and_the_half_filled_form(site, shot):  # noqa: F811
    for _copy in range(2):  # the same item twice (as the guides repeat items per city): shown once
        site.api("editor", "POST", "/api/knowledge/articles", json=ARTICLE)
    site.api("editor", "POST", "/api/knowledge/articles", json=OTHER_ARTICLE)
    page = ready(site)
    call_id = ring(site, FIRST_CALLER)
    answer(page, call_id)
    say(site, call_id, "我想问一下残疾证丢了怎么补办", 1.0)
    page.locator("#transcript .line.final").first.wait_for()
    page.locator("#summary").fill("残疾证挂失补办咨询")
    page.locator("#caller_name").fill("李女士")
    page.locator("#confidential").check()
    page.locator("#request_type").select_option("咨询")
    page.reload()
    page.locator(f"#call-card[data-call='{call_id}'][data-call-state=answered]").wait_for()
    page.locator("#transcript .line.final", has_text="残疾证丢了").wait_for()
    assert page.locator("#summary").input_value() == "残疾证挂失补办咨询"
    assert page.locator("#caller_name").input_value() == "李女士"
    assert page.locator("#confidential").is_checked()
    assert page.locator("#request_type").input_value() == "咨询"
    assert "已恢复" in page.locator("#ticket-status").inner_text()
    # Knowledge for the call: typed words with the transcript, the article in full, 用于直接答复.
    page.keyboard.press("F3")
    page.keyboard.type("残疾人证 挂失")
    hit = page.locator("#knowledge .hit").first
    hit.wait_for()
    assert page.locator("#knowledge .hit", has_text="残疾人证》挂失补办").count() == 1
    hit.locator(".hit-title").click()
    page.locator("#article-panel:not([hidden]) .article-body").wait_for()
    page.locator("#article-panel").get_by_role("button", name="用于直接答复").click()
    assert "申请材料" in page.locator("#answer").input_value() or len(page.locator("#answer").input_value()) > 60
    shot(page, "console-after-reload")
    page.keyboard.press("Escape")
    page.locator("#article-panel").wait_for(state="hidden")
    page.keyboard.press("F10")
    page.locator("#ticket-form[data-state=closed]").wait_for()
    number = page.locator("#ticket-form").get_attribute("data-number")
    ticket = site.api("agent", "GET", f"/api/tickets/{number}")
    assert ticket["confidential"] and ticket["caller_name"] == "李女士"
    # After filing, a reload shows the filed ticket read-only, not the draft.
    page.reload()
    page.locator(f"#ticket-form[data-number='{number}']").wait_for()
    assert page.locator("#summary").is_disabled()


@pytest.mark.browser
def test_urgent_call_shows_the_referral_first(site, shot):  # noqa: F811
    page = ready(site)
    call_id = ring(site, FIRST_CALLER)
    answer(page, call_id)
    say(site, call_id, "喂，你们快来，楼下有人拿着刀在砍人，已经有人在流血了", 1.0)
    banner = page.locator("#triage-banner[data-level=urgent]")
    banner.wait_for()
    assert "转 110" in banner.inner_text()
    assert banner.locator("button.recommended").inner_text() == "一键转 110"
    # Above everything: the banner sits over the three panes.
    banner_box, grid_box = banner.bounding_box(), page.locator(".console-grid").bounding_box()
    assert banner_box["y"] + banner_box["height"] <= grid_box["y"] + 1
    page.locator("#do-110.recommended").wait_for()
    assert page.locator("#urgency").input_value() == "urgent"
    assert page.locator("#suggestion [data-head=urgency] strong").inner_text() == "紧急"
    shot(page, "console-urgent")

    say(site, call_id, "不对不对，是我看错了，没有人受伤", 4.0)  # what came before still stands: the banner stays
    time.sleep(1.5)
    assert banner.is_visible()


@pytest.mark.browser
def test_an_unanswered_offer_is_said_honestly(site, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOTLINE_ACD_NO_ANSWER_SECONDS", "1")
    from routing.acd.settings import get_acd_settings

    get_acd_settings.cache_clear()
    page = ready(site)
    call_id = ring(site, FIRST_CALLER)
    page.locator(f"#call-card[data-call='{call_id}'][data-call-state=offered]").wait_for()
    page.locator(".notice", has_text="未接听，已退回排队").wait_for(timeout=10_000)
    page.locator(".notice", has_text="已将您置为示忙").wait_for()
    page.locator("#agent-state[data-state=not_ready]").wait_for()
    assert "已转给其他座席" not in page.locator("#notices").inner_text()  # nobody else is online
    assert page.locator("#call-card").get_attribute("data-call-state") == "idle"
