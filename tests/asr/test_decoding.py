"""Issue 21 finding 5: a partial's `end` is the audio decoded (not received), and decoding repeats exactly with
HOTLINE_ASR_DITHER=0 (the tests' setting)."""

import asyncio
import os
import threading

from asr.batch import read_recording, transcribe_samples
from asr.models import with_dither
from asr.sink import MemorySink
from tests.asr.conftest import run

WAV = "005_wenet_aishell-BAC009S0724W0121.wav"


class Watch(MemorySink):
    """Records, for every partial, the audio received and decoded at the moment it arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.stream = None
        self.seen: list[tuple[float, float, float]] = []  # (partial end, received, decoded)

    async def on_partial(self, segment) -> None:
        await super().on_partial(segment)
        self.seen.append((segment.end, self.stream.stats.audio_seconds, self.stream.decoded_seconds))


def test_a_partials_end_is_the_audio_decoded_not_received(engine, speech_dir):
    data, rate = read_recording(speech_dir / "004_fireredasr_TEST_MEETING_T0000000001_S00000.wav")  # 12 s
    pcm = data[:, 0]
    gate = threading.Event()  # holds the first decoding step while more audio arrives, as a busy core would

    async def audio_arrives_during_a_step():
        sink = Watch()
        sink.stream = stream = engine.open_stream("decoded-end", "caller", sink)
        decode = stream._decode
        stream._decode = lambda *args: (gate.wait(30), decode(*args))[1]
        await stream.feed(pcm[: 3 * rate])  # the first step takes these 3 s ...
        await asyncio.sleep(0.2)
        await stream.feed(pcm[3 * rate : 6 * rate])  # ... and 3 s more arrive while it decodes
        gate.set()
        await stream.finish()
        return sink

    sink = run(audio_arrives_during_a_step())
    first_end, received, _ = sink.seen[0]
    assert first_end <= 3.0 + 1e-6 and received == 6.0  # it used to say 6.0: audio received, not decoded
    assert all(end <= decoded + 1e-6 for end, _, decoded in sink.seen), sink.seen


def test_decoding_repeats_exactly_with_dither_zero(engine, speech_dir):
    assert os.environ["HOTLINE_ASR_DITHER"] == "0"
    data, rate = read_recording(speech_dir / WAV)
    first = run(transcribe_samples(engine, data, rate, "repeat-1"))
    second = run(transcribe_samples(engine, data, rate, "repeat-2"))
    assert first.segments
    assert [s.payload() | {"call_id": ""} for s in first.segments] == [
        s.payload() | {"call_id": ""} for s in second.segments
    ]


def test_dither_is_set_in_a_copy_and_the_model_folder_is_left_alone(model_dir):
    original = (model_dir / "conf" / "mfcc.conf").read_text()
    folder = with_dither(model_dir, 0.0)
    assert "--dither=0.0" in (folder / "conf" / "mfcc.conf").read_text().splitlines()
    assert (model_dir / "conf" / "mfcc.conf").read_text() == original and "dither" not in original
    assert (folder / "am" / "final.mdl").resolve() == (model_dir / "am" / "final.mdl").resolve()
