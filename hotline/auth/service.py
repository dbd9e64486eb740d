"""Creating users and checking logins."""

from sqlmodel import Session, select

from hotline.auth.models import ROLE_NAMES, Role, User
from hotline.auth.passwords import check_policy, hash_password, verify_password, verify_unknown
from hotline.directory.models import Department
from hotline.errors import Conflict, Invalid, NotFound, Unauthorized


def create_user(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    department_code: str | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise Invalid("用户名不能为空", code="username_empty")
    check_policy(password, username)
    department_id = None
    if role == Role.liaison:
        if not department_code:
            raise Invalid("联络员必须绑定一个承办单位", code="liaison_needs_department")
        department = session.exec(select(Department).where(Department.code == department_code)).first()
        if department is None:
            raise NotFound(f"没有编码为 {department_code} 的单位", code="department_not_found")
        department_id = department.id
    elif department_code:
        raise Invalid(f"只有联络员绑定承办单位，{ROLE_NAMES[role]}不需要", code="department_not_allowed")
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        department_id=department_id,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def password_matches(user: User | None, password: str) -> bool:
    """The same work whether or not the account exists (see verify_unknown)."""
    return verify_password(user.password_hash, password) if user else verify_unknown(password)


def authenticate(session: Session, username: str, password: str) -> User:
    user = find_user(session, username)
    # The same answer (and the same cost) for an unknown user and a wrong password: no probing for user names.
    if not password_matches(user, password):
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    if not user.active:
        raise Unauthorized("账号已停用", code="user_inactive")
    return user
