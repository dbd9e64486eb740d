"""The bridges end to end: the app and the stand-in partners as real processes talking signed HTTP JSON."""

from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.tickets.models import Ticket, TicketEvent
from routing.linkage.models import OutboxMessage
from tests.linkage.conftest import App, Partner, linkage_env, wait_for

DRAFT = {
    "request_type": "求助",
    "summary": "小区门口有人持刀争执",
    "description": "A2区某小区门口两人持刀争执，情况紧急，需要警察到场",
    "caller_phone": "13812345678",
    "district": "A2区",
    "address": "A2区桐梓坡路 88 号",
}


def start(processes, db, tmp_path, partners=("110", "city"), **env):
    app = App(db, tmp_path, {})
    sims = {p: Partner(p, app.url, tmp_path) for p in partners}
    app.env |= linkage_env({p: s.url for p, s in sims.items()}, **env)
    # Launch everything at once, then wait: the processes start in parallel.
    for thing in (*sims.values(), app):
        processes.append(thing.launch())
    for thing in (*sims.values(), app):
        thing.ready()
    return app, sims


def history(db, number) -> list[TicketEvent]:
    with Session(engine_for(db)) as session:
        ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
        return list(
            session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
        )


def state_of(db, number) -> str:
    with Session(engine_for(db)) as session:
        return session.exec(select(Ticket.state).where(Ticket.number == number)).one()


def outbox_states(db) -> list[str]:
    with Session(engine_for(db)) as session:
        return list(session.exec(select(OutboxMessage.state).order_by(OutboxMessage.id)))


def test_both_partners_out_and_in(db, people, tmp_path, processes):
    """110: transfer out, acknowledgement, four statuses (each sent twice) → closed. 数字城管: five stages with
    photos → our callback. 110 hands over a non-police matter (sent twice) → one ticket. Replays refused."""
    app, sims = start(processes, db, tmp_path)
    sims["110"].mode(callbacks="duplicate")
    agent = app.login(people.users["agent"].username)
    number = agent.post("/api/tickets", json=DRAFT).json()["number"]
    answer = agent.post(f"/api/tickets/{number}/transfer", json={"partner": "110", "note": "涉及人身安全"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "transferred" and answer.json()["state_name"] == "已转联动单位"

    wait_for(lambda: state_of(db, number) == "closed", what="110 closing the ticket")
    case = next(iter(sims["110"].state()["cases"].values()))
    assert case["ticket_number"] == number and case["deliveries"] == 1
    assert case["location"] == {"address": DRAFT["address"], "district": "A2区"}
    entries = history(db, number)
    updates = [e.note for e in entries if e.action == "partner_update"]
    # Every status exactly once although each callback came twice; the ack is in the history too.
    for word in ("已接警", "已派警", "已处置", "已结案"):
        assert sum(word in note for note in updates) == 1, (word, updates)
    assert any(f"对方案件号 {case['case_id']}" in note for note in updates)
    assert [e.action for e in entries][-1] == "close"
    results = sims["110"].state()["callback_results"]
    duplicates = [r for r in results if r["kind"] == "duplicate"]
    assert len(duplicates) == 4 and all(r["status"] == 200 and r["body"]["duplicate"] for r in duplicates)
    links = agent.get(f"/api/tickets/{number}/linkage").json()
    assert links == [
        {
            "partner": "110",
            "partner_name": "110 指挥中心",
            "direction": "out",
            "partner_case_id": case["case_id"],
            "status": "closed",
        }
    ]

    # 数字城管: bad signatures first on every callback (refused), then the real ones.
    sims["city"].mode(callbacks="bad_signature")
    number = agent.post("/api/tickets", json=DRAFT | {"summary": "路面塌陷", "request_type": "求助"}).json()["number"]
    assert agent.post(f"/api/tickets/{number}/transfer", json={"partner": "city"}).status_code == 200
    wait_for(lambda: state_of(db, number) == "callback_pending", what="数字城管 结案")
    updates = [e for e in history(db, number) if e.action == "partner_update"]
    for stage in ("已立案", "已派遣", "已处置", "已核查", "已结案"):
        assert sum(stage in e.note for e in updates) == 1, stage
    assert "附现场照片 1 张" in updates[-1].note and updates[-1].to_state == "callback_pending"
    forged = [r for r in sims["city"].state()["callback_results"] if r["kind"] == "forged"]
    assert len(forged) == 5 and {r["status"] for r in forged} == {401}
    closed = agent.post(f"/api/tickets/{number}/callback", json={"satisfied": True})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    # 110 hands over a non-police matter twice (same idempotency key, fresh signatures): one ticket.
    sent = sims["110"].send_transfer(
        summary="楼上漏水纠纷", description="邻里漏水纠纷，非警情，转 12345 协调", caller_phone="13900001111", times=2
    )
    first, again = sent["answers"]
    assert first["status"] == 200 and again["status"] == 200 and again["body"]["duplicate"] is True
    assert first["body"]["ticket_number"] == again["body"]["ticket_number"]
    intake = history(db, first["body"]["ticket_number"])
    assert [(e.action, e.to_state, e.actor_name) for e in intake] == [("partner_intake", "received", "110 指挥中心")]
    # The very same signed request twice: the second is a replay. A wrong key: refused, nothing written.
    replayed = sims["110"].send_transfer(summary="噪音", description="夜间噪音扰民", replay=True, times=2)["answers"]
    assert [a["status"] for a in replayed] == [200, 401] and replayed[1]["body"]["error"]["code"] == "replayed"
    forged = sims["110"].send_transfer(summary="噪音", description="夜间噪音扰民", forge=True)["answers"]
    assert forged[0]["status"] == 401 and forged[0]["body"]["error"]["code"] == "bad_signature"
    with Session(engine_for(db)) as session:
        assert session.exec(select(Ticket).where(Ticket.channel == "110")).all().__len__() == 2


def test_app_killed_mid_delivery_and_partner_down_then_back(sqlite_db, sqlite_people, tmp_path, processes):
    """Kill -9 the app while 110 holds the transfer unanswered: after the restart the outbox sends it again,
    110 recognises the idempotency key, and the ticket closes once. Then 110 is down for a while: the outbox
    retries with backoff until it is back, and delivers once."""
    db, people = sqlite_db, sqlite_people
    app, sims = start(processes, db, tmp_path, partners=("110",))
    sim = sims["110"]
    sim.mode(slow=2.5)  # takes the case, answers after 2.5 s
    agent = app.login(people.users["agent"].username)
    number = agent.post("/api/tickets", json=DRAFT).json()["number"]
    assert agent.post(f"/api/tickets/{number}/transfer", json={"partner": "110"}).status_code == 200
    wait_for(lambda: sim.state()["cases"], what="110 receiving the transfer")
    app.kill()
    sim.mode(slow=0)
    app.start()  # same port: 110's callbacks, retried meanwhile, reach the new process
    wait_for(lambda: state_of(db, number) == "closed", timeout=25, what="close after the restart")
    # The lost acknowledgement: once the dead worker's lease ends, the new process sends the transfer again.
    wait_for(lambda: outbox_states(db) == ["delivered"], timeout=15, what="redelivery after the lease")
    (case,) = sim.state()["cases"].values()
    assert case["deliveries"] == 2  # sent twice, taken once
    entries = history(db, number)
    assert [e.action for e in entries].count("close") == 1
    notes = [e.note for e in entries if e.action == "partner_update"]
    assert sum("已结案" in n for n in notes) == 1 and sum("对方案件号" in n for n in notes) <= 1

    sim.stop()
    number = agent.post("/api/tickets", json=DRAFT).json()["number"]
    agent.post(f"/api/tickets/{number}/transfer", json={"partner": "110"})

    def attempts() -> int:
        with Session(engine_for(db)) as session:
            return session.exec(select(OutboxMessage.attempts).order_by(OutboxMessage.id.desc())).first()

    wait_for(lambda: attempts() >= 3, what="failed attempts while 110 is down")
    sim.start()  # same port and state file
    wait_for(lambda: state_of(db, number) == "closed", timeout=25, what="delivery once 110 is back")
    cases = sim.state()["cases"]
    assert len(cases) == 2 and [c["deliveries"] for c in cases.values()] == [2, 1]
    assert outbox_states(db) == ["delivered", "delivered"]
