"""The AudioSocket adapter, spoken to over real TCP the way Asterisk does."""

import asyncio
import json
import uuid

from asr.audiosocket import KIND_AUDIO, KIND_ERROR, KIND_HANGUP, KIND_UUID, frame, read_frame
from asr.batch import read_recording
from asr.simulate import audiosocket_leg
from tests.asr.conftest import run, stored_segments


def test_simulated_asterisk_call_is_transcribed_and_published(server, speech_dir):
    from hotline.events import get_bus

    data, rate = read_recording(speech_dir / "007_wenet_ID002.wav")
    call_id = str(uuid.uuid4())

    async def call():
        sub = get_bus().subscribe(accept=lambda e: e.payload.get("call_id") == call_id)
        replies = await audiosocket_leg("127.0.0.1", server.audiosocket_port, call_id, data[:, 0], rate, speed=1.0)
        for _ in range(50):
            if stored_segments(call_id):
                break
            await asyncio.sleep(0.1)
        events = []
        while sub.qsize():
            events.append(await sub.get())
        sub.close()
        return replies, events

    replies, events = run(call())
    assert replies == []  # a clean call: Asterisk gets no error and no hang-up from us
    kinds = {e.type for e in events}
    # transcripts, and the call's way through the ACD queue (queued when Asterisk connected, ended on hang-up)
    assert kinds == {"call.transcript.partial", "call.transcript.final", "acd.call"}
    assert [e.payload["state"] for e in events if e.type == "acd.call"] == ["waiting", "abandoned"]
    final = next(e for e in events if e.type == "call.transcript.final").payload
    assert final["leg"] == "caller" and final["words"]
    assert stored_segments(call_id)[0].text == final["text"]


async def _talk(port: int, *frames: bytes) -> list[tuple[int, bytes]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for f in frames:
        writer.write(f)
    await writer.drain()
    replies = []
    try:
        while True:
            replies.append(await read_frame(reader, timeout=10))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
    return replies


def _error_code(replies: list[tuple[int, bytes]]) -> str:
    assert replies[-1] == (KIND_HANGUP, b""), replies
    kind, payload = replies[0]
    assert kind == KIND_ERROR
    body = json.loads(payload)
    assert body["message"]
    return body["code"]


def test_audio_before_uuid_is_refused(server):
    replies = run(_talk(server.audiosocket_port, frame(KIND_AUDIO, b"\x00" * 320)))
    assert _error_code(replies) == "uuid_expected"


def test_odd_audio_payload_is_refused(server):
    call = frame(KIND_UUID, uuid.uuid4().bytes)
    replies = run(_talk(server.audiosocket_port, call, frame(KIND_AUDIO, b"\x00" * 321)))
    assert _error_code(replies) == "odd_byte_count"


def test_unknown_kind_is_refused(server):
    replies = run(_talk(server.audiosocket_port, frame(KIND_UUID, uuid.uuid4().bytes), frame(0x42, b"??")))
    assert _error_code(replies) == "unknown_kind"


def test_vanishing_mid_utterance_keeps_the_words_and_spares_other_calls(server, speech_dir):
    data, rate = read_recording(speech_dir / "005_wenet_aishell-BAC009S0724W0121.wav")
    call_id = str(uuid.uuid4())
    from asr.simulate import wire_frames

    frames = wire_frames(data[:, 0], rate, 8000, "L16")

    async def scenario():
        _, writer = await asyncio.open_connection("127.0.0.1", server.audiosocket_port)
        writer.write(frame(KIND_UUID, uuid.UUID(call_id).bytes))
        for f in frames[: len(frames) * 3 // 4]:
            writer.write(frame(KIND_AUDIO, f))
        writer.write(frame(KIND_AUDIO, f)[:5])  # half a frame, then the line drops
        await writer.drain()
        writer.transport.abort()
        other = str(uuid.uuid4())
        replies = await audiosocket_leg("127.0.0.1", server.audiosocket_port, other, data[:, 0], rate, speed=0)
        for _ in range(100):
            if stored_segments(call_id) and stored_segments(other):
                break
            await asyncio.sleep(0.1)
        return replies, other

    replies, other = run(scenario())
    assert replies == []
    assert stored_segments(call_id) and stored_segments(other)
