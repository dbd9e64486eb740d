"""HTTP and WebSocket routes of the ASR service.

* `WS /media/stream` — a PBX media stream, opened with `Authorization: Bearer <PBX token>` (refused at the
  handshake otherwise; docs/asr.md "Security"). First frame: JSON text
  `{"call_id": "...", "leg": "caller"|"agent", "sample_rate": 8000|16000, "encoding": "L16"|"PCMU"|"PCMA"}`;
  then binary audio frames; `{"type": "end"}` (text) ends the leg. The server answers with JSON text
  frames: `ready`, `partial`, `final`, `error` (code + Chinese message), and `end`.
* `POST /api/recordings/transcribe` — a recording (raw body, or multipart field `file`) for batch
  transcription by an agent, supervisor or admin; stereo files are split into caller and agent.
* `GET /api/asr/capacity` — the node's admission figures for supervisors.
"""

import asyncio
import contextlib
import json
import logging
import re
import tempfile
import uuid

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from asr.access import pbx_token_ok
from asr.admission import BYTES_PER_SAMPLE, check_frame, frame_limit, get_admission, new_pacer
from asr.batch import STEREO_LEGS, transcribe_file
from asr.errors import AsrError, AudioFormatError
from asr.legs import leg_ended, leg_started
from asr.media import LEGS, MediaDecoder, MediaFormat
from asr.service import get_engine
from asr.settings import get_asr_settings
from asr.sink import FanoutSink, Segment, default_sinks
from hotline.auth.deps import require_roles
from hotline.auth.models import Role

log = logging.getLogger(__name__)
router = APIRouter()

HEADER_TIMEOUT = 10.0  # seconds a client may take to send its first frame
IDLE_TIMEOUT = 30.0  # seconds without a frame before a leg is treated as gone


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class WebSocketReplySink:
    """Sends transcript frames back to the PBX; a vanished client is not an error for the others."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.gone = False

    async def _send(self, body: dict) -> None:
        if self.gone:
            return
        try:
            await self.ws.send_text(json.dumps(body, ensure_ascii=False))
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.gone = True

    async def on_partial(self, segment: Segment) -> None:
        await self._send({"type": "partial", **segment.payload()})

    async def on_final(self, segment: Segment) -> None:
        await self._send({"type": "final", **segment.payload()})

    async def on_error(self, call_id: str, leg: str, code: str, message: str) -> None:
        await self._send({"type": "error", "code": code, "message": message})

    async def on_end(self, call_id: str, leg: str) -> None:
        await self._send({"type": "end", "call_id": call_id, "leg": leg})


CALLER_NUMBER = re.compile(r"\+?[0-9]{5,20}")


def parse_header(raw: str | None) -> tuple[str, str, MediaFormat, str | None]:
    """The first frame of a media stream → (call_id, leg, format, caller number); AsrError says what is wrong."""
    if raw is None:
        raise AsrError(
            "第一帧应为 JSON 文本（call_id、leg、sample_rate、encoding），收到的是二进制帧", code="header_expected"
        )
    try:
        header = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise AsrError(f"第一帧不是合法的 JSON：{exc.msg}", code="bad_header") from exc
    if not isinstance(header, dict):
        raise AsrError("第一帧应为 JSON 对象", code="bad_header")
    call_id = header.get("call_id")
    if not isinstance(call_id, str) or not call_id or len(call_id) > 64:
        raise AsrError("缺少通话编号 call_id（1–64 个字符）", code="bad_header")
    leg = header.get("leg")
    if leg not in LEGS:
        raise AsrError(f"leg 应为 {' 或 '.join(LEGS)}，收到 {leg!r}", code="bad_leg")
    rate = header.get("sample_rate")
    if not isinstance(rate, int) or isinstance(rate, bool):
        raise AudioFormatError(f"sample_rate 应为整数 8000 或 16000，收到 {rate!r}", code="bad_sample_rate")
    encoding = header.get("encoding")
    if not isinstance(encoding, str):
        raise AudioFormatError(f"encoding 应为 L16、PCMU 或 PCMA，收到 {encoding!r}", code="unknown_encoding")
    caller = header.get("caller")
    if caller is not None and (not isinstance(caller, str) or not CALLER_NUMBER.fullmatch(caller)):
        raise AsrError(f"caller 应为来电号码（5–20 位数字），收到 {caller!r}", code="bad_header")
    return call_id, leg, MediaFormat(rate, encoding.upper()), caller


GRACE_SECONDS = 5.0  # audio still decoded after a client vanished (a real-time sender has far less buffered)
NORMAL_CLOSE = (1000, 1001)  # the PBX hung up without {"type": "end"}: still a normal end of the leg


async def _refuse(ws: WebSocket, reply: "WebSocketReplySink", err: AsrError, call_id: str = "", leg: str = "") -> None:
    log.warning("media stream refused: call %s leg %s: %s %s", call_id or "-", leg or "-", err.code, err.message)
    await reply.on_error(call_id, leg, err.code, err.message)
    # 1013 "try again later" lets a PBX fail over to another node; 1008 a header or credentials problem
    code = 1013 if err.code == "asr_capacity" else 1008
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the PBX may close first
        await ws.close(code=code)


@router.websocket("/media/stream")
async def media_stream(ws: WebSocket) -> None:
    if not pbx_token_ok(ws.headers.get("authorization")):
        # refused at the handshake (HTTP 403): nothing of an anonymous client is read or decoded
        log.warning("media stream refused at the handshake: no valid PBX token (from %s)", ws.client)
        await ws.close(code=1008)
        return
    await ws.accept()
    reply = WebSocketReplySink(ws)
    try:
        first = await asyncio.wait_for(ws.receive(), HEADER_TIMEOUT)
        if first["type"] == "websocket.disconnect":
            return
        call_id, leg, fmt, caller = parse_header(first.get("text"))
    except (AsrError, TimeoutError) as exc:
        err = exc if isinstance(exc, AsrError) else AsrError("等待第一帧超时", code="header_timeout")
        await _refuse(ws, reply, err)
        return
    admission = get_admission()
    try:
        slot = admission.admit_live(call_id, leg, ws)  # the call id is this connection's until it ends
    except AsrError as exc:
        await _refuse(ws, reply, exc, call_id, leg)
        return
    try:
        await _stream_leg(ws, reply, call_id, leg, fmt, caller)
    finally:
        admission.release(slot)


async def _stream_leg(
    ws: WebSocket, reply: "WebSocketReplySink", call_id: str, leg: str, fmt: MediaFormat, caller: str | None
) -> None:
    engine = get_engine()
    await leg_started(call_id, leg, caller)
    stream = engine.open_stream(call_id, leg, FanoutSink([*default_sinks(call_id, leg), reply]))
    decoder = MediaDecoder(fmt, engine.sample_rate)
    limit = frame_limit(fmt.sample_rate, fmt.encoding)
    bytes_per_second = fmt.sample_rate * BYTES_PER_SAMPLE[fmt.encoding]
    pacer = new_pacer()
    await reply._send({"type": "ready", "call_id": call_id, "leg": leg, "model_sample_rate": engine.sample_rate})
    log.info("media stream started: call %s leg %s %d Hz %s", call_id, leg, fmt.sample_rate, fmt.encoding)
    close_code = 1000
    try:
        while True:
            message = await asyncio.wait_for(ws.receive(), IDLE_TIMEOUT)
            if message["type"] == "websocket.disconnect":
                _log_disconnect(call_id, leg, message.get("code"))
                reply.gone = True
                break
            if (data := message.get("bytes")) is not None:
                check_frame(len(data), limit)
                await stream.feed(decoder(data))
                await pacer.wait(len(data) / bytes_per_second)  # a sender faster than allowed waits here
                continue
            if _is_end(message.get("text")):
                log.info("media stream ended: call %s leg %s", call_id, leg)
                break
            raise AsrError('音频流中收到了文本帧；结束请发送 {"type": "end"}', code="unexpected_text_frame")
    except AsrError as exc:
        log.warning("media stream error: call %s leg %s: %s %s", call_id, leg, exc.code, exc.message)
        await reply.on_error(call_id, leg, exc.code, exc.message)
        close_code = 1003 if isinstance(exc, AudioFormatError) else 1008
    except TimeoutError:
        log.warning("media stream idle: call %s leg %s", call_id, leg)
        await reply.on_error(call_id, leg, "idle_timeout", f"{IDLE_TIMEOUT:.0f} 秒未收到音频")
        close_code = 1008
    except WebSocketDisconnect as exc:
        _log_disconnect(call_id, leg, exc.code)
        reply.gone = True
    finally:
        # the words said before the hang-up still count; a vanished client's backlog is cut short
        await (stream.abandon(GRACE_SECONDS) if reply.gone else stream.finish())
        await leg_ended(call_id, leg)
        if not reply.gone:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the PBX may close first
                await ws.close(code=close_code)


def _log_disconnect(call_id: str, leg: str, code: int | None) -> None:
    if code in NORMAL_CLOSE:
        log.info("media stream closed by the PBX: call %s leg %s (hang-up)", call_id, leg)
    else:
        log.warning("media client vanished: call %s leg %s (code %s)", call_id, leg, code)


def _is_end(text: str | None) -> bool:
    try:
        body = json.loads(text or "")
    except json.JSONDecodeError:
        return False
    return isinstance(body, dict) and (body.get("type") == "end" or body.get("event") == "end")


UPLOAD_ROLES = (Role.agent, Role.supervisor, Role.admin)


@router.post(
    "/api/recordings/transcribe",
    dependencies=[Depends(require_roles(*UPLOAD_ROLES))],  # checked before a byte of the body is read
    summary="录音转写（话务员、班长、系统管理员）",
)
async def transcribe_recording(request: Request, call_id: str | None = None) -> JSONResponse:
    """Transcribe an uploaded recording. Stereo: channel 1 is the caller, channel 2 the agent.

    The body is streamed to a temporary file on disk and counted while read (413 at the limit); decoding takes one
    of the node's upload slots, which yield to live calls (503 `upload_capacity` when none is free)."""
    limit = get_asr_settings().max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        log.warning("upload refused: %s bytes declared, limit %d", declared, limit)
        return _error(413, "upload_too_large", f"录音文件过大：上限 {limit // (1024 * 1024)} MB")
    call_id = call_id or f"upload-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryFile() as spool:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            if not declared:
                return _error(411, "length_required", "多部分上传需要 Content-Length")
            form = await request.form(max_files=1)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                return _error(422, "file_missing", "缺少上传字段 file")
            while block := await upload.read(1 << 20):
                spool.write(block)
        else:
            received = 0
            async for block in request.stream():
                received += len(block)
                if received > limit:  # a chunked upload that lied or never said its size
                    log.warning("upload refused after %d bytes, limit %d", received, limit)
                    return _error(413, "upload_too_large", f"录音文件过大：上限 {limit // (1024 * 1024)} MB")
                spool.write(block)
        if spool.tell() == 0:
            return _error(422, "empty_upload", "上传内容为空")
        spool.seek(0)
        admission = get_admission()
        try:
            slot = admission.admit_upload()
        except AsrError as exc:
            log.warning("upload for call %s refused: %s", call_id, exc.code)
            return _error(exc.status, exc.code, exc.message)
        try:
            transcript = await transcribe_file(
                get_engine(), spool, call_id, legs=STEREO_LEGS, extra_sinks=default_sinks(call_id, "recording")
            )
        except AsrError as exc:
            log.warning("upload for call %s rejected: %s %s", call_id, exc.code, exc.message)
            return _error(exc.status, exc.code, exc.message)
        finally:
            admission.release(slot)
    return JSONResponse(transcript.to_dict())


@router.get(
    "/api/asr/capacity",
    dependencies=[Depends(require_roles(Role.supervisor, Role.manager, Role.admin))],
    summary="语音识别节点容量（班长、管理者、系统管理员）",
)
def capacity() -> dict:
    """This node's legs: the cap, live legs and uploads decoding now, and refusals by reason since start."""
    return get_admission().status()
