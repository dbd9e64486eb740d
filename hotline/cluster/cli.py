"""`hotline cluster up|status`: the city-scale shape on this machine, and how it is doing."""

import json
import signal
import time
from pathlib import Path

import typer

from hotline.settings import get_settings

app = typer.Typer(help="多进程集群：负载均衡器 + 多个应用进程 + 语音节点", no_args_is_help=True)


def _run_dir() -> Path:
    return get_settings().var_dir / "cluster"


@app.command("up", help="在本机启动集群（HAProxy、应用进程、语音节点），Ctrl-C 停止全部进程")
def up(
    workers: int = typer.Option(3, help="应用进程数"),
    speech_nodes: int = typer.Option(2, help="语音节点数（0：不转写来电）"),
    port: int = typer.Option(8200, help="负载均衡器端口；其后 +1 状态页、+2 AudioSocket、+10 起各进程"),
) -> None:
    from hotline.cluster.shape import Cluster, ClusterError, cluster_env
    from hotline.migrate import upgrade

    try:
        env = cluster_env()
        upgrade()
        cluster = Cluster(workers, speech_nodes, port, env, _run_dir())
    except ClusterError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        cluster.up()
        typer.echo(f"集群已就绪：{cluster.url}（{workers} 个应用进程，{speech_nodes} 个语音节点）")
        typer.echo(f"  负载均衡状态页 http://{cluster.host}:{cluster.ports.stats}/stats")
        if speech_nodes:
            typer.echo(f"  PBX 媒体 WebSocket {cluster.url.replace('http', 'ws')}/media/stream，"
                       f"AudioSocket {cluster.host}:{cluster.ports.audiosocket}")  # fmt: skip
        typer.echo(f"  日志 {cluster.run_dir}/*.log；Ctrl-C 停止")
        while not stopping:
            for name, process in cluster.processes.items():
                if process.poll() is not None:
                    typer.echo(f"进程 {name} 已退出（{process.returncode}），见 {cluster.run_dir / name}.log", err=True)
                    stopping = True
            time.sleep(0.5)
    except ClusterError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        cluster.down()
        typer.echo("集群已停止")


@app.command("status", help="集群状态：各节点在负载均衡器中的状态、后台任务由哪个进程执行")
def status(as_json: bool = typer.Option(False, "--json", help="输出 JSON")) -> None:
    from sqlmodel import Session

    from hotline.cluster.lease import leases, now
    from hotline.cluster.shape import balancer_servers, speech_capacity
    from hotline.db import get_engine

    state_file = _run_dir() / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    servers = balancer_servers(state["stats"]) if state else []
    moment = now()
    with Session(get_engine()) as session:
        jobs = [{"job": row.name, "holder": row.holder if row.expires_at and row.expires_at > moment else None,
                 "token": row.token} for row in leases(session)]  # fmt: skip
    speech = [{"url": url, "capacity": speech_capacity(url)} for url in state.get("speech", [])]
    report = {"balancer": state.get("balancer"), "servers": servers, "jobs": jobs, "speech": speech}
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(f"负载均衡器：{state.get('balancer') or '未运行（hotline cluster up）'}")
    for row in servers:
        typer.echo(f"  {row['backend']:12s}{row['server']:10s}{row['status']:6s}当前连接 {row['sessions']}")
    for node in speech:
        capacity = node["capacity"]
        said = json.dumps(capacity, ensure_ascii=False) if capacity else "未提供容量（/api/asr/capacity）"
        typer.echo(f"  语音节点 {node['url']}：{said}")
    typer.echo("后台任务（租约）：")
    for job in jobs:
        typer.echo(f"  {job['job']:16s}{job['holder'] or '无人持有'}（令牌 {job['token']}）")
    if not jobs:
        typer.echo("  尚无（应用进程启动后自动领取）")


@app.command("haproxy-config", help="生成 docker/compose.yaml 所用的 HAProxy 配置（按副本数）")
def haproxy_config(
    workers: int = typer.Option(3, help="app 服务副本数"),
    speech_nodes: int = typer.Option(2, help="speech 服务副本数"),
    output: Path = typer.Option(None, help="默认写入仓库的 docker/haproxy/haproxy.cfg"),
) -> None:
    from hotline.cluster.haproxy import COMPOSE_FILE, compose_shape, render
    from hotline.settings import PROJECT_ROOT

    target = output or PROJECT_ROOT / COMPOSE_FILE
    target.write_text(render(compose_shape(workers, speech_nodes)))
    typer.echo(f"已写入 {target}")
