"""Request signatures shared by both sides of a linkage: HMAC-SHA256 over method, path, time, nonce, body.

    X-Timestamp: unix seconds     X-Nonce: random, single use     X-Signature: hex HMAC of
    "{METHOD}\\n{path}\\n{timestamp}\\n{nonce}\\n{sha256 hex of the body}"

A request is refused when the signature is wrong, the timestamp is outside the replay window, or the
nonce was seen before (the receiver remembers nonces for the window).
"""

import hashlib
import hmac
import secrets
import time


def signature(key: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_headers(key: str, method: str, path: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature(key, method, path, timestamp, nonce, body),
        "Content-Type": "application/json",
    }


def check_signature(
    key: str, method: str, path: str, body: bytes, headers: dict[str, str], window: int, now: float | None = None
) -> tuple[bool, str]:
    """(ok, reason code). The nonce is not checked here: the receiver remembers nonces in its own store."""
    timestamp, nonce, given = (headers.get(h, "") for h in ("x-timestamp", "x-nonce", "x-signature"))
    if not key:
        return False, "partner_not_configured"
    if not (timestamp and nonce and given):
        return False, "signature_missing"
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False, "bad_timestamp"
    if age > window:
        return False, "stale_timestamp"
    if not hmac.compare_digest(signature(key, method, path, timestamp, nonce, body), given):
        return False, "bad_signature"
    return True, "ok"
