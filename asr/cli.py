"""Command line: `hotline asr ...`, `hotline models ...`, `hotline call ...` (mounted by the core).

Until then: `python -m asr.cli asr|models|call ...`. Commands that print results end with one JSON line.
"""

import asyncio
import json
import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from asr.errors import AsrError, ModelError
from asr.settings import get_asr_settings

console = Console()
asr_app = typer.Typer(help="语音识别：转写、评测、压测、AudioSocket 服务", no_args_is_help=True)
models_app = typer.Typer(help="Vosk 模型：查看与下载", no_args_is_help=True)
call_app = typer.Typer(help="模拟来电：像交换机一样把录音送进系统", no_args_is_help=True)
audiosocket_app = typer.Typer(help="Asterisk AudioSocket 服务", no_args_is_help=True)
asr_app.add_typer(audiosocket_app, name="audiosocket")


def _fail(exc: AsrError, code: int = 2) -> None:
    console.print(f"[red]{exc.message}[/red] ({exc.code})")
    raise typer.Exit(code)


def _load(model: Path | None):
    from asr.models import load_model

    try:
        return load_model(model)
    except ModelError as exc:
        _fail(exc)


@models_app.command("list")
def models_list(checksum: bool = typer.Option(True, help="compute each folder's sha256 (reads every file)")) -> None:
    """Installed models with size and checksum."""
    from asr.models import dir_checksum, list_models

    settings = get_asr_settings()
    models = list_models(settings)
    table = Table("name", "source", "language", "rate", "size MB", "sha256", "status", "path")
    rows = []
    for m in models:
        digest = dir_checksum(m.path) if checksum and m.ok else ""
        table.add_row(
            m.name,
            m.source,
            m.language,
            str(m.sample_rate),
            f"{m.size_bytes / 1e6:.1f}",
            digest[:16],
            "ok" if m.ok else f"[red]{m.problem}[/red]",
            str(m.path),
        )
        rows.append(
            {
                "name": m.name,
                "path": str(m.path),
                "source": m.source,
                "language": m.language,
                "size_bytes": m.size_bytes,
                "sha256": digest or None,
                "ok": m.ok,
                "problem": m.problem,
            }
        )
    if not models:
        console.print(f"没有已安装的模型（模型目录 {settings.models_dir}；或设置 HOTLINE_VOSK_MODEL）")
    else:
        console.print(table)
    print(json.dumps({"models": rows}, ensure_ascii=False))


@models_app.command("fetch")
def models_fetch(
    name: str,
    sha256: str | None = typer.Option(None, help="expected sha256 of the archive (overrides the catalogue)"),
    url: str | None = typer.Option(None, help="download from a mirror instead of the official site"),
    allow_unpinned: bool = typer.Option(False, help="accept an archive without a pinned checksum"),
) -> None:
    """Download an official Mandarin model (vosk-model-small-cn-0.22, vosk-model-cn-0.22)."""
    from asr.fetch import fetch_model

    settings = get_asr_settings()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(name, total=None)
        try:
            path = fetch_model(
                name,
                settings.models_dir,
                url=url,
                sha256=sha256,
                allow_unpinned=allow_unpinned,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except ModelError as exc:
            progress.stop()
            _fail(exc)
    console.print(f"模型已安装：{path}")


@asr_app.command("transcribe")
def transcribe(
    wav: Path,
    model: Path | None = typer.Option(None, help="model folder (default: settings / installed)"),
    call_id: str = typer.Option("cli", help="call id for the segments"),
) -> None:
    """Transcribe a recording (stereo: channel 1 caller, channel 2 agent)."""
    from asr.batch import transcribe_file
    from asr.diarization.service import start_diarization
    from asr.engine import AsrEngine

    try:
        start_diarization()  # a configured but broken pipeline stops here, before any audio is read
    except AsrError as exc:
        _fail(exc)
    engine = AsrEngine(_load(model), workers=get_asr_settings().workers())
    try:
        transcript = asyncio.run(transcribe_file(engine, wav, call_id))
    except AsrError as exc:
        _fail(exc)
    finally:
        engine.shutdown()
    console.print(transcript.dialogue() or "（没有识别出语音）")
    print(json.dumps(transcript.to_dict(), ensure_ascii=False))


@asr_app.command("eval")
def eval_cmd(
    manifest: Path = typer.Option(..., help="manifest.tsv with file and text columns"),
    model: Path | None = typer.Option(None, help="model folder (default: settings / installed)"),
    force: bool = typer.Option(False, help="run even when the model is not a Mandarin model"),
    limit: int | None = typer.Option(None, help="only the first N recordings"),
) -> None:
    """Character error rate on Mandarin recordings; says clearly when no Mandarin model is present."""
    from asr.engine import AsrEngine
    from asr.evaluate import evaluate
    from asr.models import resolve_model

    try:
        info = resolve_model(model)
    except ModelError as exc:
        console.print(f"[yellow]未找到普通话模型，无法评测 CER：{exc.message}[/yellow]")
        print(json.dumps({"cer": None, "reason": "no_model"}, ensure_ascii=False))
        raise typer.Exit(2) from None
    if info.language != "zh" and not force:
        console.print(
            f"[yellow]未找到普通话模型：{info.name}（{info.path}）不是普通话模型，CER 没有意义。"
            "请安装 vosk-model-small-cn-0.22 或 vosk-model-cn-0.22（hotline models fetch），"
            "或用 --force 只检验评测流程。[/yellow]"
        )
        print(json.dumps({"cer": None, "reason": "no_mandarin_model", "model": info.name}, ensure_ascii=False))
        raise typer.Exit(2)
    engine = AsrEngine(_load(info.path), workers=get_asr_settings().workers())
    try:
        cer, rows = asyncio.run(evaluate(engine, manifest, limit))
    finally:
        engine.shutdown()
    table = Table("file", "CER", "reference", "hypothesis")
    for r in rows:
        table.add_row(r.file, f"{r.edits / max(r.length, 1):.3f}", r.reference[:30], r.hypothesis[:30])
    console.print(table)
    console.print(f"CER {cer:.4f} over {sum(r.length for r in rows)} characters, {len(rows)} recordings")
    print(
        json.dumps(
            {
                "cer": round(cer, 4),
                "model": info.name,
                "language": info.language,
                "files": len(rows),
                "characters": sum(r.length for r in rows),
            },
            ensure_ascii=False,
        )
    )


@asr_app.command("diarization-eval")
def diarization_eval(
    files: list[Path] = typer.Argument(..., help="stereo recordings: channel 1 caller, channel 2 agent"),
    pipeline: Path | None = typer.Option(None, help="pipeline folder (default: HOTLINE_DIARIZATION_PIPELINE)"),
    num_speakers: int = typer.Option(2, help="speakers per call given to the pipeline (0: let it decide)"),
    collar: float = typer.Option(0.0, help="seconds forgiven around each reference boundary"),
) -> None:
    """DER of the diarization pipeline: reference from each channel's voice activity, hypothesis from the mix."""
    from asr.diarization.evaluate import evaluate_stereo
    from asr.diarization.pipeline import load_pipeline

    folder = pipeline or get_asr_settings().diarization_pipeline
    if folder is None:
        console.print("[red]未配置说话人分离模型：用 --pipeline 或 HOTLINE_DIARIZATION_PIPELINE 指定目录[/red]")
        print(json.dumps({"der": None, "reason": "no_pipeline"}, ensure_ascii=False))
        raise typer.Exit(2)
    try:
        total, rows = evaluate_stereo(load_pipeline(folder), files, num_speakers or None, collar)
    except AsrError as exc:
        console.print(f"[red]{exc.message}[/red] ({exc.code})")
        print(json.dumps({"der": None, "reason": exc.code}, ensure_ascii=False))
        raise typer.Exit(2) from None
    table = Table("file", "DER", "missed s", "false alarm s", "confusion s", "speech s", "ref turns", "hyp turns")
    for r in rows:
        s = r.score
        table.add_row(
            r.file,
            f"{s.der:.3f}",
            f"{s.missed:.2f}",
            f"{s.false_alarm:.2f}",
            f"{s.confusion:.2f}",
            f"{s.total:.2f}",
            str(len(r.reference)),
            str(len(r.hypothesis)),
        )
    console.print(table)
    console.print(f"DER {total.der:.4f} over {total.total:.1f} s of reference speech, {len(rows)} recordings")
    print(
        json.dumps(
            {
                **total.to_dict(),
                "files": len(rows),
                "pipeline": str(folder),
                "collar": collar,
                "reference": "channel_energy_vad",
                "per_file": [r.to_dict() for r in rows],
            },
            ensure_ascii=False,
        )
    )


@asr_app.command("bench")
def bench_cmd(
    model: Path | None = typer.Option(None, help="model folder"),
    wav_dir: Path = typer.Option(..., help="folder of WAV recordings"),
    streams: int = typer.Option(8, help="most concurrent legs to try"),
    seconds: float = typer.Option(20.0, help="audio per leg"),
    workers: int = typer.Option(0, help="decoding threads (0: one per core)"),
    repeats: int = typer.Option(2, help="alternating raw/pipeline runs; the best of each counts"),
) -> None:
    """Real-time factor, real-time stream capacity (partial p95 ≤ 500 ms), pipeline/raw Vosk throughput."""
    from asr.bench import bench, last_line

    loaded = _load(model)
    result = asyncio.run(
        bench(
            loaded,
            wav_dir,
            streams,
            seconds,
            workers or get_asr_settings().workers(),
            log=console.print,
            repeats=repeats,
        )
    )
    print(last_line(result))


@audiosocket_app.command("serve")
def audiosocket_serve(
    host: str | None = typer.Option(None),
    port: int | None = typer.Option(None),
    model: Path | None = typer.Option(None),
    leg: str | None = typer.Option(None),
) -> None:
    """Listen for Asterisk's AudioSocket; transcripts go on the event bus."""
    from asr.audiosocket import start_audiosocket_server
    from asr.service import start_engine

    settings = get_asr_settings()
    logging.basicConfig(level=logging.INFO)

    async def main() -> None:
        try:
            engine = start_engine(model, settings)
        except ModelError as exc:
            _fail(exc)
        server = await start_audiosocket_server(
            host or settings.audiosocket_host,
            port or settings.audiosocket_port,
            engine,
            leg or settings.audiosocket_leg,
        )
        console.print(f"AudioSocket listening on {server.sockets[0].getsockname()} with {engine.model.info.name}")
        async with server:
            await server.serve_forever()

    asyncio.run(main())


@asr_app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8001,
    model: Path | None = typer.Option(None),
    audiosocket_port: int | None = typer.Option(None, help="also listen for AudioSocket on this port"),
) -> None:
    """Run the ASR routes (and optionally AudioSocket) as a stand-alone ASR worker."""
    import uvicorn

    from asr.app import create_app
    from asr.service import start_engine

    try:
        start_engine(model)  # fail here, with the reason, before the server binds
    except ModelError as exc:
        _fail(exc)
    uvicorn.run(create_app(model, (host, audiosocket_port) if audiosocket_port else None), host=host, port=port)


@call_app.command("simulate")
def simulate(
    wav: Path = typer.Option(..., help="recording to play (stereo: caller + agent)"),
    via: str = typer.Option("websocket", help="websocket or audiosocket"),
    speed: float = typer.Option(1.0, help="1.0 = real time, 0 = as fast as possible"),
    url: str = typer.Option("ws://127.0.0.1:8000/media/stream", help="WebSocket media URL"),
    host: str = typer.Option("127.0.0.1", help="AudioSocket host"),
    port: int = typer.Option(9092, help="AudioSocket port"),
    encoding: str = typer.Option("PCMU", help="WebSocket encoding: PCMU, PCMA or L16"),
    caller: str | None = typer.Option(None, help="来电号码（WebSocket 首帧的 caller）"),
    token: str | None = typer.Option(None, help="PBX 令牌（默认取 HOTLINE_PBX_TOKENS 的第一个）"),
    repeat: int = typer.Option(1, min=1, help="连续播放几遍（短录音放长，来得及接听）"),
) -> None:
    """Play a real recording into the product as a PBX would."""
    from websockets.exceptions import InvalidStatus

    from asr.simulate import simulate_call

    if via not in ("websocket", "audiosocket"):
        console.print("[red]--via 只能是 websocket 或 audiosocket[/red]")
        raise typer.Exit(2)
    try:
        result = asyncio.run(
            simulate_call(
                wav,
                via,
                url=url,
                host=host,
                port=port,
                speed=speed,
                caller=caller,
                encoding=encoding,
                token=token,
                repeat=repeat,
            )
        )
    except InvalidStatus as exc:
        console.print(
            f"[red]媒体流被拒绝（HTTP {exc.response.status_code}）：PBX 令牌缺失或无效，"
            "请用 --token 或 HOTLINE_PBX_TOKENS 提供[/red]"
        )
        raise typer.Exit(1) from None
    except (OSError, AsrError) as exc:
        console.print(f"[red]模拟来电失败：{exc}[/red]")
        raise typer.Exit(1) from None
    for leg, frames in result.get("legs", {}).items():
        for f in frames:
            if f["type"] in ("partial", "final", "error"):
                console.print(f"{leg:6s} {f['type']:7s} {f.get('text', f.get('message', ''))}")
    print(json.dumps(result, ensure_ascii=False))


app = typer.Typer(no_args_is_help=True)
app.add_typer(asr_app, name="asr")
app.add_typer(models_app, name="models")
app.add_typer(call_app, name="call")

if __name__ == "__main__":
    app()
