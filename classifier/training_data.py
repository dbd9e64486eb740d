"""Assembling each head's training rows from the CSV files: gold topics, silver labels, weak labels."""

from dataclasses import dataclass, field
from pathlib import Path

from classifier.corrections import Correction
from classifier.cues import request_type_by_rules
from classifier.dataset import Message, read_labelled, read_rows
from classifier.department_cues import department_from_reply, weak_department

# Silver labels were judged by reading the message: worth several weak labels each (department: 8 over 4 was
# +0.011 by 5-fold CV on the 1,775 non-test annotated rows, docs/classifier.md).
SILVER_WEIGHT = 8.0
WEAK_WEIGHT = 1.0
# Request type: title-cue weak labels are right about 3 times in 4 (measured on the silver rows), so silver
# counts for more and the cues for less (out-of-fold accuracy 0.670 → 0.702 with C=0.03, docs/classifier.md).
REQUEST_SILVER_WEIGHT = 8.0
REQUEST_WEAK_WEIGHT = 0.5
# Units mined from an official reply are better than cue words but still weak.
REPLY_WEIGHT = 1.5


@dataclass
class HeadRows:
    messages: list[Message] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    # Which rows carry silver labels (for cross-validated accuracy on them).
    silver: list[bool] = field(default_factory=list)

    def add(self, message: Message, label: str, weight: float, silver: bool = False) -> None:
        self.messages.append(message)
        self.labels.append(label)
        self.weights.append(weight)
        self.silver.append(silver)


@dataclass
class TrainingSet:
    topic: HeadRows
    request_type: HeadRows
    department: HeadRows
    sources: list[Path]


def read_silver(path: Path) -> dict[str, tuple[str, str]]:
    if not path.is_file():
        return {}
    return {row["id"]: (row["request_type"], row["department"]) for row in read_rows(path)}


def read_replied(path: Path) -> list[tuple[Message, str]]:
    if not path.is_file():
        return []
    rows = []
    for row in read_rows(path):
        unit = department_from_reply(row.get("reply") or "")
        if unit:
            rows.append((Message(row["id"], row.get("title") or "", row.get("body") or ""), unit))
    return rows


def build_training_set(
    labelled_csv: Path,
    extra_dir: Path | None,
    corrections: list[Correction] | None = None,
    exclude_ids: frozenset[str] = frozenset(),
) -> TrainingSet:
    """Rows for all heads. `extra_dir` holds annotations_dev.csv and replied.csv if present.

    unlabelled.csv is not read: its title-cue weak labels did not change request-type accuracy on the silver
    labels (0.6725 with and without) and tokenising it costs a third of the training time.

    corrections: rows from the centre's tickets (classifier/corrections.py), each with its weight.
    exclude_ids: messages left out of every head (the fixed test split), with any reply row of the same title.
    """
    labelled = read_labelled(labelled_csv)
    excluded_titles = {m.title for m in labelled if m.id in exclude_ids}
    labelled = [m for m in labelled if m.id not in exclude_ids]
    sources = [labelled_csv]
    silver: dict[str, tuple[str, str]] = {}
    replied: list[tuple[Message, str]] = []
    if extra_dir is not None:
        for name in ("annotations_dev.csv", "replied.csv"):
            if (extra_dir / name).is_file():
                sources.append(extra_dir / name)
        silver = read_silver(extra_dir / "annotations_dev.csv")
        replied = [(m, unit) for m, unit in read_replied(extra_dir / "replied.csv") if m.title not in excluded_titles]

    topic, request_type, department = HeadRows(), HeadRows(), HeadRows()
    for message in labelled:
        topic.add(message, message.label, WEAK_WEIGHT)
        if message.id in silver:
            kind, unit = silver[message.id]
            request_type.add(message, kind, REQUEST_SILVER_WEIGHT, silver=True)
            department.add(message, unit, SILVER_WEIGHT, silver=True)
            continue
        weak_unit = weak_department(message.title, message.body, message.label)
        if weak_unit:
            department.add(message, weak_unit, WEAK_WEIGHT)
    for message, unit in replied:
        department.add(message, unit, REPLY_WEIGHT)
    # Request type: only title cues are trusted as weak labels; untouched messages stay unlabelled.
    for message in [*labelled, *(m for m, _ in replied)]:
        if message.id in silver:
            continue
        cue = request_type_by_rules(message.title, "")
        if cue:
            request_type.add(message, cue.label, REQUEST_WEAK_WEIGHT)
    for message, topic_label, kind, unit, weight in corrections or []:
        if topic_label:
            topic.add(message, topic_label, weight)
        if kind:
            request_type.add(message, kind, weight)
        if unit:
            department.add(message, unit, weight)
    return TrainingSet(topic, request_type, department, sources)
