"""Login tokens: short JWTs (HS256) naming the user and the login session (`sid`, see `hotline.auth.sessions`); the
role is re-read from the database on every request."""

from dataclasses import dataclass
from datetime import timedelta

import jwt

from hotline.db import utcnow
from hotline.errors import Unauthorized
from hotline.settings import get_settings

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    session_id: str


def issue_token(user_id: int, username: str, session_id: str) -> tuple[str, int]:
    settings = get_settings()
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    now = utcnow()
    claims = {"sub": str(user_id), "sid": session_id, "name": username, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.signing_key(), algorithm=ALGORITHM), int(ttl.total_seconds())


def read_token(token: str) -> TokenClaims:
    try:
        # A token without an expiry would be valid for ever, one without a session could not be ended: all required.
        claims = jwt.decode(
            token,
            get_settings().signing_key(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
        return TokenClaims(int(claims["sub"]), str(claims["sid"]))
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired") from exc
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise Unauthorized("登录凭证无效，请重新登录", code="token_invalid") from exc
