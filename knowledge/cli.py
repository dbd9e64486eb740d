"""`hotline knowledge …`: import the service guide, benchmark search, search from the command line."""

import json
import os
from pathlib import Path

import typer

app = typer.Typer(help="知识库", no_args_is_help=True, pretty_exceptions_enable=False)


@app.command("import")
def import_command(
    file: Path = typer.Option(None, "--file", help="办事指南 CSV，默认 HOTLINE_DATA_DIR/knowledge/service_guide.csv"),
) -> None:
    """Import (or update) the service guide as published articles; safe to run again."""
    from sqlmodel import Session

    from hotline.db import get_engine
    from hotline.errors import DomainError
    from knowledge.guide import default_path, import_service_guide

    try:
        path = file or default_path()
    except DomainError as exc:
        raise typer.BadParameter(exc.message) from None
    if not path.is_file():
        raise typer.BadParameter(f"找不到文件：{path}")
    with Session(get_engine()) as session:
        result = import_service_guide(session, path)
    typer.echo(
        f"办事指南 {path}：共 {result.total} 条，新增 {result.created}，更新 {result.updated}，"
        f"未变 {result.unchanged}，跳过 {result.skipped}"
    )
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))


@app.command("search")
def search_command(query: str, limit: int = typer.Option(5, min=1, max=50)) -> None:
    """Search the published articles of the configured database."""
    from sqlmodel import Session

    from hotline.db import get_engine
    from knowledge.search import search

    with Session(get_engine()) as session:
        hits = search(session, query, limit)
    for hit in hits:
        typer.echo(f"{hit.score:8.2f}  {hit.title}  [{hit.department or ''}]")
    typer.echo(json.dumps({"query": query, "hits": [h.id for h in hits]}, ensure_ascii=False))


@app.command("bench")
def bench_command(
    articles: int = typer.Option(10_000, min=1, help="知识条数（真实办事指南 + 重采样变体）"),
    queries: int = typer.Option(1_000, min=20, help="查询数（真实来信标题）"),
) -> None:
    """Search latency in this process: p50 / p95 / p99 over real questions."""
    from knowledge.bench import run

    result = run(articles, queries)
    cpus = os.cpu_count()
    typer.echo(f"{result.articles} 条知识，索引构建 {result.build_seconds} s，{result.queries} 次查询（{cpus} 核）")
    typer.echo(f"延迟 p50 {result.p50_ms} ms，p95 {result.p95_ms} ms，p99 {result.p99_ms} ms，最大 {result.max_ms} ms")
    typer.echo(f"每次查询的 CPU 时间 p50 {result.cpu_p50_ms} ms，p99 {result.cpu_p99_ms} ms")
    typer.echo(json.dumps({**result.as_dict(), "cpus": cpus}, ensure_ascii=False))


@app.command("eval")
def eval_command(
    split: str = typer.Option("holdout", help="holdout / test（从不据此调参，可用 + 连接）/ dev / dev2 / all"),
    show_misses: bool = typer.Option(False, "--show-misses", help="列出未命中的问题（调参只看 dev）"),
    learn_from: str = typer.Option(
        "", "--learn-from", help="把该组问题当作“用于直接答复”的使用记录学习（同组则五折交叉验证）"
    ),
) -> None:
    """hit@3 and MRR (with 95% bootstrap intervals) of the judged caller questions over the real guide."""
    from knowledge.guide import guide_docs
    from knowledge.index import SearchIndex
    from knowledge.relevance_eval import cross_validate, evaluate, load_questions, with_history
    from knowledge.search import MIN_RELEVANCE

    docs = guide_docs()
    history = [q for q in load_questions() if q.split == learn_from]
    if learn_from and learn_from == split:
        questions = [q for q in load_questions() if q.split == split]
        figures = {
            "split": split,
            "learn_from": f"{learn_from} (5-fold)",
            **cross_validate(docs, questions, MIN_RELEVANCE),
        }
    else:
        figures = evaluate(SearchIndex(with_history(docs, history) if history else docs), MIN_RELEVANCE, split)
        figures["learn_from"] = learn_from or None
    misses = figures.pop("misses")
    for miss in misses if show_misses else []:
        typer.echo(f"{miss['case']}\t{miss['question']}\t第 {miss['rank'] or '-'} 位\t{' / '.join(miss['got'])}")
    typer.echo(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    app()
