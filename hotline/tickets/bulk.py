"""批量操作: the desk's bulk dispatch (批量派单) and bulk reminder (批量催办) for the tickets it selected.

Each ticket is its own step and transaction, through the same service function as one at a time: a ticket
another agent just took, or one in a state that does not allow the step, is reported with its reason and
leaves the others done. Nothing here decides anything a single step would not.
"""

from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from hotline.auth.actor import Actor
from hotline.errors import DomainError, Invalid
from hotline.tickets import service
from hotline.tickets.permissions import check_permitted
from hotline.tickets.states import Action


class BulkIn(BaseModel):
    action: Literal["dispatch", "remind"] = Field(description="dispatch 批量派单 / remind 批量催办")
    numbers: list[str] = Field(min_length=1, max_length=200, description="工单编号")
    department_id: int | None = Field(default=None, description="派单的承办单位")
    note: str | None = Field(default=None, max_length=500)


class BulkFailure(BaseModel):
    number: str
    code: str
    message: str


class BulkOut(BaseModel):
    done: list[str]
    failed: list[BulkFailure]


def run_bulk(session: Session, actor: Actor, body: BulkIn) -> BulkOut:
    if body.action == "dispatch" and not body.department_id:
        raise Invalid("批量派单请选择承办单位", code="department_required")
    check_permitted(actor, Action(body.action))  # a role that may not take the step is refused as a whole
    done, failed = [], []
    for number in dict.fromkeys(body.numbers):  # once each, in the order chosen
        try:
            if body.action == "dispatch":
                service.dispatch(session, actor, number, body.department_id, body.note)
            else:
                service.remind(session, actor, number, body.note)
        except DomainError as error:
            failed.append(BulkFailure(number=number, code=error.code, message=error.message))
        else:
            done.append(number)
    return BulkOut(done=done, failed=failed)
