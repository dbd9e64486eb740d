"""Demo users, one or more of every role, with a fixed demo password printed for the newcomer."""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from hotline.auth.models import ROLE_NAMES, Role, User
from hotline.auth.service import create_user

# One password for every demo account: easy to type on a first visit, and printed with a warning to change it.
DEMO_PASSWORD = "Demo-12345"  # meets the password policy (hotline/auth/passwords.py)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    department_code: str | None = None


CENTRE_USERS: tuple[DemoUser, ...] = (
    DemoUser("agent1", "王丽娟", Role.agent),
    DemoUser("agent2", "李明", Role.agent),
    DemoUser("agent3", "赵敏", Role.agent),
    DemoUser("supervisor1", "刘洋", Role.supervisor),
    DemoUser("manager1", "陈静", Role.manager),
    DemoUser("editor1", "孙晓梅", Role.editor),
    DemoUser("admin", "系统管理员", Role.admin),
)

# The units that get most tickets in the demo, and a street office so the street level has a face.
# Tickets for units without a liaison stop at 待签收 (nobody there to sign): every liaison costs a password hash.
LIAISON_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("CITY-ZJ", "周建国"),
    ("CITY-JT", "刘志强"),
    ("CITY-JY", "张文静"),
    ("CITY-HB", "陈晓燕"),
    ("CITY-CG", "吴刚"),
    ("CITY-RS", "李秀英"),
    ("CITY-GA", "黄海"),
    ("A3-GOV", "宋佳"),
    ("A7-GOV", "唐伟"),
    ("A7-QT", "余波"),
)


def liaison_username(department_code: str) -> str:
    """A liaison logs in with the unit's code in lower case: easy to guess from the catalogue."""
    return department_code.lower()


def demo_users() -> list[DemoUser]:
    liaisons = [DemoUser(liaison_username(code), name, Role.liaison, code) for code, name in LIAISON_DEPARTMENTS]
    # A role added to the product later still gets a demo account, so the demo shows every role.
    covered = {user.role for user in (*CENTRE_USERS, *liaisons)}
    others = [DemoUser(f"{role.value}1", ROLE_NAMES[role], role) for role in Role if role not in covered]
    return [*CENTRE_USERS, *others, *liaisons]


@dataclass(frozen=True)
class SeededUser:
    spec: DemoUser
    user: User
    created: bool  # False: the account was there already and keeps whatever password it has now


def seed_users(session: Session, specs: list[DemoUser]) -> list[SeededUser]:
    seeded = []
    for spec in specs:
        user = session.exec(select(User).where(User.username == spec.username)).first()
        created = user is None
        if user is None:
            user = create_user(
                session, spec.username, spec.display_name, DEMO_PASSWORD, spec.role, spec.department_code
            )
        seeded.append(SeededUser(spec, user, created))
    return seeded


def _pad(text: str, width: int) -> str:
    """Pad to `width` terminal columns: a Chinese character takes two."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - columns)


def print_user_table(seeded: list[SeededUser], department_names: dict[str, str], echo: Callable[[str], None]) -> None:
    echo("")
    echo("演示账号（以下均为演示密码，仅供试用；正式使用前请修改密码或停用这些账号）：")
    echo("  " + _pad("用户名", 14) + _pad("角色", 12) + _pad("密码", 20) + "单位")
    for item in seeded:
        spec = item.spec
        password = DEMO_PASSWORD if item.created else "（已存在，未改动）"
        department = department_names.get(spec.department_code, "") if spec.department_code else "热线中心"
        echo("  " + _pad(spec.username, 14) + _pad(ROLE_NAMES[spec.role], 12) + _pad(password, 20) + department)
    echo("登录：hotline serve 后打开 /login；话务员、班长进中心工作台 /desk，联络员进联络员门户 /liaison。")
