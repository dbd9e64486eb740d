"""Who may send call audio: the PBX, and only the PBX.

* `WS /media/stream` needs `Authorization: Bearer <token>` with one of `HOTLINE_PBX_TOKENS` (one secret per PBX);
  anything else is refused at the handshake (HTTP 403), before a frame is read.
* AudioSocket has no authentication of its own (Asterisk sends a UUID, nothing more), so the listener binds to the
  PBX network (`HOTLINE_AUDIOSOCKET_HOST`, default loopback) and accepts peers in `HOTLINE_AUDIOSOCKET_ALLOW` only.
"""

import hmac
import logging
from ipaddress import ip_address, ip_network

from asr.settings import get_asr_settings

log = logging.getLogger(__name__)
_warned_no_tokens = False


def bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def pbx_token_ok(authorization: str | None) -> bool:
    """True when the header carries a configured PBX token (compared in constant time)."""
    global _warned_no_tokens
    tokens = get_asr_settings().pbx_tokens
    if not tokens and not _warned_no_tokens:
        _warned_no_tokens = True
        log.warning("HOTLINE_PBX_TOKENS is empty: every /media/stream connection is refused")
    presented = bearer(authorization)
    if presented is None:
        return False
    matches = [hmac.compare_digest(presented.encode(), t.encode()) for t in tokens]
    return any(matches)


def peer_allowed(host: str | None) -> bool:
    """True when an AudioSocket peer's address is inside one of the allowed networks."""
    if not host:
        return False
    try:
        address = ip_address(host.split("%")[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ip_network(net, strict=False) for net in get_asr_settings().audiosocket_allow)
