"""Login lockout (等保: lock after repeated failures) counted from the login audit, so every worker agrees.

An account — existing or not, so a lock says nothing about which names exist — locks after `login_max_failures`
wrong passwords within `login_lock_minutes` since its last good login; an address pauses after
`login_ip_max_failures` failures in the same window. Refused attempts are audited but do not extend the lock.
"""

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from hotline.auth.models import LoginAudit
from hotline.db import utcnow
from hotline.errors import DomainError
from hotline.settings import get_settings

FAILED = "bad_credentials"


class LoginLocked(DomainError):
    status = 429
    code = "login_locked"


def check_allowed(session: Session, username: str, ip: str) -> None:
    settings = get_settings()
    since = utcnow() - timedelta(minutes=settings.login_lock_minutes)
    last_ok = session.exec(
        select(func.max(LoginAudit.at)).where(LoginAudit.username == username, LoginAudit.outcome == "ok")
    ).one()
    account_since = max(since, last_ok) if last_ok else since
    failures = session.exec(
        select(func.count()).where(
            LoginAudit.username == username, LoginAudit.outcome == FAILED, LoginAudit.at > account_since
        )
    ).one()
    minutes = settings.login_lock_minutes
    if failures >= settings.login_max_failures:
        record(session, username, ip, "locked")
        raise LoginLocked(f"密码连续错误 {failures} 次，账号已锁定，请 {minutes} 分钟后再试", code="account_locked")
    from_ip = session.exec(
        select(func.count()).where(LoginAudit.ip == ip, LoginAudit.outcome == FAILED, LoginAudit.at > since)
    ).one()
    if from_ip >= settings.login_ip_max_failures:
        record(session, username, ip, "ip_throttled")
        raise LoginLocked(f"本地址登录失败次数过多，请 {minutes} 分钟后再试", code="address_throttled")


def record(session: Session, username: str, ip: str, outcome: str, user_id: int | None = None) -> None:
    session.add(LoginAudit(username=username[:50], ip=ip[:64], outcome=outcome, user_id=user_id))
    session.commit()
