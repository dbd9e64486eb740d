from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import select

from hotline.auth.deps import CurrentUser, SessionDep, require_roles
from hotline.auth.models import ROLE_NAMES, Role, User
from hotline.auth.service import authenticate, create_user
from hotline.auth.tokens import issue_token

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
    password: str = Field(min_length=8, max_length=200)
    role: Role
    department_code: str | None = Field(default=None, max_length=32, description="liaisons only")


@router.post("/auth/login", response_model=TokenOut, summary="登录，返回 JWT")
def login(body: LoginIn, session: SessionDep) -> TokenOut:
    user = authenticate(session, body.username, body.password)
    token, ttl = issue_token(user.id, user.username)
    return TokenOut(access_token=token, expires_in=ttl, user=UserOut.of(user))


@router.get("/auth/me", response_model=UserOut, summary="当前用户")
def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


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
