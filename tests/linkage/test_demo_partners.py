"""`hotline serve --demo-partners` (what `make run` starts): stand-ins for the partners nobody configured, marked
演示 on the ticket, so a newcomer's one-key transfer works; a configured partner is never stood in for."""

import os
import socket
import subprocess

import httpx

from tests.conftest import reset_settings
from tests.linkage.conftest import HOTLINE, KEYS, App, Partner, free_port, wait_for, wait_http
from tests.linkage.test_live import DRAFT, history, state_of


def four_free_ports() -> int:
    """A base port with the three after it free too (the stand-ins take base … base+3)."""
    for _ in range(50):
        base = free_port()
        try:
            socks = []
            for offset in range(4):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no four free ports in a row")


def test_serve_starts_marked_stand_ins_only_for_unconfigured_partners(db, people, tmp_path, processes):
    app = App(db, tmp_path, {})
    city = Partner("city", app.url, tmp_path)
    processes.append(city.launch())
    env = {k: v for k, v in app.env.items() if not k.startswith("HOTLINE_LINKAGE_")}
    env |= {
        "HOTLINE_LINKAGE_CITY_URL": city.url,
        "HOTLINE_LINKAGE_CITY_KEY": KEYS["city"],
        "HOTLINE_LINKAGE_DEMO_STEP_SECONDS": "0.2",
        "HOTLINE_LINKAGE_POLL_SECONDS": "0.2",
        "HOTLINE_ASR_ENABLED": "false",
    }
    base = four_free_ports()
    command = [HOTLINE, "serve", "--demo-partners", "--port", str(app.port), "--demo-partner-base-port", str(base)]
    log = tmp_path / "serve.log"  # a file, not a pipe: a full pipe would stall the server's logging
    serve = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_http(app.url + "/api/health", serve, timeout=180)  # a cold start under load
        city.ready()
        agent = app.login(people.users["agent"].username)
        police = agent.post("/api/tickets", json=DRAFT).json()["number"]
        assert agent.post(f"/api/tickets/{police}/transfer", json={"partner": "110"}).status_code == 200
        wait_for(lambda: state_of(db, police) == "closed", timeout=40, what="the stand-in 110 closing the ticket")
        notes = [e.note or "" for e in history(db, police)]
        assert notes[-1] == "110 已结案，工单办结"
        assert any(n.startswith("110 指挥中心（演示）已签收转办") for n in notes), notes
        assert any(n.startswith("110 指挥中心（演示）已派警") for n in notes), notes
        matter = agent.post("/api/tickets", json=DRAFT | {"summary": "路灯不亮"}).json()["number"]
        assert agent.post(f"/api/tickets/{matter}/transfer", json={"partner": "city"}).status_code == 200
        wait_for(lambda: city.state()["cases"], timeout=20, what="the configured 数字城管 receiving the case")
        (case,) = city.state()["cases"].values()
        assert case["ticket_number"] == matter
        assert not any("数字城管平台（演示）" in (e.note or "") for e in history(db, matter))
        with socket.socket() as probe:  # nothing stands in for the configured partner
            assert probe.connect_ex(("127.0.0.1", base + 3)) != 0
    finally:
        serve.terminate()
        serve.wait(timeout=20)
    output = log.read_text()
    assert f"演示联动单位 110（模拟服务，非真实单位）：http://127.0.0.1:{base}" in output
    assert "演示联动单位 city" not in output
    for offset in range(3):  # the stand-ins stop with the server
        wait_for(lambda o=offset: _closed(base + o), timeout=15, what="stand-ins stopping")
    reset_settings()
    assert "HOTLINE_LINKAGE_DEMO" not in os.environ  # the test process's own settings were not touched


def _closed(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/sim/state", timeout=0.5)
    except httpx.HTTPError:
        return True
    return False
