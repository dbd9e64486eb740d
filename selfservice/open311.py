"""Open311 GeoReport v2 façade (JSON): discovery, services, requests GET/POST, requests/{id}, tokens/{id}.

service_request_id = ticket number, agency_responsible = department, expected_datetime = reply due.
Services are our request types. Because 12345 tickets are private matters (unlike a pothole map), every
`requests` endpoint needs an `api_key` issued to a city app; discovery and services are public. Descriptions
are the ticket's summary and the address is the district only: no caller's words or home address go out.
"""

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session, select

from hotline.auth.actor import Actor
from hotline.auth.deps import SessionDep
from hotline.directory.models import Department
from hotline.errors import DomainError
from hotline.tickets import service as tickets
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.privacy import outside_summary
from hotline.tickets.states import OPEN_STATES, Channel, RequestType
from selfservice.models import Open311Token
from selfservice.progress import PUBLIC_STATE
from selfservice.settings import get_selfservice_settings

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
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


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _key_ok(key: str | None) -> bool:
    return bool(key) and key in get_selfservice_settings().open311_api_keys


@router.get("/discovery.json", summary="Open311 discovery")
def discovery(request: Request) -> dict:
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    return {
        "changeset": "2026-01-01T00:00:00Z",
        "contact": "12345 政务服务便民热线",
        "key_service": "请向 12345 热线中心申请 api_key",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-01-01T00:00:00Z",
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


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


@router.get("/services.json", summary="服务（诉求类型）列表")
def services() -> list[dict]:
    return [_service(code) for code in CODES]


@router.get("/services/{code}.json", summary="服务定义")
def service_definition(code: str):
    if code not in CODES:
        return _error(404, f"没有服务 {code}")
    return {"service_code": code, "attributes": []}


def _request_out(session: Session, ticket: Ticket) -> dict:
    department = session.get(Department, ticket.department_id) if ticket.department_id else None
    last = session.exec(
        select(TicketEvent.at).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id.desc())
    ).first()
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
        "address": ticket.district,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


@router.get("/requests.json", summary="查询服务请求（需 api_key）")
def list_requests(
    session: SessionDep,
    api_key: str | None = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: str | None = None,
):
    if not _key_ok(api_key):
        return _error(403, "api_key 无效或缺失")
    query = select(Ticket)
    if service_request_id:
        query = query.where(Ticket.number.in_([n.strip() for n in service_request_id.split(",")]))
    if service_code:
        codes = [CODES[c].value for c in service_code.split(",") if c in CODES]
        query = query.where(Ticket.request_type.in_(codes))
    if start_date:
        query = query.where(Ticket.created_at >= start_date)
    if end_date:
        query = query.where(Ticket.created_at <= end_date)
    if status in ("open", "closed"):
        opened = Ticket.state.in_([s.value for s in OPEN_STATES])
        query = query.where(opened if status == "open" else ~opened)
    tickets_found = session.exec(query.order_by(Ticket.created_at.desc()).limit(1000)).all()
    return [_request_out(session, t) for t in tickets_found]


@router.get("/requests/{number}.json", summary="一个服务请求（需 api_key）")
def one_request(number: str, session: SessionDep, api_key: str | None = None):
    if not _key_ok(api_key):
        return _error(403, "api_key 无效或缺失")
    ticket = session.exec(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        return _error(404, f"没有服务请求 {number}")
    return [_request_out(session, ticket)]


@router.post("/requests.json", summary="提交服务请求（需 api_key，表单编码）")
async def create_request(request: Request):
    form = await request.form()
    if not _key_ok(form.get("api_key")):
        return _error(403, "api_key 无效或缺失")
    code = form.get("service_code")
    if code not in CODES:
        return _error(400, "service_code 缺失或无效")
    description = (form.get("description") or "").strip()
    if len(description) < 2:
        return _error(400, "description 不能为空")
    if not any(form.get(f) for f in ("lat", "address_string", "address_id")):
        return _error(400, "须提供位置：lat/long、address_string 或 address_id")
    name = " ".join(filter(None, [form.get("last_name"), form.get("first_name")])) or None
    draft = tickets.TicketDraft(
        request_type=CODES[code],
        summary=description[:40],
        description=description,
        channel=Channel.app,
        caller_phone=form.get("phone") or None,
        caller_name=name,
        address=(form.get("address_string") or None),
    )
    from hotline.db import get_engine

    with Session(get_engine()) as session:
        try:
            ticket = tickets.intake(session, OPEN311_ACTOR, draft)
        except DomainError as exc:
            return _error(400, exc.message)
        token = Open311Token(token=uuid.uuid4().hex, ticket_id=ticket.id)
        session.add(token)
        session.commit()
        return [
            {
                "service_request_id": ticket.number,
                "token": token.token,
                "service_notice": "已受理，请用工单编号和手机号码查询进度",
                "account_id": None,
            }
        ]


@router.get("/tokens/{token}.json", summary="由 token 查服务请求编号")
def by_token(token: str, session: SessionDep, api_key: str | None = None):
    if not _key_ok(api_key):
        return _error(403, "api_key 无效或缺失")
    found = session.get(Open311Token, token)
    if found is None:
        return _error(404, "没有这个 token")
    return [{"service_request_id": session.get(Ticket, found.ticket_id).number, "token": token}]
