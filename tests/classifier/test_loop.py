"""The learning loop end to end on real messages: dispatched tickets → `train --from-db` → shadow scores →
switch → suggestions name the new model → rollback; suggestions marked wrong weigh more in the next training."""

import csv
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from classifier.cli import app
from classifier.corrections import MARKED_WRONG_WEIGHT
from classifier.loop import department_label, feedback_rows
from classifier.models import SuggestionFeedback
from classifier.predictor import default_model_dir, load_predictor
from classifier.registry import BASE_ID, UnknownModel, activate, active_id, list_versions, rollback
from hotline.db import engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from routing.suggest import suggest
from tests.classifier.test_cli import last_json

runner = CliRunner()
UNITS = {"住建": "housing", "交通": "transport", "属地": "district"}


def annotated_messages(sample_dir: Path, units: set[str], count: int) -> list[dict]:
    """Real messages of the sample with their silver department, in the file's order."""
    with (sample_dir / "labelled.csv").open(encoding="utf-8", newline="") as handle:
        messages = {row["id"]: row for row in csv.DictReader(handle)}
    with (sample_dir / "annotations_dev.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r | messages[r["id"]] for r in csv.DictReader(handle) if r["id"] in messages]
    return [r for r in rows if r["department"] in units][:count]


@pytest.fixture
def base_model(small_model: Path, sqlite_db: str) -> Path:
    """The base model where `make run` puts it (var/models/classifier of this test's var dir)."""
    root = default_model_dir()
    shutil.copytree(small_model, root)
    return root


def test_tickets_train_a_candidate_scored_in_shadow_then_switch_and_rollback(
    base_model: Path, sample_dir: Path, sqlite_db: str, sqlite_people
) -> None:
    rows = annotated_messages(sample_dir, set(UNITS), 15)
    assert len(rows) == 15
    people = sqlite_people
    with Session(engine_for(sqlite_db)) as session:
        for row in rows:
            draft = TicketDraft(RequestType(row["request_type"]), row["title"][:200], row["body"], topic=row["label"])
            ticket = service.intake(session, people.agent, draft)
            unit = {"住建": people.housing, "交通": people.transport, "属地": people.district}[row["department"]]
            service.dispatch(session, people.agent, ticket.number, unit.id)
        # A waiting ticket is no label: its unit is not decided yet.
        service.intake(session, people.agent, TicketDraft(RequestType.consult, "还没派单", "仍在受理中"))

    result = runner.invoke(app, ["train", "--from-db", "--data", str(sample_dir / "labelled.csv")])
    assert result.exit_code == 0, result.output
    summary = last_json(result.output)
    candidate = summary["id"]
    assert candidate != BASE_ID and summary["tickets"] == 12  # 15 labelled tickets, the newest 3 kept back
    shadow = summary["shadow"]
    assert shadow["n"] == 3 and shadow["active_id"] == BASE_ID
    for side in ("candidate", "active"):
        assert shadow[side]["department"]["n"] == 3 and 0 <= shadow[side]["department"]["accuracy"] <= 1
        assert shadow[side]["request_type"]["n"] == 3
    # Both scores are the real accuracy of each model on the shadow tickets.
    base = load_predictor(base_model)
    newest = rows[-3:]
    expected = sum(base.predict(r["body"], title=r["title"][:200]).department.label == r["department"] for r in newest)
    assert shadow["active"]["department"]["accuracy"] == round(expected / 3, 4)

    # Not switched by training: a person switches.
    assert active_id(base_model) == BASE_ID
    assert [v.id for v in list_versions(base_model)] == [BASE_ID, candidate]
    text = f"{rows[0]['title']}。{rows[0]['body']}"
    assert suggest(text).model == BASE_ID
    activate(base_model, candidate)
    assert suggest(text).model == candidate  # the next suggestion, no restart
    assert rollback(base_model) == BASE_ID
    assert suggest(text).model == BASE_ID
    with pytest.raises(UnknownModel, match="没有可以回退"):
        rollback(base_model)
    with pytest.raises(UnknownModel, match="没有编号"):
        activate(base_model, "v-none")
    bad = runner.invoke(app, ["activate", "v-none"])
    assert bad.exit_code == 1 and last_json(bad.output)["error"]["code"] == "model_not_found"


def test_marked_wrong_suggestions_weigh_more_in_the_next_training(
    base_model: Path, sample_dir: Path, sqlite_db: str, sqlite_people
) -> None:
    row = annotated_messages(sample_dir, {"住建"}, 1)[0]
    base = load_predictor(base_model)
    before = base.predict(row["body"], title=row["title"]).department
    wrong_label = next(label for label in ("交通", "教育", "环保") if label != before.label)
    with Session(engine_for(sqlite_db)) as session:
        for correct in ("A市交通运输局" if wrong_label == "交通" else wrong_label, None):
            item = SuggestionFeedback(model_id=BASE_ID, head="department", suggested=before.label, correct=correct,
                                      title=row["title"], text=row["body"])  # fmt: skip
            session.add(item)
        session.commit()
        marked = feedback_rows(session)
    assert len(marked) == 1  # without a right value the mark is counted, not learned
    assert marked[0].department == wrong_label and marked[0].weight == MARKED_WRONG_WEIGHT

    result = runner.invoke(app, ["train", "--from-db", "--data", str(sample_dir / "labelled.csv")])
    assert result.exit_code == 0, result.output
    summary = last_json(result.output)
    assert summary["shadow"]["n"] == 0  # no tickets yet: nothing to compare on
    candidate = load_predictor(Path(summary["model"]))
    after = candidate.predict(row["body"], title=row["title"]).department
    assert candidate.metadata["marked_wrong"] == 1
    assert after.label == wrong_label, (before, after)  # the corrected message now gets the right unit


@pytest.mark.parametrize(
    ("value", "label"),
    [("住建", "住建"), ("CITY-JT", "交通"), ("A市交通运输局", "交通"), ("A2区桂花坪街道办事处", "属地"),
     ("A7县安沙镇人民政府", "属地"), ("A市人民政府", ""), ("不知道", "")],
)  # fmt: skip
def test_department_label_of_a_chosen_unit(value: str, label: str) -> None:
    assert department_label(value) == label


def test_learning_curve_scores_each_step_on_the_fixed_test_split(sample_dir: Path) -> None:
    from classifier.curve import learning_curve
    from classifier.holdout import in_test_split

    points = learning_curve(sample_dir / "labelled.csv", sample_dir, steps=(0, 200))
    assert [p.tickets for p in points] == [0, 200]
    with (sample_dir / "annotations_dev.csv").open(encoding="utf-8") as handle:
        annotated = {r["id"] for r in csv.DictReader(handle)}
    with (sample_dir / "labelled.csv").open(encoding="utf-8") as handle:
        test_rows = [r for r in csv.DictReader(handle) if r["id"] in annotated and in_test_split(r["id"])]
    assert test_rows and all(p.department["n"] == len(test_rows) == p.request_type["n"] for p in points)
    # 200 of the centre's labels teach the department head more than weak labels alone.
    assert points[1].department["accuracy"] > points[0].department["accuracy"]


def test_a_damaged_registry_file_is_a_clear_model_error(tmp_path: Path) -> None:
    from classifier.model_store import ModelError
    from classifier.registry import REGISTRY_FILE, active_dir

    assert active_dir(tmp_path) == tmp_path  # no registry yet: the base model
    for damaged in ("{not json", '{"active": 3}', "[]"):
        (tmp_path / REGISTRY_FILE).write_text(damaged, encoding="utf-8")
        with pytest.raises(ModelError, match="模型登记文件已损坏"):
            active_dir(tmp_path)
