from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from hotline.auth.deps import SessionDep, current_user, require_roles
from hotline.auth.models import Role, User
from hotline.directory.models import Department, DepartmentLevel
from hotline.directory.service import department_by_code, get_department, list_departments
from hotline.errors import Conflict
from hotline.security.types import IdPath

router = APIRouter(prefix="/api/departments", tags=["承办单位 departments"])


class DepartmentOut(BaseModel):
    id: int
    code: str
    name: str
    level: DepartmentLevel
    parent_id: int | None
    district: str | None
    contact_name: str | None
    contact_phone: str | None
    active: bool


class DepartmentIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=2, max_length=100)
    level: DepartmentLevel
    parent_code: str | None = Field(default=None, max_length=32)
    district: str | None = Field(default=None, max_length=32)
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=32)


@router.get("", response_model=list[DepartmentOut], summary="承办单位目录", dependencies=[Depends(current_user)])
def departments(session: SessionDep, include_inactive: bool = False) -> list[Department]:
    return list_departments(session, include_inactive)


@router.get("/{department_id}", response_model=DepartmentOut, dependencies=[Depends(current_user)])
def department(department_id: IdPath, session: SessionDep) -> Department:
    return get_department(session, department_id)


@router.post("", response_model=DepartmentOut, status_code=201, summary="新增承办单位（管理员）")
def add_department(
    body: DepartmentIn, session: SessionDep, _: Annotated[User, Depends(require_roles(Role.admin))]
) -> Department:
    if department_by_code(session, body.code):
        raise Conflict(f"单位编码 {body.code} 已存在", code="department_code_taken")
    parent = department_by_code(session, body.parent_code) if body.parent_code else None
    if body.parent_code and parent is None:
        raise Conflict(f"上级单位编码 {body.parent_code} 不存在", code="parent_not_found")
    department = Department(**body.model_dump(exclude={"parent_code"}), parent_id=parent.id if parent else None)
    session.add(department)
    session.commit()
    session.refresh(department)
    return department
