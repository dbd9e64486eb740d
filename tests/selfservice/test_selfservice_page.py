"""/selfservice in Debian's Chromium, on a phone whose clock is in another time zone: a merged ticket's caller
reads the main ticket's progress and answer (nothing of the other caller), times in the centre's zone; an approval's
headline agrees with its timeline."""

from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from approvals_bridge.embedded import seed_demo
from approvals_bridge.models import ApprovalCase
from hotline.db import engine_for
from hotline.localtime import format_centre
from hotline.tickets.models import Ticket, TicketEvent
from selfservice.progress import find_progress
from selfservice.ratelimit import reset_local
from tests.conftest import LiveServer, real_data
from tests.selfservice.test_merged_progress import CHILD_PHONE, MAIN_NAME, MAIN_PHONE, merged_pair
from tests.web.conftest import ARTIFACTS, TIMEOUT_MS, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser
PHONE_SCREEN = {"width": 390, "height": 844}


@pytest.fixture
def server(sqlite_db):
    from hotline.events import set_bus

    set_bus(None)
    live = LiveServer().start()
    yield live
    live.stop()
    set_bus(None)


@pytest.fixture
def phone(browser):  # noqa: F811
    reset_local()
    context = browser.new_context(viewport=PHONE_SCREEN, locale="zh-CN", timezone_id="America/New_York")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()
    reset_local()


def test_a_merged_tickets_caller_sees_the_shared_handling_in_the_centres_time(sqlite_db, sqlite_people, server,
                                                                              phone):  # fmt: skip
    main, child = merged_pair(sqlite_db, sqlite_people)
    with Session(engine_for(sqlite_db)) as session:
        progress = find_progress(session, child, CHILD_PHONE)
        child_id = session.exec(select(Ticket.id).where(Ticket.number == child)).one()
        intake = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == child_id,
                                                        TicketEvent.action == "intake")).one()  # fmt: skip
    phone.goto(f"{server.url}/selfservice")
    phone.get_by_label("工单编号").fill(child)
    phone.get_by_label("登记的手机号码").fill(CHILD_PHONE)
    phone.get_by_role("button", name="查询").first.click()
    result = phone.locator("#result")
    expect(result.locator("h2")).to_have_text(f"工单 {child}：已与相同诉求合并办理，已办理完毕，等待回访")
    expect(result).to_contain_text("A市住房和城乡建设局")
    expect(result).to_contain_text("搅拌站已停工整改，夜间不再施工")
    expect(result).to_contain_text("与其他市民反映的相同诉求合并办理")
    steps = result.locator("ol.timeline li")
    expect(steps).to_have_count(len(progress.steps))
    expect(result.locator("li.merged .tag")).to_have_count(4)
    # times in the centre's zone (Asia/Shanghai), not New York's: the intake of the caller's own ticket first
    assert steps.first.locator("time").inner_text() == format_centre(intake.at)
    assert result.locator("dt:text-is('受理时间') + dd").inner_text() == format_centre(progress.created_at)
    text = result.inner_text()
    for secret in (MAIN_PHONE, MAIN_NAME, main):
        assert secret not in text, secret
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "selfservice-merged.png"), full_page=True)


def test_an_approvals_headline_follows_its_timeline(sqlite_db, server, phone):
    with Session(engine_for(sqlite_db)) as session:
        seed_demo(session, real_data(), 40)
        case = session.exec(select(ApprovalCase).where(ApprovalCase.stage == "决定")).first()
    phone.goto(f"{server.url}/selfservice")
    phone.get_by_role("tab", name="办件状态").click()
    phone.get_by_label("申办号").fill(case.application_no)
    phone.get_by_label("手机号码或身份证号后六位").fill(case.id_last6)
    phone.get_by_label("申请人姓名（用身份证号后六位查询时填写）").fill(case.applicant_name)
    phone.locator("#approval-form").get_by_role("button", name="查询").click()
    result = phone.locator("#result")
    expect(result.locator("h2")).to_have_text(f"{case.item_name}：已作出审批决定，正在办结（制证、送达）")
    last = result.locator("ol.timeline li").last
    expect(last).to_contain_text("作出准予许可决定")  # the latest step says what the headline says
    latest = max(datetime.fromisoformat(s["at"]) for s in case.history)
    assert last.locator("time").inner_text() == format_centre(latest)
    phone.screenshot(path=str(ARTIFACTS / "selfservice-approval.png"), full_page=True)
