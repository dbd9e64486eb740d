from sqlmodel import Session, select

from hotline.directory.models import Department
from hotline.errors import Invalid, NotFound


def get_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"没有编号为 {department_id} 的承办单位", code="department_not_found")
    return department


def active_department(session: Session, department_id: int) -> Department:
    department = get_department(session, department_id)
    if not department.active:
        raise Invalid(f"承办单位「{department.name}」已停用，不能派单", code="department_inactive")
    return department


def department_by_code(session: Session, code: str) -> Department | None:
    return session.exec(select(Department).where(Department.code == code)).first()


def list_departments(session: Session, include_inactive: bool = False) -> list[Department]:
    query = select(Department).order_by(Department.level, Department.code)
    if not include_inactive:
        query = query.where(Department.active)
    return list(session.exec(query))
