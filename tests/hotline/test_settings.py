"""Settings as people write them: list settings in comma form, and a bad value stops start-up by name (issue 21 #1)."""

import os
import subprocess
import sys

import httpx
import pytest

from hotline.security.config import SettingsError
from selfservice.settings import get_selfservice_settings
from tests.conftest import CJK, LiveServer, reset_settings


@pytest.fixture
def fresh_settings():
    reset_settings()
    get_selfservice_settings.cache_clear()
    yield
    reset_settings()
    get_selfservice_settings.cache_clear()


@pytest.mark.parametrize("written", ["k1", "k1, k2", '["k1","k2"]'])
def test_plain_and_json_api_keys_both_work_on_every_keyed_route(written, sqlite_db, monkeypatch, fresh_settings):
    monkeypatch.setenv("HOTLINE_SELFSERVICE_OPEN311_API_KEYS", written)
    get_selfservice_settings.cache_clear()
    server = LiveServer().start()
    try:
        keyed = httpx.get(f"{server.url}/open311/v2/requests.json", params={"api_key": "k1"})
        assert keyed.status_code == 200, keyed.text
        wrong = httpx.get(f"{server.url}/open311/v2/requests.json", params={"api_key": "k3"})
        assert wrong.status_code == 403
        lookup = httpx.post(f"{server.url}/api/selfservice/ticket", json={"number": "2001010001", "phone": "1"})
        assert lookup.status_code == 404  # answered, not a 500
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOTLINE_SELFSERVICE_OPEN311_API_KEYS", '["k1"'),
        ("HOTLINE_TIMEZONE", "Mars/Olympus"),
        ("HOTLINE_ACD_TICK_SECONDS", "fast"),
        ("HOTLINE_SELFSERVICE_IP_LIMIT", "0"),
        ("HOTLINE_APPROVALS_FIELD_MAP", "applyNo"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_the_variable(variable, value, sqlite_db, monkeypatch, fresh_settings):
    from hotline.app import create_app

    monkeypatch.setenv(variable, value)
    reset_settings()
    get_selfservice_settings.cache_clear()
    from approvals_bridge.settings import get_approval_settings

    get_approval_settings.cache_clear()
    with pytest.raises(SettingsError) as refused:
        create_app()
    assert variable in str(refused.value) and CJK.search(str(refused.value))
    get_approval_settings.cache_clear()


def test_serve_refuses_a_bad_setting_with_a_chinese_line(sqlite_db, monkeypatch):
    env = {**os.environ, "HOTLINE_TIMEZONE": "Nowhere"}
    command = [sys.executable, "-c", "from hotline.cli import app; app()", "serve", "--port", "1"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "HOTLINE_TIMEZONE" in done.stderr and "没有时区" in done.stderr
