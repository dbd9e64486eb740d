import asyncio
from typing import Annotated
from weakref import WeakKeyDictionary

import anyio
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from hotline.auth import sessions
from hotline.auth.deps import CurrentUser, SessionDep, bearer_token, require_roles
from hotline.auth.models import ROLE_NAMES, LoginSession, Role, User
from hotline.auth.service import create_user, find_user, password_matches
from hotline.auth.throttle import FAILED, check_allowed, record
from hotline.auth.tokens import read_token
from hotline.db import get_engine
from hotline.errors import Unauthorized
from hotline.security.clientip import client_ip
from hotline.settings import get_settings

router = APIRouter(prefix="/api", tags=["登录与用户 auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    role_name: str
    department_id: int | None

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            role_name=ROLE_NAMES[Role(user.role)],
            department_id=user.department_id,
        )


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds")
    user: UserOut


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=8, max_length=200, description="至少 10 位，含大写、小写、数字、符号中的三类")
    role: Role
    department_code: str | None = Field(default=None, max_length=32, description="liaisons only")


# Password checks run a few at a time in their own threads: 40 concurrent logins neither take the memory of 40
# argon2 hashes nor the request thread pool that every other route (health included) needs.
_hashing: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = WeakKeyDictionary()


def _hash_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()  # a limiter belongs to one event loop
    if loop not in _hashing:
        _hashing[loop] = anyio.CapacityLimiter(get_settings().login_concurrency)
    return _hashing[loop]


@router.post(
    "/auth/login",
    response_model=TokenOut,
    summary="登录，返回 JWT",
    description="密码连续错误过多时账号锁定（429），每次尝试都记入登录审计。",
)
async def login(body: LoginIn, request: Request) -> TokenOut:
    # No request-long session: a login waiting for its turn to hash must not hold a database connection.
    ip = client_ip(request)
    user = await run_in_threadpool(_allowed_user, body.username, ip)
    matches = await anyio.to_thread.run_sync(password_matches, user, body.password, limiter=_hash_limiter())
    return await run_in_threadpool(_finish_login, user, body.username, ip, matches)


def _allowed_user(username: str, ip: str) -> User | None:
    with Session(get_engine(), expire_on_commit=False) as session:
        check_allowed(session, username, ip)
        return find_user(session, username)


def _finish_login(user: User | None, username: str, ip: str, matches: bool) -> TokenOut:
    with Session(get_engine(), expire_on_commit=False) as session:
        return _record_login(session, user, username, ip, matches)


def _record_login(session: Session, user: User | None, username: str, ip: str, matches: bool) -> TokenOut:
    user_id = user.id if user else None
    if not matches:
        record(session, username, ip, FAILED, user_id)
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    if not user.active:
        record(session, username, ip, "inactive", user_id)
        raise Unauthorized("账号已停用", code="user_inactive")
    record(session, username, ip, "ok", user_id)
    token, ttl = sessions.sign_in(session, user)
    return TokenOut(access_token=token, expires_in=ttl, user=UserOut.of(user))


@router.get(
    "/auth/me",
    response_model=UserOut,
    summary="当前用户",
    description="每次调用都算一次操作：页面在用户操作时调用它，使登录会话不因空闲而结束。",
)
def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.post(
    "/auth/logout",
    status_code=204,
    summary="退出登录",
    description="结束本次登录会话：令牌随即在所有工作进程失效，已打开的实时连接在下次账号检查时关闭。",
)
def logout(token: Annotated[str, Depends(bearer_token)], session: SessionDep) -> Response:
    claims = read_token(token)
    login = session.get(LoginSession, claims.session_id)
    if login is not None and login.user_id == claims.user_id:
        sessions.end(session, login, "logout")
    return Response(status_code=204)


@router.get(
    "/users",
    response_model=list[UserOut],
    summary="用户列表",
    dependencies=[Depends(require_roles(Role.admin, Role.supervisor, Role.manager))],
)
def list_users(session: SessionDep) -> list[UserOut]:
    return [UserOut.of(u) for u in session.exec(select(User).order_by(User.id))]


@router.post("/users", response_model=UserOut, status_code=201, summary="新建用户（管理员）")
def add_user(body: UserIn, session: SessionDep, _: Annotated[User, Depends(require_roles(Role.admin))]) -> UserOut:
    user = create_user(session, body.username, body.display_name, body.password, body.role, body.department_code)
    return UserOut.of(user)
