"""Training all heads from CSV files into a model directory, with metadata and quick honest metrics."""

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from classifier.corrections import Correction
from classifier.dataset import Message, file_hash
from classifier.fast import FastModel
from classifier.features import Doc, MessageFeatures, make_doc
from classifier.heads import fit_head
from classifier.model_store import save_model
from classifier.training_data import HeadRows, TrainingSet, build_training_set

HEADS = ("topic", "request_type", "department")
# Chosen by 5-fold cross-validation (topic on labelled.csv, the others on the silver rows; docs/classifier.md).
# The silver rows are few among many weak labels: strong regularisation keeps the weak labels from dominating.
HEAD_C = {"topic": 1.0, "request_type": 0.03, "department": 0.05}

Progress = Callable[[str, int, int], None]


def no_progress(_: str, __: int, ___: int) -> None:
    return None


def _make_doc_pair(pair: tuple[str, str]) -> Doc:
    return make_doc(*pair)


def tokenise_all(messages: list[Message], progress: Progress) -> dict[tuple[str, str], Doc]:
    """Tokenise each distinct message once; two worker processes when there is much to do (2-core target)."""
    keys = list(dict.fromkeys((m.title, m.body) for m in messages))
    workers = min(2, os.cpu_count() or 1)
    docs: list[Doc] = []
    chunk = 500
    if workers > 1 and len(keys) > 2000:
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        with context.Pool(workers) as pool:
            for doc in pool.imap(_make_doc_pair, keys, chunksize=chunk):
                docs.append(doc)
                if len(docs) % chunk == 0:
                    progress("分词", len(docs), len(keys))
    else:
        for key in keys:
            docs.append(_make_doc_pair(key))
            if len(docs) % chunk == 0:
                progress("分词", len(docs), len(keys))
    progress("分词", len(keys), len(keys))
    return dict(zip(keys, docs, strict=True))


def _rows_matrix(rows: HeadRows, docs: dict[tuple[str, str], Doc], features: MessageFeatures) -> sp.csr_matrix:
    return features.transform([docs[(m.title, m.body)] for m in rows.messages])


def quick_metrics(
    x: sp.csr_matrix, rows: HeadRows, c: float, silver_only: bool, folds: int = 5
) -> dict[str, str | int | float]:
    """Cross-validated macro-F1/accuracy of the head as trained (calibrated); scored on gold (topic) or silver rows.

    The label is the most probable one after calibration, as `Predictor` reports it: plain LinearSVC's own
    argmax differs on a few percent of the rows.
    """
    y = np.array(rows.labels)
    weights = np.array(rows.weights)
    scored = np.array(rows.silver) if silver_only else np.ones(len(y), dtype=bool)
    scored_index = np.flatnonzero(scored)
    if len(scored_index) < folds * 2:
        return {}
    predictions = np.empty(len(scored_index), dtype=object)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    # Stratify on the scored labels; rare classes with fewer rows than folds fall back to a plain split.
    counts = np.unique(y[scored_index], return_counts=True)[1]
    strata = y[scored_index] if counts.min() >= folds else np.zeros(len(scored_index))
    for _, test_part in splitter.split(scored_index, strata):
        held_out = scored_index[test_part]
        train_mask = np.ones(len(y), dtype=bool)
        train_mask[held_out] = False
        model = fit_head(x[train_mask], list(y[train_mask]), c=c, sample_weight=weights[train_mask])
        predictions[test_part] = model.classes_[model.predict_proba(x[held_out]).argmax(axis=1)]
    truth = y[scored_index]
    return {
        "cv_folds": folds,
        "scored_on": "silver" if silver_only else "gold",
        "n": len(truth),
        "macro_f1": round(float(f1_score(truth, predictions, average="macro")), 4),
        "accuracy": round(float(accuracy_score(truth, predictions)), 4),
    }


def train_all(
    labelled_csv: Path,
    out_dir: Path,
    extra_dir: Path | None = None,
    corrections: list[Correction] | None = None,
    with_metrics: bool = True,
    progress: Progress = no_progress,
    exclude_ids: frozenset[str] = frozenset(),
    extra_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train topic, request type and department heads; write the model directory; return its metadata.

    exclude_ids: messages kept out of training (the fixed test split, `train --holdout`).
    extra_metadata: written into metadata.json too (the version id and source of a model from the database).
    """
    started = time.perf_counter()
    data: TrainingSet = build_training_set(labelled_csv, extra_dir, corrections, exclude_ids)
    head_rows = {"topic": data.topic, "request_type": data.request_type, "department": data.department}
    all_messages = [m for rows in head_rows.values() for m in rows.messages]
    docs = tokenise_all(all_messages, progress)

    progress("特征", 0, 1)
    features = MessageFeatures().fit(list(docs.values()))
    progress("特征", 1, 1)
    heads: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    label_sets: dict[str, list[str]] = {}
    for step, name in enumerate(HEADS):
        rows = head_rows[name]
        if len(set(rows.labels)) < 2:
            raise ValueError(f"“{name}” 的训练数据少于两个类别，无法训练")
        x = _rows_matrix(rows, docs, features)
        heads[name] = fit_head(x, rows.labels, c=HEAD_C[name], sample_weight=np.array(rows.weights))
        label_sets[name] = [str(c) for c in heads[name].classes_]
        metrics[name] = {"training_rows": len(rows.labels)}
        if with_metrics:
            metrics[name].update(quick_metrics(x, rows, HEAD_C[name], silver_only=name != "topic"))
        progress("训练", step + 1, len(HEADS))

    bundle = FastModel(features, heads)
    metadata = {
        "heads": list(HEADS),
        "label_sets": label_sets,
        "training_data": {
            "files": [str(p) for p in data.sources],
            "sha256": file_hash(*data.sources),
            "corrections": len(corrections or []),
            "held_out": len(exclude_ids),
        },
        "metrics": metrics,
        "training_seconds": round(time.perf_counter() - started, 1),
        **(extra_metadata or {}),
    }
    save_model(out_dir, bundle, metadata)
    return metadata
