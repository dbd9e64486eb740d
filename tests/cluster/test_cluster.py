"""The city-scale shape on the loopback: events cross workers, a console resumes through the balancer after its
worker is killed, and periodic jobs run exactly once when their leader is killed."""

import asyncio
import json
import time
from datetime import timedelta

import httpx
import websockets
from sqlalchemy import func
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.cluster.models import JobLease
from hotline.db import at_time, engine_for, utcnow
from hotline.tickets import service
from hotline.tickets.models import TicketEvent
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from tests.cluster.conftest import PBX_TOKEN
from tests.console.conftest import Console, run

JOBS = {"sweep", "acd-ticker", "rising"}


def file_ticket(client: httpx.Client, summary: str) -> str:
    body = {"request_type": "求助", "summary": summary, "description": f"{summary}，请处理"}
    answer = client.post("/api/tickets", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["number"]


async def intake_numbers(console: Console, count: int, timeout: float = 15) -> list[str]:
    got = []
    while len(got) < count:
        event = await console.next(timeout=timeout)
        if event["type"] == "ticket.intake":
            got.append(event["payload"]["number"])
    return got


def worker_holding_console(running) -> int:
    """Which worker the balancer gave the one open console to (HAProxy's current sessions)."""
    for _ in range(20):
        busy = [r for r in running.cluster.balancer_servers() if r["backend"] == "app" and r["sessions"] > 0]
        if len(busy) == 1:
            return int(busy[0]["server"].removeprefix("app")) - 1
        time.sleep(0.2)
    raise AssertionError(f"no single worker holds the console: {running.cluster.balancer_servers()}")


def leases(running) -> dict[str, JobLease]:
    with Session(engine_for(running.db_url)) as session:
        return {row.name: row for row in session.exec(select(JobLease))}


def test_an_event_made_on_one_worker_reaches_a_console_on_the_other(running):
    headers = {"Authorization": f"Bearer {running.token}"}
    cluster = running.cluster
    on = [httpx.Client(base_url=cluster.worker_url(i), headers=headers, timeout=15) for i in (0, 1)]

    async def scenario() -> None:
        consoles = [await Console.open(cluster.worker_url(i).replace("http", "ws") + "/api/console/ws",
                                       running.token) for i in (0, 1)]  # fmt: skip
        first = await asyncio.to_thread(file_ticket, on[0], "路灯不亮")
        second = await asyncio.to_thread(file_ticket, on[1], "井盖缺失")
        for console in consoles:
            assert await intake_numbers(console, 2) == [first, second]  # both workers, in one order
            await console.close()

    run(scenario())


def test_status_shows_every_node_up_and_who_holds_each_job(running, monkeypatch):
    from typer.testing import CliRunner

    from hotline.cli import app
    from tests.conftest import reset_settings

    for key in ("HOTLINE_DATABASE_URL", "HOTLINE_VAR_DIR", "HOTLINE_PBX_TOKENS"):  # the shape's own settings
        monkeypatch.setenv(key, running.env[key])
    reset_settings()
    wait_for(lambda: all(row.holder for row in leases(running).values()) and set(leases(running)) >= JOBS, 20,
             "every job held")  # fmt: skip
    answer = CliRunner().invoke(app, ["cluster", "status", "--json"])
    reset_settings()
    assert answer.exit_code == 0, answer.output
    report = json.loads(answer.output.strip().splitlines()[-1])
    assert {(r["backend"], r["server"], r["status"]) for r in report["servers"]} == {
        ("app", "app1", "UP"),
        ("app", "app2", "UP"),
        ("speech", "speech1", "UP"),
        ("audiosocket", "audio1", "UP"),
    }
    assert {job["job"] for job in report["jobs"] if job["holder"]} >= JOBS
    assert [node["url"] for node in report["speech"]] == [running.cluster.speech_url(0)]


def test_a_console_resumes_through_the_balancer_after_its_worker_is_killed(running):
    cluster = running.cluster
    client = httpx.Client(base_url=cluster.url, headers={"Authorization": f"Bearer {running.token}"}, timeout=15)

    async def scenario() -> int:
        console = await Console.open(running.ws_url, running.token)
        before = await asyncio.to_thread(file_ticket, client, "噪音扰民")
        assert await intake_numbers(console, 1) == [before]
        victim = await asyncio.to_thread(worker_holding_console, running)
        await asyncio.to_thread(cluster.kill, f"app{victim + 1}")  # SIGKILL: no goodbye, no lease released
        try:
            await console.next(timeout=10)
            raise AssertionError("the console's connection should have broken")
        except websockets.ConnectionClosed:
            pass
        # While the console is away, tickets keep coming in through the balancer (the surviving worker).
        missed = [await asyncio.to_thread(file_ticket, client, f"停水{i}") for i in range(3)]
        started = time.monotonic()
        back = await Console.open(running.ws_url, running.token, since=console.last_seq)
        assert back.welcome["payload"]["resumed"], back.welcome
        assert await intake_numbers(back, 3) == missed  # none lost, none repeated, in order
        resumed_in = time.monotonic() - started
        after = await asyncio.to_thread(file_ticket, client, "占道经营")
        assert await intake_numbers(back, 1) == [after]  # the next one, not a replay of the missed
        await back.close()
        assert resumed_in < 5
        return victim

    victim = run(scenario())
    cluster.start_worker(victim)  # the next test needs two workers again
    cluster.wait_worker(victim, time.monotonic() + 120)
    cluster.wait_balancer(time.monotonic() + 30)


def overdue_tickets(running, count: int) -> list[int]:
    """Tickets dispatched three days ago and never signed for: every one is overdue for 签收."""
    with Session(engine_for(running.db_url)) as session, at_time(utcnow() - timedelta(days=3)):
        actor = Actor.of(running.agent)
        ids = []
        for i in range(count):
            draft = TicketDraft(RequestType.complaint, f"占道经营{i}", "某路口夜市占道经营，油烟大")
            ticket = service.intake(session, actor, draft)
            ids.append(service.dispatch(session, actor, ticket.number, running.department_id).id)
        return ids


def supervisions(running, ids: list[int]) -> dict[int, int]:
    with Session(engine_for(running.db_url)) as session:
        query = (
            select(TicketEvent.ticket_id, func.count())
            .where(TicketEvent.ticket_id.in_(ids), TicketEvent.action == "supervise")
            .group_by(TicketEvent.ticket_id)
        )
        return dict(session.exec(query).all())


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds}s: {what}")


def test_jobs_run_once_and_move_within_seconds_when_their_leader_is_killed(running):
    cluster = running.cluster
    held = wait_for(
        lambda: (rows := leases(running)) and set(rows) >= JOBS and all(r.holder for r in rows.values()) and rows,
        20,
        "every job has a holder",
    )
    # With both workers sweeping every half second, each overdue ticket still gets one 督办.
    first = overdue_tickets(running, 10)
    wait_for(lambda: len(supervisions(running, first)) == 10, 20, "the first tickets supervised")
    time.sleep(1.5)  # more rounds on both workers
    assert set(supervisions(running, first).values()) == {1}

    leader = held["sweep"].holder
    pid = int(leader.split(":")[1])
    victim = next(name for name, process in cluster.processes.items() if process.pid == pid)
    killed_at = time.monotonic()
    cluster.kill(victim)
    moved = wait_for(
        lambda: (row := leases(running)["sweep"]).holder not in (None, leader) and row, 15, "the sweep moves"
    )
    took = time.monotonic() - killed_at
    assert moved.token > held["sweep"].token  # a new fencing token with the new holder
    assert took < 2 * 2 + 2  # within the lease (2 s) and a standby's look (lease/3), with slack for load
    second = overdue_tickets(running, 10)
    wait_for(lambda: len(supervisions(running, second)) == 10, 20, "the new leader supervises")
    time.sleep(1.5)
    assert set(supervisions(running, first + second).values()) == {1}


def test_pbx_media_goes_through_the_balancer_to_a_speech_node(running):
    # The app workers run without a speech engine: only a speech node answers on /media/stream.
    async def scenario() -> dict:
        url = running.cluster.url.replace("http", "ws") + "/media/stream"
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {PBX_TOKEN}"}) as ws:
            await ws.send("not a header")
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    answer = run(scenario())
    assert answer["type"] == "error" and answer["code"] == "bad_header", answer
