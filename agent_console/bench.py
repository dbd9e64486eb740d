"""`hotline bench console`: N consoles over loopback against a real app worker, ticket and transcript events
published on the bus, event-to-screen latency (publish → the console has parsed the message).

The app runs as its own process, started exactly as `hotline serve` starts it (same uvicorn options, so a plain
`hotline bench console --clients 500` measures production), with the Redis bus; the consoles and the publisher
do not share its CPU time. Then the same consoles and events go through the bare fan-out of bench_reference.py:
the ratio of the two tails is the regression guard, measured under the load of the moment.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import websockets

SPEECH = "我要反映小区停水的问题，已经三天了"
BENCH_SECRET = "bench-secret-key-long-enough-for-hs256-signing"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    closed: list[int] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_ok(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _prepare(db_url: str, var_dir: Path, clients: int) -> list[tuple[int, str]]:
    """Migrate a fresh database and make one agent per console; returns (user id, token) pairs."""
    from sqlmodel import Session

    from hotline.auth.models import Role
    from hotline.auth.service import create_user
    from hotline.auth.sessions import sign_in
    from hotline.db import engine_for
    from hotline.migrate import upgrade
    from hotline.settings import get_settings

    get_settings.cache_clear()
    upgrade("heads", db_url)
    users = []
    with Session(engine_for(db_url)) as session:
        for i in range(clients):
            user = create_user(session, f"bench{i:04d}", f"压测座席{i}", "bench-pass-1", Role.agent)
            users.append((user.id, sign_in(session, user)[0]))
    return users


async def _console(url: str, token: str, tally: Tally, opened: list, compression: str | None) -> None:
    async with websockets.connect(url, max_size=None, compression=compression) as ws:
        await ws.send(json.dumps({"type": "hello", "token": token, "since": None}))
        json.loads(await ws.recv())  # welcome
        opened.append(ws)
        try:
            async for raw in ws:  # until the bench closes it
                sent = _sent_at(json.loads(raw))
                if sent is not None:
                    tally.latencies.append(time.time() - sent)
                    tally.received += 1
        except websockets.ConnectionClosed:
            pass
        if ws.close_rcvd and ws.close_rcvd.code != 1000 and not ws.close_sent:
            tally.closed.append(ws.close_rcvd.code)


BENCH_TYPES = frozenset({"ticket.intake", "call.transcript.final", "call.transcript.partial"})


def _sent_at(body: dict) -> float | None:
    """When a bench event was made (its `at`, stamped just before publishing); None for other messages."""
    if body.get("type") not in BENCH_TYPES or not body.get("at"):
        return None
    return datetime.fromisoformat(body["at"]).timestamp()


def answered_call(user_id: int) -> dict:
    """An `acd.call` payload: the agent's call is answered, so that call's transcripts go to that agent only."""
    return {"queued_call_id": user_id, "call_id": f"bench-call-{user_id}", "state": "answered", "offered_to": None,
            "answered_by": user_id, "caller_phone": None, "skill": None, "reason": None}  # fmt: skip


def _ticket_payload(i: int) -> dict:
    return {"ticket_id": i, "number": f"B{i:08d}", "action": "intake", "action_name": "受理", "from_state": None,
            "state": "received", "department_id": None, "department_ids": [], "actor": "压测", "actor_role": "agent",
            "at": datetime.now(UTC).isoformat()}  # fmt: skip


def _publisher(publish, users: list[tuple[int, str]], seconds: float, ticket_rate: float, transcript_rate: float):
    """Publish on the bus at fixed rates; returns (ticket events, transcript events)."""
    from hotline.events import Event

    for user_id, _ in users:  # each console's agent has a call, so its transcript reaches that console only
        publish(Event("acd.call", answered_call(user_id)))
    time.sleep(0.5)
    tickets = transcripts = 0
    start = time.monotonic()
    step = 1 / (ticket_rate + transcript_rate)
    i = 0
    while time.monotonic() - start < seconds:
        due = start + i * step
        if (delay := due - time.monotonic()) > 0:
            time.sleep(delay)
        if tickets < (time.monotonic() - start) * ticket_rate:
            publish(Event("ticket.intake", _ticket_payload(tickets)))
            tickets += 1
        else:
            user_id = users[transcripts % len(users)][0]
            kind = "call.transcript.final" if transcripts % 4 == 0 else "call.transcript.partial"
            payload = {"call_id": f"bench-call-{user_id}", "leg": "caller", "text": "我要反映小区停水的问题",
                       "start": 1.0, "end": 2.0, "confidence": None}  # fmt: skip
            if kind.endswith("final"):
                payload["words"] = []
            publish(Event(kind, payload))
            transcripts += 1
        i += 1
    return tickets, transcripts


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _run_consoles(urls, users, seconds, ticket_rate, transcript_rate, publish, compression) -> dict:
    tally = Tally()
    opened: list = []
    tasks = []
    for url, (_, token) in zip(urls, users, strict=True):
        tasks.append(asyncio.create_task(_console(url, token, tally, opened, compression)))
        await asyncio.sleep(0.002)  # a login storm is another benchmark
    deadline = time.monotonic() + 120
    while len(opened) < len(users):
        if time.monotonic() > deadline or any(t.done() for t in tasks):
            raise RuntimeError(f"只有 {len(opened)}/{len(users)} 个控制台连上")
        await asyncio.sleep(0.05)
    counts = await asyncio.to_thread(_publisher, publish, users, seconds, ticket_rate, transcript_rate)
    await asyncio.sleep(1.5)  # the last events arrive
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"tally": tally, "tickets": counts[0], "transcripts": counts[1]}


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a loaded machine takes a while to import the models
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("应用未能启动")
        time.sleep(0.2)


def _measure(command, ws_urls, users, seconds, ticket_rate, transcript_rate, deflate, bus, echo) -> dict:
    """Start one server, connect the consoles, publish, stop the server; the tally with its percentiles."""
    port = command[command.index("--port") + 1]
    log = Path(os.environ["HOTLINE_VAR_DIR"]) / f"server-{port}.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=os.environ, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/", server)
        except RuntimeError:
            echo(log.read_text(errors="replace")[-3000:])
            raise
        compression = "deflate" if deflate else None  # browsers offer permessage-deflate
        run = _run_consoles(ws_urls, users, seconds, ticket_rate, transcript_rate, bus.publish, compression)
        try:
            import uvloop

            out = uvloop.run(run)  # the consoles are the measuring instrument: keep their own cost low
        except ImportError:
            out = asyncio.run(run)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    tally = out["tally"]
    ms = [v * 1000 for v in tally.latencies]
    expected = out["tickets"] * len(users) + out["transcripts"]
    return {
        "ticket_events": out["tickets"],
        "transcript_events": out["transcripts"],
        "expected_deliveries": expected,
        "deliveries": tally.received,
        "lost": expected - tally.received,
        "dropped_consoles": len(tally.closed),
        "p50_ms": round(_percentile(ms, 50), 2),
        "p95_ms": round(_percentile(ms, 95), 2),
        "p99_ms": round(_percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
    }


def run(
    clients: int,
    seconds: float,
    ticket_rate: float,
    transcript_rate: float,
    deflate: bool = True,
    reference: bool = True,
    echo=print,
) -> dict:
    """The console as `hotline serve` runs it, then (with `reference`) the bare fan-out of bench_reference.py on
    the same consoles and events, right after: `tail_ratio` compares the two tails measured under the same load."""
    from hotline.app import SERVER_OPTIONS
    from hotline.events.bus import RedisBus

    redis_url = os.environ.get("HOTLINE_REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not _redis_ok(redis_url):
        raise RuntimeError(f"Redis 不可用（{redis_url}）：压测用 Redis 事件总线，与多进程部署相同")
    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        os.environ.update(
            {
                "HOTLINE_DATABASE_URL": db_url,
                "HOTLINE_VAR_DIR": tmp,
                "HOTLINE_SECRET_KEY": BENCH_SECRET,
                "HOTLINE_ARGON2_TIME_COST": "1",
                "HOTLINE_ARGON2_MEMORY_KIB": "1024",
                "HOTLINE_SWEEP_INTERVAL_SECONDS": "3600",
                "HOTLINE_REDIS_URL": redis_url,
                # a namespace of its own: the bench's events never reach a deployment sharing this Redis
                "HOTLINE_REDIS_PREFIX": f"hotline-bench-{os.getpid()}",
            }
        )
        echo(f"准备 {clients} 个座席账号…")
        users = _prepare(db_url, Path(tmp), clients)
        bus = RedisBus(redis_url)
        load_before = os.getloadavg()
        rates = f"工单 {ticket_rate:g}/秒，转写 {transcript_rate:g}/秒"
        started = time.monotonic()
        port = str(_free_port())
        echo(f"连接 {clients} 个控制台（hotline serve），发布事件 {seconds:g} 秒（{rates}）…")
        serve = [sys.executable, "-c", "from hotline.cli import app; app()", "serve", "--port", port]
        console_urls = [f"ws://127.0.0.1:{port}/api/console/ws"] * clients
        result = _measure(serve, console_urls, users, seconds, ticket_rate, transcript_rate, deflate, bus, echo)
        took = time.monotonic() - started
        baseline = None
        if reference:
            echo("同一批控制台连接最简转发（基准），同样的事件…")
            port = str(_free_port())
            bare = [sys.executable, "-m", "uvicorn", "agent_console.bench_reference:app", "--port", port]
            bare += ["--ws-per-message-deflate", str(SERVER_OPTIONS["ws_per_message_deflate"])]
            bare_urls = [f"ws://127.0.0.1:{port}/ws?user={user_id}" for user_id, _ in users]
            baseline = _measure(bare, bare_urls, users, seconds, ticket_rate, transcript_rate, deflate, bus, echo)
        load_after = os.getloadavg()
        bus._client.close()
    result = {
        "clients": clients,
        "transport": "redis, app in its own process (hotline serve)",
        "server": {"command": "hotline serve", **SERVER_OPTIONS},
        "clients_offer_deflate": deflate,
        "cpus": os.cpu_count(),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in load_after],
        "ticket_rate": ticket_rate,
        "transcript_rate": transcript_rate,
        **result,
        "seconds": round(took, 1),
    }
    if baseline:
        result["reference"] = baseline
        result["tail_ratio"] = round(result["p99_ms"] / baseline["p99_ms"], 2)
    return result
