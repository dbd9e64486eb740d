"""The outbox in-process against a real stand-in partner: backoff, dead letters, the supervisor's retry,
concurrent claims; and the signature rules."""

import threading
import time

import httpx
import pytest
from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from routing.linkage import outbox
from routing.linkage import service as linkage
from routing.linkage.models import OutboxMessage
from routing.linkage.settings import get_linkage_settings
from routing.linkage.signing import check_signature, sign_headers
from tests.linkage.conftest import KEYS, Partner


@pytest.fixture
def partner(monkeypatch, tmp_path, processes):
    sim = Partner("110", "http://127.0.0.1:9", tmp_path).start()  # callbacks go nowhere: not under test here
    processes.append(sim)
    sim.mode(callbacks="none")
    for name, value in {
        "110_URL": sim.url,
        "110_KEY": KEYS["110"],
        "MAX_ATTEMPTS": "2",
        "BACKOFF_SECONDS": "0.3",
        "WORKER": "false",
    }.items():
        monkeypatch.setenv(f"HOTLINE_LINKAGE_{name}", value)
    get_linkage_settings.cache_clear()
    yield sim
    get_linkage_settings.cache_clear()


def transferred(session, people) -> str:
    draft = TicketDraft(RequestType.report, "有人聚众斗殴", "A3区某广场有人聚众斗殴", caller_phone="13700001111")
    number = service.intake(session, people.agent, draft).number
    linkage.transfer(session, people.agent, number, "110", "警情")
    return number


def test_backoff_dead_letter_and_supervisor_retry(db, people, partner, live_server):
    with Session(engine_for(db)) as session:
        transferred(session, people)
        (message_id,) = session.exec(select(OutboxMessage.id)).all()
        partner.mode(fail=2)
        assert outbox.deliver_due(session).failed == [message_id]
        assert outbox.deliver_due(session).failed == []  # still backing off: nothing was due
        time.sleep(0.35)
        assert outbox.deliver_due(session).dead == [message_id]
    login = httpx.post(f"{live_server.url}/api/auth/login", json={"username": "super1", "password": "secret-pass-1"})
    boss = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    (dead,) = boss.get("/api/linkage/dead-letters").json()
    assert dead["attempts"] == 2 and "HTTP 500" in dead["last_error"]
    agent = httpx.post(f"{live_server.url}/api/auth/login", json={"username": "agent1", "password": "secret-pass-1"})
    denied = httpx.get(
        f"{live_server.url}/api/linkage/dead-letters",
        headers={"Authorization": f"Bearer {agent.json()['access_token']}"},
    )
    assert denied.status_code == 403
    assert boss.post(f"/api/linkage/dead-letters/{dead['id']}/retry").json()["state"] == "pending"
    assert boss.post(f"/api/linkage/dead-letters/{dead['id']}/retry").status_code == 409
    with Session(engine_for(db)) as session:
        assert outbox.deliver_due(session).delivered == [dead["id"]]
    assert [c["deliveries"] for c in partner.state()["cases"].values()] == [1]  # the 500s never took the case
    assert boss.get("/api/linkage/dead-letters").json() == []


def test_refused_transfer_leaves_no_outbox_row(db, people, partner):
    with Session(engine_for(db)) as session:
        number = transferred(session, people)
        with pytest.raises(Exception) as again:
            linkage.transfer(session, people.agent, number, "110")
        assert again.value.code == "illegal_transition"
        assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_two_workers_never_claim_the_same_message(db, people, partner):
    with Session(engine_for(db)) as session:
        for _ in range(6):
            transferred(session, people)
    claimed: list[list[int]] = [[], []]

    def work(slot: int) -> None:
        with Session(engine_for(db)) as own:
            claimed[slot] = [m.id for m in outbox.claim_due(own, outbox.utcnow(), get_linkage_settings())]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine_for(db)) as session:
        every = sorted(session.exec(select(OutboxMessage.id)).all())
    assert sorted(claimed[0] + claimed[1]) == every and len(every) == 6


def test_signatures():
    body = b'{"a":1}'
    headers = {k.lower(): v for k, v in sign_headers("k", "POST", "/p", body, now=1000).items()}
    assert check_signature("k", "POST", "/p", body, headers, 300, now=1100) == (True, "ok")
    assert check_signature("k", "POST", "/p", b'{"a":2}', headers, 300, now=1100)[1] == "bad_signature"
    assert check_signature("other", "POST", "/p", body, headers, 300, now=1100)[1] == "bad_signature"
    assert check_signature("k", "POST", "/other", body, headers, 300, now=1100)[1] == "bad_signature"
    assert check_signature("k", "POST", "/p", body, headers, 300, now=1400)[1] == "stale_timestamp"
    assert check_signature("k", "POST", "/p", body, {}, 300)[1] == "signature_missing"


def test_a_dead_transfer_comes_back_to_the_desk_and_its_retry_reaches_the_partner(
    db, people, partner, live_server
):
    """转办失败: the ticket never waits on a message nobody will send; the desk sees it and sends it again."""
    with Session(engine_for(db)) as session:
        number = transferred(session, people)
        partner.mode(fail=2)
        outbox.deliver_due(session)
        time.sleep(0.35)
        (dead_id,) = outbox.deliver_due(session).dead
    login = httpx.post(f"{live_server.url}/api/auth/login", json={"username": "agent1", "password": "secret-pass-1"})
    agent = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    ticket = agent.get(f"/api/tickets/{number}").json()
    assert (ticket["state"], ticket["state_name"]) == ("transfer_failed", "转办失败")
    last = agent.get(f"/api/tickets/{number}/events").json()[-1]
    assert last["action"] == "transfer_failed" and "110 指挥中心未签收" in last["note"] and "HTTP 500" in last["note"]
    assert agent.get("/api/tickets/queues").json()["transfer_failed"] == {"label": "转办失败", "count": 1}
    assert [t["number"] for t in agent.get("/api/tickets", params={"queue": "transfer_failed"}).json()["items"]] == [
        number
    ]
    retried = agent.post(f"/api/tickets/{number}/transfer/retry", json={"note": "已电话确认 110 恢复"})
    assert retried.status_code == 200 and retried.json()["state"] == "transferred"
    again = agent.post(f"/api/tickets/{number}/transfer/retry", json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    with Session(engine_for(db)) as session:
        assert outbox.deliver_due(session).delivered == [dead_id]
    assert [c["deliveries"] for c in partner.state()["cases"].values()] == [1]
    actions = [e["action"] for e in agent.get(f"/api/tickets/{number}/events").json()]
    assert actions[-3:] == ["transfer_failed", "retry_transfer", "partner_update"]


def test_a_failed_transfer_may_be_dispatched_by_the_desk_instead(db, people, partner):
    with Session(engine_for(db)) as session:
        number = transferred(session, people)
        partner.mode(fail=2)
        outbox.deliver_due(session)
        time.sleep(0.35)
        outbox.deliver_due(session)
        ticket = service.dispatch(session, people.agent, number, people.housing.id, "110 联系不上，先派属地")
        assert ticket.state == "dispatched"
