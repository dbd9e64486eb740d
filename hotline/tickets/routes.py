"""The ticket API: intake, every lifecycle step, lists and queues, the timeline and attachments.

The step routes are made from the declarations in tickets/registry.py (one per step with a handler).

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
from hotline.tickets.registry import Step, describe, routed, sharing, step_of
from hotline.tickets.schemas import EventOut, TicketIn, TicketOut, TicketPage
from hotline.tickets.search import COUNT_LIMIT, TicketFilters, export_xlsx, search_tickets
from hotline.tickets.states import Action, RequestType, TicketState

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
    items, total = search_tickets(session, actor, filters, limit, offset, count_limit=COUNT_LIMIT)
    capped = total > COUNT_LIMIT
    return TicketPage(items=outs(session, items, actor.role), total=min(total, COUNT_LIMIT), total_capped=capped)


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


@router.post(
    "/{number}/reply",
    response_model=TicketOut,
    summary=step_of(Action.reply).summary,
    description=describe([step_of(Action.reply)]),
)
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


def _step_route(declared: Step) -> None:
    """POST /api/tickets/{number}/<path>: the step's body in, the ticket (with its new allowed_actions) out."""
    handler, body_model = declared.handler, declared.body

    def endpoint(number: Number, body: body_model, session: SessionDep, actor: CurrentActor) -> TicketOut:  # type: ignore[valid-type]
        return _out(session, handler(session, actor, number, **body.model_dump()), actor.role)

    endpoint.__name__ = handler.__name__  # keeps the OpenAPI operation ids the hand-written routes had
    router.post(
        f"/{{number}}/{declared.path}",
        response_model=TicketOut,
        summary=declared.summary,
        description=describe(sharing(declared.path)),
    )(endpoint)


for _declared in routed():
    if _declared.body is not None:  # the reply (a form with files) is written out above
        _step_route(_declared)
