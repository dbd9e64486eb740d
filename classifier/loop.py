"""The learning loop: the centre's tickets → a candidate model → shadow scores against the active one.

`train_from_db` learns from the shared data (the prior) plus every labelled ticket except the newest ones, which
it keeps back as the shadow set: both the candidate and the active model are scored on them, tickets neither has
seen. Suggestions the desk marked wrong, once labelled, weigh more. Switching and rollback are
classifier/registry.py's; the admin page shows the scores side by side.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from classifier.corrections import MARKED_WRONG_WEIGHT, Correction, labelled_tickets
from classifier.dataset import Message
from classifier.model_store import ModelError, update_metadata
from classifier.predictor import EmptyText, Predictor, load_predictor
from classifier.registry import active_dir, active_id, new_version_dir
from classifier.train import no_progress, train_all

# The newest fifth of the tickets, at most this many, is the shadow set.
SHADOW_MAX = 200
SHADOW_SHARE = 5
SHADOW_MIN_TICKETS = 5
HEAD_NAMES = ("topic", "request_type", "department")


@dataclass(frozen=True)
class Labelled:
    """A ticket's labels: what the shadow comparison scores against."""

    message: Message
    labels: dict[str, str]


def department_label(value: str) -> str:
    """The classifier's short label of a unit given by label, code or full name; street offices are 属地."""
    from routing.catalogue import departments

    units = departments()
    if value in units:
        return value
    for label, unit in units.items():
        if value in (unit.code, unit.name):
            return label
    # A district/county government, street office or town names the place's own unit: 属地 (not the city's).
    if value.endswith(("街道办事处", "区人民政府", "县人民政府", "镇人民政府", "乡人民政府")):
        return "属地"
    return ""


def feedback_rows(session: Session) -> list[Correction]:
    """Suggestions marked wrong whose right label is known: training rows that weigh more."""
    from classifier.models import SuggestionFeedback

    rows = []
    for item in session.exec(select(SuggestionFeedback).where(SuggestionFeedback.correct.is_not(None))):  # type: ignore[union-attr]
        label = department_label(item.correct or "") if item.head == "department" else item.correct or ""
        if not label:
            continue
        labels = {head: label if head == item.head else "" for head in HEAD_NAMES}
        message = Message(f"feedback-{item.id}", item.title, item.text)
        rows.append(
            Correction(message, labels["topic"], labels["request_type"], labels["department"], MARKED_WRONG_WEIGHT)
        )
    return rows


def ticket_rows(session: Session) -> list[Labelled]:
    return [
        Labelled(
            Message(t.id, t.title, t.body),
            {"topic": t.topic, "request_type": t.request_type, "department": t.department},
        )
        for t in labelled_tickets(session)
    ]


def shadow_scores(predictor: Predictor, rows: list[Labelled]) -> dict[str, dict[str, float | int | None]]:
    """Accuracy of each head on the rows that carry its label."""
    hits: dict[str, list[bool]] = {head: [] for head in HEAD_NAMES}
    for row in rows:
        try:
            prediction = predictor.predict(row.message.body, title=row.message.title)
        except EmptyText:
            continue
        for head in HEAD_NAMES:
            if row.labels[head]:
                hits[head].append(getattr(prediction, head).label == row.labels[head])
    return {head: {"accuracy": round(sum(h) / len(h), 4) if h else None, "n": len(h)} for head, h in hits.items()}


def train_from_db(
    session: Session,
    root: Path,
    labelled_csv: Path,
    extra_dir: Path | None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Train a candidate version under `root/versions/`, score it and the active model in shadow; return metadata.

    The candidate is not switched to: a person does that on the admin page (or `hotline classifier activate`).
    """
    tickets = ticket_rows(session)
    shadow_n = min(SHADOW_MAX, len(tickets) // SHADOW_SHARE) if len(tickets) >= SHADOW_MIN_TICKETS else 0
    learn, shadow = tickets[: len(tickets) - shadow_n], tickets[len(tickets) - shadow_n :]
    corrections = [
        Correction(t.message, t.labels["topic"], t.labels["request_type"], t.labels["department"]) for t in learn
    ]
    marked = feedback_rows(session)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    out = new_version_dir(root, created)
    extra = {"model_id": out.name, "source": "from-db", "tickets": len(learn), "marked_wrong": len(marked)}
    train_all(
        labelled_csv,
        out,
        extra_dir,
        corrections + marked,
        with_metrics=False,
        progress=progress or no_progress,
        extra_metadata=extra,
    )
    candidate = load_predictor(out)
    try:
        current: Predictor | None = load_predictor(active_dir(root))
    except ModelError:
        current = None  # no base model yet: the candidate stands alone
    shadow_result = {
        "n": len(shadow),
        "from": shadow[0].message.id if shadow else None,
        "to": shadow[-1].message.id if shadow else None,
        "candidate": shadow_scores(candidate, shadow),
        "active": shadow_scores(current, shadow) if current else None,
        "active_id": active_id(root),
    }
    metadata = update_metadata(out, shadow=shadow_result)
    return {**metadata, "directory": str(out)}
