"""Commands: `hotline partner-sim 110|city` (a stand-in partner server) and `hotline linkage …` (the outbox)."""

from pathlib import Path

import typer

from routing.linkage.partners import PARTNERS

sim_app = typer.Typer(help="联动单位模拟服务（110 / 数字城管），供测试与演示", no_args_is_help=True)
linkage_app = typer.Typer(help="联动：投递发件箱、查看与重投死信", no_args_is_help=True)


def partner_sim(
    partner: str, host: str, port: int, key: str, callback_url: str, step_seconds: float, state_file: Path | None
) -> None:
    """Run a stand-in partner server until interrupted."""
    import uvicorn

    from hotline.settings import get_settings
    from routing.linkage.settings import get_linkage_settings
    from routing.linkage.sim import create_sim

    if partner not in PARTNERS:
        raise typer.BadParameter(f"联动单位只能是 {'、'.join(PARTNERS)}")
    settings = get_settings()
    key = key or get_linkage_settings().key(partner)
    if not key:
        raise typer.BadParameter("请用 --key 或环境变量给出共享密钥")
    callback_url = (callback_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    port = port or PARTNERS[partner].sim_port
    typer.echo(f"模拟{partner}联动单位：http://{host}:{port}，回传到 {callback_url}")
    app = create_sim(partner, key, callback_url, step_seconds, state_file)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _sim_command(partner: str, title: str) -> None:
    def command(
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(0, help="默认 110 → 9110，119 → 9119，120 → 9121，city → 9120"),
        key: str = typer.Option("", help="共享密钥；默认取 HOTLINE_LINKAGE_110_KEY / HOTLINE_LINKAGE_CITY_KEY"),
        callback_url: str = typer.Option("", help="热线地址（回传状态用）；默认 http://HOTLINE_HOST:HOTLINE_PORT"),
        step_seconds: float = typer.Option(2.0, help="两次状态回传之间的秒数"),
        state_file: Path | None = typer.Option(None, help="收到的案件存到此 JSON 文件（重启后仍认得幂等键）"),
    ) -> None:
        partner_sim(partner, host, port, key, callback_url, step_seconds, state_file)

    command.__doc__ = f"模拟{title}：确认转办、回传状态，可按要求出错"
    sim_app.command(partner)(command)


for _partner in PARTNERS.values():
    _sim_command(_partner.code, _partner.name)


@linkage_app.command("deliver")
def deliver() -> None:
    """Deliver what is due in the outbox once (the app does this continuously)."""
    from routing.linkage.outbox import deliver_once

    result = deliver_once()
    typer.echo(f"送达 {len(result.delivered)}，待重试 {len(result.failed)}，转入死信 {len(result.dead)}")


@linkage_app.command("dead-letters")
def list_dead() -> None:
    """List messages that failed too often (死信)."""
    from sqlmodel import Session

    from hotline.db import get_engine
    from routing.linkage.outbox import dead_letters

    with Session(get_engine()) as session:
        rows = dead_letters(session)
        for m in rows:
            typer.echo(f"{m.id}\t{m.partner}\t{m.payload.get('ticket_number')}\t{m.attempts} 次\t{m.last_error}")
        typer.echo(f"共 {len(rows)} 条死信")


@linkage_app.command("retry")
def retry(message_id: int) -> None:
    """Put a dead letter back in the outbox."""
    from sqlmodel import Session

    from hotline.db import get_engine
    from hotline.errors import DomainError
    from routing.linkage.outbox import retry_dead_letter

    with Session(get_engine()) as session:
        try:
            retry_dead_letter(session, message_id)
        except DomainError as exc:
            typer.echo(f"错误：{exc.message}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"已重新排队：{message_id}")
