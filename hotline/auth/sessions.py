"""Login sessions on the server (等保 2.0: 结束会话, 登录连接超时自动退出).

A token alone would stay good until its expiry whatever the user did. Each login starts a `LoginSession` that the
token names; every request checks it is still live and notes the activity (at most once a minute, so a busy page does
not write on every call), 退出登录 ends it, and a session left idle past the limit ends on its next use. The consoles'
and event feeds' periodic account checks ask the same question, so an ended session also closes its sockets.
"""

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from hotline.auth.models import LoginSession, User
from hotline.auth.tokens import issue_token
from hotline.db import utcnow
from hotline.errors import Unauthorized
from hotline.settings import get_settings

TOUCH_EVERY = timedelta(seconds=60)  # activity is written at most this often per session


def idle_limit() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def start(session: Session, user: User) -> LoginSession:
    login = LoginSession(id=secrets.token_urlsafe(16), user_id=user.id)
    session.add(login)
    session.commit()
    return login


def sign_in(session: Session, user: User) -> tuple[str, int]:
    """Start a login session for `user`: (token naming it, seconds the token lasts)."""
    login = start(session, user)
    return issue_token(user.id, user.username, login.id)


def check(session: Session, session_id: str, user_id: int, touch: bool = True) -> None:
    """Refuse an ended or idle session (401); note the activity when `touch`."""
    login = session.get(LoginSession, session_id)
    if login is None or login.user_id != user_id:
        raise Unauthorized("登录凭证无效，请重新登录", code="token_invalid")
    if login.ended_at is not None:
        raise Unauthorized("已退出登录，请重新登录", code="session_ended")
    now = utcnow()
    if now - login.last_seen_at > idle_limit():
        end(session, login, "idle")
        minutes = get_settings().session_idle_minutes
        raise Unauthorized(f"超过 {minutes} 分钟未操作，已自动退出，请重新登录", code="session_idle")
    if touch and now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
        session.add(login)
        session.commit()


def end(session: Session, login: LoginSession, reason: str) -> None:
    if login.ended_at is None:
        login.ended_at, login.end_reason = utcnow(), reason
        session.add(login)
        session.commit()


def live(session: Session, session_ids: set[str]) -> set[str]:
    """Which of these sessions are still live (for the sockets' periodic checks; reading does not count as activity)."""
    if not session_ids:
        return set()
    cutoff: datetime = utcnow() - idle_limit()
    rows = session.exec(
        select(LoginSession.id).where(
            col(LoginSession.id).in_(session_ids),
            col(LoginSession.ended_at).is_(None),
            col(LoginSession.last_seen_at) > cutoff,
        )
    )
    return set(rows)
