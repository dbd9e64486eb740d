"""Upload of recordings and batch transcription: stereo per channel merged by time, bad files refused."""

import asyncio

import httpx
import numpy as np
import soundfile as sf

from asr.batch import read_recording, transcribe_samples
from tests.asr.conftest import run

CALLER = "007_wenet_ID002.wav"
AGENT = "003_fireredasr_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000.wav"


def _stereo(speech_dir, path):
    """A PBX-style stereo call: caller speaks first, agent answers after, each on their own channel."""
    caller, rate = sf.read(speech_dir / CALLER, dtype="int16")
    agent, _ = sf.read(speech_dir / AGENT, dtype="int16")
    gap = rate // 4
    n = len(caller) + gap + len(agent)
    out = np.zeros((n, 2), dtype=np.int16)
    out[: len(caller), 0] = caller
    out[len(caller) + gap :, 1] = agent
    sf.write(path, out, rate)
    return len(caller) / rate


def test_stereo_upload_is_split_per_channel_and_merged_by_time(server, speech_dir, tmp_path, login):
    caller_end = _stereo(speech_dir, tmp_path / "call.wav")
    body = (tmp_path / "call.wav").read_bytes()
    response = httpx.post(
        f"{server.http}/api/recordings/transcribe?call_id=rec-1",
        content=body,
        headers={"content-type": "audio/wav", **login("agent")},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["channels"] == 2 and result["call_id"] == "rec-1"
    legs = [s["leg"] for s in result["segments"]]
    assert "caller" in legs and "agent" in legs
    starts = [s["start"] for s in result["segments"]]
    assert starts == sorted(starts)
    assert all(s["start"] >= caller_end for s in result["segments"] if s["leg"] == "agent")
    assert "caller:" in result["dialogue"] and "agent:" in result["dialogue"]


def test_multipart_flac_upload(server, speech_dir, tmp_path, login):
    data, rate = sf.read(speech_dir / CALLER, dtype="int16")
    sf.write(tmp_path / "x.flac", data, rate)  # any format libsndfile reads
    with (tmp_path / "x.flac").open("rb") as f:
        response = httpx.post(
            f"{server.http}/api/recordings/transcribe", files={"file": f}, timeout=60, headers=login("supervisor")
        )
    assert response.status_code == 200, response.text
    assert response.json()["channels"] == 1 and response.json()["segments"][0]["leg"] == "mixed"


def test_corrupt_header_is_422(server, speech_dir, login):
    good = (speech_dir / CALLER).read_bytes()
    broken = good[:20] + b"\xef\xbe\x00\x00" + good[24:]  # unknown format tag, zero channels
    response = httpx.post(f"{server.http}/api/recordings/transcribe", content=broken, headers=login("agent"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "unreadable_audio"
    assert "无法读取" in response.json()["error"]["message"]


def test_two_gigabyte_upload_is_refused_before_it_is_read(server, login):
    token = login("agent")["Authorization"].encode()

    async def send() -> bytes:
        port = int(server.http.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/recordings/transcribe HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
            b"Authorization: " + token + b"\r\nContent-Length: 2147483648\r\n\r\nRIFF"
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.read(4096), 10)
        writer.close()
        return head

    head = run(send())
    assert head.startswith(b"HTTP/1.1 413") and b"upload_too_large" in head


def test_chunked_upload_over_the_limit_is_refused(server, monkeypatch, login):
    from asr.settings import get_asr_settings

    monkeypatch.setattr(get_asr_settings(), "max_upload_bytes", 100_000)

    def chunks():
        for _ in range(20):
            yield b"\0" * 10_000

    response = httpx.post(f"{server.http}/api/recordings/transcribe", content=chunks(), headers=login("agent"))
    assert response.status_code == 413


def test_empty_upload_is_422(server, login):
    response = httpx.post(f"{server.http}/api/recordings/transcribe", content=b"", headers=login("admin"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "empty_upload"


def test_batch_equals_streaming_finals_for_a_8k_recording(engine, speech_dir):
    data, rate = read_recording(speech_dir / "013_funasr_asr_example_tel8k.wav")
    eight = data[::2]  # the file is 16 kHz; its content is already band-limited to 3.4 kHz
    a = run(transcribe_samples(engine, eight, 8000, "b-1"))
    b = run(transcribe_samples(engine, data, rate, "b-2"))
    assert a.segments and b.segments and a.duration == b.duration
