"""`hotline triage …`: safety triage of one text, and its figures on the judged set."""

import json

import typer

triage_app = typer.Typer(help="紧急程度分级（安全分诊）", no_args_is_help=True, pretty_exceptions_enable=False)


@triage_app.command("check")
def check(text: str) -> None:
    """The triage of one text: level, referral, advice, the words that counted and those that did not."""
    from dataclasses import asdict

    from routing.urgency import detect_urgency

    typer.echo(json.dumps(asdict(detect_urgency(text)), ensure_ascii=False))


@triage_app.command("eval")
def evaluate_command(
    split: str = typer.Option("test", help="test（从不据此调规则）/ dev / all"),
    misses: bool = typer.Option(False, help="列出判错的案例"),
) -> None:
    """Urgent recall, normal kept normal and right referral on the judged set; the last line is JSON."""
    from routing.triage_eval import evaluate

    figures = evaluate(split)
    wrong = figures.pop("misses")
    if misses:
        for miss in wrong:
            typer.echo(f"{miss['case']}\t应为 {miss['want']}\t判为 {miss['got']} {miss['referral']}\t{miss['text']}")
    typer.echo(json.dumps(figures, ensure_ascii=False))
