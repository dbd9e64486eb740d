"""Speaker diarization of mono recordings through a local pyannote pipeline that this test builds itself.

No pretrained pyannote weights can be obtained here, so the fixture makes a tiny pipeline folder: a PyanNet
segmentation model trained for a few steps on the test call, an x-vector embedding model with random weights and
an identity PLDA, saved as pyannote checkpoints next to a config.yaml that names them by relative path. That proves
loading with no hub, running, per-speaker transcription and DER scoring end to end; it proves nothing about accuracy.

Tests that need the `diarization` extra (torch, pyannote.audio) skip locally without it and fail under CI=true.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf
import yaml
from typer.testing import CliRunner

from asr.diarization import DiarizationError, Turn, resolve_config
from asr.diarization.reference import channel_reference, mix_to_mono
from asr.diarization.score import der
from tests.asr.conftest import PROJECT_ROOT, _missing, run

CALLER = "005_wenet_aishell-BAC009S0724W0121.wav"  # two different real Mandarin speakers
AGENT = "010_paddlespeech_zh.wav"
OFFSET, GAP = 0.3, 0.7  # seconds of silence before the caller, and between the caller and the agent


@pytest.fixture(scope="session")
def extra() -> None:
    from asr.diarization.pipeline import import_pyannote

    try:
        import_pyannote()
        import torchaudio  # noqa: F401 — pyannote needs it; a CUDA-only build fails here
    except (DiarizationError, ImportError, OSError) as exc:
        _missing(f"the diarization extra is not usable: {getattr(exc, 'message', exc)}")


@pytest.fixture(scope="session")
def call(speech_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, int]:
    """A PBX-style stereo call from two real recordings: the caller on channel 1, then the agent on channel 2."""
    caller, rate = sf.read(speech_dir / CALLER, dtype="int16")
    agent, _ = sf.read(speech_dir / AGENT, dtype="int16")
    start_agent = int(OFFSET * rate) + len(caller) + int(GAP * rate)
    data = np.zeros((start_agent + len(agent) + int(OFFSET * rate), 2), dtype=np.int16)
    data[int(OFFSET * rate) : int(OFFSET * rate) + len(caller), 0] = caller
    data[start_agent : start_agent + len(agent), 1] = agent
    path = tmp_path_factory.mktemp("diarization") / "call.wav"
    sf.write(path, data, rate)
    return path, data, rate


def _save(model, path: Path) -> None:
    """A pyannote checkpoint as Model.from_pretrained reads it (what lightning's Trainer would write)."""
    import lightning
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": lightning.__version__,
    }
    model.on_save_checkpoint(checkpoint)
    torch.save(checkpoint, path)


def _segmentation(data: np.ndarray, rate: int):
    """PyanNet (powerset, 3 speakers per 5 s chunk) trained for a few steps on the call's channel reference:
    enough to tell speech from silence a little, far from a real model. The SincNet front end stays random
    and frozen to keep the steps cheap on two cores."""
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.segmentation import PyanNet

    torch.manual_seed(0)
    model = PyanNet(
        sincnet={"stride": 10},
        lstm={"hidden_size": 32, "num_layers": 1, "monolithic": True},
        linear={"hidden_size": 32, "num_layers": 1},
    )
    model.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=5.0,
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    model.setup()
    window = 5 * rate
    mono = torch.from_numpy(mix_to_mono(data).astype(np.float32) / 32768)
    frames = model(torch.zeros(1, 1, window)).shape[1]
    reference = channel_reference(data, rate)

    def target(start: int) -> torch.Tensor:
        t = start / rate + (np.arange(frames) + 0.5) * 5.0 / frames
        bits = np.zeros(frames, dtype=np.int64)
        for turn in reference:
            bits[(t >= turn.start) & (t < turn.end)] |= 1 if turn.speaker == "caller" else 2
        return torch.from_numpy(np.where(bits == 3, 4, bits))  # powerset: 0 none, 1 {A}, 2 {B}, 4 {A, B}

    for p in model.sincnet.parameters():
        p.requires_grad = False
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(8):
        starts = rng.integers(0, len(mono) - window, 4)
        x = torch.stack([mono[s : s + window] for s in starts]).unsqueeze(1)
        y = torch.stack([target(int(s)) for s in starts])
        loss = torch.nn.functional.nll_loss(model(x).reshape(-1, 7), y.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval()


@pytest.fixture(scope="session")
def pipeline_dir(extra, call, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder layout an operator copies onto the premises: config.yaml + checkpoints by relative path."""
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorMFCC

    _, data, rate = call
    root = tmp_path_factory.mktemp("pipeline")
    _save(_segmentation(data, rate), root / "segmentation" / "pytorch_model.bin")
    embedding = XVectorMFCC(dimension=64)  # random weights
    embedding.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=3.0)
    embedding.setup()
    _save(embedding, root / "embedding" / "pytorch_model.bin")
    (root / "plda").mkdir()  # an identity PLDA: loaded as pyannote 4 requires, unused by agglomerative clustering
    np.savez(root / "plda" / "xvec_transform.npz", mean1=np.zeros(64), mean2=np.zeros(32), lda=np.eye(64)[:, :32])
    np.savez(root / "plda" / "plda.npz", mu=np.zeros(32), tr=np.eye(32), psi=np.ones(32))
    config = {
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "segmentation": "$model/segmentation",  # pyannote's own "subfolder of this folder" form
                "embedding": "embedding/pytorch_model.bin",  # a plain relative file path
                "plda": "$model/plda",
                "clustering": "AgglomerativeClustering",
                "embedding_exclude_overlap": True,
                "segmentation_batch_size": 8,
                "embedding_batch_size": 8,
            },
        },
        "params": {
            "clustering": {"method": "centroid", "min_cluster_size": 1, "threshold": 0.7},
            "segmentation": {"min_duration_off": 0.0},
        },
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def diarizer(pipeline_dir: Path):
    from asr.diarization.pipeline import load_pipeline

    return load_pipeline(pipeline_dir)


def _within(turns: list[Turn], duration: float) -> bool:
    return all(0.0 <= t.start < t.end <= duration + 0.001 for t in turns)  # payloads round to ms


# --- the folder and its errors: no torch needed ---------------------------------------------------------------


def _folder(tmp_path: Path, params: dict) -> Path:
    (tmp_path / "config.yaml").write_text(
        yaml.safe_dump({"pipeline": {"name": "pyannote.audio.pipelines.SpeakerDiarization", "params": params}}),
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    "params, code",
    [
        (
            {"segmentation": "pyannote/segmentation-3.0", "embedding": "x", "plda": "y"},
            "diarization_checkpoint_missing",
        ),
        ({"segmentation": "seg.bin", "embedding": "seg.bin"}, "diarization_config_incomplete"),
        ({"segmentation": "seg.bin", "embedding": "seg.bin", "plda": "seg.bin"}, "diarization_checkpoint_missing"),
        ({"segmentation": ["not", "a", "path"], "embedding": "seg.bin", "plda": "p"}, "diarization_config_invalid"),
    ],
)
def test_a_folder_that_names_the_hub_or_lacks_a_part_is_refused_with_a_reason(tmp_path, params, code):
    (tmp_path / "seg.bin").write_bytes(b"x")
    with pytest.raises(DiarizationError) as err:
        resolve_config(_folder(tmp_path, params))
    assert err.value.code == code and err.value.status == 503


def test_missing_folder_and_broken_yaml(tmp_path):
    with pytest.raises(DiarizationError) as err:
        resolve_config(tmp_path / "nowhere")
    assert err.value.code == "diarization_pipeline_missing" and "不存在" in err.value.message
    (tmp_path / "config.yaml").write_text("pipeline: [unclosed", encoding="utf-8")
    with pytest.raises(DiarizationError) as err:
        resolve_config(tmp_path)
    assert err.value.code == "diarization_config_invalid"


def test_the_product_imports_without_torch_and_says_when_the_extra_is_missing(tmp_path):
    """Run in a fresh interpreter where importing torch fails, as on an install without the extra."""
    script = f"""
import sys

class NoExtra:  # finds nothing named torch or pyannote, as on an install without the extra
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchaudio", "pyannote"):
            raise ModuleNotFoundError(f"No module named {{name!r}}")

sys.meta_path.insert(0, NoExtra())
import asr.batch, asr.routes, asr.cli, asr.diarization.service
from asr.diarization.pipeline import load_pipeline
from asr.diarization import DiarizationError
assert "torch" not in sys.modules and "pyannote.audio" not in sys.modules
try:
    load_pipeline({str(tmp_path)!r})
except DiarizationError as exc:
    print(exc.code, exc.message)
"""
    (tmp_path / "config.yaml").write_text("pipeline: {name: x, params: {segmentation: c, embedding: c, plda: p}}")
    (tmp_path / "c").write_bytes(b"x")
    (tmp_path / "p").mkdir()
    for name in ("xvec_transform.npz", "plda.npz"):
        (tmp_path / "p" / name).write_bytes(b"x")
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("diarization_extra_missing") and "未安装" in out.stdout


def test_a_broken_pipeline_stops_the_cli_before_any_audio(tmp_path, monkeypatch, speech_dir):
    from asr.cli import app
    from asr.diarization.service import set_diarizer
    from asr.settings import get_asr_settings

    monkeypatch.setenv("HOTLINE_DIARIZATION_PIPELINE", str(tmp_path / "absent"))
    get_asr_settings.cache_clear()
    set_diarizer(None)
    try:
        result = CliRunner().invoke(app, ["asr", "transcribe", str(speech_dir / CALLER), "--model", str(tmp_path)])
    finally:
        get_asr_settings.cache_clear()
    assert result.exit_code == 2
    assert "diarization_pipeline_missing" in result.output and "说话人分离模型目录不存在" in result.output


# --- the real loading and running path -------------------------------------------------------------------------


def test_a_checkpoint_that_does_not_load_is_a_clear_error(extra, pipeline_dir, tmp_path):
    import shutil

    from asr.diarization.pipeline import load_pipeline

    broken = tmp_path / "broken"
    shutil.copytree(pipeline_dir, broken)
    (broken / "segmentation" / "pytorch_model.bin").write_bytes(b"not a checkpoint")
    with pytest.raises(DiarizationError) as err:
        load_pipeline(broken)
    assert err.value.code == "diarization_load_failed" and "加载失败" in err.value.message


def test_mono_upload_is_diarized_then_transcribed_per_speaker(pipeline_dir, call, server, monkeypatch, login):
    """The upload route with HOTLINE_DIARIZATION_PIPELINE set: turns by speaker, Vosk per speaker, one dialogue."""
    from asr.diarization.service import set_diarizer, start_diarization
    from asr.settings import get_asr_settings

    _, data, rate = call
    mono_wav = pipeline_dir.parent / "mono.wav"
    sf.write(mono_wav, mix_to_mono(data), rate)
    duration = len(data) / rate
    monkeypatch.setenv("HOTLINE_DIARIZATION_PIPELINE", str(pipeline_dir))
    get_asr_settings.cache_clear()
    try:
        assert start_diarization() is not None  # what the app's start-up does
        response = httpx.post(
            f"{server.http}/api/recordings/transcribe?call_id=dz-1",
            content=mono_wav.read_bytes(),
            timeout=120,
            headers=login("agent"),
        )
    finally:
        set_diarizer(None)  # the server is shared: other tests' mono uploads stay one `mixed` leg
        get_asr_settings.cache_clear()
    assert response.status_code == 200, response.text
    body = response.json()
    turns = [Turn(t["start"], t["end"], t["speaker"]) for t in body["diarization"]]
    assert turns and _within(turns, duration)
    assert all(t.speaker.startswith("说话人") for t in turns)
    legs = {s["leg"] for s in body["segments"]}
    assert body["segments"] and legs <= {t.speaker for t in turns}
    starts = [s["start"] for s in body["segments"]]
    assert starts == sorted(starts) and all(0 <= s["end"] <= duration + 0.5 for s in body["segments"])


def test_without_a_pipeline_mono_stays_one_mixed_leg(engine, call):
    from asr.batch import MONO_LEG, transcribe_samples
    from asr.diarization.service import get_diarizer

    _, data, rate = call
    assert get_diarizer() is None
    first = mix_to_mono(data)[: 3 * rate, None]  # the caller's first seconds are enough to see the leg
    transcript = run(transcribe_samples(engine, first, rate, "dz-2"))
    assert transcript.speaker_turns is None and {s.leg for s in transcript.segments} == {MONO_LEG}


def test_der_against_the_channel_reference(diarizer, call, speech_dir):
    from asr.diarization.evaluate import evaluate_stereo

    path, data, rate = call
    duration = len(data) / rate
    reference = channel_reference(data, rate)
    # the reference follows where the test put each recording on its channel
    caller_end = OFFSET + sf.info(speech_dir / CALLER).duration
    assert [t.speaker for t in reference] == ["caller", "agent"]
    assert abs(reference[0].start - OFFSET) < 0.3 and abs(reference[0].end - caller_end) < 0.3
    assert abs(reference[1].start - (caller_end + GAP)) < 0.3 and abs(reference[1].end - (duration - OFFSET)) < 0.3
    assert der(reference, reference, duration).der == 0.0  # a perfect hypothesis
    assert der(reference, [], duration).der == 1.0  # nothing found: every second missed
    total, rows = evaluate_stereo(diarizer, [path], num_speakers=2)
    assert len(rows) == 1 and rows[0].reference == reference
    assert _within(rows[0].hypothesis, duration) and rows[0].hypothesis
    assert np.isfinite(total.der) and total.der >= 0.0  # poor with these weights; a number all the same
    assert total.total == pytest.approx(sum(t.end - t.start for t in reference), abs=0.05)


def test_diarization_eval_cli_ends_with_one_json_line(pipeline_dir, call):
    from asr.cli import app

    path, _, _ = call
    result = CliRunner().invoke(
        app,
        ["asr", "diarization-eval", str(path), "--pipeline", str(pipeline_dir)],
        env={**os.environ, "COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["files"] == 1 and last["der"] >= 0 and last["reference"] == "channel_energy_vad"
    assert last["per_file"][0]["reference_turns"] == 2
