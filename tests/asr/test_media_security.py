"""Issue 14 finding 1: nobody but the PBX sends call audio, nobody but a signed-in agent uploads recordings, and a call
id belongs to the connection that opened it."""

import asyncio
import contextlib
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
import websockets
import yaml
from sqlmodel import Session, select

from asr.batch import read_recording
from asr.settings import AsrSettings, get_asr_settings
from tests.asr.asterisk import AsteriskChannel
from tests.asr.conftest import PROJECT_ROOT, pbx_connect, run, stored_segments

WAV = "007_wenet_ID002.wav"
HEADER = {"leg": "caller", "sample_rate": 8000, "encoding": "PCMU"}


def _queued(call_id: str):
    from hotline.db import get_engine
    from routing.acd.models import QueuedCall

    with Session(get_engine()) as session:
        return session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).first()


def _queued_when(call_id: str, ready, seconds: float = 30):
    """The queue entry once `ready(entry)` holds (the ACD hears the legs on the bus, moments after the media)."""
    deadline = time.monotonic() + seconds
    while not ready(entry := _queued(call_id)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return entry


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "test-pbx-token"}])
def test_media_stream_without_the_pbx_token_is_refused_at_the_handshake(server, headers):
    call_id = f"anon-{uuid.uuid4().hex[:8]}"

    async def anonymous():
        async with websockets.connect(server.ws, additional_headers=headers) as ws:
            await ws.send(json.dumps({**HEADER, "call_id": call_id}))

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        run(anonymous())
    assert refused.value.response.status_code == 403
    assert _queued(call_id) is None and not stored_segments(call_id)  # no fake waiting call, nothing stored


def test_a_second_connection_cannot_take_or_end_someone_elses_call(server, speech_dir):
    data, rate = read_recording(speech_dir / WAV)
    call_id = f"own-{uuid.uuid4().hex[:8]}"
    from asr.simulate import wire_frames

    frames = wire_frames(data[:, 0], rate, 8000, "PCMU")

    async def scenario():
        async with pbx_connect(server.ws) as owner:
            await owner.send(json.dumps({**HEADER, "call_id": call_id}))
            assert json.loads(await owner.recv())["type"] == "ready"
            for f in frames[:50]:
                await owner.send(f)
            # the same call id from another connection, even with a valid token: refused, and its "end" is not read
            async with pbx_connect(server.ws) as intruder:
                await intruder.send(json.dumps({**HEADER, "call_id": call_id}))
                await intruder.send(json.dumps({"type": "end"}))
                reply = json.loads(await intruder.recv())
                with pytest.raises(websockets.ConnectionClosed):
                    await intruder.recv()
            queued = await asyncio.to_thread(_queued_when, call_id, lambda q: q is not None)
            await asyncio.sleep(0.3)  # time for the intruder's "end", had it been read
            still = _queued(call_id).state if queued else None
            for f in frames[50:]:
                await owner.send(f)
            await owner.send(json.dumps({"type": "end"}))
            replies = [json.loads(m) async for m in owner]
            return reply, still, replies

    reply, still, replies = run(scenario())
    assert reply["type"] == "error" and reply["code"] == "call_in_use" and "占用" in reply["message"]
    assert still == "waiting"  # the intruder's "end" did not take the call out of the queue
    assert replies[-1]["type"] == "end" and any(r["type"] == "final" for r in replies)
    assert (
        _queued_when(call_id, lambda q: q is not None and q.ended_at is not None).state == "abandoned"
    )  # the owner's own end did


def test_upload_needs_a_signed_in_agent_supervisor_or_admin(server, speech_dir, login):
    body = (speech_dir / WAV).read_bytes()
    url = f"{server.http}/api/recordings/transcribe?call_id=up-auth-{uuid.uuid4().hex[:6]}"
    anonymous = httpx.post(url, content=body)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_logged_in"
    editor = httpx.post(url, content=body, headers=login("editor"))
    assert editor.status_code == 403 and editor.json()["error"]["code"] == "role_forbidden"
    assert not stored_segments(url.rsplit("=", 1)[1])  # nothing added to the call by the refused uploads
    agent = httpx.post(url, content=body, headers=login("agent"), timeout=60)
    assert agent.status_code == 200, agent.text


def test_anonymous_upload_is_refused_before_its_body_is_read(server):
    async def send() -> bytes:
        port = int(server.http.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /api/recordings/transcribe HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nRIFF")
        await writer.drain()
        head = await asyncio.wait_for(reader.read(4096), 10)  # answered although 100 MB never came
        writer.close()
        return head

    assert run(send()).startswith(b"HTTP/1.1 401")


def test_audiosocket_refuses_peers_outside_the_allowed_networks(server, speech_dir, monkeypatch, caplog):
    data, rate = read_recording(speech_dir / WAV)
    monkeypatch.setenv("HOTLINE_AUDIOSOCKET_ALLOW", "10.20.0.0/16,192.0.2.7")  # the PBX network, not loopback
    get_asr_settings.cache_clear()
    channel = AsteriskChannel()

    async def call():
        await channel.connect("127.0.0.1", server.audiosocket_port)
        with contextlib.suppress(ConnectionError):
            await channel.stream(data[:, 0][: rate // 2], speed=0)
        return await channel.server_closed(10)

    try:
        with caplog.at_level("WARNING", logger="asr.audiosocket"):
            closed = run(call())
    finally:
        monkeypatch.delenv("HOTLINE_AUDIOSOCKET_ALLOW")
        get_asr_settings.cache_clear()
    assert closed and channel.received == []
    assert _queued(channel.call_id) is None
    assert "HOTLINE_AUDIOSOCKET_ALLOW" in caplog.text


def test_list_settings_take_commas_or_json_and_audiosocket_binds_to_loopback(monkeypatch):
    monkeypatch.setenv("HOTLINE_PBX_TOKENS", "pbx-a, pbx-b")
    monkeypatch.setenv("HOTLINE_AUDIOSOCKET_ALLOW", '["10.0.0.0/8", "::1"]')
    settings = AsrSettings()
    assert settings.pbx_tokens == ["pbx-a", "pbx-b"] and settings.audiosocket_allow == ["10.0.0.0/8", "::1"]
    monkeypatch.delenv("HOTLINE_AUDIOSOCKET_ALLOW")
    monkeypatch.delenv("HOTLINE_AUDIOSOCKET_HOST", raising=False)
    assert AsrSettings().audiosocket_host == "127.0.0.1"
    monkeypatch.setenv("HOTLINE_AUDIOSOCKET_ALLOW", "pbx.example")
    with pytest.raises(ValueError, match="不是 IP 地址或网段"):
        AsrSettings()


def test_compose_does_not_publish_media_ports_to_every_address():
    compose = yaml.safe_load(Path(PROJECT_ROOT / "docker" / "compose.yaml").read_text())
    published = [(name, m) for name, service in compose["services"].items() for m in service.get("ports", [])]
    assert published  # the balancer publishes the pages and the PBX's ports
    for name, mapping in published:
        host_ip = str(mapping).split(":")[0]
        assert host_ip not in ("", "0.0.0.0") and str(mapping).count(":") == 2, (name, mapping)
    # the speech nodes take the PBX's media: their secret comes from docker/.env
    assert compose["services"]["speech"]["environment"].get("HOTLINE_PBX_TOKENS")
