"""`hotline analytics …`: the meeting pack, the rising-issue check and the demo history."""

from datetime import date
from pathlib import Path

import typer
from sqlmodel import Session

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"  # the bench's default server for its temporary database
app = typer.Typer(help="工单研判：研判会材料、突发上升预警、演示历史", no_args_is_help=True)


@app.command("pack")
def pack(
    first: str = typer.Option(..., "--from", help="开始日期 YYYY-MM-DD"),
    last: str = typer.Option(..., "--to", help="结束日期 YYYY-MM-DD（含）"),
    district: str | None = typer.Option(None, help="区县，如 A2区；不填为全市"),
    out: Path = typer.Option(Path("var/analytics"), help="输出目录"),
) -> None:
    """生成研判会材料：Excel 工作簿（每节一页、原生图表）和 PDF 报告。"""
    from analytics.pack.build import STEPS, make_pack
    from analytics.period import parse_period
    from hotline.db import get_engine

    period = parse_period(first, last)
    with typer.progressbar(length=STEPS, label="生成研判会材料") as bar, Session(get_engine()) as session:
        made = make_pack(session, period, out, district, progress=lambda _: bar.update(1))
    typer.echo(f"Excel：{made.workbook}")
    typer.echo(f"PDF：  {made.pdf}")
    typer.echo(f"工单 {made.report.ticket_count} 张，热点 {len(made.report.topics)} 个，"
               f"突发/上升 {len(made.report.rising)} 条，重复投诉线索 {len(made.report.repeats)} 条。")  # fmt: skip


@app.command("rising")
def rising(
    day: str = typer.Option(None, help="检查哪一天（默认今天）"),
    publish: bool = typer.Option(True, help="向事件总线推送 analytics.rising 预警"),
) -> None:
    """检查突发/上升事项：当天件数相对前 14 天基线明显跳升的事项。"""
    from analytics.spikes import publish_rising, rising_for
    from hotline.db import get_engine
    from hotline.localtime import centre_today

    last = date.fromisoformat(day) if day else centre_today()
    with Session(get_engine()) as session:
        issues = rising_for(session, last)
    for issue in issues:
        typer.echo(f"{issue.day} {issue.label}：{issue.count} 件（基线日均 {issue.baseline_mean}）")
    if publish:
        publish_rising(issues)
    typer.echo(f"共 {len(issues)} 条预警。")


@app.command("demo-history")
def demo_history(tickets: int = typer.Option(1500, help="一年内生成多少张工单")) -> None:
    """在演示库中生成一年的工单历史（真实留言、真实答复时间、走完流转），供研判页面展示。"""
    from analytics.demo_history import build_history
    from hotline.db import get_engine
    from hotline.errors import Invalid

    try:
        with Session(get_engine()) as session:
            build_history(session, tickets, echo=typer.echo)
    except Invalid as exc:
        typer.echo(f"未生成演示历史：{exc.message}")
        # no data is a normal state of a fresh install (make run goes on serving); missing demo users is not
        raise typer.Exit(0 if exc.code == "no_data" else 1) from None


@app.command("bench")
def bench(
    tickets: int = typer.Option(1_000_000, help="生成多少张工单（一年）"),
    backends: str = typer.Option("sqlite,postgresql", help="在哪些数据库上计时，逗号分隔"),
    pg_admin: str = typer.Option(PG_ADMIN, help="用来建、删临时 PostgreSQL 库的管理连接"),
) -> None:
    """基准：用真实留言重采样生成一年的工单历史，写入临时 SQLite 文件和临时 PostgreSQL 库，
    计时最忙月份的指标和整套研判会材料；最后一行是一个 JSON 对象。临时库用完即删。"""
    import json

    from analytics.bench.run import run_bench

    chosen = [b.strip() for b in backends.split(",") if b.strip()]
    unknown = set(chosen) - {"sqlite", "postgresql"}
    if not chosen or unknown:
        raise typer.BadParameter(f"只支持 sqlite、postgresql：{'、'.join(sorted(unknown)) or '未指定'}")
    if tickets < 100:
        raise typer.BadParameter("至少 100 张工单")
    result = run_bench(tickets, chosen, typer.echo, pg_admin)
    typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("bench-grouping")
def bench_grouping(
    texts: str = typer.Option("5000,20000,50000", help="不同文本的条数，逗号分隔（每个规模各计时一次）"),
) -> None:
    """基准：事项归并的相似对查找（前缀过滤）对比全量乘积，用 N 条不同的真实文本（一条留言的标题配另一条的正文）；
    最后一行是一个 JSON 对象。"""
    import json

    from analytics.bench.grouping import run_grouping_bench
    from hotline.errors import Invalid

    try:
        sizes = [int(x) for x in texts.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter("应为逗号分隔的整数，如 5000,20000") from None
    if not sizes or min(sizes) < 2:
        raise typer.BadParameter("每个规模至少 2 条文本")
    try:
        result = run_grouping_bench(sizes, typer.echo)
    except Invalid as exc:
        typer.echo(f"无法运行：{exc.message}")
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result, ensure_ascii=False))
