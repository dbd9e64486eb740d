"""Dispatch suggestion for the console and the API: model heads + dispatch catalogue + jurisdiction."""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.model_store import ModelError
from hotline.errors import DomainError, Invalid
from routing.catalogue import departments, match_catalogue
from routing.jurisdiction import Jurisdiction, find_jurisdiction
from routing.urgency import detect_urgency, triage_details

if TYPE_CHECKING:
    from classifier.heads import HeadPrediction


class ModelUnavailable(DomainError):
    status = 503
    code = "classifier_model_missing"


@dataclass(frozen=True)
class Choice:
    label: str
    confidence: float


@dataclass(frozen=True)
class Field:
    """One suggested value with its top three, confidence, a readable reason and which source decided."""

    label: str
    confidence: float
    top: list[Choice]
    reason: str
    source: str  # "model", "catalogue", "model+jurisdiction", "gazetteer", "rules"
    code: str | None = None  # catalogue code for departments


@dataclass(frozen=True)
class Suggestion:
    topic: Field
    request_type: Field
    department: Field
    jurisdiction: Field
    urgency: Field
    details: dict = field(default_factory=dict)
    model: str = ""  # the classifier version that made it (classifier/registry.py)

    def as_dict(self) -> dict:
        return asdict(self)


def _from_head(head: "HeadPrediction") -> Field:
    return Field(head.label, head.confidence, [Choice(s.label, s.confidence) for s in head.top], head.reason, "model")


def _unit_name(label: str, place: Jurisdiction) -> tuple[str, str]:
    """Full name and code of a short department label; 属地 becomes the unit of the place."""
    unit = departments().get(label)
    if label == "属地":
        return place.unit, unit.code if unit else "A-ZF"
    return (unit.name, unit.code) if unit else (label, label)


def decide_department(head: "HeadPrediction", title: str, topic: str, place: Jurisdiction) -> Field:
    """Model, dispatch catalogue and place together: a deciding rule overrides, a hinting rule's unit joins the
    top three; 属地 becomes the street office or district government of the place."""
    hit = match_catalogue(title, topic, place.level)
    model_top = [Choice(_unit_name(s.label, place)[0], s.confidence) for s in head.top]
    if hit and hit.rule.decides:
        name, code = _unit_name(hit.rule.department, place)
        reason = f"派单目录“{hit.rule.name}”（{hit.rule.taxonomy}），关键词：{hit.keyword}"
        top = [Choice(name, 1.0), *[c for c in model_top if c.label != name]][:3]
        return Field(name, 1.0, top, reason, "catalogue", code)
    name, code = _unit_name(head.label, place)
    source = "model+jurisdiction" if head.label == "属地" else "model"
    reason = head.reason + (f"；属地：{place.reason}" if head.label == "属地" else "")
    if hit:
        hint = _unit_name(hit.rule.department, place)[0]
        reason += f"；派单目录“{hit.rule.name}”提示：{hint}"
        if hint not in [c.label for c in model_top]:
            model_top = [*model_top[:2], Choice(hint, 0.0)]
    return Field(name, head.confidence, model_top, reason, source, code)


def suggest(text: str, address: str | None = None, model_dir: Path | None = None) -> Suggestion:
    """Topic, request type, department, jurisdiction and urgency of a transcript or message."""
    if not text or not text.strip():
        raise Invalid("内容为空，无法给出派单建议", code="empty_text")
    # Imported here: the model's heads load scikit-learn (seconds), which the server needs only once asked.
    from classifier.predictor import EmptyText, load_predictor, split_title

    try:
        predictor = load_predictor(model_dir)
        prediction = predictor.predict(text)
        title = split_title(text[:20_000])[0]
    except ModelError as exc:
        raise ModelUnavailable(str(exc)) from exc
    except EmptyText as exc:
        raise Invalid(str(exc), code="empty_text") from exc
    combined = f"{address or ''} {text[:20_000]}"
    place = find_jurisdiction(text[:20_000], address)
    urgency = detect_urgency(combined)
    jurisdiction = Field(
        place.unit, place.confidence, [Choice(place.unit, place.confidence)], place.reason, "gazetteer"
    )
    return Suggestion(
        topic=_from_head(prediction.topic),
        request_type=_from_head(prediction.request_type),
        department=decide_department(prediction.department, title, prediction.topic.label, place),
        jurisdiction=jurisdiction,
        urgency=Field(
            urgency.level, urgency.confidence, [Choice(urgency.level, urgency.confidence)], urgency.reason, "rules"
        ),
        details={
            "district": place.district,
            "district_name": place.district_name,
            "street": place.street,
            "level": place.level,
            "in_city": place.in_city,
            "urgency_cues": urgency.cues,
            "triage": triage_details(urgency),
        },
        model=predictor.model_id,
    )
