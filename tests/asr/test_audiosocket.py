"""The AudioSocket adapter, driven by a client written from Asterisk's sources (`tests/asr/asterisk.py`) over real TCP:
UUID first, 20 ms slin frames at real time, DTMF, silence, Asterisk's error kind, hang-up by closing the socket."""

import asyncio
import logging
import time
import uuid

import pytest
from sqlmodel import Session, select

from asr.batch import read_recording
from tests.asr.asterisk import ERROR, HANGUP, KINDS_ASTERISK_ACCEPTS, SLIN8, UUID, AsteriskChannel
from tests.asr.conftest import run, stored_segments

CALL_WAV = "007_wenet_ID002.wav"


def _call_record(call_id: str):
    from hotline.callers.models import Call
    from hotline.db import get_engine
    from routing.acd.models import QueuedCall

    with Session(get_engine()) as session:
        call = session.exec(select(Call).where(Call.external_id == call_id)).first()
        queued = session.exec(select(QueuedCall).where(QueuedCall.call_external_id == call_id)).first()
        return call, queued


async def _wait_stored(call_id: str, seconds: float = 60) -> list:  # generous: CI machines are busy
    for _ in range(int(seconds * 10)):
        if stored := stored_segments(call_id):
            return stored
        await asyncio.sleep(0.1)
    return []


def _closed_record(call_id: str, seconds: float = 30):
    """The call record once its hang-up has been written (the last final is stored just before)."""
    deadline = time.monotonic() + seconds
    while True:
        record, queued = _call_record(call_id)
        if (record is not None and record.ended_at is not None) or time.monotonic() > deadline:
            return record, queued
        time.sleep(0.1)


def test_a_real_time_call_ended_by_closing_the_socket_is_a_normal_hang_up(server, speech_dir, caplog):
    from hotline.events import get_bus

    data, _ = read_recording(speech_dir / CALL_WAV)
    channel = AsteriskChannel()

    async def call():
        sub = get_bus().subscribe(accept=lambda e: e.payload.get("call_id") == channel.call_id)
        await channel.connect("127.0.0.1", server.audiosocket_port)
        await channel.stream(data[:, 0], rate=8000, speed=1.0)  # 20 ms slin frames at real time
        await channel.hang_up_by_close()  # how Asterisk ends a call
        stored = await _wait_stored(channel.call_id)
        await asyncio.to_thread(_closed_record, channel.call_id)  # the ACD heard the hang-up on the bus
        await asyncio.sleep(0.3)
        events = []
        while sub.qsize():
            events.append(await sub.get())
        sub.close()
        return stored, events

    with caplog.at_level(logging.INFO, logger="asr"):
        stored, events = run(call())
    assert channel.received == []  # a good call: Asterisk gets nothing back
    assert stored and stored[0].text
    final = next(e for e in events if e.type == "call.transcript.final").payload
    assert final["leg"] == "caller" and final["words"] and stored[0].text == final["text"]
    assert [e.payload["state"] for e in events if e.type == "acd.call"] == ["waiting", "abandoned"]
    record, queued = _closed_record(channel.call_id)
    assert record.ended_at is not None and queued.ended_at is not None  # the call record is closed too
    mine = [r for r in caplog.records if channel.call_id in r.getMessage()]
    assert any("hang-up" in r.getMessage() and r.levelno == logging.INFO for r in mine)
    assert not [r for r in mine if r.levelno >= logging.WARNING], [r.getMessage() for r in mine]


def test_dtmf_silence_unknown_kinds_and_a_second_uuid_do_not_end_the_call(server, speech_dir, caplog):
    data, _ = read_recording(speech_dir / CALL_WAV)
    channel = AsteriskChannel()
    pcm = data[:, 0]

    async def call():
        await channel.connect("127.0.0.1", server.audiosocket_port)
        await channel.silence(0.4)
        await channel.dtmf("5")
        channel.send(0x42, b"??")  # a kind this server does not know: skipped, as Asterisk skips them
        channel.send(0x42, b"!!")
        channel.send(UUID, uuid.uuid4().bytes)  # a repeated UUID frame: ignored
        await channel.stream(pcm, speed=1.0)
        await channel.silence(0.4)
        await channel.hang_up_frame()
        return await _wait_stored(channel.call_id)

    with caplog.at_level(logging.INFO, logger="asr.audiosocket"):
        stored = run(call())
    assert stored and stored[0].text  # the call went on after every odd frame
    assert all(kind in KINDS_ASTERISK_ACCEPTS for kind, _ in channel.received)
    unknown = [r for r in caplog.records if "0x42" in r.getMessage()]
    assert len(unknown) == 1  # logged once per call, not per frame
    assert any("DTMF '5'" in r.getMessage() for r in caplog.records)
    assert _closed_record(channel.call_id)[0].ended_at is not None


@pytest.mark.parametrize("rate", [16000, 48000])
def test_other_slin_rates_are_resampled(server, speech_dir, rate):
    """Kinds 0x12 (slin16) and 0x16 (slin48) of newer Asterisk are heard, resampled to the model's rate."""
    from asr.batch import transcribe_samples
    from asr.service import get_engine

    data, file_rate = read_recording(speech_dir / CALL_WAV)
    expected = run(transcribe_samples(get_engine(), data, file_rate, f"direct-{rate}"))
    channel = AsteriskChannel()

    async def call():
        await channel.connect("127.0.0.1", server.audiosocket_port)
        await channel.stream(data[:, 0], rate=rate, speed=2.0)
        await channel.hang_up_by_close()
        return await _wait_stored(channel.call_id)

    stored = run(call())
    assert channel.received == []
    heard = "".join(s.text for s in stored)
    said = "".join(s.text for s in expected.segments)
    assert heard and said
    # the same words as the file decoded directly (16 kHz: the very samples, cut into other decoding steps; 48 kHz:
    # resampled down again), not the nothing an unknown kind used to give
    assert len(set(heard) & set(said)) >= (0.8 if rate == 16000 else 0.5) * len(set(said)), (heard, said)


def test_asterisks_error_kind_ends_the_leg_and_closes_the_call(server, speech_dir, caplog):
    data, _ = read_recording(speech_dir / CALL_WAV)
    channel = AsteriskChannel()

    async def call():
        await channel.connect("127.0.0.1", server.audiosocket_port)
        await channel.stream(data[:, 0], speed=0)
        channel.send(ERROR, b"\x01")  # Asterisk: the calling party hung up
        closed = await channel.server_closed(15)
        return closed, await _wait_stored(channel.call_id)

    with caplog.at_level(logging.INFO, logger="asr.audiosocket"):
        closed, stored = run(call())
    assert closed and stored and channel.received == []
    assert _closed_record(channel.call_id)[0].ended_at is not None
    assert any("hung up" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def _bad_stream(server, *frames: tuple[int, bytes], caplog) -> list[tuple[int, bytes]]:
    channel = AsteriskChannel()

    async def talk():
        await channel.connect("127.0.0.1", server.audiosocket_port, send_uuid=False)
        for kind, payload in frames:
            channel.send(kind, payload)
        assert await channel.server_closed(15)

    with caplog.at_level(logging.WARNING, logger="asr.audiosocket"):
        run(talk())
    return channel.received


def test_a_bad_stream_gets_a_hang_up_never_asterisks_error_kind(server, caplog):
    before_uuid = _bad_stream(server, (SLIN8, b"\x00" * 320), caplog=caplog)
    assert before_uuid == [(HANGUP, b"")] and "uuid_expected" in caplog.text
    odd = _bad_stream(server, (UUID, uuid.uuid4().bytes), (SLIN8, b"\x00" * 321), caplog=caplog)
    assert odd == [(HANGUP, b"")] and "odd_byte_count" in caplog.text


def test_dropping_mid_frame_keeps_the_words_and_spares_other_calls(server, speech_dir):
    data, _ = read_recording(speech_dir / "005_wenet_aishell-BAC009S0724W0121.wav")
    dropped, other = AsteriskChannel(), AsteriskChannel()

    async def scenario():
        await dropped.connect("127.0.0.1", server.audiosocket_port)
        await dropped.stream(data[:, 0][: len(data) * 3 // 4], speed=0)
        dropped._writer.write(bytes([SLIN8, 0x01, 0x40]) + b"\x00" * 5)  # half a frame, then the line drops
        await dropped._writer.drain()
        dropped._writer.transport.abort()
        await other.connect("127.0.0.1", server.audiosocket_port)
        await other.stream(data[:, 0], speed=0)
        await other.hang_up_by_close()
        return await _wait_stored(dropped.call_id), await _wait_stored(other.call_id)

    kept, spared = run(scenario())
    assert kept, "dropped"
    assert spared, "other"
    assert other.received == []
