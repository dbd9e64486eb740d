"""`allowed_actions` over HTTP: for every state and role, the server offers exactly the steps the hand-written
tables allow, and every step it does not offer is refused with the same 403 / 409 as before, changing nothing."""

import pytest
from sqlmodel import Session, func, select

from hotline.db import engine_for
from hotline.models import Ticket, TicketEvent
from hotline.tickets.states import TicketState
from routing.linkage.settings import get_linkage_settings
from tests.conftest import login_client
from tests.hotline.test_lifecycle import LEGAL as LIFECYCLE_LEGAL
from tests.hotline.test_lifecycle import bring_to, new_ticket
from tests.hotline.test_roles import ALLOWED as ROLES_ALLOWED

# The lifecycle tables plus 重新转办, which tests/linkage walks with a real outbox.
_FAILED = TicketState.transfer_failed
LEGAL = {**LIFECYCLE_LEGAL, _FAILED: LIFECYCLE_LEGAL[_FAILED] | {"retry_transfer"}}
ALLOWED = {**ROLES_ALLOWED, "retry_transfer": {"agent", "supervisor"}}

ROLES = ["agent", "supervisor", "liaison", "other_liaison", "manager", "editor", "admin"]
# Each step's route and a body it would accept (so a refusal can only come from role, scope or state).
REQUESTS = {
    "answer": ("answer", {"text": "按政策答复"}),
    "dispatch": ("dispatch", {"department_id": None}),
    "sign": ("sign", {}),
    "return": ("return", {"reason": "不属于本单位职责"}),
    "redispatch": ("redispatch", {"department_id": None}),
    "insist": ("insist", {"note": "维持原派"}),
    "request_extension": ("extension", {"days": 2, "reason": "需要协调"}),
    "approve_extension": ("extension/decision", {"approve": True}),
    "refuse_extension": ("extension/decision", {"approve": False}),
    "accept_reply": ("reply/review", {"accept": True}),
    "send_back_reply": ("reply/review", {"accept": False, "note": "答复不完整"}),
    "callback": ("callback", {"satisfied": True}),
    "merge": ("merge", {"into_number": None}),
    "supervise": ("supervise", {}),
    "remind": ("remind", {}),
    "transfer": ("transfer", {"partner": "110"}),
    "retry_transfer": ("transfer/retry", {}),
}


@pytest.fixture(autouse=True)
def linkage_partner(monkeypatch):
    monkeypatch.setenv("HOTLINE_LINKAGE_110_URL", "http://127.0.0.1:9")
    get_linkage_settings.cache_clear()
    yield
    get_linkage_settings.cache_clear()


def expected(state, role: str, on_their_desk: bool) -> set[str]:
    if role.endswith("liaison") and not on_their_desk:
        return set()
    base = "liaison" if role.endswith("liaison") else role
    return {step for step in LEGAL[state] if base in ALLOWED[step]}


def refusal(step: str, state, role: str, on_their_desk: bool) -> tuple[int, str]:
    base = "liaison" if role.endswith("liaison") else role
    if base not in ALLOWED[step]:
        return 403, "role_forbidden"
    if base == "liaison" and not on_their_desk:
        return 403, "other_department"
    if step in ("approve_extension", "refuse_extension") and state == TicketState.in_progress:
        return 409, "no_extension_pending"  # the state allows it, but there is no request to decide
    return 409, "illegal_transition"


def snapshot(db: str, ticket_id: int) -> tuple:
    with Session(engine_for(db)) as s:
        ticket = s.get(Ticket, ticket_id)
        return (
            ticket.state,
            ticket.version,
            s.exec(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)).one(),
        )


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_allowed_actions_match_the_rules_and_refusals_are_unchanged(db, session, people, live_server):
    clients = {role: login_client(live_server.url, people.users[role].username) for role in ROLES}
    target = new_ticket(session, people, summary="另一张未办结的工单").number
    try:
        for state in LEGAL:
            ticket = bring_to(session, people, state)
            on_desk = {
                "liaison": ticket.department_id == people.housing.id,
                "other_liaison": ticket.department_id == people.transport.id,
            }
            for role, client in clients.items():
                mine = on_desk.get(role, True)
                shown = client.get(f"/api/tickets/{ticket.number}")
                if not mine or role == "editor":  # not on their desk; an editor sees no tickets at all
                    assert shown.status_code == 403, (state, role)
                    offered: set[str] = set()
                else:
                    assert shown.status_code == 200, shown.text
                    offered = set(shown.json()["allowed_actions"])
                assert offered == expected(state, role, mine), (state, role)
                before = snapshot(db, ticket.id)
                for step, (path, body) in REQUESTS.items():
                    if step in offered:
                        continue
                    body = dict(body)
                    if "department_id" in body:
                        body["department_id"] = people.transport.id
                    if "into_number" in body:
                        body["into_number"] = target
                    answer = client.post(f"/api/tickets/{ticket.number}/{path}", json=body)
                    status, code = refusal(step, state, role, mine)
                    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), (state, role, step)
                assert snapshot(db, ticket.id) == before, (state, role)
    finally:
        for client in clients.values():
            client.close()
