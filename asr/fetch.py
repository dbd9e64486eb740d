"""Download the official Mandarin Vosk models into the models directory.

The archive is streamed to a temporary file with a progress bar, its sha256 is checked against the pinned
value, then it is unpacked next to the final folder and moved into place, so an interrupted fetch never
leaves a half-written model behind that start-up would pick.
"""

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from asr.errors import ModelError
from asr.models import check_model_dir


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    url: str
    sha256: str | None  # pinned digest of the zip; None until pinned from a machine that can reach the site
    approx_mb: int


# The checksums could not be read from these offline machines; pin them with `--sha256` on the first fetch
# from a connected machine and record the value here (fetch refuses an unpinned archive unless told).
CATALOGUE: dict[str, CatalogueEntry] = {
    "vosk-model-small-cn-0.22": CatalogueEntry(
        "vosk-model-small-cn-0.22", "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip", None, 42
    ),
    "vosk-model-cn-0.22": CatalogueEntry(
        "vosk-model-cn-0.22", "https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip", None, 1300
    ),
}

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def fetch_model(
    name: str,
    models_dir: Path,
    *,
    url: str | None = None,
    sha256: str | None = None,
    allow_unpinned: bool = False,
    progress: Progress | None = None,
    timeout: float = 15.0,
) -> Path:
    """Download, verify and unpack model `name`; returns its folder. Raises ModelError with a clear reason."""
    entry = CATALOGUE.get(name)
    if entry is None and url is None:
        raise ModelError(f"未知模型：{name}；可下载的模型：{', '.join(CATALOGUE)}", code="asr_model_unknown")
    url = url or entry.url  # type: ignore[union-attr]
    expected = (sha256 or (entry.sha256 if entry else None) or "").lower() or None
    if expected is None and not allow_unpinned:
        raise ModelError(
            f"模型 {name} 没有固定的 sha256 校验值，拒绝下载；请用 --sha256 指定，或用 --allow-unpinned 明确接受",
            code="asr_model_unpinned",
        )
    target = models_dir / name
    if target.exists() and check_model_dir(target) is None:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".fetch-") as tmp:
        archive = Path(tmp) / "model.zip"
        digest = _download(url, archive, progress, timeout)
        if expected and digest != expected:
            raise ModelError(
                f"模型 {name} 校验失败：sha256 应为 {expected}，实际为 {digest}", code="asr_model_checksum"
            )
        unpacked = Path(tmp) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as zf:
                _safe_extract(zf, unpacked)
        except zipfile.BadZipFile as exc:
            raise ModelError(f"模型 {name} 的压缩包损坏：{exc}", code="asr_model_broken") from exc
        root = _model_root(unpacked)
        problem = check_model_dir(root)
        if problem:
            raise ModelError(f"下载的模型 {name} 不可用：{problem}", code="asr_model_broken")
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(root), target)
    return target


def _download(url: str, dest: Path, progress: Progress | None, timeout: float) -> str:
    digest = hashlib.sha256()
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise ModelError(f"下载模型失败：{url} 返回 HTTP {response.status_code}", code="asr_model_download")
            total = int(response.headers["content-length"]) if "content-length" in response.headers else None
            done = 0
            with dest.open("wb") as out:
                for block in response.iter_bytes(1 << 20):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
    except httpx.TransportError as exc:
        raise ModelError(
            f"无法连接模型下载地址 {url}（本机可能离线：{type(exc).__name__}）；"
            "请在能上网的机器上下载后把模型目录复制到模型目录，或设置 HOTLINE_VOSK_MODEL",
            code="asr_offline",
        ) from exc
    return digest.hexdigest()


def _safe_extract(zf: zipfile.ZipFile, dest: Path) -> None:
    dest = dest.resolve()
    for member in zf.infolist():
        target = (dest / member.filename).resolve()
        if not target.is_relative_to(dest):  # zip-slip: a member pointing outside the folder
            raise ModelError(f"压缩包含有非法路径：{member.filename}", code="asr_model_broken")
    zf.extractall(dest)


def _model_root(unpacked: Path) -> Path:
    """Official archives hold one top-level folder; accept a flat archive too."""
    children = [c for c in unpacked.iterdir() if not c.name.startswith("__MACOSX")]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return unpacked
