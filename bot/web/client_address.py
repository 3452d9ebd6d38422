"""The client's address of an aiohttp request, as the console records it and limits failed sign-ins
by it, and as the web chat passes it on to the assistant. The rule (trusted proxies,
X-Forwarded-For) is bot/channels/clients.py, shared with the REST channel."""
from __future__ import annotations

from aiohttp import web

from bot.channels.clients import DEFAULT, ENV, client_of, parse_networks, trusted_proxies  # noqa: F401


def client_address(request: web.Request) -> str | None:
    """The client's IP address as text (None when the peer has none, e.g. a Unix socket)."""
    return client_of(request.remote, request.headers.getall("X-Forwarded-For", []), trusted_proxies())
