"""Fixed-window counters per IP and per number: in-process by default, in Redis when HOTLINE_REDIS_URL is set
(so every worker counts together)."""

import threading
import time
from collections import defaultdict

from hotline.errors import DomainError
from hotline.settings import get_settings


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


_lock = threading.Lock()
_counts: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))  # key → (window start, count)


def _hit_local(key: str, window: int) -> int:
    now = int(time.time()) // window
    with _lock:
        start, count = _counts[key]
        count = count + 1 if start == now else 1
        _counts[key] = (now, count)
        return count


def _hit_redis(url: str, key: str, window: int) -> int:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    bucket = f"hotline:ratelimit:{key}:{int(time.time()) // window}"
    with client.pipeline() as pipe:
        count, _ = pipe.incr(bucket).expire(bucket, window).execute()
    return int(count)


def hit(key: str, limit: int, window: int) -> None:
    """Count one lookup under `key`; refuse past `limit` in the current window."""
    url = get_settings().redis_url
    count = _hit_redis(url, key, window) if url else _hit_local(key, window)
    if count > limit:
        raise RateLimited("查询过于频繁，请稍后再试", code="rate_limited")


def reset_local() -> None:
    with _lock:
        _counts.clear()
