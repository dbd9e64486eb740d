"""`hotline bench console`: the console WebSocket under load (see agent_console/bench.py)."""

import json

import typer

bench_app = typer.Typer(help="压测", no_args_is_help=True)


@bench_app.command("console")
def console(
    clients: int = typer.Option(500, min=1, help="同时连接的控制台数"),
    seconds: float = typer.Option(10, min=1, help="发布事件的时长（秒）"),
    ticket_rate: float = typer.Option(2, min=0.1, help="每秒工单事件数（发给每个控制台）"),
    transcript_rate: float = typer.Option(100, min=0, help="每秒转写事件数（各发给对应通话的座席）"),
    deflate: bool = typer.Option(True, help="控制台像浏览器一样请求压缩（是否启用由服务端决定）"),
    reference: bool = typer.Option(True, help="同一次运行中再测最简转发作基准，给出尾延迟之比"),
    max_tail_ratio: float = typer.Option(2.0, min=1, help="p99 超过基准 p99 的这个倍数即退出码 1（回归保护）"),
) -> None:
    """Connect N consoles to `hotline serve` over loopback, publish ticket and transcript events, print latency
    percentiles; then the same against the bare fan-out, and fail when the console's tail is max-tail-ratio × its."""
    from agent_console.bench import run

    result = run(clients, seconds, ticket_rate, transcript_rate, deflate, reference, echo=typer.echo)
    load = " ".join(f"{v:g}" for v in result["load_average_before"])
    typer.echo(
        f"控制台 {result['clients']} 个 · 送达 {result['deliveries']}/{result['expected_deliveries']} · "
        f"延迟 p50 {result['p50_ms']} ms · p95 {result['p95_ms']} ms · p99 {result['p99_ms']} ms · "
        f"最大 {result['max_ms']} ms（{result['transport']}；开始时负载 {load}）"
    )
    failed = False
    if "reference" in result:
        bare = result["reference"]
        failed = not result["tail_ratio"] <= max_tail_ratio  # NaN fails too
        result["max_tail_ratio"] = max_tail_ratio
        result["guard"] = "failed" if failed else "ok"
        typer.echo(
            f"基准（最简转发）p50 {bare['p50_ms']} ms · p99 {bare['p99_ms']} ms · 尾延迟之比 {result['tail_ratio']}"
            + (f"，超过 {max_tail_ratio:g} 倍：控制台链路变慢了" if failed else "")
        )
    typer.echo(json.dumps(result, ensure_ascii=False))
    if failed or result["lost"]:
        raise typer.Exit(1)


@bench_app.command("cluster")
def cluster(
    workers: int = typer.Option(3, min=2, max=9, help="应用进程数（其中一个中途被 SIGKILL）"),
    consoles: int = typer.Option(2000, min=1, help="经负载均衡器连接的控制台数"),
    seconds: float = typer.Option(20, min=4, help="受理与发布的时长（秒）"),
    intake_rate: float = typer.Option(2, min=0.1, help="每秒经负载均衡器受理的工单数（事件发给每个控制台）"),
    transcript_rate: float = typer.Option(50, min=0, help="每秒转写事件数（各发给对应通话的座席）"),
    port: int = typer.Option(8200, help="负载均衡器端口（其后 30 个端口供各进程使用）"),
    pg_admin: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/postgres",
        envvar="HOTLINE_BENCH_PG_ADMIN",
        help="可建库的 PostgreSQL 连接（压测库用后删除）",
    ),
    redis_url: str = typer.Option("redis://127.0.0.1:6379/0", envvar="HOTLINE_REDIS_URL", help="Redis"),
) -> None:
    """The cluster shape under load: consoles through HAProxy, intake, transcripts, one worker SIGKILLed halfway;
    the last line is JSON (p50/p99, lost, duplicates, resume_ms)."""
    from hotline.cluster.bench import run

    result = run(workers, consoles, seconds, intake_rate, transcript_rate, port, pg_admin, redis_url, typer.echo)
    typer.echo(
        f"{result['workers']} 个应用进程 · 控制台 {result['consoles']} 个 · p50 {result['p50_ms']} ms · "
        f"p99 {result['p99_ms']} ms · 丢失 {result['lost']} · 重复 {result['duplicates']} · "
        f"重连追平 {result['resume_ms']} ms"
    )
    typer.echo(json.dumps(result, ensure_ascii=False))


@bench_app.command("prefill")
def prefill_command(
    count: int = typer.Option(300, min=1, help="由真实留言生成的通话转写条数"),
    seed: int = typer.Option(12345, help="随机种子"),
) -> None:
    """智能填单 on transcripts built from the real messages: share of names, callback numbers, districts and streets
    filled right; the last line is JSON."""
    from agent_console.prefill_eval import evaluate

    typer.echo(json.dumps(evaluate(count, seed), ensure_ascii=False))
