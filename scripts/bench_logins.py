"""Login cost for a real account with a wrong password against an unknown user name (they must be equal: no timing
oracle for which names exist), and /api/health latency while 40 logins arrive at once (password checks must not take
the request thread pool). Real app under uvicorn on loopback, SQLite in a temporary folder, the default argon2 cost.

    PYTHONPATH=. .venv/bin/python scripts/bench_logins.py [--port 8100] [--rounds 15] [--burst 40]

The last line is one JSON object: medians in ms and the unknown/known ratio (1.0 = indistinguishable).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

PASSWORD = "Bench-pass-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--burst", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-logins-"))
    os.environ.update({
        "HOTLINE_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "HOTLINE_VAR_DIR": str(folder),
        "HOTLINE_ASR_ENABLED": "false",
        "HOTLINE_LOGIN_MAX_FAILURES": "1000000",  # measure the cost, not the lockout
        "HOTLINE_LOGIN_IP_MAX_FAILURES": "1000000",
    })  # fmt: skip
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import uvicorn
    from sqlmodel import Session

    from hotline.app import create_app
    from hotline.auth.models import Role
    from hotline.auth.service import create_user
    from hotline.db import get_engine
    from hotline.migrate import upgrade
    from hotline.settings import get_settings

    upgrade("heads")
    with Session(get_engine()) as session:
        create_user(session, "bench_agent", "压测座席", PASSWORD, Role.agent)
    server = uvicorn.Server(uvicorn.Config(create_app(), port=args.port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{args.port}"

    def login(username: str, password: str = "Wrong-pass-1") -> float:
        begun = time.perf_counter()
        httpx.post(f"{url}/api/auth/login", json={"username": username, "password": password}, timeout=120)
        return (time.perf_counter() - begun) * 1000

    try:
        login("warm_up")
        known = statistics.median(login("bench_agent") for _ in range(args.rounds))
        unknown = statistics.median(login(f"ghost{i}") for i in range(args.rounds))
        health: list[float] = []
        with ThreadPoolExecutor(args.burst) as pool:
            burst = [pool.submit(login, "bench_agent", PASSWORD) for _ in range(args.burst)]
            while not all(f.done() for f in burst):
                begun = time.perf_counter()
                httpx.get(f"{url}/api/health", timeout=30)
                health.append((time.perf_counter() - begun) * 1000)
                time.sleep(0.05)
            burst_ms = max(f.result() for f in burst)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    settings = get_settings()
    figures = {
        "bench": "logins",
        "argon2_time_cost": settings.argon2_time_cost,
        "argon2_memory_kib": settings.argon2_memory_kib,
        "login_concurrency": settings.login_concurrency,
        "known_wrong_password_ms": round(known, 1),
        "unknown_user_ms": round(unknown, 1),
        "unknown_over_known": round(unknown / known, 2),
        "burst": args.burst,
        "burst_slowest_login_ms": round(burst_ms, 1),
        "health_during_burst_p50_ms": round(statistics.median(health), 1) if health else None,
        "health_during_burst_max_ms": round(max(health), 1) if health else None,
        "cpus": os.cpu_count(),
    }
    print(f"已知用户错误密码 {known:.0f} ms，未知用户 {unknown:.0f} ms（比值 {unknown / known:.2f}）")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
