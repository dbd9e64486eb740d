"""`hotline bench console`: N consoles over loopback against a real app worker, ticket and transcript events
published on the bus, event-to-screen latency (publish → the console has parsed the message).

The app runs as its own process (uvicorn) with the Redis bus, so the consoles and the publisher do not share
its CPU time; without Redis the app runs in this process with the in-process bus (noted in the result).
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
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
    from hotline.auth.tokens import issue_token
    from hotline.db import engine_for
    from hotline.migrate import upgrade
    from hotline.settings import get_settings

    get_settings.cache_clear()
    upgrade("heads", db_url)
    users = []
    with Session(engine_for(db_url)) as session:
        for i in range(clients):
            user = create_user(session, f"bench{i:04d}", f"压测座席{i}", "bench-pass-1", Role.agent)
            users.append((user.id, issue_token(user.id, user.username)[0]))
    return users


async def _console(
    url: str, token: str, tally: Tally, ready: asyncio.Event, stop: asyncio.Event, compression: str | None
) -> None:
    async with websockets.connect(url, max_size=None, compression=compression) as ws:
        await ws.send(json.dumps({"type": "hello", "token": token, "since": None}))
        json.loads(await ws.recv())  # welcome
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            except websockets.ConnectionClosed as closed:
                tally.closed.append(closed.rcvd.code if closed.rcvd else 1006)
                return
            body = json.loads(raw)
            sent = body.get("payload", {}).get("bench_sent")
            if sent is not None:
                tally.latencies.append(time.time() - sent)
                tally.received += 1


def _publisher(publish, users: list[tuple[int, str]], seconds: float, ticket_rate: float, transcript_rate: float):
    """Publish on the bus at fixed rates; returns (ticket events, transcript events)."""
    from hotline.events import Event

    for user_id, _ in users:  # each console's agent has a call, so its transcript reaches that console only
        publish(Event("acd.call", {"call_id": f"bench-call-{user_id}", "state": "answered", "answered_by": user_id}))
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
            payload = {"number": f"B{tickets:08d}", "action": "intake", "state": "received", "bench_sent": time.time()}
            publish(Event("ticket.intake", payload))
            tickets += 1
        else:
            user_id = users[transcripts % len(users)][0]
            kind = "call.transcript.final" if transcripts % 4 == 0 else "call.transcript.partial"
            payload = {
                "call_id": f"bench-call-{user_id}",
                "leg": "caller",
                "text": "我要反映小区停水的问题",
                "start": 1.0,
                "end": 2.0,
                "bench_sent": time.time(),
            }
            publish(Event(kind, payload))
            transcripts += 1
        i += 1
    return tickets, transcripts


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _run_consoles(ws_url, users, seconds, ticket_rate, transcript_rate, publish, compression) -> dict:
    tally = Tally()
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in users]
    tasks = []
    for (_, token), ready in zip(users, readies, strict=True):
        tasks.append(asyncio.create_task(_console(ws_url, token, tally, ready, stop, compression)))
        await asyncio.sleep(0.002)  # a login storm is another benchmark
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    counts = await asyncio.to_thread(_publisher, publish, users, seconds, ticket_rate, transcript_rate)
    await asyncio.sleep(1.5)  # the last events arrive
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"tally": tally, "tickets": counts[0], "transcripts": counts[1]}


def run(
    clients: int, seconds: float, ticket_rate: float, transcript_rate: float, deflate: bool = True, echo=print
) -> dict:
    redis_url = os.environ.get("HOTLINE_REDIS_URL") or "redis://127.0.0.1:6379/0"
    use_redis = _redis_ok(redis_url)
    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        env = {
            "HOTLINE_DATABASE_URL": db_url,
            "HOTLINE_VAR_DIR": tmp,
            "HOTLINE_SECRET_KEY": BENCH_SECRET,
            "HOTLINE_ARGON2_TIME_COST": "1",
            "HOTLINE_ARGON2_MEMORY_KIB": "1024",
            "HOTLINE_SWEEP_INTERVAL_SECONDS": "3600",
        }
        os.environ.update(env)
        echo(f"准备 {clients} 个座席账号…")
        users = _prepare(db_url, Path(tmp), clients)
        port = _free_port()
        worker = None
        server = None
        from hotline.events import set_bus

        if use_redis:
            os.environ["HOTLINE_REDIS_URL"] = redis_url
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "hotline.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ]
            worker = subprocess.Popen(command, env=os.environ | {"HOTLINE_REDIS_URL": redis_url})
            from hotline.events.bus import RedisBus

            bus = RedisBus(redis_url)
        else:
            import uvicorn

            from hotline.app import create_app

            set_bus(None)
            os.environ.pop("HOTLINE_REDIS_URL", None)
            server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
            threading.Thread(target=server.run, daemon=True).start()
            from hotline.events import get_bus

            bus = get_bus()
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("应用未能启动")
                time.sleep(0.2)
            rates = f"工单 {ticket_rate:g}/秒，转写 {transcript_rate:g}/秒"
            echo(f"连接 {clients} 个控制台，发布事件 {seconds:g} 秒（{rates}）…")
            started = time.monotonic()
            ws_url = f"ws://127.0.0.1:{port}/api/console/ws"
            compression = "deflate" if deflate else None  # browsers offer permessage-deflate
            out = asyncio.run(
                _run_consoles(ws_url, users, seconds, ticket_rate, transcript_rate, bus.publish, compression)
            )
            took = time.monotonic() - started
        finally:
            if worker:
                worker.terminate()
                worker.wait(timeout=10)
            if server:
                server.should_exit = True
    tally = out["tally"]
    expected = out["tickets"] * clients + out["transcripts"]
    ms = [v * 1000 for v in tally.latencies]
    return {
        "clients": clients,
        "transport": "redis, app in its own process" if use_redis else "in-process bus, app in this process",
        "cpus": os.cpu_count(),
        "permessage_deflate": deflate,
        "ticket_rate": ticket_rate,
        "transcript_rate": transcript_rate,
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
        "seconds": round(took, 1),
    }
