"""`hotline approvals seed`: demo approval cases from the real service guide."""

import typer

app = typer.Typer(help="办件（审批）查询：演示数据", no_args_is_help=True)


@app.command("seed")
def seed(count: int = typer.Option(200, help="生成多少件演示办件")) -> None:
    """Load demo approval cases (real item names, departments and time limits) into the embedded store."""
    from sqlmodel import Session

    from approvals_bridge.embedded import seed_demo
    from hotline.db import get_engine
    from hotline.settings import get_settings

    data_dir = get_settings().data_dir
    if data_dir is None:
        typer.echo("未找到数据目录（HOTLINE_DATA_DIR）", err=True)
        raise typer.Exit(1)
    with Session(get_engine()) as session:
        added = seed_demo(session, data_dir, count)
    typer.echo(f"已添加演示办件 {added} 件")
