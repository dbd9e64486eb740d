"""The console's pages, assets, WebSocket and the few API routes only the console needs.

The caller's full number stays on the server: the console asks for a queued call's history by the call.
"""

from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from agent_console import assist, socket
from agent_console.hub import WATCHER_ROLES
from agent_console.prefill import prefill
from agent_console.protocol import PATH
from hotline.auth.deps import CurrentActor, SessionDep, require_roles
from hotline.auth.models import Role, User
from hotline.callers.models import Call, Caller, mask_phone
from hotline.callers.service import normalise_phone, transcript
from hotline.errors import Forbidden, NotFound
from hotline.events import Event, get_bus
from hotline.tickets import service
from hotline.tickets.models import Ticket
from hotline.tickets.queries import outs
from hotline.tickets.schemas import TicketIn, TicketOut
from hotline.tickets.states import Channel
from routing.acd.models import AGENT_STATE_NAMES, AgentPresence, AgentState, QueuedCall
from routing.urgency import detect_urgency, triage_details

STATIC = Path(__file__).parent / "static"
PAGES = {"/console": "console.html", "/wallboard": "wallboard.html"}
ASSETS = {p.name for p in STATIC.iterdir() if p.suffix in (".js", ".css")}
MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


# The console hub (app.state.console_hub) is started by the app's lifespan (hotline/app.py) with the other jobs.
router = APIRouter()
api = APIRouter(prefix="/api/console", tags=["座席控制台 console"])
_centre = Depends(require_roles(Role.agent, Role.supervisor, Role.manager, Role.admin))
_supervisors = Depends(require_roles(Role.supervisor, Role.admin))


def _page(name: str):
    def serve() -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8")

    return serve


for _path, _file in PAGES.items():
    router.add_api_route(_path, _page(_file), include_in_schema=False)


@router.get("/console/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in ASSETS:  # only the files that ship, never a path
        raise NotFound("没有这个文件", code="asset_not_found")
    return FileResponse(STATIC / name, media_type=MEDIA[Path(name).suffix], headers={"Cache-Control": "no-cache"})


@router.websocket(PATH)
async def console_socket(websocket: WebSocket) -> None:
    await socket.serve(websocket, websocket.app.state.console_hub)


class Segment(BaseModel):
    leg: str
    start: float
    end: float
    text: str


class CallView(BaseModel):
    queued_call_id: int
    call_id: str
    state: str
    caller_phone: str | None = Field(description="masked: the full number never reaches the browser")
    caller_name: str | None
    first_contact: datetime | None
    enqueued_at: datetime
    answered_at: datetime | None
    wait_seconds: float
    history: list[TicketOut]
    transcript: list[Segment]
    ticket: TicketOut | None = Field(default=None, description="the ticket already filed on this call (read-only)")


def _call_for(session: Session, actor: CurrentActor, queued_call_id: int) -> QueuedCall:
    queued = session.get(QueuedCall, queued_call_id)
    if queued is None:
        raise NotFound(f"没有编号为 {queued_call_id} 的来电", code="queued_call_not_found")
    if actor.role not in WATCHER_ROLES and actor.id not in (queued.offered_to, queued.answered_by):
        raise Forbidden("这通来电不是分配给您的", code="not_your_call")
    return queued


def _caller(session: Session, queued: QueuedCall) -> tuple[Call | None, Caller | None]:
    call = session.exec(select(Call).where(Call.external_id == queued.call_external_id)).first()
    caller = session.get(Caller, call.caller_id) if call and call.caller_id else None
    return call, caller


@api.get("/calls/{queued_call_id}", response_model=CallView, summary="来电详情：脱敏号码、历史工单、已有转写")
def call_view(queued_call_id: int, request: Request, session: SessionDep, actor: CurrentActor) -> CallView:
    queued = _call_for(session, actor, queued_call_id)
    call, caller = _caller(session, queued)
    history: list[Ticket] = []
    if caller:
        history = list(
            session.exec(
                select(Ticket).where(Ticket.caller_id == caller.id).order_by(Ticket.created_at.desc()).limit(10)
            )
        )
    filed = (
        session.exec(select(Ticket).where(Ticket.call_id == call.id).order_by(Ticket.created_at.desc())).first()
        if call
        else None
    )
    segments = transcript(session, call) if call else []
    stored = [Segment(leg=s.leg, start=s.start, end=s.end, text=s.text) for s in segments]
    # Finals this worker heard but nobody stored (yet): the console shows the call from its first word.
    known = {(s.leg, round(s.start, 2)) for s in stored}
    for heard in request.app.state.console_hub.finals_of(queued.call_external_id):
        segment = Segment(**{k: heard.get(k) for k in ("leg", "start", "end", "text")})
        if (segment.leg, round(segment.start, 2)) not in known:
            stored.append(segment)
    stored.sort(key=lambda s: (s.start, s.leg))
    end = queued.answered_at or queued.ended_at or datetime.now(UTC)
    return CallView(
        queued_call_id=queued.id,
        call_id=queued.call_external_id,
        state=queued.state,
        caller_phone=mask_phone(queued.caller_phone),
        caller_name=caller.name if caller else None,
        first_contact=caller.created_at if caller else None,
        enqueued_at=queued.enqueued_at,
        answered_at=queued.answered_at,
        wait_seconds=round((end - queued.enqueued_at).total_seconds(), 1),
        history=outs(session, history, actor.role),
        transcript=stored,
        ticket=outs(session, [filed], actor.role)[0] if filed else None,
    )


class AssistIn(BaseModel):
    text: str = Field(max_length=20_000, description="the caller's words so far, and the agent's notes")
    address: str | None = Field(default=None, max_length=200)


class Triage(BaseModel):
    level: str = Field(description="urgent 紧急 / high 较急 / normal 普通")
    level_name: str
    category: str | None = Field(description="violence / fire / medical / selfharm / trapped, when urgent")
    referral: list[str] = Field(description="转 110 / 119 / 120, the first one first")
    advice: str | None = Field(description="what the agent does first (Chinese)")
    cues: list[str]
    dismissed: list[str] = Field(description="words of danger heard but not counted, with why (否定, 过去的事 …)")


class AssistOut(BaseModel):
    queued_call_id: int = Field(description="the call these suggestions belong to")
    triage: Triage = Field(description="safety triage of the caller's words (rules; no model needed)")
    suggestion: dict | None = Field(description="routing.suggest: topic, department, request type, urgency")
    suggestion_note: str | None
    similar: list[dict] = Field(description="similar open tickets (routing.repeats) and the caller's own")
    similar_note: str | None
    prefill: dict = Field(description="智能填单: address, district, street, caller name, callback number, summary")


def _without_line_number(fields: dict, line: str | None) -> dict:
    """回访号码 is for a number other than the line the caller rings from."""
    if line and fields.get("callback_phone") and fields["callback_phone"] == normalise_phone(line):
        fields["callback_phone"] = None
    return fields


@api.post("/calls/{queued_call_id}/assist", response_model=AssistOut, summary="通话中的智能建议与相似工单")
def call_assist(queued_call_id: int, body: AssistIn, session: SessionDep, actor: CurrentActor) -> AssistOut:
    queued = _call_for(session, actor, queued_call_id)
    call, caller = _caller(session, queued)
    found, suggestion_note = assist.suggestion(body.text, body.address)
    filed = {t.number for t in session.exec(select(Ticket).where(Ticket.call_id == call.id))} if call else set()
    similar, similar_note = assist.similar_open(session, body.text, body.address, queued.caller_phone, actor.role)
    own = assist.caller_open_tickets(session, caller.id if caller else None, actor.role)
    seen = set(filed)
    candidates = []
    for item in similar + own:  # not the ticket of this very call, and each ticket once
        if item["number"] not in seen:
            seen.add(item["number"])
            candidates.append(item)
    urgency = detect_urgency(f"{body.address or ''} {body.text}")
    return AssistOut(
        queued_call_id=queued.id,
        triage=Triage(cues=urgency.cues, **triage_details(urgency)),
        suggestion=found,
        suggestion_note=suggestion_note,
        similar=candidates,
        similar_note=similar_note,
        prefill=_without_line_number(prefill(body.text).as_dict(), queued.caller_phone),
    )


@api.post("/calls/{queued_call_id}/tickets", response_model=TicketOut, status_code=201, summary="受理本通来电的工单")
def file_ticket(queued_call_id: int, body: TicketIn, session: SessionDep, actor: CurrentActor) -> TicketOut:
    """Like POST /api/tickets, but the caller's number and the call come from the queued call on the server."""
    queued = _call_for(session, actor, queued_call_id)
    call, caller = _caller(session, queued)
    fields = body.model_dump(exclude={"call_id", "caller_phone", "channel"})
    if not fields.get("caller_name") and caller:
        fields["caller_name"] = caller.name
    draft = service.TicketDraft(
        **fields, channel=Channel.phone, caller_phone=queued.caller_phone, call_id=call.id if call else None
    )
    return outs(session, [service.intake(session, actor, draft)], actor.role)[0]


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    to_user_id: int | None = Field(default=None, description="one agent, or everyone when empty")


class AgentOut(BaseModel):
    user_id: int
    name: str
    username: str
    state: str
    state_name: str
    state_since: datetime | None
    queued_call_id: int | None


@api.post("/messages", status_code=202, summary="班长消息：发给一位话务员或全体", dependencies=[_supervisors])
def send_message(body: MessageIn, session: SessionDep, actor: CurrentActor) -> dict:
    to_name = None
    if body.to_user_id is not None:
        target = session.get(User, body.to_user_id)
        if target is None or target.role != Role.agent:
            raise NotFound("没有这位话务员", code="agent_not_found")
        to_name = target.display_name
    payload = {
        "from_user_id": actor.id,
        "from_name": actor.name,
        "to_user_id": body.to_user_id,
        "to_name": to_name,
        "text": body.text,
        "at": datetime.now(UTC).isoformat(),
    }
    get_bus().publish(Event("console.message", payload))
    return payload


@api.get("/agents", response_model=list[AgentOut], summary="话务员及其状态", dependencies=[_centre])
def agents(session: SessionDep) -> list[AgentOut]:
    users = session.exec(select(User).where(User.role == Role.agent, User.active).order_by(User.display_name)).all()
    presence = {p.user_id: p for p in session.exec(select(AgentPresence))}
    out = []
    for user in users:
        seat = presence.get(user.id)
        state = AgentState(seat.state) if seat else AgentState.offline
        out.append(
            AgentOut(
                user_id=user.id,
                name=user.display_name,
                username=user.username,
                state=state,
                state_name=AGENT_STATE_NAMES[state],
                state_since=seat.state_since if seat else None,
                queued_call_id=seat.queued_call_id if seat else None,
            )
        )
    return out


router.include_router(api)  # last: include_router copies the routes defined so far
