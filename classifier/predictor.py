"""Loading a trained model once per process and predicting every head for one message."""

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from classifier.cues import request_type_cues
from classifier.fast import FastModel
from classifier.features import make_doc
from classifier.heads import HeadPrediction, LabelScore, readable_reason
from classifier.model_store import load_model
from classifier.registry import BASE_ID, active_dir

# Inputs are cut to this many characters before anything else (a 10 MB paste must not stall a call).
MAX_INPUT_CHARS = 20_000


class EmptyText(ValueError):
    """Nothing to classify: the message is for a person (Chinese)."""


@dataclass(frozen=True)
class Prediction:
    topic: HeadPrediction
    request_type: HeadPrediction
    department: HeadPrediction

    def as_dict(self) -> dict[str, dict[str, object]]:
        def head(p: HeadPrediction) -> dict[str, object]:
            return {
                "label": p.label,
                "confidence": p.confidence,
                "top": [{"label": s.label, "confidence": s.confidence} for s in p.top],
                "reason": p.reason,
                "source": p.source,
            }

        return {"topic": head(self.topic), "request_type": head(self.request_type), "department": head(self.department)}


def default_model_dir() -> Path:
    from hotline.settings import get_settings

    return get_settings().var_dir / "models" / "classifier"


def split_title(text: str) -> tuple[str, str]:
    """A single free text (a transcript) has no title: the first sentence stands in for one."""
    text = text.strip()
    for mark in "。！？!?\n":
        position = text.find(mark)
        if 0 < position <= 60:
            return text[:position], text[position + 1 :]
    return text[:40], text[40:]


class Predictor:
    def __init__(self, fast: FastModel, metadata: dict[str, Any]) -> None:  # metadata.json as read
        self.fast = fast
        self.metadata = metadata
        # Which model made a suggestion: the registry's version id ("base" for the model trained from the files).
        self.model_id: str = metadata.get("model_id", BASE_ID)

    def _head(self, name: str, indices: np.ndarray, values: np.ndarray, top_k: int = 3) -> HeadPrediction:
        head = self.fast.heads[name]
        probabilities = self.fast.probabilities(head, indices, values)
        order = np.argsort(-probabilities)[:top_k]
        top = [LabelScore(head.classes[j], round(float(probabilities[j]), 4)) for j in order]
        contributions = self.fast.contributions(head, int(order[0]), indices, values)
        words = readable_reason(self.fast.feature_names, indices, contributions)
        return HeadPrediction(top[0].label, top[0].confidence, top, words)

    def predict(self, text: str, title: str | None = None) -> Prediction:
        text = (text or "")[:MAX_INPUT_CHARS]
        if title is None:
            title, body = split_title(text)
        else:
            title, body = title[:MAX_INPUT_CHARS], text
        doc = make_doc(title, body)
        if not doc.words:
            raise EmptyText("内容为空或只有符号，无法分类")
        indices, values = self.fast.vectorize(doc)
        heads = {name: self._head(name, indices, values) for name in self.fast.heads}
        return Prediction(
            topic=heads["topic"],
            request_type=_with_cue_reason(heads["request_type"], title, body),
            department=heads["department"],
        )


def _with_cue_reason(prediction: HeadPrediction, title: str, body: str) -> HeadPrediction:
    """Put a request-type cue word that agrees with the model first in the reason: it reads best."""
    # Cue phrases sit near the start of a message; scanning all of it costs milliseconds per call.
    cues = [c.cue for c in request_type_cues(title[:200], body[:300]) if c.label == prediction.label]
    words = list(dict.fromkeys([*cues, *prediction.reason_words]))[:5]
    return HeadPrediction(prediction.label, prediction.confidence, prediction.top, words, prediction.source)


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(directory: str, _stamp: float) -> Predictor:
    loaded = load_model(Path(directory))
    return Predictor(loaded.bundle, loaded.metadata)


def load_predictor(model_dir: Path | None = None) -> Predictor:
    """The predictor for a model directory, loaded once per process (reloaded when the file changes).

    Without a directory: the active model of the registry (classifier/registry.py) under the default directory.
    """
    from classifier.model_store import METADATA_FILE, read_metadata

    directory = (model_dir or active_dir(default_model_dir())).resolve()
    read_metadata(directory)  # raises ModelMissing with the instruction to train
    stamp = (directory / METADATA_FILE).stat().st_mtime
    with _lock:
        return _load(str(directory), stamp)
