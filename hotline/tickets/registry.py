"""The ticket steps (工单流转环节), each declared once: who, from where, with what input, to which effect.

Everything else reads these declarations: the role check (`permitted`), the state check (`allowed_from`), the
routes and their OpenAPI (`tickets/routes.py` builds one route per step with a handler), the `allowed_actions` the
API sends with every ticket (the pages draw their buttons from it), the words callers read in self-service
(`public`) and the department's assignment records (派单记录, `assignment`).

A package with steps of its own registers them with `declare` (linkage: 转办, 联动反馈, 联动转入); its module is
imported by the app, so its steps are known before the first request.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from hotline.auth.models import Role
from hotline.tickets.schemas import (
    AnswerIn,
    CallbackIn,
    DecisionIn,
    DispatchIn,
    ExtensionIn,
    InsistIn,
    MergeIn,
    NoteIn,
    ReasonIn,
    ReviewIn,
)
from hotline.tickets.states import OPEN_STATES, STATE_NAMES, Action, TicketState


class Assignment(StrEnum):
    """What a step does to the department's current assignment (派单记录, tickets/assignments.py)."""

    starts = "starts"  # a new assignment begins (and the previous one ends)
    follows = "follows"  # the current assignment records the moment


@dataclass(frozen=True)
class Public:
    """The step as the caller reads it in self-service (查询进度). `{where}` is the department, `{actor}` the
    partner that acted, `{extended_days}` the days an extension added. `shared` is said of the main ticket's
    steps when the caller's ticket was merged into it (None: not shown)."""

    own: str
    shared: str | None = ""  # "" = the same words as `own`

    def text(self, own: bool, **facts: Any) -> str | None:
        words = self.own if own else (self.own if self.shared == "" else self.shared)
        return words.format(**facts) if words is not None else None


@dataclass(frozen=True)
class Step:
    action: Action
    name: str  # the Chinese name people see (timeline, errors, events)
    # Who may take it. None: not taken on its own, it follows from another step (办结 after a satisfied
    # callback). Empty: only a partner system's signed callback, acting as the system.
    roles: frozenset[Role] | None = None
    states: frozenset[TicketState] | None = None  # where it may start; None = not checked (受理, consequences)
    when: Callable[[Any], bool] | None = None  # a further condition on the ticket for showing the step
    body: type[BaseModel] | None = None  # the API's input schema
    path: str | None = None  # POST /api/tickets/{number}/<path>; steps sharing one route name the same path
    summary: str | None = None  # the route's OpenAPI summary
    handler: Callable[..., Any] | None = None  # handler(session, actor, number, **body) -> Ticket
    assignment: Assignment | None = None
    public: Public | None = None


STEPS: dict[Action, Step] = {}


def declare(*steps: Step) -> None:
    for item in steps:
        if item.action in STEPS:
            raise ValueError(f"step {item.action} declared twice")
        STEPS[item.action] = item


def handles(action: Action) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Bind a service function as the step's handler (the route calls it with the body's fields)."""

    def bind(function: Callable[..., Any]) -> Callable[..., Any]:
        STEPS[action] = replace(STEPS[action], handler=function)
        return function

    return bind


def step_of(action: Action) -> Step:
    return STEPS[action]


def action_name(action: Action | str) -> str:
    found = STEPS.get(Action(action))
    return found.name if found else str(action)


def permitted(action: Action) -> frozenset[Role]:
    return STEPS[action].roles or frozenset()


def allowed_from(action: Action) -> frozenset[TicketState]:
    return STEPS[action].states or frozenset()


def routed() -> list[Step]:
    """The steps people take through the API (one route each; the sharers of a route not repeated)."""
    return [s for s in STEPS.values() if s.handler is not None and s.path is not None]


def sharing(path: str) -> list[Step]:
    return [s for s in STEPS.values() if s.path == path]


def allowed_actions(ticket: Any, role: str | None) -> list[str]:
    """The steps `role` may take on `ticket` now: role, state and the step's own condition (the server checks
    again when it is taken; a liaison only ever sees their own department's tickets)."""
    return [
        s.action.value
        for s in STEPS.values()
        if s.roles
        and s.states is not None
        and role in s.roles
        and ticket.state in s.states
        and (s.when is None or s.when(ticket))
    ]


def describe(steps: Iterable[Step]) -> str:
    """The OpenAPI description of a route: who may take its steps and from which states."""
    lines = []
    for s in steps:
        roles = "、".join(sorted(r.value for r in s.roles or ())) or "system"
        states = "、".join(f"{t.value}（{STATE_NAMES[t]}）" for t in TicketState if t in (s.states or ()))
        lines.append(f"- **{s.name}** `{s.action.value}`: roles {roles}; from {states or '—'}")
    return "\n".join(lines) + "\n\n403 `role_forbidden` / `other_department`, 409 `illegal_transition`."


_CENTRE = frozenset({Role.agent, Role.supervisor})
_LIAISON = frozenset({Role.liaison})
_SUPERVISOR = frozenset({Role.supervisor})
_S = TicketState
_TO_DISPATCH = frozenset({_S.received, _S.reopened})
# A failed transfer (转办失败) is the centre's again: it may also answer or dispatch the matter itself.
_TO_HANDLE = _TO_DISPATCH | {_S.transfer_failed}
_WHERE = "{where}"


def _extension_pending(ticket: Any) -> bool:
    return bool(ticket.pending_extension_days)


declare(
    Step(Action.intake, "受理", _CENTRE, public=Public("您的诉求已受理", shared=None)),
    Step(Action.answer, "直接答复", _CENTRE, _TO_HANDLE, body=AnswerIn, path="answer", summary="直接答复",
         public=Public("热线已直接答复")),
    Step(Action.dispatch, "派单", _CENTRE, _TO_HANDLE, body=DispatchIn, path="dispatch", summary="派单",
         assignment=Assignment.starts, public=Public(f"已交由{_WHERE}办理")),
    Step(Action.sign, "签收", _LIAISON, frozenset({_S.dispatched}), body=NoteIn, path="sign",
         summary="签收（联络员）", assignment=Assignment.follows, public=Public(f"{_WHERE}已签收，正在办理")),
    Step(Action.return_, "退单", _LIAISON, frozenset({_S.dispatched}), body=ReasonIn, path="return",
         summary="退单（联络员）", assignment=Assignment.follows,
         public=Public("承办单位认为不属其职责，热线正在重新确定承办单位")),
    Step(Action.redispatch, "改派", _SUPERVISOR, frozenset({_S.returned}), body=DispatchIn, path="redispatch",
         summary="改派（退单审核）", assignment=Assignment.starts, public=Public(f"已交由{_WHERE}办理")),
    Step(Action.insist, "维持原派", _SUPERVISOR, frozenset({_S.returned}), body=InsistIn, path="insist",
         summary="维持原派（退单审核）", assignment=Assignment.starts, public=Public(f"已交由{_WHERE}办理")),
    Step(Action.request_extension, "申请延期", _LIAISON, frozenset({_S.in_progress}),
         when=lambda t: not _extension_pending(t), body=ExtensionIn, path="extension", summary="申请延期（联络员）",
         assignment=Assignment.follows),
    Step(Action.approve_extension, "同意延期", _SUPERVISOR, frozenset({_S.in_progress}), when=_extension_pending,
         body=DecisionIn, path="extension/decision", summary="审核延期申请", assignment=Assignment.follows,
         public=Public("办理时限已延长 {extended_days} 个工作日")),
    Step(Action.refuse_extension, "不同意延期", _SUPERVISOR, frozenset({_S.in_progress}), when=_extension_pending,
         path="extension/decision"),
    # The reply takes files, so its route is written out in routes.py (a form, not JSON).
    Step(Action.reply, "答复", _LIAISON, frozenset({_S.in_progress}), path="reply",
         summary="答复（联络员，可带附件）", assignment=Assignment.follows,
         public=Public("承办单位已答复，热线正在审核")),
    Step(Action.accept_reply, "答复审核通过", _SUPERVISOR, frozenset({_S.replied}), body=ReviewIn,
         path="reply/review", summary="审核答复（通过 / 退回）", assignment=Assignment.follows,
         public=Public("答复已审核通过，等待回访")),
    Step(Action.send_back_reply, "答复退回", _SUPERVISOR, frozenset({_S.replied}), path="reply/review",
         public=Public("答复需要完善，承办单位继续办理")),
    Step(Action.callback, "回访", _CENTRE, frozenset({_S.callback_pending}), body=CallbackIn, path="callback",
         summary="回访（满意办结 / 不满意重办、改派或督办）", assignment=Assignment.follows,
         public=Public("已回访", shared=None)),
    Step(Action.reopen, "重办", assignment=Assignment.follows,
         public=Public("根据您的反馈重新办理", shared="经回访，重新办理")),
    Step(Action.close, "办结", public=Public("已办结")),
    Step(Action.merge, "并单", _CENTRE, _TO_DISPATCH, body=MergeIn, path="merge",
         summary="并单：并入一张未办结的主单", public=Public("与相同诉求合并办理，以下为合并办理的进展")),
    Step(Action.supervise, "督办", frozenset({Role.supervisor, Role.manager}), OPEN_STATES, body=NoteIn,
         path="supervise", summary="督办"),
    Step(Action.remind, "催办", frozenset({Role.agent, Role.supervisor, Role.manager}),
         frozenset({_S.dispatched, _S.in_progress, _S.replied}), body=NoteIn, path="remind", summary="催办"),
    Step(Action.near_due, "临期预警"),
    Step(Action.overdue, "超期"),
)  # fmt: skip
