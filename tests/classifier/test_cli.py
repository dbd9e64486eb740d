import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from classifier.cli import app
from tests.classifier.conftest import write_head

runner = CliRunner()


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_evaluate_prints_per_class_table_confusion_and_json_line(small_model: Path, tmp_path: Path) -> None:
    from tests.classifier.conftest import messages_dir

    # Rows after the training sample: not seen in training.
    head = write_head(messages_dir() / "labelled.csv", tmp_path / "head.csv", 550)
    with head.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    held_out = tmp_path / "held_out.csv"
    with held_out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([rows[0], *rows[-150:]])
    result = runner.invoke(app, ["evaluate", "--model", str(small_model), "--data", str(held_out)])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "混淆矩阵" in result.output
    summary = last_json(result.output)
    assert set(summary) == {"macro_f1", "accuracy", "n", "split"} and summary["split"] == "all"
    assert summary["n"] == 150
    assert summary["accuracy"] > 0.5  # 400 training rows already separate the seven topics well


def test_evaluate_rejects_a_csv_without_labels(small_model: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,body\n1,标题,内容\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--model", str(small_model), "--data", str(bad)])
    assert result.exit_code == 1
    assert "缺少列" in last_json(result.output)["error"]["message"]


def test_predict_ends_with_json_and_empty_text_fails_clearly(small_model: Path) -> None:
    ok = runner.invoke(app, ["predict", "医保报销比例为什么降低了？", "--model", str(small_model)])
    assert ok.exit_code == 0, ok.output
    assert set(last_json(ok.output)) == {"topic", "request_type", "department"}
    empty = runner.invoke(app, ["predict", "   ", "--model", str(small_model)])
    assert empty.exit_code == 1
    assert last_json(empty.output)["error"]["code"] == "empty_text"


def test_bench_reports_percentiles(small_model: Path, sample_dir: Path) -> None:
    result = runner.invoke(
        app, ["bench", "--model", str(small_model), "--data", str(sample_dir / "labelled.csv"), "--n", "50"]
    )
    assert result.exit_code == 0, result.output
    summary = last_json(result.output)
    assert summary["n"] == 50 and summary["p50_ms"] <= summary["p99_ms"]
    assert 0 < summary["cpu_p50_ms"] <= summary["cpu_p99_ms"]


def test_closed_tickets_round_trip_into_training(sample_dir: Path, tmp_path: Path, session, people) -> None:
    """The centre's own closed tickets, read from the database, become training rows for the next model."""
    from hotline.tickets import service
    from hotline.tickets.service import TicketDraft
    from hotline.tickets.states import RequestType

    gas = service.intake(
        session,
        people.agent,
        TicketDraft(RequestType.help, "小区门口燃气管道漏气", "燃气公司一直不来修", topic="城乡建设"),
    )
    service.answer(session, people.agent, gas.number, "已通知燃气公司抢修")
    housing = service.intake(
        session, people.agent, TicketDraft(RequestType.complaint, "物业乱收费", "小区物业乱收停车费")
    )
    service.dispatch(session, people.agent, housing.number, people.housing.id)
    service.sign(session, people.liaison, housing.number)
    service.reply(session, people.liaison, housing.number, "已责令物业退还多收的停车费")
    service.review_reply(session, people.supervisor, housing.number, accept=True)
    service.callback(session, people.agent, housing.number, satisfied=True)
    service.intake(
        session, people.agent, TicketDraft(RequestType.consult, "还没办完", "仍在受理中")
    )  # open: not exported

    out = tmp_path / "corrections.csv"
    result = runner.invoke(app, ["export-corrections", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert last_json(result.output)["exported"] == 2
    with out.open(encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows[gas.number]["topic"] == "城乡建设" and rows[gas.number]["department"] == ""
    assert rows[housing.number]["request_type"] == "投诉" and rows[housing.number]["department"] == "住建"
    bad_date = runner.invoke(app, ["export-corrections", "--out", str(out), "--since", "yesterday"])
    assert bad_date.exit_code == 1 and "YYYY-MM-DD" in bad_date.output

    from classifier.corrections import read_corrections
    from classifier.train import train_all

    metadata = train_all(
        sample_dir / "labelled.csv", tmp_path / "m", sample_dir, read_corrections(out), with_metrics=False
    )
    assert metadata["training_data"]["corrections"] == 2


def test_evaluate_annotations_reports_heads_with_intervals_on_the_test_split(
    small_model: Path, sample_dir: Path
) -> None:
    from classifier.holdout import in_test_split

    result = runner.invoke(
        app,
        ["evaluate", "--model", str(small_model), "--data", str(sample_dir / "labelled.csv"),
         "--annotations", str(sample_dir / "annotations_dev.csv"), "--split", "test"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = last_json(result.output)
    assert summary["model_saw_test_split"] is True  # trained on everything: said, not hidden
    silver = summary["annotations"]
    with (sample_dir / "labelled.csv").open(encoding="utf-8") as handle:
        ids = {r["id"] for r in csv.DictReader(handle)}
    with (sample_dir / "annotations_dev.csv").open(encoding="utf-8") as handle:
        expected = sum(1 for r in csv.DictReader(handle) if r["id"] in ids and in_test_split(r["id"]))
    assert silver["n"] == expected > 0
    for head in ("request_type", "department", "department_catalogue", "top3"):
        figures = silver[head]
        low, high = figures["ci95"]
        assert figures["n"] == expected and low <= figures["accuracy"] <= high
    assert silver["top3"]["accuracy"] >= silver["department"]["accuracy"]
    assert silver["department"]["high_confidence"]["n"] < expected
    bad = runner.invoke(app, ["evaluate", "--model", str(small_model), "--split", "dev"])
    assert bad.exit_code == 1 and last_json(bad.output)["error"]["code"] == "bad_split"
