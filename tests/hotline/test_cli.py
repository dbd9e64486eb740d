"""The `hotline` command as a newcomer runs it: migrate, add users, sweep, serve (printing every page)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hotline.cli import PAGES

HOTLINE = str(Path(sys.executable).with_name("hotline"))


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([HOTLINE, *args], env=env, capture_output=True, text=True, timeout=120, **kwargs)


@pytest.mark.slow  # a fresh `hotline` process per command, several seconds of imports each
def test_upgrade_users_and_sweep(tmp_path):
    env = os.environ | {"HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "HOTLINE_VAR_DIR": str(tmp_path)}
    upgraded = run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "数据库已迁移" in upgraded.stdout
    added = run(["users", "add", "zhang", "--role", "agent", "--name", "张三", "--password", "long-enough-1"], env)
    assert added.returncode == 0 and "已添加用户 zhang" in added.stdout
    again = run(["users", "add", "zhang", "--role", "agent", "--password", "long-enough-1"], env)
    assert again.returncode == 1 and "用户名 zhang 已存在" in again.stderr
    no_unit = run(["users", "add", "li", "--role", "liaison", "--password", "long-enough-1"], env)
    assert no_unit.returncode == 1 and "联络员必须绑定" in no_unit.stderr
    bad_role = run(["users", "add", "wang", "--role", "boss", "--password", "long-enough-1"], env)
    assert bad_role.returncode != 0 and "未知角色" in bad_role.stderr
    swept = run(["sweep"], env)
    assert swept.returncode == 0 and "临期 0 张，超期 0 张" in swept.stdout


def test_serve_prints_every_page_and_serves_them(tmp_path):
    env = os.environ | {
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "HOTLINE_VAR_DIR": str(tmp_path),
        "HOTLINE_ASR_ENABLED": "false",
    }
    assert run(["db", "upgrade"], env).returncode == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [HOTLINE, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        printed = [server.stdout.readline() for _ in range(1 + len(PAGES))]
        urls = [line.split()[-1] for line in printed if "http://" in line]
        assert urls == [f"http://127.0.0.1:{port}{path}" for _, path in PAGES]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        for url in urls:
            assert httpx.get(url, timeout=5).status_code == 200, url
    finally:
        server.terminate()
        server.wait(timeout=10)
