"""Two app workers sharing events through the local Redis: the same seq on both, and a console that
reconnects to the other worker resumes there without loss."""

import os

import httpx

from tests.conftest import PASSWORD, REDIS_URL, free_port, require_redis, start_app_worker, wait_ready
from tests.console.conftest import Console, run


def test_a_console_resumes_on_the_other_worker(sqlite_db, sqlite_people, console_env, tmp_path):
    require_redis()
    env = os.environ | {"HOTLINE_REDIS_URL": REDIS_URL, "HOTLINE_VAR_DIR": str(tmp_path)}
    ports = [free_port(), free_port()]
    workers = [start_app_worker(port, env) for port in ports]
    try:
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        for url, worker in zip((a, b), workers, strict=True):
            wait_ready(url, worker)
        login = {"username": sqlite_people.users["agent"].username, "password": PASSWORD}
        token = httpx.post(f"{a}/api/auth/login", json=login).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def file(summary: str) -> str:
            body = {"request_type": "求助", "summary": summary, "description": f"{summary}，请处理"}
            answer = httpx.post(f"{a}/api/tickets", json=body, headers=headers)
            assert answer.status_code == 201, answer.text
            return answer.json()["number"]

        async def ours(console: Console, numbers: list[str]) -> list[dict]:
            got = []
            while len(got) < len(numbers):  # other suites may share the Redis channel: pick out ours
                event = await console.next(timeout=10)
                if event["type"] == "ticket.intake" and event["payload"]["number"] in numbers:
                    got.append(event)
            return got

        async def scenario():
            ws = [url.replace("http", "ws") + "/api/console/ws" for url in (a, b)]
            on_a = await Console.open(ws[0], token)
            on_b = await Console.open(ws[1], token)
            first = file("路灯不亮")
            seen_a, seen_b = (await ours(on_a, [first]))[0], (await ours(on_b, [first]))[0]
            assert seen_a["seq"] == seen_b["seq"]  # one global sequence (Redis INCR) on every worker
            await on_b.close()
            missed = [file(f"占道经营{i}") for i in range(3)]
            await ours(on_a, missed)  # worker A has them in its ring
            back = await Console.open(ws[0], token, since=on_b.last_seq)  # B's console comes back on A
            assert back.welcome["payload"]["resumed"]
            replayed = await ours(back, missed)
            assert [e["payload"]["number"] for e in replayed] == missed
            assert replayed[0]["seq"] > seen_b["seq"]
            for console in (on_a, back):
                await console.close()

        run(scenario())
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=15)
