"""The chat client's address while an action runs for its message (actions/safe_action.py sets it
from `tracker.latest_message["metadata"]["client_address"]`, which the channel wrote, never the
client: bot/channels/clients.py).

A context variable, so the services' call sites stay as they are: the lookup limit per address
(services.rate_limit) reads it, and the audit log and handoff requests record it. Database work runs
in `asyncio.to_thread`, which carries the context into the worker thread.
"""
from __future__ import annotations

import contextlib
import contextvars
import ipaddress
from typing import Iterator

MAX_CHARS = 64  # an IPv6 address with a zone is at most 45 characters; the columns hold 64

_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)


def current() -> str | None:
    """The client address of the message being handled, or None (Telegram, the console, a script)."""
    return _address.get()


def usable(value) -> str | None:
    """`value` if it can be an address the channel wrote (short text), else None."""
    return value.strip() if isinstance(value, str) and 0 < len(value.strip()) <= MAX_CHARS else None


@contextlib.contextmanager
def acting_for(address: str | None) -> Iterator[None]:
    """Within the block, work is done for a client at `address` (None: no address)."""
    token = _address.set(usable(address))
    try:
        yield
    finally:
        _address.reset(token)


def masked(address: str | None) -> str | None:
    """The address as operators see it: the network without the host (IPv4 203.0.113.*, IPv6 its /48,
    2001:db8:1::/48), enough to see that requests come from one place, not to identify a person."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "*"
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".*"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))
