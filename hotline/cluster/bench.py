"""`hotline bench cluster`: the shape (HAProxy + N app workers) on a fresh PostgreSQL database and the local
Redis, M consoles through the balancer, real ticket intake through the balancer and transcript events on the bus,
one worker killed with SIGKILL halfway; prints what reached the consoles, what was lost or repeated, and how
fast the consoles of the killed worker were caught up again.

Latency is publication → the console has parsed the message, from the event's time (`at`, stamped just before
publishing). `lost` counts events a console should have had but never got, plus acknowledged tickets missing from
the database; `duplicates` counts events a console got twice (by seq).
"""

import asyncio
import json
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import websockets

from agent_console.bench import BENCH_SECRET, _percentile, _prepare, answered_call
from hotline.cluster.shape import Cluster

TRANSCRIPT = "我要反映小区停水的问题"
CATCH_UP_SECONDS = 60  # after the run, how long consoles may take to get the last events before they count as lost


@dataclass
class Seen:
    """One console's view: every seq it got, and the intake numbers and transcript ids among them."""

    seqs: set[int] = field(default_factory=set)
    intakes: set[str] = field(default_factory=set)
    transcripts: int = 0
    duplicates: int = 0
    reconnects: int = 0
    resume_ms: list[float] = field(default_factory=list)


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


def _stamp(body: dict) -> float | None:
    if body.get("type") in ("ticket.intake", "call.transcript.final") and body.get("at"):
        return datetime.fromisoformat(body["at"]).timestamp()
    return None


async def _console(url: str, token: str, seen: Seen, run: Run, ready: asyncio.Event) -> None:
    since = None
    while not run.stop.is_set():
        broke_at = time.monotonic()
        try:
            async with websockets.connect(url, max_size=None, open_timeout=30) as ws:
                await ws.send(json.dumps({"type": "hello", "token": token, "since": since}))
                welcome = json.loads(await ws.recv())
                caught_up_at = welcome["seq"]  # everything up to here is replayed after the welcome
                waiting = since is not None
                ready.set()
                while not run.stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    body = json.loads(raw)
                    seq = body.get("seq")
                    if seq is None or body["type"] == "heartbeat":
                        continue
                    since = max(since or 0, seq)
                    if waiting and seq >= caught_up_at:
                        seen.resume_ms.append((time.monotonic() - broke_at) * 1000)
                        waiting = False
                    if seq in seen.seqs:
                        seen.duplicates += 1
                        continue
                    seen.seqs.add(seq)
                    if (sent := _stamp(body)) is not None:
                        run.latencies.append(time.time() - sent)
                    if body["type"] == "ticket.intake":  # a fresh database: every intake is the bench's
                        seen.intakes.add(body["payload"]["number"])
                    elif body["type"].startswith("call.transcript"):
                        seen.transcripts += 1
        except (OSError, websockets.WebSocketException, TimeoutError):
            pass
        if not run.stop.is_set():  # the worker went away: back through the balancer, from the last seq
            seen.reconnects += 1
            await asyncio.sleep(0.2)


async def _intake(base_url: str, token: str, rate: float, seconds: float, acked: list[str], failed: list[str]):
    """Tickets through the balancer at a fixed rate, each request on its own (a slow answer does not slow the
    rate); acknowledged = answered 201 with a number."""
    body = {"request_type": "求助", "summary": "压测来电", "description": "压测：小区停水三天，请处理"}

    async def one(client: httpx.AsyncClient) -> None:
        try:
            answer = await client.post("/api/tickets", json=body)
        except httpx.HTTPError as exc:
            failed.append(type(exc).__name__)
            return
        if answer.status_code == 201:
            acked.append(answer.json()["number"])
        else:
            failed.append(f"HTTP {answer.status_code}")

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as client:
        start = time.monotonic()
        requests = []
        i = 0
        while (elapsed := time.monotonic() - start) < seconds:
            if (delay := i / rate - elapsed) > 0:
                await asyncio.sleep(delay)
            requests.append(asyncio.create_task(one(client)))
            i += 1
        await asyncio.gather(*requests)


def _warm_up(cluster: Cluster, token: str) -> None:
    """One ticket on each worker first: the first intake of a process loads the word segmenter (seconds)."""
    body = {"request_type": "求助", "summary": "预热", "description": "压测前预热"}
    for index in range(cluster.workers):
        httpx.post(f"{cluster.worker_url(index)}/api/tickets", json=body, timeout=60,
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def _transcripts(publish, users: list[tuple[int, str]], rate: float, seconds: float) -> dict[int, int]:
    """Transcript events for each console's call (only that console gets them); returns how many per user."""
    from hotline.events import Event

    sent: dict[int, int] = {user_id: 0 for user_id, _ in users}
    start = time.monotonic()
    i = 0
    while (elapsed := time.monotonic() - start) < seconds:
        if (delay := i / rate - elapsed) > 0:
            time.sleep(delay)
        user_id = users[i % len(users)][0]
        payload = {"call_id": f"bench-call-{user_id}", "leg": "caller", "text": TRANSCRIPT, "start": 1.0,
                   "end": 2.0, "confidence": None, "words": []}  # fmt: skip
        publish(Event("call.transcript.final", payload))
        sent[user_id] += 1
        i += 1
    return sent


async def _drive(cluster: Cluster, users, seconds: float, intake_rate: float, transcript_rate: float, publish):
    from hotline.events import Event

    url = cluster.url.replace("http", "ws") + "/api/console/ws"
    await asyncio.to_thread(_warm_up, cluster, users[0][1])
    run = Run()
    seen = [Seen() for _ in users]
    readies = [asyncio.Event() for _ in users]
    tasks = []
    for (_, token), one, ready in zip(users, seen, readies, strict=True):
        tasks.append(asyncio.create_task(_console(url, token, one, run, ready)))
        await asyncio.sleep(0.003)  # a login storm is another benchmark
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 300)
    for user_id, _ in users:  # each console's agent answers a call: its transcripts go to that console only
        publish(Event("acd.call", answered_call(user_id)))
    await asyncio.sleep(1)
    acked: list[str] = []
    failed: list[str] = []
    killed: dict = {}

    def kill_halfway() -> None:
        time.sleep(seconds / 2)
        killed["at"] = time.monotonic()
        cluster.kill("app1")

    killer = threading.Thread(target=kill_halfway)
    killer.start()
    # Intake on its own thread and event loop: the consoles' loop is busy, and a request must not wait for it.
    intake = asyncio.to_thread(asyncio.run, _intake(cluster.url, users[0][1], intake_rate, seconds, acked, failed))
    speech = asyncio.to_thread(_transcripts, publish, users, transcript_rate, seconds)
    _, sent = await asyncio.gather(intake, speech)
    killer.join()
    await _caught_up(seen, users, acked, sent, CATCH_UP_SECONDS)
    run.stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return run, seen, acked, failed, sent, users


def _missed(seen: list[Seen], users, acked: list[str], sent: dict[int, int]) -> int:
    """Events that consoles should have had and have not: every acknowledged intake, their own transcripts."""
    numbers = set(acked)
    return sum(len(numbers - one.intakes) + max(sent[user_id] - one.transcripts, 0)
               for one, (user_id, _) in zip(seen, users, strict=True))  # fmt: skip


async def _caught_up(seen: list[Seen], users, acked: list[str], sent: dict[int, int], seconds: float) -> None:
    """Until every console has had every event meant for it, or `seconds` pass (what is missing then is lost)."""
    deadline = time.monotonic() + seconds
    while _missed(seen, users, acked, sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)


def _missing(db_url: str, numbers: list[str]) -> int:
    with psycopg.connect(db_url) as conn:
        found = conn.execute("SELECT count(*) FROM ticket WHERE number = ANY(%s)", (numbers,)).fetchone()[0]
    return len(numbers) - found


def run(workers: int, consoles: int, seconds: float, intake_rate: float, transcript_rate: float, base_port: int,
        pg_admin: str, redis_url: str, echo=print) -> dict:  # fmt: skip
    name = f"hotline_cluster_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = pg_admin.rsplit("/", 1)[0] + "/" + name
    prefix = f"bench{uuid.uuid4().hex[:6]}"  # the bench's own Redis keys, where the bus honours the prefix
    try:
        with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
            env = {"HOTLINE_DATABASE_URL": db_url, "HOTLINE_REDIS_URL": redis_url, "HOTLINE_REDIS_PREFIX": prefix,
                   "HOTLINE_SECRET_KEY": BENCH_SECRET, "HOTLINE_VAR_DIR": tmp, "HOTLINE_ARGON2_TIME_COST": "1",
                   "HOTLINE_ARGON2_MEMORY_KIB": "1024"}  # fmt: skip
            os.environ.update(env)
            echo(f"准备 {consoles} 个座席账号…")
            users = _prepare(db_url, Path(tmp), consoles)
            cluster = Cluster(workers, 0, base_port, dict(os.environ), Path(tmp) / "run")
            from hotline.events import get_bus, set_bus

            set_bus(None)
            bus = get_bus()
            try:
                echo(f"启动 HAProxy 和 {workers} 个应用进程…")
                cluster.up(timeout=240)
                load = os.getloadavg()
                echo(f"连接 {consoles} 个控制台，受理 {intake_rate:g} 张/秒、转写 {transcript_rate:g} 条/秒，"
                     f"持续 {seconds:g} 秒，中途 SIGKILL app1…")  # fmt: skip
                started = time.monotonic()
                out = asyncio.run(_drive(cluster, users, seconds, intake_rate, transcript_rate, bus.publish))
                took = time.monotonic() - started
            finally:
                cluster.down()
            result = _tally(out, db_url, workers, consoles, intake_rate, transcript_rate, seconds, took)
            result["load_before"] = [round(v, 2) for v in load]
            result["load_after"] = [round(v, 2) for v in os.getloadavg()]
            return result
    finally:
        from hotline.db import engine_for

        engine_for.cache_clear()
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tally(out, db_url, workers, consoles, intake_rate, transcript_rate, seconds, took) -> dict:
    run_, seen, acked, failed, sent, users = out
    lost_events = _missed(seen, users, acked, sent)
    lost_tickets = _missing(db_url, acked)
    ms = [v * 1000 for v in run_.latencies]
    resumes = [v for one in seen for v in one.resume_ms]
    return {
        "workers": workers,
        "consoles": consoles,
        "cpus": os.cpu_count(),
        "seconds": seconds,
        "intake_rate": intake_rate,
        "intake_acknowledged": len(acked),
        "intake_failed": len(failed),
        "intake_failures": dict(Counter(failed)),
        "transcript_rate": transcript_rate,
        "transcript_events": sum(sent.values()),
        "deliveries": len(ms),
        "p50_ms": round(_percentile(ms, 50), 2),
        "p95_ms": round(_percentile(ms, 95), 2),
        "p99_ms": round(_percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
        "lost": lost_events + lost_tickets,
        "lost_events": lost_events,
        "lost_tickets": lost_tickets,
        "duplicates": sum(one.duplicates for one in seen),
        "reconnected_consoles": sum(1 for one in seen if one.reconnects),
        "resume_ms_p50": round(_percentile(resumes, 50), 1) if resumes else None,
        "resume_ms": round(max(resumes), 1) if resumes else None,
        "took_seconds": round(took, 1),
    }
