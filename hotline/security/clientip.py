"""The client's address for limits and audit. X-Forwarded-For is believed only when the peer is one of the configured
reverse proxies (HOTLINE_TRUSTED_PROXIES); anyone else could write any address there and pass every per-address limit.
"""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.requests import HTTPConnection

from hotline.settings import get_settings


@lru_cache
def _networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(p, strict=False) for p in proxies)


def _trusted(host: str, networks: tuple) -> bool:
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_ip(connection: HTTPConnection) -> str:
    peer = connection.client.host if connection.client else "unknown"
    networks = _networks(tuple(get_settings().trusted_proxies))
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in ",".join(connection.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):  # the nearest hop a trusted proxy added; earlier ones the client may have forged
        if not _trusted(hop, networks):
            return hop[:64]
    return peer
