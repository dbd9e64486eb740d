"""`hotline classifier …` commands. Every command ends its output with one JSON line."""

import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from classifier.dataset import DataError, read_labelled
from classifier.model_store import ModelError

if TYPE_CHECKING:  # evaluate loads scikit-learn: imported when a command needs it
    from classifier.evaluate import Report

app = typer.Typer(help="话题、诉求类型、承办单位分类模型：训练、评估、预测、测速、导出纠正数据", no_args_is_help=True)
console = Console(stderr=True)

ModelOption = Annotated[Path | None, typer.Option("--model", help="模型目录（默认 var/models/classifier）")]


def _emit(payload: Mapping[str, object]) -> None:
    print(json.dumps(payload, ensure_ascii=False), flush=True)


def _fail(message: str, code: str) -> None:
    console.print(f"[red]错误：{message}[/red]")
    _emit({"error": {"code": code, "message": message}})
    raise typer.Exit(1)


def _messages_dir() -> Path | None:
    from hotline.settings import get_settings

    data_dir = get_settings().data_dir
    return data_dir / "messages" if data_dir else None


def _model_dir(model: Path | None) -> Path:
    from classifier.predictor import default_model_dir

    return model or default_model_dir()


@app.command()
def train(
    data: Annotated[Path | None, typer.Option(help="CSV（labelled.csv 的格式），默认共享数据中的 labelled.csv")] = None,
    out: Annotated[Path | None, typer.Option(help="模型输出目录")] = None,
    corrections: Annotated[Path | None, typer.Option(help="由 export-corrections 导出的纠正数据 CSV")] = None,
    extra_dir: Annotated[
        Path | None, typer.Option(help="annotations_dev.csv、replied.csv、unlabelled.csv 所在目录")
    ] = None,
    metrics: Annotated[bool, typer.Option(help="另做 5 折交叉验证并把结果写入元数据（训练时间约增加一倍）")] = False,
    holdout: Annotated[bool, typer.Option(help="留出固定测试集（按 id 哈希的五分之一）不参与训练")] = False,
    from_db: Annotated[
        bool, typer.Option("--from-db", help="另学中心自己的工单（共享数据作先验），训练成候选版本并做影子评估")
    ] = False,
) -> None:
    """训练全部分类头（话题、诉求类型、承办单位）。"""
    from classifier.corrections import read_corrections
    from classifier.holdout import held_out_ids
    from classifier.train import train_all

    messages_dir = _messages_dir()
    data = data or (messages_dir / "labelled.csv" if messages_dir else None)
    if data is None:
        _fail("没有指定训练数据（--data），也没有配置 HOTLINE_DATA_DIR", "no_data")
        return
    extra = extra_dir or (data.parent if (data.parent / "annotations_dev.csv").is_file() else messages_dir)
    out_dir = _model_dir(out)
    try:
        rows = read_corrections(corrections) if corrections else None
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            if from_db:
                metadata = _train_from_db(out_dir, data, extra, report)
            else:
                excluded = held_out_ids(data) if holdout else frozenset()
                metadata = train_all(
                    data, out_dir, extra, rows, with_metrics=metrics, progress=report, exclude_ids=excluded
                )
    except (DataError, ValueError) as exc:
        _fail(str(exc), "bad_data")
        return
    if from_db:
        _print_shadow(metadata)
        out_dir = Path(metadata["directory"])
    console.print(f"模型已写入 {out_dir}，用时 {metadata['training_seconds']} 秒")
    _emit(
        {
            "model": str(out_dir),
            "id": metadata.get("model_id", "base"),
            "seconds": metadata["training_seconds"],
            "metrics": metadata["metrics"],
            **({"shadow": metadata["shadow"], "tickets": metadata["tickets"]} if from_db else {}),
        }
    )


def _train_from_db(
    root: Path, data: Path, extra: Path | None, report: Callable[[str, int, int], None]
) -> dict[str, Any]:
    from sqlmodel import Session

    from classifier.loop import train_from_db
    from hotline.db import get_engine

    with Session(get_engine()) as session:
        return train_from_db(session, root, data, extra, report)


def _print_shadow(metadata: dict[str, Any]) -> None:
    shadow = metadata["shadow"]
    console.print(f"候选版本 {metadata['model_id']}：学习 {metadata['tickets']} 张工单；影子评估最新 {shadow['n']} 张")
    for head in ("topic", "request_type", "department"):
        new = shadow["candidate"][head]["accuracy"]
        old = (shadow["active"] or {}).get(head, {}).get("accuracy")
        console.print(f"  {head}: 候选 {new}，在用（{shadow['active_id']}）{old}")
    console.print("切换：hotline classifier activate " + metadata["model_id"] + "，或在 /admin/classifier 页面")


@app.command("learning-curve")
def learning_curve_command() -> None:
    """模拟中心工单逐步积累：按时间取前 k 条已标注留言作工单，诉求类型与承办单位在固定测试集上的准确率。"""
    from classifier.curve import learning_curve

    messages_dir = _messages_dir()
    if messages_dir is None or not (messages_dir / "annotations_dev.csv").is_file():
        _fail("没有找到共享数据（HOTLINE_DATA_DIR/messages/annotations_dev.csv）", "no_data")
        return
    points = learning_curve(messages_dir / "labelled.csv", messages_dir)
    for p in points:
        console.print(f"工单 {p.tickets}：诉求类型 {p.request_type['accuracy']}，承办单位 {p.department['accuracy']}")
    _emit({"points": [p.__dict__ for p in points]})


@app.command("models")
def list_models(model: ModelOption = None) -> None:
    """列出模型版本（base 与由工单训练的版本）、在用版本与影子评估。"""
    from classifier.registry import active_id, list_versions

    root = _model_dir(model)
    rows = [
        {"id": v.id, "active": v.active, "created_at": v.metadata.get("created_at"), "shadow": v.metadata.get("shadow")}
        for v in list_versions(root)
    ]
    for row in rows:
        console.print(f"{'*' if row['active'] else ' '} {row['id']}  {row['created_at']}")
    _emit({"active": active_id(root), "models": rows})


@app.command()
def activate(model_id: Annotated[str, typer.Argument(help="版本编号（hotline classifier models 列出）")],
             model: ModelOption = None) -> None:  # fmt: skip
    """切换在用模型（下一条建议即生效，无需重启）。"""
    from classifier.registry import UnknownModel
    from classifier.registry import activate as switch

    try:
        switch(_model_dir(model), model_id)
    except UnknownModel as exc:
        _fail(str(exc), "model_not_found")
        return
    console.print(f"在用模型已切换为 {model_id}")
    _emit({"active": model_id})


@app.command()
def rollback(model: ModelOption = None) -> None:
    """回退到上一个在用模型。"""
    from classifier.registry import UnknownModel
    from classifier.registry import rollback as back

    try:
        active = back(_model_dir(model))
    except UnknownModel as exc:
        _fail(str(exc), "nothing_to_roll_back")
        return
    console.print(f"已回退，在用模型为 {active}")
    _emit({"active": active})


def _print_report(title: str, report: "Report") -> None:
    table = Table(title=title)
    for column in ("类别", "precision", "recall", "F1", "样本数"):
        table.add_column(column)
    for row in report.per_class:
        table.add_row(
            row["label"], f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"])
        )
    Console().print(table)
    matrix = Table(title="混淆矩阵（行：真实，列：预测）")
    matrix.add_column("")
    for label in report.labels:
        matrix.add_column(label[:4])
    for label, counts in zip(report.labels, report.confusion, strict=True):
        matrix.add_row(label, *[str(c) for c in counts])
    Console().print(matrix)


@app.command()
def evaluate(
    data: Annotated[
        Path | None, typer.Option(help="带 label 列的 CSV（labelled.csv 的格式），默认共享数据中的 labelled.csv")
    ] = None,
    model: ModelOption = None,
    annotations: Annotated[
        Path | None, typer.Option(help="银标注 CSV（annotations_dev.csv 的格式），同时评估诉求类型与承办单位")
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(help="test：固定测试集（按 id 哈希的五分之一）；train：其余行；all：全部（给了 --data 时默认）"),
    ] = None,
) -> None:
    """评估：话题各类 P/R/F1 与混淆矩阵；有银标注时，诉求类型、承办单位准确率及 95% 置信区间。最后一行 JSON。"""
    from classifier.evaluate import ANNOTATED_HEADS, evaluate_annotations, evaluate_topic
    from classifier.holdout import in_test_split
    from classifier.predictor import load_predictor

    split = split or ("all" if data else "test")
    if split not in ("test", "train", "all"):
        _fail(f"--split 只能是 test、train 或 all，收到“{split}”", "bad_split")
        return
    messages_dir = _messages_dir()
    data = data or (messages_dir / "labelled.csv" if messages_dir else None)
    if data is None:
        _fail("没有指定评估数据（--data），也没有配置 HOTLINE_DATA_DIR", "no_data")
        return
    try:
        predictor = load_predictor(_model_dir(model))
        keep = None if split == "all" else (lambda m: in_test_split(m.id) == (split == "test"))
        report = evaluate_topic(predictor, data, keep)
        _print_report("话题", report)
        result: dict[str, object] = {
            "macro_f1": report.macro_f1,
            "accuracy": report.accuracy,
            "n": report.n,
            "split": split,
        }
        if split == "test" and not predictor.metadata.get("training_data", {}).get("held_out"):
            console.print("[yellow]注意：该模型训练时没有留出测试集，分数偏高（请用 train --holdout 训练）[/yellow]")
            result["model_saw_test_split"] = True
        if annotations:
            silver = evaluate_annotations(predictor, data, annotations, split)
            for head in ANNOTATED_HEADS:
                figures = silver[head]
                line = f"{head}: accuracy {figures['accuracy']} 95%CI {figures['ci95']}（n={figures['n']}）"
                if "high_confidence" in figures:
                    confident = figures["high_confidence"]
                    line += f"；高置信行 {confident['accuracy']}（n={confident['n']}）"
                console.print(line)
            result["annotations"] = silver
    except ModelError as exc:
        _fail(str(exc), "model")
        return
    except DataError as exc:
        _fail(str(exc), "bad_data")
        return
    _emit(result)


@app.command()
def predict(
    text: Annotated[str, typer.Argument(help="来电内容或留言文本")],
    model: ModelOption = None,
) -> None:
    """预测一段文本的话题、诉求类型和承办单位（前三名、置信度、理由）。"""
    from classifier.predictor import EmptyText, load_predictor

    try:
        prediction = load_predictor(_model_dir(model)).predict(text)
    except ModelError as exc:
        _fail(str(exc), "model")
        return
    except EmptyText as exc:
        _fail(str(exc), "empty_text")
        return
    for name, head in (
        ("话题", prediction.topic),
        ("诉求类型", prediction.request_type),
        ("承办单位", prediction.department),
    ):
        tops = "，".join(f"{s.label} {s.confidence:.2f}" for s in head.top)
        console.print(f"{name}：{tops}；{head.reason}")
    _emit(prediction.as_dict())


@app.command()
def bench(
    model: ModelOption = None,
    data: Annotated[Path | None, typer.Option(help="用于测速的 CSV（默认 labelled.csv）")] = None,
    n: Annotated[int, typer.Option(help="测速的消息条数")] = 2000,
) -> None:
    """单条消息预测（全部分类头）的延迟分位数与吞吐量。"""
    from classifier.bench import bench as run_bench
    from classifier.predictor import load_predictor

    messages_dir = _messages_dir()
    data = data or (messages_dir / "labelled.csv" if messages_dir else None)
    if data is None:
        _fail("没有指定测速数据（--data）", "no_data")
        return
    try:
        predictor = load_predictor(_model_dir(model))
        messages = read_labelled(data, require_label=False)[: max(1, n)]
        result = run_bench(predictor, messages)
    except ModelError as exc:
        _fail(str(exc), "model")
        return
    except DataError as exc:
        _fail(str(exc), "bad_data")
        return
    console.print(
        f"n={result.n} p50={result.p50_ms}ms p95={result.p95_ms}ms p99={result.p99_ms}ms "
        f"吞吐 {result.throughput_per_s}/s；CPU 时间 p50={result.cpu_p50_ms}ms p99={result.cpu_p99_ms}ms"
    )
    _emit({**result.__dict__, "cpu_count": _cpu_count(), "at": time.strftime("%Y-%m-%dT%H:%M:%S")})


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@app.command("export-corrections")
def export_corrections(
    out: Annotated[Path, typer.Option(help="输出的训练行 CSV，供 train --corrections 使用")],
    since: Annotated[str | None, typer.Option(help="只导出此日期（YYYY-MM-DD）之后受理的工单")] = None,
) -> None:
    """把数据库中已派单或已办结工单的话题、诉求类型、承办单位导出为训练行。"""
    from datetime import date, datetime, time

    from sqlmodel import Session

    from classifier.corrections import labelled_tickets, write_corrections
    from hotline.db import get_engine
    from hotline.localtime import centre_zone

    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), time(), centre_zone())
        except ValueError:
            _fail(f"日期格式应为 YYYY-MM-DD：{since}", "bad_date")
            return
    with Session(get_engine()) as session:
        count = write_corrections(labelled_tickets(session, start), out)
    console.print(f"已导出 {count} 条训练行到 {out}")
    _emit({"exported": count, "out": str(out)})


if __name__ == "__main__":
    sys.exit(app())
