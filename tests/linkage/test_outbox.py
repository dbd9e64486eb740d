"""The outbox in-process against a real stand-in partner: backoff, dead letters, the supervisor's retry,
concurrent claims; and the signature rules."""

import threading
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from routing.linkage import outbox
from routing.linkage import service as linkage
from routing.linkage.models import LinkageTransfer, OutboxMessage
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
            while message := outbox.claim_next(own, outbox.utcnow(), get_linkage_settings()):
                claimed[slot].append(message.id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine_for(db)) as session:
        every = sorted(session.exec(select(OutboxMessage.id)).all())
    assert sorted(claimed[0] + claimed[1]) == every and len(every) == 6


def test_each_message_has_its_own_lease_so_a_slow_partner_gets_no_copies(db, people, partner, monkeypatch):
    """Three transfers to a partner that takes 1.2 s to acknowledge each, leases of 3 s: the last one is sent at
    about 2.4 s. One lease for the batch ran out at 3 s, and a second worker sent the third transfer again."""
    monkeypatch.setenv("HOTLINE_LINKAGE_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("HOTLINE_LINKAGE_LEASE_SECONDS", "3")
    get_linkage_settings.cache_clear()
    with Session(engine_for(db)) as session:
        for _ in range(3):
            transferred(session, people)
    partner.mode(slow=1.2)
    results: dict[str, outbox.DeliveryResult] = {}

    def work(name: str, delay: float) -> None:
        time.sleep(delay)
        with Session(engine_for(db)) as own:
            results[name] = outbox.deliver_due(own)

    threads = [threading.Thread(target=work, args=("first", 0)), threading.Thread(target=work, args=("late", 3.2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results["first"].delivered) == 3 and results["late"].delivered == []
    assert [c["deliveries"] for c in partner.state()["cases"].values()] == [1, 1, 1]


def test_a_stale_failure_never_turns_a_delivered_message_into_a_dead_letter(db, people, partner, monkeypatch):
    """Worker A's lease ran out mid-send; worker B took the message and delivered it; then A's send failed."""
    monkeypatch.setenv("HOTLINE_LINKAGE_MAX_ATTEMPTS", "1")
    get_linkage_settings.cache_clear()
    settings = get_linkage_settings()
    with Session(engine_for(db)) as session:
        transferred(session, people)
    with Session(engine_for(db)) as worker_a, Session(engine_for(db)) as worker_b:
        held_by_a = outbox.claim_next(worker_a, outbox.utcnow(), settings)
        assert outbox.claim_next(worker_b, outbox.utcnow(), settings) is None  # A's lease holds
        later = outbox.utcnow() + outbox.lease(settings) + timedelta(seconds=1)
        assert outbox.claim_next(worker_b, later, settings).id == held_by_a.id  # A's lease has run out
        message = worker_b.get(OutboxMessage, held_by_a.id)
        outbox._acknowledged(worker_b, message, outbox._send(message, settings, httpx.Client()))
        assert outbox._failed(worker_a, held_by_a, "ReadTimeout: 对方迟迟未答", settings) is False
    with Session(engine_for(db)) as session:
        (row,) = session.exec(select(OutboxMessage)).all()
        assert (row.state, row.attempts, row.last_error) == ("delivered", 0, None)


def test_a_dead_letter_the_partner_has_after_all_is_reconciled(db, people, partner, monkeypatch):
    """The partner took the case but answered too late for the timeout, once, and the message went dead; its
    acknowledgement then arrives on a retry by hand, or its status callback names the case: delivered, not dead."""
    monkeypatch.setenv("HOTLINE_LINKAGE_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("HOTLINE_LINKAGE_TIMEOUT_SECONDS", "0.5")
    get_linkage_settings.cache_clear()
    with Session(engine_for(db)) as session:
        transferred(session, people)
        partner.mode(slow=1.0)
        (dead_id,) = outbox.deliver_due(session).dead
        assert [c["deliveries"] for c in partner.state()["cases"].values()] == [1]  # … but the partner has it
        assert [m.id for m in outbox.dead_letters(session)] == [dead_id]
        link = session.exec(select(LinkageTransfer)).one()
        link.partner_case_id, link.status = "JJ-0001", "processing"  # what the partner's callback records
        session.add(link)
        session.commit()
        assert outbox.reconcile(session) == [dead_id]
        assert outbox.dead_letters(session) == []
        row = session.get(OutboxMessage, dead_id)
        session.refresh(row)
        assert row.state == "delivered" and "对账" in row.last_error


def test_signatures():
    body = b'{"a":1}'
    headers = {k.lower(): v for k, v in sign_headers("k", "POST", "/p", body, now=1000).items()}
    assert check_signature("k", "POST", "/p", body, headers, 300, now=1100) == (True, "ok")
    assert check_signature("k", "POST", "/p", b'{"a":2}', headers, 300, now=1100)[1] == "bad_signature"
    assert check_signature("other", "POST", "/p", body, headers, 300, now=1100)[1] == "bad_signature"
    assert check_signature("k", "POST", "/other", body, headers, 300, now=1100)[1] == "bad_signature"
    assert check_signature("k", "POST", "/p", body, headers, 300, now=1400)[1] == "stale_timestamp"
    assert check_signature("k", "POST", "/p", body, {}, 300)[1] == "signature_missing"


def test_a_dead_transfer_comes_back_to_the_desk_and_its_retry_reaches_the_partner(db, people, partner, live_server):
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
