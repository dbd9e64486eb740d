"""Password hashing (argon2) with a bounded cost, the password policy, and an equal-cost check for unknown users."""

import re
import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hotline.errors import Invalid
from hotline.settings import get_settings


@lru_cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hash_password(password: str) -> str:
    settings = get_settings()
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """The cost parameters come from the hash itself, so old hashes verify after the settings change."""
    try:
        return _hasher(3, 64 * 1024).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_lock = threading.Lock()
_dummy: dict[tuple[int, int], str] = {}


def verify_unknown(password: str) -> bool:
    """The work of a wrong password for a real account, so an unknown user name costs the same time (no timing
    oracle for which names exist). Always False."""
    settings = get_settings()
    cost = (settings.argon2_time_cost, settings.argon2_memory_kib)
    with _dummy_lock:
        if cost not in _dummy:
            _dummy[cost] = hash_password("an account that does not exist")
    verify_password(_dummy[cost], password)
    return False


_CLASSES = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")


def check_policy(password: str, username: str) -> None:
    """等保 password complexity: a minimum length, three of four kinds of character, not the user name."""
    minimum = get_settings().password_min_length
    if len(password) < minimum:
        raise Invalid(f"密码至少 {minimum} 位", code="password_too_short")
    if sum(bool(re.search(kind, password)) for kind in _CLASSES) < 3:
        raise Invalid("密码须包含大写字母、小写字母、数字、符号中的至少三类", code="password_too_simple")
    if username and username.lower() in password.lower():
        raise Invalid("密码不能包含用户名", code="password_contains_username")
