"""Rate limits on the `limits` library: fixed windows per address and per number, counted in Redis when
HOTLINE_REDIS_URL is set (every worker together) and in this process otherwise.

If Redis is unreachable the limits fall back to this process's own counters (logged once per outage) rather than
refusing the lookup or failing it with a 500: a citizen still gets an answer, and a guesser still meets a limit.
"""

import logging
import threading
import time
from functools import lru_cache

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from hotline.errors import DomainError
from hotline.events.bus import redis_key
from hotline.settings import get_settings

log = logging.getLogger(__name__)
RETRY_REDIS_SECONDS = 10.0


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


_local = FixedWindowRateLimiter(MemoryStorage())
_lock = threading.Lock()
_redis_down_until = 0.0


@lru_cache
def _shared(url: str, prefix: str) -> FixedWindowRateLimiter:
    storage = RedisStorage(url, key_prefix=prefix, wrap_exceptions=True, socket_timeout=1)
    return FixedWindowRateLimiter(storage)


def _limiter() -> FixedWindowRateLimiter:
    url = get_settings().redis_url
    if url and time.monotonic() >= _redis_down_until:
        return _shared(url, redis_key("ratelimit"))  # in the deployment's namespace (HOTLINE_REDIS_PREFIX)
    return _local


def take(key: str, limit: int, window: int) -> bool:
    """Count one hit under `key`; False once past `limit` in the current window."""
    global _redis_down_until
    item = RateLimitItemPerSecond(limit, window)
    limiter = _limiter()
    try:
        return limiter.hit(item, key)
    except Exception as exc:  # the storage's own errors (wrapped); never turn a lookup into a 500
        if limiter is _local:
            raise
        with _lock:
            if time.monotonic() >= _redis_down_until:
                log.warning("rate limits: Redis unreachable (%s); counting in this process for now", exc)
            _redis_down_until = time.monotonic() + RETRY_REDIS_SECONDS
        return _local.hit(item, key)


def hit(key: str, limit: int, window: int) -> None:
    if not take(key, limit, window):
        raise RateLimited("查询过于频繁，请稍后再试", code="rate_limited")


def first_refusal(key: str, window: int) -> bool:
    """True for the first refused request of `key` in a window: only that one is audited, not every one after it."""
    return take(f"refused:{key}", 1, window)


def reset_local() -> None:
    global _redis_down_until
    _local.storage.reset()
    _redis_down_until = 0.0
