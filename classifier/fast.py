"""The trained model flattened into numpy arrays for single-message prediction in well under a millisecond.

scikit-learn's per-call input validation costs milliseconds for one row; the arithmetic itself is a few
hundred multiply-adds. `compile_model` copies vocabularies, idf weights, linear weights and sigmoid
calibrators out of the fitted objects; `FastModel` does the same arithmetic with plain numpy.
`tests/classifier` checks the result equals scikit-learn's.
"""

from collections import Counter
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.features import Doc, MessageFeatures, title_words, words_with_bigrams


@dataclass
class Block:
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    offset: int
    weight: float


@dataclass
class LinearHead:
    classes: list[str]
    coef: NDArray[np.float32]  # (features, classes), float32: rows gathered per message are contiguous
    intercept: NDArray[np.float64]
    calibration_a: NDArray[np.float64]
    calibration_b: NDArray[np.float64]


def _block(vectorizer: TfidfVectorizer, offset: int, weight: float) -> Block:
    vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    return Block(vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64), offset, weight)


def _head(model: CalibratedClassifierCV) -> LinearHead:
    calibrated = model.calibrated_classifiers_[0]
    svc = calibrated.estimator
    coef = np.asarray(svc.coef_, dtype=np.float64)
    intercept = np.asarray(svc.intercept_, dtype=np.float64)
    if len(model.classes_) == 2:
        # Binary LinearSVC has one row of weights for the positive class; calibration uses that one score.
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
    b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
    return LinearHead([str(c) for c in model.classes_], np.ascontiguousarray(coef.T, dtype=np.float32), intercept, a, b)


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    text = " ".join(text.split())  # as scikit-learn's char analyzer normalises white space
    grams: list[str] = []
    for n in range(low, min(high + 1, len(text) + 1)):
        grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


class FastModel:
    """What the model file holds: vocabularies, idf, per-head weights and calibrators, feature names."""

    def __init__(self, features: MessageFeatures, heads: dict[str, CalibratedClassifierCV]) -> None:
        word_size = len(features.word_.vocabulary_)
        title_size = len(features.title_.vocabulary_)
        self.blocks = [
            _block(features.word_, 0, features.word_weight),
            _block(features.title_, word_size, features.title_weight),
            _block(features.char_, word_size + title_size, features.char_weight),
        ]
        self.char_range = tuple(features.char_ngrams)
        self.heads = {name: _head(model) for name, model in heads.items()}
        self.feature_names = features.feature_names()

    def vectorize(self, doc: Doc) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Column indices and values of the message's TF-IDF row (sublinear tf, l2 per block, weighted)."""
        terms = (
            words_with_bigrams(doc),
            title_words(doc),
            _char_ngrams(doc.chars, self.char_range[0], self.char_range[1]),
        )
        all_indices: list[NDArray[np.int64]] = []
        all_values: list[NDArray[np.float64]] = []
        for block, block_terms in zip(self.blocks, terms, strict=True):
            counts = Counter(block_terms)
            # Look-ups and logarithms through map and numpy, not Python loops: a third of a long message's time.
            local = np.fromiter(map(block.vocabulary.get, counts, repeat(-1)), dtype=np.int64, count=len(counts))
            known = local >= 0
            if not known.any():
                continue
            local = local[known]
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[known])
            values = tf * block.idf[local]
            values *= block.weight / np.linalg.norm(values)
            all_indices.append(local + block.offset)
            all_values.append(values)
        if not all_indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(all_indices), np.concatenate(all_values)

    def probabilities(
        self, head: LinearHead, indices: NDArray[np.int64], values: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        # Same as scikit-learn: one sigmoid per class on its decision value, then normalised to sum 1.
        scores = values @ head.coef[indices] + head.intercept
        if len(head.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(head.calibration_a[0] * scores[1] + head.calibration_b[0]))
            return np.array([1.0 - positive, positive])
        probs = 1.0 / (1.0 + np.exp(head.calibration_a * scores + head.calibration_b))
        total = probs.sum()
        return probs / total if total > 0 else np.full(len(probs), 1.0 / len(probs))

    def contributions(
        self, head: LinearHead, label_index: int, indices: NDArray[np.int64], values: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        weights: NDArray[np.float32] = head.coef[indices, label_index]
        return weights * values
