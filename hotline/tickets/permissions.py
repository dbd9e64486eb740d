"""Who may take which step (the role matrix), and which tickets a user may see."""

from hotline.auth.actor import Actor
from hotline.auth.models import ROLE_NAMES, Role
from hotline.errors import Forbidden
from hotline.tickets.models import Ticket
from hotline.tickets.states import ACTION_NAMES, Action

_CENTRE = frozenset({Role.agent, Role.supervisor})
_LIAISON = frozenset({Role.liaison})
_SUPERVISOR = frozenset({Role.supervisor})

PERMITTED: dict[Action, frozenset[Role]] = {
    Action.intake: _CENTRE,
    Action.answer: _CENTRE,
    Action.dispatch: _CENTRE,
    Action.merge: _CENTRE,
    Action.callback: _CENTRE,
    Action.sign: _LIAISON,
    Action.return_: _LIAISON,
    Action.request_extension: _LIAISON,
    Action.reply: _LIAISON,
    Action.redispatch: _SUPERVISOR,
    Action.insist: _SUPERVISOR,
    Action.approve_extension: _SUPERVISOR,
    Action.refuse_extension: _SUPERVISOR,
    Action.accept_reply: _SUPERVISOR,
    Action.send_back_reply: _SUPERVISOR,
    Action.supervise: frozenset({Role.supervisor, Role.manager}),
    Action.remind: frozenset({Role.agent, Role.supervisor, Role.manager}),
    Action.transfer: _CENTRE,
    # Only the partners' signed callbacks (a system actor) report their progress or hand tickets over.
    Action.partner_update: frozenset(),
    Action.partner_intake: frozenset(),
    Action.transfer_failed: frozenset(),  # the outbox records it when delivery gives up
    Action.retry_transfer: _CENTRE,
}

SYSTEM_ROLE = "system"


def check_permitted(actor: Actor, action: Action) -> None:
    if actor.role == SYSTEM_ROLE:
        return
    allowed = PERMITTED[action]
    if not allowed:
        message = f"「{ACTION_NAMES[action]}」只能由联动单位系统自动操作"
        raise Forbidden(message, code="role_forbidden", action=action.value)
    if actor.role not in allowed:
        names = "、".join(ROLE_NAMES[r] for r in sorted(allowed))
        raise Forbidden(f"「{ACTION_NAMES[action]}」只能由{names}操作", code="role_forbidden", action=action.value)


def check_reads_tickets(actor: Actor) -> None:
    """Knowledge editors (知识库编辑) keep articles; citizens' tickets are none of their business (least privilege)."""
    if actor.role == Role.editor:
        raise Forbidden("知识库编辑无权查看工单", code="role_forbidden")


def check_can_see(actor: Actor, ticket: Ticket) -> None:
    """A liaison sees and touches only the tickets currently with their own department."""
    check_reads_tickets(actor)
    if actor.role == Role.liaison and ticket.department_id != actor.department_id:
        raise Forbidden("这张工单不在本单位，无权查看或办理", code="other_department")
