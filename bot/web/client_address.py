"""The client's address, as the console records it and limits failed sign-ins by it.

The direct peer's address (request.remote), unless the peer is a trusted proxy: then the
X-Forwarded-For header is read from the right (each proxy appends the address it saw), skipping
trusted proxies, and the first address that is not one is the client. A header from anyone else is
ignored, so a client cannot choose its own address.

XINYONG_TRUSTED_PROXIES: addresses or networks, separated by commas or spaces; default loopback
(`127.0.0.0/8,::1`: nginx on the same machine, as `xinyong serve` runs it); `none` trusts no proxy.
"""
from __future__ import annotations

import functools
import ipaddress
import os

from aiohttp import web

ENV = "XINYONG_TRUSTED_PROXIES"
DEFAULT = "127.0.0.0/8,::1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def parse_networks(spec: str) -> tuple[Network, ...]:
    if spec.strip().lower() == "none":
        return ()
    out = []
    for part in spec.replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SystemExit(f"{ENV}: {part!r} is not an IP address or network") from None
    return tuple(out)


def trusted_proxies() -> tuple[Network, ...]:
    return parse_networks(os.environ.get(ENV, "").strip() or DEFAULT)


def _address(text: str | None) -> Address | None:
    try:
        ip = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: Address | None, networks: tuple[Network, ...]) -> bool:
    return ip is not None and any(ip.version == n.version and ip in n for n in networks)


def client_address(request: web.Request) -> str | None:
    """The client's IP address as text (None when the peer has none, e.g. a Unix socket)."""
    return client_of(request.remote, request.headers.getall("X-Forwarded-For", []), trusted_proxies())


def client_of(peer: str | None, forwarded_for: list[str], networks: tuple[Network, ...]) -> str | None:
    ip = _address(peer)
    if ip is None:
        return peer or None
    if not _trusted(ip, networks):
        return str(ip)
    hops = [h.strip() for header in forwarded_for for h in header.split(",") if h.strip()]
    for hop in reversed(hops):
        hop_ip = _address(hop)
        if hop_ip is None:  # not an address: the proxy we trust did not write it; stop at that proxy
            return str(ip)
        if not _trusted(hop_ip, networks):
            return str(hop_ip)
        ip = hop_ip
    return str(ip)
