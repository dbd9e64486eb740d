from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
