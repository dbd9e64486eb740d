"""Scoring a trained model on a CSV in the form of labelled.csv (and optionally on silver annotations)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from classifier.dataset import Message, read_labelled, read_rows
from classifier.holdout import Accuracy
from classifier.predictor import Predictor

AnnotatedHead = Literal["request_type", "department", "department_catalogue", "top3"]
ANNOTATED_HEADS: tuple[AnnotatedHead, ...] = ("request_type", "department", "department_catalogue", "top3")


class AnnotationScores(TypedDict):
    split: str
    n: int
    request_type: Accuracy
    department: Accuracy
    department_catalogue: Accuracy  # the label the dispatch suggestion gives (派单目录, 属地)
    top3: Accuracy  # the annotated department among the model's three best


class ClassScore(TypedDict):
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    labels: list[str]
    per_class: list[ClassScore]
    confusion: list[list[int]]
    macro_f1: float
    accuracy: float
    n: int


def score(truth: list[str], predicted: list[str]) -> Report:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class: list[ClassScore] = [
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


def evaluate_topic(predictor: Predictor, csv_path: Path, keep: Callable[[Message], bool] | None = None) -> Report:
    messages = [m for m in read_labelled(csv_path) if keep is None or keep(m)]
    predicted = [predictor.predict(m.body, title=m.title).topic.label for m in messages]
    return score([m.label for m in messages], predicted)


def evaluate_annotations(
    predictor: Predictor, labelled_csv: Path, annotations_csv: Path, split: str = "test"
) -> AnnotationScores:
    """Request type and department on the annotated rows of one split (test / train / all), with 95% intervals.

    Department is scored twice: the model's label alone, and the label the dispatch suggestion gives once the
    dispatch catalogue (派单目录) and the place's level (属地) have had their say (`routing.suggest`).
    """
    from classifier.holdout import accuracy_with_interval, in_test_split
    from routing.catalogue import catalogue_label, match_catalogue
    from routing.jurisdiction import find_jurisdiction

    messages = {m.id: m for m in read_labelled(labelled_csv, require_label=False)}
    rows = [
        r
        for r in read_rows(annotations_csv)
        if r.get("id") in messages and (split == "all" or in_test_split(r["id"]) == (split == "test"))
    ]
    hits: dict[AnnotatedHead, list[bool]] = {head: [] for head in ANNOTATED_HEADS}
    high: dict[AnnotatedHead, list[bool]] = {"request_type": [], "department": [], "department_catalogue": []}
    for row in rows:
        message = messages[row["id"]]
        prediction = predictor.predict(message.body, title=message.title)
        place = find_jurisdiction(f"{message.title}。{message.body}"[:20_000], None)
        catalogue_hit = match_catalogue(message.title, prediction.topic.label, place.level)
        department = catalogue_label(prediction.department.label, catalogue_hit)
        row_hits: dict[AnnotatedHead, bool] = {
            "request_type": prediction.request_type.label == row["request_type"],
            "department": prediction.department.label == row["department"],
            "department_catalogue": department == row["department"],
        }
        for head, hit in row_hits.items():
            hits[head].append(hit)
            if row.get("confidence") == "high":
                high[head].append(hit)
        hits["top3"].append(row["department"] in {s.label for s in prediction.department.top})
    scores: dict[AnnotatedHead, Accuracy] = {}
    for head, values in hits.items():
        scores[head] = accuracy_with_interval(values)
        if head in high:
            scores[head]["high_confidence"] = accuracy_with_interval(high[head])
    return AnnotationScores(
        split=split,
        n=len(rows),
        request_type=scores["request_type"],
        department=scores["department"],
        department_catalogue=scores["department_catalogue"],
        top3=scores["top3"],
    )
