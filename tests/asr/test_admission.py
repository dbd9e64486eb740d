"""Issue 14 finding 2: speech work is bounded — frame size, pacing, legs per node, uploads after calls, decoding
stopped when the client goes — and a supervisor sees the node's figures."""

import asyncio
import contextlib
import json
import logging
import time
import uuid

import httpx
import numpy as np
import pytest
import websockets

from asr.admission import Admission, Pacer, get_admission, set_admission
from asr.batch import read_recording
from asr.settings import get_asr_settings
from asr.simulate import pbx_headers, wire_frames
from asr.sink import MemorySink
from tests.asr.asterisk import HANGUP, AsteriskChannel
from tests.asr.conftest import pbx_connect, run

WAV = "007_wenet_ID002.wav"
HEADER = {"leg": "caller", "sample_rate": 8000, "encoding": "L16"}


@pytest.fixture
def small_node():
    """This node takes two legs at most."""
    previous = get_admission()
    set_admission(Admission(max_legs=2, max_uploads=1))
    yield get_admission()
    set_admission(previous)


def test_a_huge_frame_is_refused_at_once(server):
    async def send():
        started = time.monotonic()
        async with pbx_connect(server.ws, max_size=None) as ws:
            await ws.send(json.dumps({**HEADER, "call_id": f"huge-{uuid.uuid4().hex[:6]}"}))
            await ws.recv()  # ready
            await ws.send(b"\x00\x01" * (2 * 1024 * 1024))  # 4 MiB: 262 s of audio in one frame
            frames = []
            with contextlib.suppress(websockets.ConnectionClosed):
                async for m in ws:
                    frames.append(json.loads(m))
        return frames, ws.close_code, time.monotonic() - started

    frames, code, took = run(send())
    error = next(f for f in frames if f["type"] == "error")
    assert error["code"] == "frame_too_large" and "上限" in error["message"] and code == 1008
    assert took < 10  # refused, not decoded (it used to cost 46 CPU-seconds)


def test_audiosocket_frame_over_a_second_is_refused(server, caplog):
    channel = AsteriskChannel()

    async def send():
        await channel.connect("127.0.0.1", server.audiosocket_port)
        channel.send(0x10, b"\x00" * 20000)  # 1.25 s at 8 kHz in one frame
        return await channel.server_closed(15)

    with caplog.at_level(logging.WARNING, logger="asr.audiosocket"):
        assert run(send())
    assert channel.received == [(HANGUP, b"")] and "frame_too_large" in caplog.text


def test_pacer_lets_a_burst_through_then_holds_the_sender_to_its_pace():
    async def measure() -> float:
        pacer = Pacer(pace=4.0, burst=1.0)
        started = time.monotonic()
        for _ in range(150):  # 3 s of 20 ms frames, sent as fast as possible
            await pacer.wait(0.02)
        return time.monotonic() - started

    took = run(measure())
    assert 0.45 <= took < 1.5  # (3 s − 1 s burst) / 4 = 0.5 s


def test_a_leg_sending_faster_than_real_time_is_decoded_no_faster_than_allowed(server, speech_dir, monkeypatch):
    """Partials report decoded audio: at wall time t a leg paced at 1× with a 0.5 s burst cannot be past 0.5 + t."""
    monkeypatch.setenv("HOTLINE_ASR_PACE", "1.0")
    monkeypatch.setenv("HOTLINE_ASR_BURST_SECONDS", "0.5")
    get_asr_settings.cache_clear()
    data, rate = read_recording(speech_dir / "005_wenet_aishell-BAC009S0724W0121.wav")
    frames = wire_frames(data[:, 0], rate, 8000, "L16")

    async def flood():
        seen = []
        async with pbx_connect(server.ws) as ws:
            await ws.send(json.dumps({**HEADER, "call_id": f"fast-{uuid.uuid4().hex[:6]}"}))
            await ws.recv()
            started = time.monotonic()
            for f in frames:  # 4.3 s of audio sent at once
                await ws.send(f)
            await ws.send(json.dumps({"type": "end"}))
            async for raw in ws:
                body = json.loads(raw)
                seen.append((time.monotonic() - started, body))
        return seen

    try:
        seen = run(flood())
    finally:
        get_asr_settings.cache_clear()
    partials = [(t, b["end"]) for t, b in seen if b["type"] == "partial"]
    assert partials and seen[-1][1]["type"] == "end"
    assert all(end <= 0.5 + t + 0.3 for t, end in partials), partials
    assert seen[-1][0] >= 4.28 - 0.5 - 0.3  # the whole leg could not be taken in faster than real time


def test_legs_beyond_the_nodes_capacity_are_refused_with_a_reason(server, small_node, login):
    async def scenario():
        held = []
        for i in range(2):
            ws = await pbx_connect(server.ws).__aenter__()
            await ws.send(json.dumps({**HEADER, "call_id": f"cap-{i}-{uuid.uuid4().hex[:6]}"}))
            assert json.loads(await ws.recv())["type"] == "ready"
            held.append(ws)
        async with pbx_connect(server.ws) as third:
            await third.send(json.dumps({**HEADER, "call_id": "cap-third"}))
            refused = json.loads(await third.recv())
            with pytest.raises(websockets.ConnectionClosed):
                await third.recv()
            code = third.close_code
        asterisk = AsteriskChannel()
        await asterisk.connect("127.0.0.1", server.audiosocket_port)
        assert await asterisk.server_closed(15)
        for ws in held:
            await ws.send(json.dumps({"type": "end"}))
            await ws.close()
        await asyncio.sleep(0.5)
        return refused, code, asterisk.received

    refused, code, asterisk_got = run(scenario())
    assert refused["code"] == "asr_capacity" and "满负荷" in refused["message"] and code == 1013
    assert asterisk_got == [(HANGUP, b"")]
    status = httpx.get(f"{server.http}/api/asr/capacity", headers=login("supervisor")).json()
    assert status["max_legs"] == 2 and status["live_legs"] == 0 and status["refused"]["asr_capacity"] == 2
    assert status["admitted"]["live"] == 2 and status["available"] == 2
    assert httpx.get(f"{server.http}/api/asr/capacity", headers=login("agent")).status_code == 403
    # the PBX and `hotline cluster status` read it with the PBX key; anything else is not let in
    pbx = httpx.get(f"{server.http}/api/asr/capacity", headers=pbx_headers())  # the key the streams use
    assert pbx.status_code == 200 and pbx.json()["max_legs"] == 2
    wrong = httpx.get(f"{server.http}/api/asr/capacity", headers={"Authorization": "Bearer not-a-pbx-key"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "token_invalid"
    assert httpx.get(f"{server.http}/api/asr/capacity").status_code == 401


def test_uploads_yield_to_live_calls(server, speech_dir, small_node, login):
    body = (speech_dir / WAV).read_bytes()
    small_node.admit_live("live-1", "caller", object())
    small_node.admit_live("live-1", "agent", object())  # the node is full of real calls
    response = httpx.post(f"{server.http}/api/recordings/transcribe", content=body, headers=login("agent"))
    assert response.status_code == 503 and response.json()["error"]["code"] == "upload_capacity"


def test_decoding_stops_when_the_client_goes(engine, speech_dir):
    """A leg that pushed a minute of audio and left costs at most the grace period, not the minute."""
    data, rate = read_recording(speech_dir / "004_fireredasr_TEST_MEETING_T0000000001_S00000.wav")
    minute = np.tile(data[:, 0], int(60 * rate / len(data)) + 1)[: 60 * rate]

    async def push_and_leave():
        stream = engine.open_stream("gone-1", "caller", MemorySink())
        await stream.feed(minute)  # one step takes it all
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await stream.abandon(grace_seconds=1.0)
        return stream, time.monotonic() - started

    stream, took = run(push_and_leave())
    assert stream.stats.audio_seconds == 60
    assert stream.decoded_seconds < 15, stream.decoded_seconds  # not the minute
    assert took < 30  # not the minutes a minute of audio takes on a busy machine
