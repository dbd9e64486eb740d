"""The pages draw a ticket's buttons from the server's `allowed_actions`: every button shown is a step the server
allows this user now, and every step the server offers a person has its button (督办 on a transferred ticket too,
which the old copy of the rules in actions.js hid)."""

import pytest

from routing.linkage.settings import get_linkage_settings
from tests.web.conftest import HOUSING

pytestmark = pytest.mark.browser

# The buttons (data-action) and the step each takes: both callback buttons take 回访.
BUTTON_STEP = {"extension": "request_extension", "callback_satisfied": "callback", "callback_dissatisfied": "callback"}


def _tickets(site) -> list[str]:
    numbers = [site.new_ticket("待派单的工单")["number"]]
    numbers.append(site.new_ticket("待签收的工单", department=HOUSING)["number"])
    pending = site.new_ticket("申请了延期的工单", department=HOUSING, sign=True)["number"]
    site.api("liaison", "POST", f"/api/tickets/{pending}/extension", json={"days": 2, "reason": "需要协调"})
    numbers.append(pending)
    replied = site.new_ticket("已答复的工单", department=HOUSING, sign=True)["number"]
    site.api("liaison", "POST", f"/api/tickets/{replied}/reply", data={"text": "已经处理完毕，情况如下"})
    numbers.append(replied)
    callback = site.new_ticket("待回访的工单", department=HOUSING, sign=True)["number"]
    site.api("liaison", "POST", f"/api/tickets/{callback}/reply", data={"text": "已经处理完毕，情况如下"})
    site.api("supervisor", "POST", f"/api/tickets/{callback}/reply/review", json={"accept": True})
    numbers.append(callback)
    transferred = site.new_ticket("转 110 的工单")["number"]
    site.api("agent", "POST", f"/api/tickets/{transferred}/transfer", json={"partner": "110"})
    numbers.append(transferred)
    return numbers


def _buttons_match(site, page, role: str, number: str) -> set[str]:
    page.locator(f".ticket-row[data-number='{number}']").click()
    page.locator(f".ticket-detail[data-number='{number}'] .actions").wait_for()
    shown = {BUTTON_STEP.get(b, b) for b in page.locator(".action-bar [data-action]").evaluate_all(
        "buttons => buttons.map((b) => b.dataset.action)")}  # fmt: skip
    allowed = set(site.api(role, "GET", f"/api/tickets/{number}")["allowed_actions"])
    assert shown == allowed, (role, number)
    return shown


def test_every_button_shown_is_allowed_and_every_allowed_step_has_its_button(site, monkeypatch, shot):
    monkeypatch.setenv("HOTLINE_LINKAGE_110_URL", "http://127.0.0.1:9")
    get_linkage_settings.cache_clear()
    try:
        numbers = _tickets(site)
    finally:
        get_linkage_settings.cache_clear()
    seen: dict[str, set[str]] = {}
    for role in ("agent", "supervisor", "manager"):
        desk = site.login(role)
        desk.get_by_role("tab", name="全部工单").click()
        for number in numbers:
            seen[f"{role}:{number}"] = _buttons_match(site, desk, role, number)
        desk.context.close()
    liaison = site.login("liaison")
    for number in numbers[1:3]:  # the liaison's list: waiting to be signed for, in hand
        _buttons_match(site, liaison, "liaison", number)
    # The drift the server's list fixed: 督办 shows on a ticket waiting for 110.
    assert "supervise" in seen[f"supervisor:{numbers[-1]}"]
    assert {"approve_extension", "refuse_extension"} <= seen[f"supervisor:{numbers[2]}"]
    shot(liaison, "allowed-buttons-liaison")
