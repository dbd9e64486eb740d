"""Scoring a trained model on a CSV in the form of labelled.csv (and optionally on silver annotations)."""

from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from classifier.dataset import read_labelled, read_rows
from classifier.predictor import Predictor


@dataclass
class Report:
    labels: list[str]
    per_class: list[dict]
    confusion: list[list[int]]
    macro_f1: float
    accuracy: float
    n: int


def score(truth: list[str], predicted: list[str]) -> Report:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class = [
        {
            "label": label,
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    present = sorted(set(truth))  # macro-F1 over the classes the file has, as is usual
    return Report(
        labels=labels,
        per_class=per_class,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
        macro_f1=round(float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0)), 4),
        accuracy=round(float(accuracy_score(truth, predicted)), 4),
        n=len(truth),
    )


def evaluate_topic(predictor: Predictor, csv_path: Path) -> Report:
    messages = read_labelled(csv_path)
    predicted = [predictor.predict(m.body, title=m.title).topic.label for m in messages]
    return score([m.label for m in messages], predicted)


def evaluate_silver(predictor: Predictor, labelled_csv: Path, annotations_csv: Path) -> dict[str, Report]:
    """Request type and department accuracy on silver labels (rows of `labelled_csv` with annotations)."""
    messages = {m.id: m for m in read_labelled(labelled_csv, require_label=False)}
    rows = [r for r in read_rows(annotations_csv) if r.get("id") in messages]
    predictions = [predictor.predict(messages[r["id"]].body, title=messages[r["id"]].title) for r in rows]
    return {
        "request_type": score([r["request_type"] for r in rows], [p.request_type.label for p in predictions]),
        "department": score([r["department"] for r in rows], [p.department.label for p in predictions]),
    }
