"""How accuracy grows with the centre's own tickets, simulated with the real messages in time order.

The annotated messages outside the fixed test split stand in for the centre's tickets: sorted by their time, the
first k of them are "tickets the desk has labelled" and join the weak labels of the shared data; the department and
request-type heads are trained for each k and scored on the test split. Plain LinearSVC with the chosen C (no
calibration: the argmax is the same up to a few rows, and it keeps the run within minutes on 2 cores).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.svm import LinearSVC

from classifier.dataset import read_labelled, read_rows
from classifier.features import MessageFeatures, make_doc
from classifier.holdout import Accuracy, accuracy_with_interval, held_out_ids, in_test_split
from classifier.train import HEAD_C, tokenise_all
from classifier.training_data import HeadRows, build_training_set

STEPS = (0, 100, 250, 500, 1000, 1775)


@dataclass(frozen=True)
class CurvePoint:
    tickets: int
    request_type: Accuracy
    department: Accuracy


def _subset(rows: HeadRows, keep_silver: set[str]) -> HeadRows:
    out = HeadRows()
    for message, label, weight, silver in zip(rows.messages, rows.labels, rows.weights, rows.silver, strict=True):
        if not silver or message.id in keep_silver:
            out.add(message, label, weight, silver)
    return out


def learning_curve(labelled_csv: Path, extra_dir: Path, steps: tuple[int, ...] = STEPS) -> list[CurvePoint]:
    messages = {m.id: m for m in read_labelled(labelled_csv)}
    annotations = [r for r in read_rows(extra_dir / "annotations_dev.csv") if r["id"] in messages]
    times = {row["id"]: row.get("time", "") for row in read_rows(labelled_csv)}
    tickets = sorted((r for r in annotations if not in_test_split(r["id"])), key=lambda r: (times[r["id"]], r["id"]))
    test = [r for r in annotations if in_test_split(r["id"])]
    data = build_training_set(labelled_csv, extra_dir, None, held_out_ids(labelled_csv))
    docs = tokenise_all([*data.request_type.messages, *data.department.messages], lambda *_: None)
    features = MessageFeatures().fit(list(docs.values()))
    x_test = features.transform([make_doc(messages[r["id"]].title, messages[r["id"]].body) for r in test])
    points = []
    for k in steps:
        seen = {r["id"] for r in tickets[:k]}
        scores = {}
        for head in ("request_type", "department"):
            rows = _subset(getattr(data, head), seen)
            x = features.transform([docs[(m.title, m.body)] for m in rows.messages])
            model = LinearSVC(C=HEAD_C[head], class_weight="balanced", tol=1e-3)
            model.fit(x, rows.labels, sample_weight=np.array(rows.weights))
            scores[head] = accuracy_with_interval(model.predict(x_test) == np.array([r[head] for r in test]))
        points.append(CurvePoint(k, scores["request_type"], scores["department"]))
    return points
