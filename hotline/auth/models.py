from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class Role(StrEnum):
    agent = "agent"  # 话务员
    supervisor = "supervisor"  # 班长
    liaison = "liaison"  # 承办单位联络员, bound to a department
    manager = "manager"  # 管理者
    editor = "editor"  # 知识库编辑
    admin = "admin"  # 系统管理员


ROLE_NAMES = {
    Role.agent: "话务员",
    Role.supervisor: "班长",
    Role.liaison: "联络员",
    Role.manager: "管理者",
    Role.editor: "知识库编辑",
    Role.admin: "系统管理员",
}


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=50)
    display_name: str = Field(max_length=50)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=16)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class LoginAudit(SQLModel, table=True):
    """Every login attempt (等保 audit): who, from where, what came of it. Lockout counts the failures here, so every
    worker sees the same count without Redis."""

    __tablename__ = "login_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    username: str = Field(max_length=50, index=True, description="as typed, whether or not the account exists")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    ip: str = Field(max_length=64, index=True)
    outcome: str = Field(max_length=16, description="ok, bad_credentials, inactive, locked, ip_throttled")


class LoginSession(SQLModel, table=True):
    """One login (登录会话): ended by 退出登录, by being left idle past `HOTLINE_SESSION_IDLE_MINUTES` (等保: 登录连接
    超时自动退出), or by the token's own expiry. The token names it (`sid`), so ending it ends the token everywhere."""

    __tablename__ = "login_session"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="user.id", index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    end_reason: str | None = Field(default=None, max_length=16, description="logout or idle")
