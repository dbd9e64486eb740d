"""Time left on the liaison's list: nearest deadline first, near due amber, overdue red."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from hotline.db import at_time, engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType, Urgency
from tests.web.conftest import HOUSING

pytestmark = pytest.mark.browser


def dispatched_at(site, moment: datetime, summary: str, urgency: Urgency = Urgency.normal) -> str:
    """A ticket filed and dispatched at `moment`, so its clocks run from then."""
    draft = TicketDraft(request_type=RequestType.complaint, summary=summary, description=summary, urgency=urgency)
    with Session(engine_for(site.database_url)) as session, at_time(moment):
        ticket = service.intake(session, site.actors["agent"], draft)
        service.dispatch(session, site.actors["agent"], ticket.number, site.departments[HOUSING])
        return ticket.number


def test_the_list_puts_the_nearest_deadline_first_and_colours_it(site, shot):
    now = datetime.now(UTC)
    calm = site.new_ticket("人行道地砖松动", department=HOUSING)["number"]
    near = dispatched_at(site, now - timedelta(minutes=10), "燃气管道异味（紧急）", Urgency.urgent)
    late = dispatched_at(site, now - timedelta(days=6), "小区电梯困人后仍未维修")

    liaison = site.login("liaison")
    rows = liaison.locator(".ticket-row")
    expect(rows).to_have_count(3)
    assert [row.get_attribute("data-number") for row in rows.all()] == [late, near, calm]
    expect(liaison.locator(f".ticket-row[data-number='{late}'] .countdown")).to_have_class("countdown due-overdue")
    expect(liaison.locator(f".ticket-row[data-number='{late}'] .countdown")).to_contain_text("超期")
    expect(liaison.locator(f".ticket-row[data-number='{near}'] .countdown")).to_have_class("countdown due-near")
    expect(liaison.locator(f".ticket-row[data-number='{calm}'] .countdown")).to_have_class("countdown due-ok")
    liaison.locator(f".ticket-row[data-number='{late}']").click()
    expect(liaison.locator(".ticket-detail [data-deadline=sign_due_at] .countdown")).to_have_class(
        "countdown due-overdue"
    )
    shot(liaison, "12-liaison-deadlines")
