"""FastAPI dependencies: the current user from the bearer token, and role checks."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from hotline.auth import sessions
from hotline.auth.actor import Actor
from hotline.auth.models import ROLE_NAMES, Role, User
from hotline.auth.tokens import read_token
from hotline.db import get_session
from hotline.errors import Forbidden, Unauthorized

SessionDep = Annotated[Session, Depends(get_session)]


_bearer = HTTPBearer(auto_error=False, description="POST /api/auth/login 返回的 access_token")


def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("请先登录（缺少 Authorization: Bearer 令牌）", code="not_logged_in")
    return credentials.credentials


def user_from_token(session: Session, token: str) -> User:
    """The token's user, if the token is good, its login session live (this use counts as activity) and the account
    active."""
    claims = read_token(token)
    sessions.check(session, claims.session_id, claims.user_id)
    user = session.get(User, claims.user_id)
    if user is None or not user.active:
        raise Unauthorized("账号不存在或已停用", code="user_inactive")
    return user


def current_user(token: Annotated[str, Depends(bearer_token)], session: SessionDep) -> User:
    return user_from_token(session, token)


CurrentUser = Annotated[User, Depends(current_user)]


def current_actor(user: CurrentUser) -> Actor:
    return Actor.of(user)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    names = "、".join(ROLE_NAMES[r] for r in roles)

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"此操作仅限{names}", code="role_forbidden")
        return user

    return check
