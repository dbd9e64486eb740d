"""The fixed test split of the annotated rows and bootstrap confidence intervals.

Model choices are made by cross-validation on the other rows; the test split is scored rarely, so that its
figure stays an honest estimate of accuracy on unseen messages (docs/classifier.md).
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import NotRequired, TypedDict

import numpy as np
from numpy.typing import NDArray

# One row in five, decided by the id's hash: stable across runs, machines and new annotation files.
TEST_SHARE_DIVISOR = 5
BOOTSTRAP_SAMPLES = 2000


def in_test_split(message_id: str) -> bool:
    return hashlib.sha256(message_id.encode("utf-8")).digest()[0] % TEST_SHARE_DIVISOR == 0


def bootstrap_interval(
    correct: Sequence[bool] | NDArray[np.bool_], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of an accuracy from per-row hits (resampling rows)."""
    hits = np.asarray(correct, dtype=float)
    if len(hits) == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = hits[rng.integers(0, len(hits), size=(samples, len(hits)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (round(float(low), 4), round(float(high), 4))


class Accuracy(TypedDict):
    accuracy: float
    ci95: list[float]  # [low, high]
    n: int
    high_confidence: NotRequired["Accuracy"]  # the same on the rows annotated with high confidence


def accuracy_with_interval(correct: Sequence[bool] | NDArray[np.bool_]) -> Accuracy:
    hits = np.asarray(correct, dtype=bool)
    low, high = bootstrap_interval(hits)
    return {"accuracy": round(float(hits.mean()), 4) if len(hits) else 0.0, "ci95": [low, high], "n": len(hits)}


def held_out_ids(labelled_csv: Path) -> frozenset[str]:
    """Ids of the labelled messages in the test split (left out of training by `train --holdout`)."""
    from classifier.dataset import read_labelled

    return frozenset(m.id for m in read_labelled(labelled_csv, require_label=False) if in_test_split(m.id))
