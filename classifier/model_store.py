"""Model files: one pickle plus `metadata.json` that is read and checked before anything is unpickled.

A model trained with another format or another scikit-learn/numpy/jieba minor version is refused with a
clear message: unpickling across those versions can load silently and predict wrongly.
"""

import hashlib
import json
import pickle
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MODEL_FILE = "model.pkl"
METADATA_FILE = "metadata.json"
# Libraries whose pickled objects or tokenisation must match between training and prediction.
PINNED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba")


class ModelError(RuntimeError):
    """A model that cannot be used; the message is for a person (Chinese) and says what to do."""


class ModelMissing(ModelError):
    pass


class ModelIncompatible(ModelError):
    pass


@dataclass(frozen=True)
class LoadedModel:
    bundle: Any
    metadata: dict[str, Any]


def library_versions() -> dict[str, str]:
    versions = {name: version(name) for name in PINNED_LIBRARIES}
    versions["python"] = platform.python_version()
    return versions


def _minor(v: str) -> str:
    return ".".join(v.split(".")[:2])


def save_model(directory: Path, bundle: Any, metadata: dict[str, Any]) -> Path:
    """Write the model and its metadata; the metadata records the pickle's hash so a torn copy is caught."""
    directory.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL)
    full = {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "model_sha256": hashlib.sha256(payload).hexdigest(),
        **metadata,
    }
    # Write to temporary names and rename, so a running service never reads half a model.
    tmp_model = directory / f".{MODEL_FILE}.tmp"
    tmp_meta = directory / f".{METADATA_FILE}.tmp"
    tmp_model.write_bytes(payload)
    tmp_meta.write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp_model.replace(directory / MODEL_FILE)
    tmp_meta.replace(directory / METADATA_FILE)
    return directory


def update_metadata(directory: Path, **fields: Any) -> dict[str, Any]:
    """Add fields (e.g. shadow scores) to a saved model's metadata; the pickle and its hash stay as they are."""
    metadata = {**read_metadata(directory), **fields}
    tmp_meta = directory / f".{METADATA_FILE}.tmp"
    tmp_meta.write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp_meta.replace(directory / METADATA_FILE)
    return metadata


def read_metadata(directory: Path) -> dict[str, Any]:
    meta_path = directory / METADATA_FILE
    if not (directory / MODEL_FILE).is_file() or not meta_path.is_file():
        raise ModelMissing(f"没有找到已训练的分类模型（{directory}），请先运行 hotline classifier train")
    try:
        metadata: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        return metadata
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelIncompatible(f"模型元数据文件已损坏（{meta_path}），请重新运行 hotline classifier train") from exc


def check_compatible(metadata: dict[str, Any]) -> None:
    found = metadata.get("format_version")
    if found != FORMAT_VERSION:
        raise ModelIncompatible(
            f"模型文件格式版本为 {found}，当前程序需要 {FORMAT_VERSION}，请重新运行 hotline classifier train"
        )
    trained_with = metadata.get("libraries", {})
    current = library_versions()
    for name in PINNED_LIBRARIES:
        if _minor(str(trained_with.get(name, "?"))) != _minor(current[name]):
            raise ModelIncompatible(
                f"模型由 {name} {trained_with.get(name, '未知版本')} 训练，当前安装的是 {current[name]}，"
                "版本不兼容，请重新运行 hotline classifier train"
            )


def load_model(directory: Path) -> LoadedModel:
    metadata = read_metadata(directory)
    check_compatible(metadata)
    payload = (directory / MODEL_FILE).read_bytes()
    if hashlib.sha256(payload).hexdigest() != metadata.get("model_sha256"):
        raise ModelIncompatible(f"模型文件与元数据不符（{directory}），请重新运行 hotline classifier train")
    return LoadedModel(bundle=pickle.loads(payload), metadata=metadata)
