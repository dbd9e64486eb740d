"""The `hotline` command: serve, database, demo data, users, clocks — and each package's own commands."""

import logging

import typer

from hotline.settings import get_settings

# Every page people use, as `hotline serve` lists them.
PAGES = (
    ("登录", "/login"),
    ("中心工作台", "/desk"),
    ("联络员门户", "/liaison"),
    ("未接来电", "/missed"),
    ("座席控制台", "/console"),
    ("班长看板", "/wallboard"),
    ("工单研判", "/analytics"),
    ("市民自助查询", "/selfservice"),
    ("分类模型管理", "/admin/classifier"),
    ("接口文档", "/docs"),
)

app = typer.Typer(help="12345 热线工单系统命令行", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="数据库（迁移）", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据", no_args_is_help=True)
users_app = typer.Typer(help="用户", no_args_is_help=True)
tickets_app = typer.Typer(help="工单", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")
app.add_typer(tickets_app, name="tickets")


@app.command(help="启动网页服务，并列出各页面和接口文档的地址")
def serve(
    host: str = typer.Option(None, help="默认 HOTLINE_HOST"),
    port: int = typer.Option(None),
    demo_partners: bool = typer.Option(
        False, help="为未配置地址的联动单位（110/119/120/数字城管）启动演示用模拟服务（make run 使用）"
    ),
    demo_partner_base_port: int = typer.Option(
        0, help="模拟服务端口起点；默认 110→9110、119→9119、120→9121、数字城管→9120"
    ),
) -> None:
    """Start the web server and print the address of every page."""
    import uvicorn

    from hotline.security.config import SettingsError, check_all
    from routing.linkage.demo import start_demo_partners, stop_demo_partners

    try:
        check_all()
    except SettingsError as exc:
        typer.echo(f"无法启动：{exc}", err=True)
        raise typer.Exit(2) from None

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    base = f"http://{host}:{port}"
    typer.echo("12345 热线工单系统 — 页面与接口：")
    for name, path in PAGES:
        typer.echo(f"  {name:10s}{base}{path}")
    stand_ins = start_demo_partners(base, demo_partner_base_port) if demo_partners else []
    for stand_in in stand_ins:
        typer.echo(f"  演示联动单位 {stand_in.partner}（模拟服务，非真实单位）：{stand_in.url}")
    logging.basicConfig(level=logging.INFO)
    from hotline.app import SERVER_OPTIONS

    try:
        uvicorn.run("hotline.app:create_app", factory=True, host=host, port=port, **SERVER_OPTIONS)
    finally:
        stop_demo_partners(stand_ins)


@db_app.command("upgrade", help="把数据库迁移到最新结构")
def db_upgrade(revision: str = "heads") -> None:
    """Apply the migrations (alembic) to the configured database."""
    from hotline.migrate import upgrade

    upgrade(revision)
    typer.echo(f"数据库已迁移到 {revision}：{get_settings().sqlalchemy_url.split('@')[-1]}")


@db_app.command("revision", help="按模型变化生成新的迁移文件（开发用）")
def db_revision(
    message: str = typer.Option(..., "-m", help="what the migration does"),
    head: str = typer.Option("head", help="the revision it follows (when several branches exist)"),
) -> None:
    """Write a new migration from the difference between the models and the database (for developers)."""
    from hotline.migrate import autogenerate

    typer.echo(autogenerate(message, head=head))


@users_app.command("add", help="添加用户")
def users_add(
    username: str,
    role: str = typer.Option(..., help="agent / supervisor / liaison / manager / admin"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    name: str = typer.Option("", help="显示名"),
    department: str | None = typer.Option(None, help="联络员所属单位编码"),
) -> None:
    """Add a user."""
    from sqlmodel import Session

    from hotline.auth.models import Role
    from hotline.auth.service import create_user
    from hotline.db import get_engine
    from hotline.errors import DomainError

    try:
        role_value = Role(role)
    except ValueError:
        raise typer.BadParameter(f"未知角色 {role}，可选：{', '.join(r.value for r in Role)}") from None
    with Session(get_engine()) as session:
        try:
            user = create_user(session, username, name or username, password, role_value, department)
        except DomainError as exc:
            typer.echo(f"错误：{exc.message}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"已添加用户 {user.username}（{user.role}）")


@app.command(help="运行一次时限巡检：临期催办、超期督办")
def sweep() -> None:
    """Run the clocks' sweep once: mark near-due (催办) and overdue (督办) tickets."""
    from hotline.tickets.sweep import sweep_once

    result = sweep_once()
    typer.echo(f"临期 {len(result.near_due)} 张，超期 {len(result.overdue)} 张")


@demo_app.command("seed", help="生成演示数据：单位目录、各角色账号、真实留言工单、知识库、演示办件")
def demo_seed(
    if_empty: bool = typer.Option(False, "--if-empty", help="只在数据库没有工单时生成"),
    tickets: int = typer.Option(300, help="生成多少张演示工单"),
) -> None:
    """Load the demo: department catalogue, a user of every role, tickets from the real messages."""
    from hotline.demo.seed import seed

    seed(if_empty=if_empty, ticket_count=tickets, echo=typer.echo)


@tickets_app.command("bench-search", help="工单查询基准：生成 N 张工单，测各类查询的 p50/p95（最后一行 JSON）")
def bench_search(
    tickets: int = typer.Option(200_000, help="工单数"),
    backend: str = typer.Option("sqlite", help="sqlite 或 postgresql（本机 127.0.0.1:5432 上的临时库）"),
    database: str | None = typer.Option(
        None, help="保留并复用的数据库 URL（已有工单则直接迁移到最新后测量，否则在其中生成；PostgreSQL 库需先建好）"
    ),
) -> None:
    import json

    from hotline.tickets.bench import run_bench

    if backend not in ("sqlite", "postgresql"):
        raise typer.BadParameter("只支持 sqlite 或 postgresql", param_hint="--backend")
    typer.echo(json.dumps(run_bench(tickets, typer.echo, backend, database), ensure_ascii=False))


def _mount_package_commands() -> None:
    """Each package brings its own commands (their heavy imports happen inside the commands)."""
    from agent_console.cli import bench_app
    from analytics.cli import app as analytics_app
    from approvals_bridge.cli import app as approvals_app
    from asr.cli import asr_app, call_app, models_app
    from classifier.cli import app as classifier_app
    from hotline.cluster.cli import app as cluster_app
    from knowledge.cli import app as knowledge_app
    from routing.cli import triage_app
    from routing.linkage.cli import linkage_app, sim_app

    for sub, name in (
        (classifier_app, "classifier"),
        (asr_app, "asr"),
        (models_app, "models"),
        (call_app, "call"),
        (knowledge_app, "knowledge"),
        (bench_app, "bench"),
        (sim_app, "partner-sim"),
        (linkage_app, "linkage"),
        (analytics_app, "analytics"),
        (approvals_app, "approvals"),
        (triage_app, "triage"),
        (cluster_app, "cluster"),
    ):
        app.add_typer(sub, name=name)


_mount_package_commands()
