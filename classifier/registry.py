"""Model versions: the base model, candidates trained from the centre's tickets, the active one, rollback.

Layout under the classifier directory (`var/models/classifier`, where `hotline classifier train` writes the base
model): `versions/<id>/` holds each model trained from the database, `registry.json` names the active version and
the ones it replaced. The predictor follows `registry.json`, so switching or rolling back takes effect on the next
suggestion without a restart.
"""

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.model_store import ModelIncompatible, ModelMissing, read_metadata

REGISTRY_FILE = "registry.json"
VERSIONS_DIR = "versions"
BASE_ID = "base"

_lock = threading.Lock()


class UnknownModel(LookupError):
    """No model of that id; the message is for a person (Chinese)."""


@dataclass(frozen=True)
class ModelVersion:
    id: str
    directory: Path
    metadata: dict[str, Any]
    active: bool


def _state(root: Path) -> dict[str, Any]:
    path = root / REGISTRY_FILE
    if not path.is_file():
        return {"active": BASE_ID, "history": []}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(state, dict) and isinstance(state.get("active"), str) and isinstance(state.get("history"), list):
            return state
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    raise ModelIncompatible(f"模型登记文件已损坏（{path}），请删除它（回到基础模型）或在分类模型管理页面重新切换")


def _write_state(root: Path, state: dict[str, Any]) -> None:
    path = root / REGISTRY_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)  # a reader sees the old or the new file, never half of one


def version_dir(root: Path, model_id: str) -> Path:
    return root if model_id == BASE_ID else root / VERSIONS_DIR / model_id


def active_id(root: Path) -> str:
    return str(_state(root)["active"])


def active_dir(root: Path) -> Path:
    """The directory of the active model (the base model until a version has been switched to)."""
    return version_dir(root, active_id(root))


def new_version_dir(root: Path, created: str) -> Path:
    """A fresh directory for a candidate: a sortable time stamp, with a suffix when two land in one second."""
    base = "v" + "".join(ch for ch in created if ch.isdigit())[:14]
    candidate, n = base, 1
    while (root / VERSIONS_DIR / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return root / VERSIONS_DIR / candidate


def list_versions(root: Path) -> list[ModelVersion]:
    """Base model first, then the versions newest first; models whose files are missing are left out."""
    current = active_id(root)
    found = []
    ids = [BASE_ID]
    if (root / VERSIONS_DIR).is_dir():
        ids += sorted((p.name for p in (root / VERSIONS_DIR).iterdir() if p.is_dir()), reverse=True)
    for model_id in ids:
        directory = version_dir(root, model_id)
        try:
            metadata = read_metadata(directory)
        except ModelMissing:
            continue
        found.append(ModelVersion(model_id, directory, metadata, model_id == current))
    return found


def activate(root: Path, model_id: str) -> str:
    """Make `model_id` the active model; the one it replaces goes on the history for rollback."""
    read = {v.id for v in list_versions(root)}
    if model_id not in read:
        raise UnknownModel(f"没有编号为“{model_id}”的模型")
    with _lock:
        state = _state(root)
        if state["active"] != model_id:
            state["history"] = [*state["history"], state["active"]]
            state["active"] = model_id
            _write_state(root, state)
    return model_id


def rollback(root: Path) -> str:
    """Return to the model that was active before the last switch."""
    with _lock:
        state = _state(root)
        if not state["history"]:
            raise UnknownModel("没有可以回退到的上一个模型")
        state["active"] = state["history"][-1]
        state["history"] = state["history"][:-1]
        _write_state(root, state)
        return str(state["active"])


def can_rollback(root: Path) -> bool:
    return bool(_state(root)["history"])
