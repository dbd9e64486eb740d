"""Open311 GeoReport v2 façade, in XML (the spec's default) and JSON: discovery, services, service definitions,
requests GET/POST, requests/{id}, tokens/{token}.

service_request_id = ticket number, agency_responsible = department, expected_datetime = reply due.
Services are our request types. Because 12345 tickets are private matters (unlike a pothole map), every
`requests` endpoint needs an `api_key` issued to a city app (query string or form body); discovery and services are
public — discovery says so. Descriptions are the ticket's summary and the address is the district only, except where
the app itself POSTed the request: then its own address_string / lat / long are shown back.
Every error under /open311/v2/ (ours, the framework's 404/422 included) is the spec's `[{code, description}]`.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated
from xml.etree import ElementTree

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from hotline.auth.actor import Actor
from hotline.auth.deps import SessionDep
from hotline.db import get_engine, utcnow
from hotline.directory.models import Department
from hotline.errors import DomainError, register_error_format
from hotline.security.idempotency import digest, once
from hotline.tickets import service as tickets
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.privacy import outside_summary
from hotline.tickets.states import OPEN_STATES, Channel, RequestType
from selfservice.models import Open311Request, Open311Token
from selfservice.progress import PUBLIC_STATE
from selfservice.settings import get_selfservice_settings

PREFIX = "/open311/v2"
router = APIRouter(prefix=PREFIX, tags=["Open311 GeoReport v2"])
CODES = {
    "consult": RequestType.consult,
    "help": RequestType.help,
    "complaint": RequestType.complaint,
    "report": RequestType.report,
    "suggestion": RequestType.suggestion,
    "praise": RequestType.praise,
}
SERVICE_CODE = {value: code for code, value in CODES.items()}
OPEN311_ACTOR = Actor(id=None, name="Open311 接口", role="system")
FORMATS = {"json": "application/json", "xml": "text/xml"}
DEFAULT_SPAN = timedelta(days=90)  # the spec: without dates, the last 90 days; a range may not span more
MAX_RESULTS = 1000
# POST field → longest accepted (the spec's 4,000 for a description; the ticket's columns for the rest)
LENGTHS = {
    "description": 4000,
    "address_string": 200,
    "address_id": 100,
    "first_name": 25,
    "last_name": 25,
    "phone": 20,
    "email": 100,
    "device_id": 100,
    "account_id": 100,
    "media_url": 500,
}


class Open311Error(DomainError):
    """Answered in the spec's format by the error handlers (the path is under /open311/v2/)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description, code=f"open311_{status}")
        self.status = status


# ---- rendering ---------------------------------------------------------------------------------------------------


def _xml_value(parent: ElementTree.Element, tag: str, value: object) -> None:
    node = ElementTree.SubElement(parent, tag)
    if isinstance(value, list):
        for item in value:
            _xml_value(node, tag.removesuffix("s") if tag.endswith("s") else "item", item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(node, key, inner)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def render(fmt: str, data: object, root: str, item: str, status: int = 200) -> Response:
    """JSON as it is; XML as <root><item>…</item>…</root> (a dict is one element named `root`)."""
    if fmt == "json":
        return JSONResponse(data, status_code=status)
    top = ElementTree.Element(root)
    for entry in data if isinstance(data, list) else [data]:
        parent = ElementTree.SubElement(top, item) if isinstance(data, list) else top
        for key, value in entry.items():
            _xml_value(parent, key, value)
    body = ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def _format_of(path: str) -> str:
    return "xml" if path.rsplit("?", 1)[0].endswith(".xml") else "json"


def error_response(request: Request, status: int, description: str) -> Response:
    return render(_format_of(request.url.path), [{"code": status, "description": description}], "errors", "error",
                  status)  # fmt: skip


register_error_format(PREFIX + "/", error_response)


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, f"不支持的格式 .{fmt}（可用 .xml 或 .json）")
    return fmt


# ---- arguments ---------------------------------------------------------------------------------------------------


def _arg(source, name: str) -> str | None:
    """An empty argument means the same as an absent one (the spec's clients send `start_date=`)."""
    value = source.get(name)
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def _check_key(key: str | None) -> None:
    if not key or key not in get_selfservice_settings().open311_api_keys:
        raise Open311Error(403, "api_key 无效或缺失（requests 接口需要城市应用的 api_key）")


def _check_jurisdiction(request: Request, form=None) -> None:
    given = _arg(request.query_params, "jurisdiction_id") or (_arg(form, "jurisdiction_id") if form else None)
    if given and given != get_selfservice_settings().open311_jurisdiction:
        raise Open311Error(404, f"没有辖区 {given}（本系统为 {get_selfservice_settings().open311_jurisdiction}）")


def _date(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # a '+' in a query string arrives as a space
    except ValueError:
        raise Open311Error(400, f"{name} 格式应为 W3C 日期时间，例如 2026-01-01T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    if start and end and end - start > DEFAULT_SPAN:
        raise Open311Error(400, "start_date 与 end_date 相距不能超过 90 天")
    if start and end and end < start:
        raise Open311Error(400, "end_date 早于 start_date")
    if start and not end:
        return start, start + DEFAULT_SPAN
    if end and not start:
        return end - DEFAULT_SPAN, end
    if not start:
        now = utcnow()
        return now - DEFAULT_SPAN, now
    return start, end


def _float(value: str | None, name: str, bound: float) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} 应为数字") from None
    if not -bound <= number <= bound:
        raise Open311Error(400, f"{name} 超出范围（±{bound:g}）")
    return number


# ---- discovery and services ----------------------------------------------------------------------------------------


def _discovery(request: Request) -> dict:
    base = str(request.base_url).rstrip("/") + PREFIX + "/"
    return {
        "changeset": "2026-12-01T00:00:00Z",
        "contact": "12345 政务服务便民热线",
        "key_service": "discovery 与 services 公开；requests 的查询和提交都需要 api_key（工单涉及市民隐私），"
        "请向 12345 热线中心申请",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-12-01T00:00:00Z",
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }


@router.get("/discovery.{fmt}", summary="Open311 discovery（XML 或 JSON）")
def discovery(fmt: str, request: Request) -> Response:
    return render(_fmt(fmt), _discovery(request), "discovery", "discovery")


def _service(code: str) -> dict:
    return {
        "service_code": code,
        "service_name": CODES[code].value,
        "description": f"{CODES[code].value}类诉求",
        "metadata": False,
        "type": "realtime",
        "keywords": "12345",
        "group": "12345 热线",
    }


@router.get("/services.{fmt}", summary="服务（诉求类型）列表")
def services(fmt: str, request: Request) -> Response:
    fmt = _fmt(fmt)
    _check_jurisdiction(request)
    return render(fmt, [_service(code) for code in CODES], "services", "service")


@router.get("/services/{code}.{fmt}", summary="服务定义")
def service_definition(code: str, fmt: str, request: Request) -> Response:
    fmt = _fmt(fmt)
    _check_jurisdiction(request)
    if code not in CODES:
        raise Open311Error(404, f"没有服务 {code}")
    return render(fmt, {"service_code": code, "attributes": []}, "service_definition", "service_definition")


# ---- requests ----------------------------------------------------------------------------------------------------


def _request_out(session: Session, ticket: Ticket) -> dict:
    department = session.get(Department, ticket.department_id) if ticket.department_id else None
    last = session.exec(
        select(TicketEvent.at).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id.desc())
    ).first()
    posted = session.get(Open311Request, ticket.id)  # what the app itself sent, shown back to it
    return {
        "service_request_id": ticket.number,
        "status": "open" if ticket.state in OPEN_STATES else "closed",
        "status_notes": PUBLIC_STATE.get(ticket.state),
        "service_name": ticket.request_type,
        "service_code": SERVICE_CODE.get(RequestType(ticket.request_type)),
        "description": outside_summary(ticket.confidential, ticket.summary, ticket.request_type),
        "agency_responsible": department.name if department else None,
        "service_notice": None,
        "requested_datetime": ticket.created_at.isoformat(),
        "updated_datetime": (last or ticket.updated_at).isoformat(),
        "expected_datetime": ticket.reply_due_at.isoformat() if ticket.reply_due_at else None,
        "address": (posted.address_string if posted and posted.address_string else ticket.district),
        "address_id": None,
        "zipcode": None,
        "lat": posted.lat if posted else None,
        "long": posted.long if posted else None,
        "media_url": None,
    }


def _find(session: Session, query) -> list[dict]:
    found = session.exec(query.order_by(Ticket.created_at.desc()).limit(MAX_RESULTS)).all()
    return [_request_out(session, t) for t in found]


@router.get("/requests.{fmt}", summary="查询服务请求（需 api_key）")
def list_requests(fmt: str, request: Request, session: SessionDep) -> Response:
    fmt = _fmt(fmt)
    args = request.query_params
    _check_key(_arg(args, "api_key"))
    _check_jurisdiction(request)
    ids = _arg(args, "service_request_id")
    if ids:  # the spec: service_request_id overrides every other argument
        numbers = [n.strip() for n in ids.split(",") if n.strip()][:MAX_RESULTS]
        return render(fmt, _find(session, select(Ticket).where(Ticket.number.in_(numbers))), "service_requests",
                      "request")  # fmt: skip
    start, end = _window(_date(_arg(args, "start_date"), "start_date"), _date(_arg(args, "end_date"), "end_date"))
    query = select(Ticket).where(Ticket.created_at >= start, Ticket.created_at <= end)
    if codes := _arg(args, "service_code"):
        query = query.where(Ticket.request_type.in_([CODES[c].value for c in codes.split(",") if c.strip() in CODES]))
    if statuses := _arg(args, "status"):
        wanted = {s.strip() for s in statuses.split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status 只能是 open 或 closed（可用逗号分隔）")
        if len(wanted) == 1:
            opened = Ticket.state.in_([s.value for s in OPEN_STATES])
            query = query.where(opened if wanted == {"open"} else ~opened)
    return render(fmt, _find(session, query), "service_requests", "request")


@router.get("/requests/{number}.{fmt}", summary="一个服务请求（需 api_key）")
def one_request(number: str, fmt: str, request: Request, session: SessionDep) -> Response:
    fmt = _fmt(fmt)
    _check_key(_arg(request.query_params, "api_key"))
    _check_jurisdiction(request)
    ticket = session.exec(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        raise Open311Error(404, f"没有服务请求 {number}")
    return render(fmt, [_request_out(session, ticket)], "service_requests", "request")


def _draft(form) -> tuple[tickets.TicketDraft, str | None, float | None, float | None]:
    code = _arg(form, "service_code")
    if code is None:
        raise Open311Error(400, "缺少 service_code")
    if code not in CODES:
        raise Open311Error(404, f"没有服务 {code}")
    for name, longest in LENGTHS.items():
        if len(_arg(form, name) or "") > longest:
            raise Open311Error(400, f"{name} 太长（最多 {longest} 个字符）")
    description = _arg(form, "description") or ""
    if len(description) < 2:
        raise Open311Error(400, "description 不能为空")
    lat, long = _float(_arg(form, "lat"), "lat", 90), _float(_arg(form, "long"), "long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat 和 long 须同时提供")
    address = _arg(form, "address_string")
    if lat is None and not address and not _arg(form, "address_id"):
        raise Open311Error(400, "须提供位置：lat/long、address_string 或 address_id")
    name = " ".join(filter(None, [_arg(form, "last_name"), _arg(form, "first_name")])) or None
    draft = tickets.TicketDraft(
        request_type=CODES[code],
        summary=description[:40],
        description=description,
        channel=Channel.app,
        caller_phone=_arg(form, "phone"),
        caller_name=name,
        address=address,
    )
    return draft, address, lat, long


def _create(draft: tickets.TicketDraft, where: tuple, scope: str, key: str | None, body: str) -> str:
    """The synchronous intake, run in a worker thread: the event loop keeps serving while the database works."""
    with Session(get_engine()) as session:

        def intake() -> Ticket:
            ticket = tickets.intake(session, OPEN311_ACTOR, draft)
            session.add(Open311Request(ticket_id=ticket.id, address_string=where[0], lat=where[1], long=where[2]))
            session.commit()
            return ticket

        try:
            ticket, _ = once(session, scope, key, body, intake)
        except DomainError as exc:
            raise Open311Error(409 if exc.status == 409 else 400, exc.message) from None
        return ticket.number


@router.post(
    "/requests.{fmt}",
    summary="提交服务请求（需 api_key，表单编码）",
    description="api_key 可在表单或查询串中。带 `Idempotency-Key` 请求头重试时返回同一个 service_request_id。",
)
async def create_request(
    fmt: str,
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> Response:
    fmt = _fmt(fmt)
    form = await request.form()
    key = _arg(form, "api_key") or _arg(request.query_params, "api_key")
    _check_key(key)
    _check_jurisdiction(request, form)
    draft, *where = _draft(form)
    scope = "open311:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    body = digest(sorted((k, str(v)) for k, v in form.multi_items() if k != "api_key"))
    number = await run_in_threadpool(_create, draft, tuple(where), scope, idempotency_key, body)
    # The number exists at once, so the answer carries it and no token (the spec: one or the other).
    notice = "已受理，请用工单编号和手机号码查询进度"
    answer = [{"service_request_id": number, "service_notice": notice, "account_id": None}]
    return render(fmt, answer, "service_requests", "request")


@router.get("/tokens/{token}.{fmt}", summary="由 token 查服务请求编号（早先发出的 token）")
def by_token(token: str, fmt: str, request: Request, session: SessionDep) -> Response:
    fmt = _fmt(fmt)
    _check_key(_arg(request.query_params, "api_key"))
    _check_jurisdiction(request)
    found = session.get(Open311Token, token)
    if found is None:
        raise Open311Error(404, "没有这个 token")
    number = session.get(Ticket, found.ticket_id).number
    return render(fmt, [{"service_request_id": number, "token": token}], "service_requests", "request")
