"""One prediction head: a calibrated linear classifier over the shared features, with top-3 and a reason."""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import LinearSVC

REASON_WORDS = 5


@dataclass(frozen=True)
class LabelScore:
    label: str
    confidence: float


@dataclass(frozen=True)
class HeadPrediction:
    label: str
    confidence: float
    top: list[LabelScore]
    reason_words: list[str] = field(default_factory=list)
    source: str = "model"

    @property
    def reason(self) -> str:
        if not self.reason_words:
            return "没有足够的关键词，按训练数据中的常见类别判断"
        return "关键词：" + "、".join(self.reason_words)


def fit_head(
    features: sp.csr_matrix,
    labels: list[str],
    c: float = 0.5,
    sample_weight: np.ndarray | None = None,
    calibration_folds: int = 2,
) -> CalibratedClassifierCV:
    """LinearSVC with sigmoid calibration fitted on cross-validated scores (one model kept, not an ensemble).

    Labels seen fewer than `calibration_folds` times are left out: they cannot be calibrated.
    """
    y = np.asarray(labels)
    names, counts = np.unique(y, return_counts=True)
    keep = np.isin(y, names[counts >= calibration_folds])
    if len(np.unique(y[keep])) < 2:
        raise ValueError("训练数据不足：至少需要两个类别，且每类至少两条")
    features, y = features[keep], y[keep]
    sample_weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
    folds = calibration_folds
    svc = LinearSVC(C=c, class_weight="balanced", tol=1e-3)
    model = CalibratedClassifierCV(svc, method="sigmoid", cv=folds, ensemble=False)
    model.fit(features, y, sample_weight=sample_weight)
    return model


def readable_reason(names: np.ndarray, indices: np.ndarray, contributions: np.ndarray) -> list[str]:
    """Features of this message that pushed most toward the label (value × weight), readable, de-duplicated."""
    words: list[str] = []
    for position in np.argsort(-contributions):
        if contributions[position] <= 0 or len(words) >= REASON_WORDS:
            break
        name = str(names[indices[position]]).removeprefix("标题:")
        if name.startswith("字:"):
            continue  # character n-grams often straddle two words: they read as noise to a person
        name = name.replace(" ", "")
        if name not in words and not any(name in w for w in words):
            words.append(name)
    return words
