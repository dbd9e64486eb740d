"""Weak labels for the request-type and department heads, checked on real messages."""

from pathlib import Path

from classifier.cues import request_type_by_rules
from classifier.dataset import read_labelled
from classifier.department_cues import weak_department
from classifier.training_data import REQUEST_SILVER_WEIGHT, REQUEST_WEAK_WEIGHT, build_training_set
from tests.classifier.conftest import messages_dir


def test_transport_and_housing_cues_beat_the_trade_topic_default() -> None:
    """Driving schools and taxis filed under 商贸旅游 go to 交通, housing sales to 住建, not to 市场监管."""
    trade = [m for m in read_labelled(messages_dir() / "labelled.csv") if m.label == "商贸旅游"]
    schools = [m for m in trade if "驾校" in m.title]
    sales = [m for m in trade if "开发商" in m.title or "楼盘" in m.title]
    assert schools and sales
    school_units = [weak_department(m.title, m.body, m.label) for m in schools]
    sale_units = [weak_department(m.title, m.body, m.label) for m in sales]
    # A more specific unit named in the title (燃气, 自规 …) still comes first; the topic default never does.
    assert "市场监管" not in school_units and max(set(school_units), key=school_units.count) == "交通"
    assert "市场监管" not in sale_units and max(set(sale_units), key=sale_units.count) == "住建"
    assert any(weak_department(m.title, m.body, m.label) == "市场监管" for m in trade)


def test_request_type_silver_rows_outweigh_title_cue_rows(sample_dir: Path) -> None:
    rows = build_training_set(sample_dir / "labelled.csv", sample_dir).request_type
    silver = [w for w, s in zip(rows.weights, rows.silver, strict=True) if s]
    weak = [(m, label, w) for m, label, w, s in zip(rows.messages, rows.labels, rows.weights, rows.silver, strict=True)]
    weak = [(m, label, w) for m, label, w in weak if w != REQUEST_SILVER_WEIGHT]
    assert silver and weak
    assert set(silver) == {REQUEST_SILVER_WEIGHT} and {w for _, _, w in weak} == {REQUEST_WEAK_WEIGHT}
    # Weak rows carry the label of a cue in the title, never a guess from the body.
    for message, label, _ in weak:
        cue = request_type_by_rules(message.title, "")
        assert cue is not None and cue.label == label
