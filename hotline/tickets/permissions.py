"""Who may take which step (the roles declared in tickets/registry.py), and which tickets a user may see."""

from hotline.auth.actor import Actor
from hotline.auth.models import ROLE_NAMES, Role
from hotline.errors import Forbidden
from hotline.tickets.models import Ticket
from hotline.tickets.registry import action_name, permitted
from hotline.tickets.states import Action

SYSTEM_ROLE = "system"


def check_permitted(actor: Actor, action: Action) -> None:
    if actor.role == SYSTEM_ROLE:
        return
    allowed = permitted(action)
    if not allowed:
        message = f"「{action_name(action)}」只能由联动单位系统自动操作"
        raise Forbidden(message, code="role_forbidden", action=action.value)
    if actor.role not in allowed:
        names = "、".join(ROLE_NAMES[r] for r in sorted(allowed))
        raise Forbidden(f"「{action_name(action)}」只能由{names}操作", code="role_forbidden", action=action.value)


def check_reads_tickets(actor: Actor) -> None:
    """Knowledge editors (知识库编辑) keep articles; citizens' tickets are none of their business (least privilege)."""
    if actor.role == Role.editor:
        raise Forbidden("知识库编辑无权查看工单", code="role_forbidden")


def check_can_see(actor: Actor, ticket: Ticket) -> None:
    """A liaison sees and touches only the tickets currently with their own department."""
    check_reads_tickets(actor)
    if actor.role == Role.liaison and ticket.department_id != actor.department_id:
        raise Forbidden("这张工单不在本单位，无权查看或办理", code="other_department")
