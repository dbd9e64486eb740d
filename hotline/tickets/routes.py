"""The ticket API: intake, every lifecycle step, lists and queues, the timeline and attachments.

Illegal steps answer 409 with the reason; steps outside a role answer 403; bad input answers 422.
"""

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Header, Query, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from hotline.auth.deps import CurrentActor, SessionDep
from hotline.callers.service import call_by_external_id
from hotline.errors import NotFound
from hotline.localtime import centre_today
from hotline.security.idempotency import digest, once
from hotline.security.types import IdPath, IdQuery, Offset
from hotline.tickets import service
from hotline.tickets.attachments import attachment_path, store_uploads
from hotline.tickets.bulk import BulkIn, BulkOut, run_bulk
from hotline.tickets.calls import TicketCall, ticket_call, ticket_recording
from hotline.tickets.models import Attachment, Ticket
from hotline.tickets.queries import outs, queue_counts, timeline, visible_ticket
from hotline.tickets.schemas import (
    AnswerIn,
    CallbackIn,
    DecisionIn,
    DispatchIn,
    EventOut,
    ExtensionIn,
    InsistIn,
    MergeIn,
    NoteIn,
    ReasonIn,
    ReviewIn,
    TicketIn,
    TicketOut,
    TicketPage,
)
from hotline.tickets.search import TicketFilters, export_xlsx, search_tickets
from hotline.tickets.states import RequestType, TicketState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(prefix="/api/tickets", tags=["工单 tickets"])
Number = Annotated[str, "工单编号"]


def _out(session: Session, ticket: Ticket, viewer_role: str) -> TicketOut:
    return outs(session, [ticket], viewer_role)[0]


@router.post(
    "",
    response_model=TicketOut,
    status_code=201,
    summary="受理：新建工单",
    description="带 `Idempotency-Key` 请求头重试时返回第一次建的那张工单，不会重复建单。",
)
def create_ticket(
    body: TicketIn,
    session: SessionDep,
    actor: CurrentActor,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100, description="客户端生成的唯一键")] = None,
) -> TicketOut:
    fields = body.model_dump(exclude={"call_id"})

    def intake() -> Ticket:
        call_id = call_by_external_id(session, body.call_id).id if body.call_id else None
        return service.intake(session, actor, service.TicketDraft(**fields, call_id=call_id))

    scope = f"intake:user:{actor.id}"
    ticket, replayed = once(session, scope, idempotency_key, digest(body.model_dump(mode="json")), intake)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _out(session, ticket, actor.role)


def _filters(
    queue: Annotated[
        str | None,
        Query(
            description="to_dispatch / returned / transfer_failed / extensions / replies / callbacks / overdue"
            " / department"
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="电话（完整或后四位）、工单编号，或标题、内容、地址中的词（空格分隔）"),
    ] = None,
    state: TicketState | None = None,
    district: Annotated[str | None, Query(max_length=32, description="区县")] = None,
    department_id: IdQuery = None,
    request_type: RequestType | None = None,
    created_from: Annotated[date | None, Query(description="受理日期起（含，中心时区）")] = None,
    created_to: Annotated[date | None, Query(description="受理日期止（含，中心时区）")] = None,
    overdue: Annotated[bool, Query(description="只看超期未办结")] = False,
    sort: Annotated[str, Query(description="due 最近时限 / newest 新受理在前 / oldest 早受理在前")] = "due",
) -> TicketFilters:
    return TicketFilters(
        q=q,
        queue=queue,
        state=state,
        district=district,
        department_id=department_id,
        request_type=request_type,
        created_from=created_from,
        created_to=created_to,
        overdue=overdue,
        sort=sort,
    )


Filters = Annotated[TicketFilters, Depends(_filters)]


@router.get("", response_model=TicketPage, summary="工单查询：编号、电话、文字与筛选，服务端分页")
def tickets(
    session: SessionDep,
    actor: CurrentActor,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> TicketPage:
    items, total = search_tickets(session, actor, filters, limit, offset)
    return TicketPage(items=outs(session, items, actor.role), total=total)


@router.get(
    "/export",
    summary="导出查询结果（Excel，最多 2 万张）",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def export(session: SessionDep, actor: CurrentActor, filters: Filters) -> Response:
    data, _ = export_xlsx(session, actor, filters)
    name = f"工单查询_{centre_today():%Y%m%d}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.post("/bulk", response_model=BulkOut, summary="批量派单 / 批量催办（逐张办理，逐张报告结果）")
def bulk(body: BulkIn, session: SessionDep, actor: CurrentActor) -> BulkOut:
    return run_bulk(session, actor, body)


@router.get("/queues", summary="各工作队列的数量（中心工作台 / 联络员门户）")
def queues(session: SessionDep, actor: CurrentActor) -> dict[str, dict]:
    return queue_counts(session, actor)


@router.get("/{number}", response_model=TicketOut, summary="一张工单")
def ticket(number: Number, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, visible_ticket(session, actor, number), actor.role)


@router.get("/{number}/events", response_model=list[EventOut], summary="工单流转记录（时间线）")
def ticket_events(number: Number, session: SessionDep, actor: CurrentActor) -> list[EventOut]:
    return timeline(session, actor, number)


@router.get("/{number}/call", response_model=TicketCall, summary="工单的通话：双方转写（带时间）与录音（按角色）")
def call(number: Number, session: SessionDep, actor: CurrentActor) -> TicketCall:
    return ticket_call(session, actor, number)


@router.get("/{number}/recording", summary="工单通话录音", response_class=FileResponse)
def recording(number: Number, session: SessionDep, actor: CurrentActor) -> FileResponse:
    path, media_type = ticket_recording(session, actor, number)
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@router.get("/{number}/attachments/{attachment_id}", summary="下载附件", response_class=FileResponse)
def attachment(number: Number, attachment_id: IdPath, session: SessionDep, actor: CurrentActor) -> FileResponse:
    owner = visible_ticket(session, actor, number)
    item = session.exec(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.ticket_id == owner.id)
    ).first()
    if item is None or not attachment_path(item.storage_key).exists():
        raise NotFound("附件不存在", code="attachment_not_found")
    return FileResponse(attachment_path(item.storage_key), media_type=item.content_type, filename=item.filename)


@router.post("/{number}/answer", response_model=TicketOut, summary="直接答复")
def answer(number: Number, body: AnswerIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    ticket = service.answer(session, actor, number, body.text, body.knowledge_ref, body.callback)
    return _out(session, ticket, actor.role)


@router.post("/{number}/dispatch", response_model=TicketOut, summary="派单")
def dispatch(number: Number, body: DispatchIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.dispatch(session, actor, number, body.department_id, body.note), actor.role)


@router.post("/{number}/sign", response_model=TicketOut, summary="签收（联络员）")
def sign(number: Number, body: NoteIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.sign(session, actor, number, body.note), actor.role)


@router.post("/{number}/return", response_model=TicketOut, summary="退单（联络员）")
def return_ticket(number: Number, body: ReasonIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.return_ticket(session, actor, number, body.reason), actor.role)


@router.post("/{number}/redispatch", response_model=TicketOut, summary="改派（退单审核）")
def redispatch(number: Number, body: DispatchIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.redispatch(session, actor, number, body.department_id, body.note), actor.role)


@router.post("/{number}/insist", response_model=TicketOut, summary="维持原派（退单审核）")
def insist(number: Number, body: InsistIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.insist(session, actor, number, body.note), actor.role)


@router.post("/{number}/extension", response_model=TicketOut, summary="申请延期（联络员）")
def request_extension(number: Number, body: ExtensionIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.request_extension(session, actor, number, body.days, body.reason), actor.role)


@router.post("/{number}/extension/decision", response_model=TicketOut, summary="审核延期申请")
def decide_extension(number: Number, body: DecisionIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.decide_extension(session, actor, number, body.approve, body.note), actor.role)


@router.post("/{number}/reply", response_model=TicketOut, summary="答复（联络员，可带附件）")
async def reply(
    number: Number,
    session: SessionDep,
    actor: CurrentActor,
    text: Annotated[str, Form(min_length=1, max_length=20000, description="办理情况")],
    files: Annotated[list[UploadFile], File(description="附件：图片、PDF、Office 文档")] = (),
) -> TicketOut:
    # Check role, scope and state before writing files, so a refused reply leaves nothing on disk.
    await run_in_threadpool(service.check_can_reply, session, actor, number)
    stored = await store_uploads(list(files))
    ticket = await run_in_threadpool(service.reply, session, actor, number, text, stored)
    return await run_in_threadpool(_out, session, ticket, actor.role)


@router.post("/{number}/reply/review", response_model=TicketOut, summary="审核答复（通过 / 退回）")
def review_reply(number: Number, body: ReviewIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.review_reply(session, actor, number, body.accept, body.note), actor.role)


@router.post("/{number}/callback", response_model=TicketOut, summary="回访（满意办结 / 不满意重办、改派或督办）")
def callback(number: Number, body: CallbackIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    ticket = service.callback(session, actor, number, body.satisfied, body.note, body.then, body.department_id)
    return _out(session, ticket, actor.role)


@router.post("/{number}/merge", response_model=TicketOut, summary="并单：并入一张未办结的主单")
def merge(number: Number, body: MergeIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.merge(session, actor, number, body.into_number, body.note), actor.role)


@router.post("/{number}/supervise", response_model=TicketOut, summary="督办")
def supervise(number: Number, body: NoteIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.supervise(session, actor, number, body.note), actor.role)


@router.post("/{number}/remind", response_model=TicketOut, summary="催办")
def remind(number: Number, body: NoteIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    return _out(session, service.remind(session, actor, number, body.note), actor.role)
