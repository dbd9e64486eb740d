"""The WebSocket media adapter, driven by a real `websockets` client over loopback."""

import asyncio
import json
import time
import uuid

import numpy as np
import websockets

from asr.batch import read_recording
from asr.simulate import websocket_leg, wire_frames
from tests.asr.conftest import pbx_connect, run, stored_segments

WAV = "007_wenet_ID002.wav"


async def _bus_events(call_id: str, body):
    """Run `body` while collecting the transcript events the bus carries for `call_id`."""
    from hotline.events import get_bus

    sub = get_bus().subscribe(accept=lambda e: e.payload.get("call_id") == call_id)
    try:
        result = await body
        await asyncio.sleep(0.1)
        events = []
        while sub.qsize():
            events.append(await sub.get())
        return result, events
    finally:
        sub.close()


def test_simulated_call_gives_partials_finals_events_and_stored_transcript(server, speech_dir):
    data, rate = read_recording(speech_dir / WAV)
    call_id = f"ws-{uuid.uuid4().hex[:8]}"
    result, events = run(
        _bus_events(call_id, websocket_leg(server.ws, call_id, "caller", data[:, 0], rate, encoding="PCMU", speed=1.0))
    )
    assert result.frames[0]["type"] == "ready"
    partials, finals = result.of("partial"), result.of("final")
    assert partials and finals, result.frames
    assert result.frames[-1]["type"] == "end"
    final = finals[-1]
    assert final["call_id"] == call_id and final["leg"] == "caller"
    assert final["words"] and 0 <= final["start"] < final["end"] <= 3.0
    assert all(0 <= w["conf"] <= 1 and w["start"] <= w["end"] for w in final["words"])
    assert 0 < final["confidence"] <= 1
    types = [e.type for e in events]
    assert "call.transcript.partial" in types and "call.transcript.final" in types
    bus_final = next(e for e in events if e.type == "call.transcript.final")
    assert set(bus_final.payload) == {"call_id", "leg", "text", "start", "end", "words", "confidence"}
    stored = stored_segments(call_id)
    assert [s.text for s in stored] == [f["text"] for f in finals]
    assert {s.leg for s in stored} == {"caller"}


def test_pcma_and_l16_16k_give_the_same_words_as_pcmu(server, speech_dir):
    data, rate = read_recording(speech_dir / "003_fireredasr_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000.wav")

    async def both():
        return await asyncio.gather(
            websocket_leg(server.ws, "enc-a", "agent", data[:, 0], rate, encoding="PCMA", speed=0),
            websocket_leg(server.ws, "enc-l", "agent", data[:, 0], rate, encoding="L16", to_rate=16000, speed=0),
        )

    alaw, l16 = run(both())
    assert alaw.of("final") and l16.of("final")
    assert not alaw.of("error") and not l16.of("error")


async def _exchange(url: str, first, then=(), expect_close=True) -> tuple[list[dict], int | None]:
    frames = []
    async with pbx_connect(url) as ws:
        await ws.send(first)
        for item in then:
            await ws.send(item)
        try:
            async for raw in ws:
                frames.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
        return frames, ws.close_code


HEADER = {"call_id": "bad-1", "leg": "caller", "sample_rate": 8000, "encoding": "L16"}


def _err(frames: list[dict]) -> dict:
    errors = [f for f in frames if f["type"] == "error"]
    assert errors, frames
    return errors[0]


def test_wrong_sample_rate_is_refused(server):
    frames, code = run(_exchange(server.ws, json.dumps({**HEADER, "sample_rate": 44100})))
    assert _err(frames)["code"] == "bad_sample_rate" and code == 1008
    assert "采样率" in _err(frames)["message"]


def test_unknown_encoding_is_refused(server):
    frames, _ = run(_exchange(server.ws, json.dumps({**HEADER, "encoding": "OPUS"})))
    assert _err(frames)["code"] == "unknown_encoding"


def test_binary_first_frame_is_refused(server):
    frames, _ = run(_exchange(server.ws, b"\x00\x01" * 80))
    assert _err(frames)["code"] == "header_expected"


def test_odd_byte_count_is_an_error_frame(server):
    frames, code = run(_exchange(server.ws, json.dumps(HEADER), [b"\x00" * 321]))
    assert _err(frames)["code"] == "odd_byte_count" and code == 1003


def test_json_frame_where_audio_is_due(server):
    frames, _ = run(_exchange(server.ws, json.dumps(HEADER), [b"\x00" * 320, json.dumps({"hello": 1})]))
    assert _err(frames)["code"] == "unexpected_text_frame"
    assert frames[-1]["type"] == "end"


def test_silence_gives_no_transcript_and_no_error(server):
    silence = np.zeros(8000 * 2, dtype=np.int16)
    frames = [f.hex() for f in wire_frames(silence, 8000, 8000, "PCMU")]
    result = run(websocket_leg(server.ws, "silent-1", "caller", silence, 8000, speed=0))
    assert frames and not result.of("final") and not result.of("error")
    assert result.frames[-1]["type"] == "end"


def test_client_vanishing_mid_utterance_keeps_what_was_said(server, speech_dir):
    data, rate = read_recording(speech_dir / WAV)
    call_id = f"vanish-{uuid.uuid4().hex[:8]}"
    frames = wire_frames(data[:, 0], rate, 8000, "PCMU")

    async def vanish():
        ws = await pbx_connect(server.ws)
        await ws.send(json.dumps({**HEADER, "call_id": call_id, "encoding": "PCMU"}))
        for f in frames[: len(frames) * 3 // 4]:  # hang up in the middle of the sentence
            await ws.send(f)
        ws.transport.abort()  # no closing handshake: the PBX process died
        await asyncio.sleep(0.1)
        # another call on the same server is not disturbed
        return await websocket_leg(server.ws, call_id + "-other", "caller", data[:, 0][: rate * 2], rate, speed=0)

    other = run(vanish())
    assert other.of("final")
    for _ in range(50):
        if stored_segments(call_id):
            break
        run(asyncio.sleep(0.1))
    stored = stored_segments(call_id)
    assert stored and stored[0].text


def test_a_callers_media_queues_the_call_and_its_end_hangs_up(server, speech_dir):
    """The PBX's caller leg puts the call in the ACD queue; nobody answered, so its end leaves a missed call."""
    from sqlmodel import Session, select

    from hotline.db import get_engine
    from routing.acd.models import QueuedCall

    data, rate = read_recording(speech_dir / WAV)
    call_id = f"q-{uuid.uuid4().hex[:8]}"
    run(websocket_leg(server.ws, call_id, "caller", data[:, 0][: rate * 2], rate, speed=0, caller="13912345678"))
    run(websocket_leg(server.ws, call_id + "-agent-only", "agent", data[:, 0][: rate * 2], rate, speed=0))
    deadline = time.monotonic() + 30  # the ACD hears the legs on the bus: moments after the media, not before
    while True:
        with Session(get_engine()) as session:
            queued = session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).first()
            if (queued is not None and queued.ended_at) or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    with Session(get_engine()) as session:
        queued = session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).one()
        assert queued.caller_phone == "13912345678" and queued.state == "abandoned" and queued.ended_at
        assert (
            session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id + "-agent-only")).first()
            is None
        )


def test_a_bad_caller_number_is_refused_in_the_header(server):
    async def talk():
        async with pbx_connect(server.ws) as ws:
            await ws.send(json.dumps({**HEADER, "call_id": "bad-caller", "caller": "not a number"}))
            return json.loads(await ws.recv())

    reply = run(talk())
    assert reply["type"] == "error" and reply["code"] == "bad_header" and "caller" in reply["message"]
