"""Who is on the other end of a channel: the client's address, and whether it may open one more
conversation. Shared by every channel in front of the assistant (the REST channel's guard, the web
server's /api/chat, the socket.io channel), so one rule decides both.

- `client_of(peer, forwarded_for)`: the direct peer's address, unless the peer is a trusted proxy
  (XINYONG_TRUSTED_PROXIES, default loopback: nginx on the same machine, as `xinyong serve
  --replicas` runs it); then X-Forwarded-For is read from the right (each proxy appends the address
  it saw), skipping trusted proxies, and the first address that is not one is the client. A header
  from anyone else is ignored, so a client cannot choose its own address.
- `CLIENT_ADDRESS`: the key of `UserMessage.metadata` that carries that address to the actions
  (`tracker.latest_message["metadata"]["client_address"]`); the channel writes it, never the client.
- `admit(address, sender, channel, sample)`: None when this conversation may go on (a known one,
  or a new one within the per-address limit, actions/rules/limits.yml `client_conversations`);
  else a Refusal(429) with a polite text in the script or language of `sample` and `retry_after`:
  answer it and process nothing. The refusal is in the audit log.

XINYONG_TRUSTED_PROXIES: addresses or networks, separated by commas or spaces; `none` trusts no proxy.
"""
from __future__ import annotations

import asyncio
import collections
import functools
import ipaddress
import logging
import os
import threading
from typing import Iterable

from actions.services import client_context, client_conversations
from actions.services.limits_rules import rules
from actions.settings import hotline, hotline_hours
from bot.channels.guard import Refusal, polite

log = logging.getLogger(__name__)

ENV = "XINYONG_TRUSTED_PROXIES"
DEFAULT = "127.0.0.0/8,::1"
CLIENT_ADDRESS = "client_address"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

TOO_MANY_CONVERSATIONS = (
    "抱歉，您所在的网络地址在短时间内开始了太多新对话。为防止公示信息被批量抓取，请在 {wait_zh}后再试，"
    "或继续使用已打开的对话。如需帮助，请拨打信用服务热线 {hotline}（{hours}）。",
    "Sorry, too many new conversations have been started from your network address in a short time. To keep "
    "the public records from being harvested, please try again in {wait_en}, or go on in a conversation you "
    "already have open. For help, call the credit hotline {hotline} ({hours_en}).")


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


def client_of(peer: str | None, forwarded_for: Iterable[str] = (),
              networks: tuple[Network, ...] | None = None) -> str | None:
    """The client's IP address as text (None when the peer has none, e.g. a Unix socket).
    `forwarded_for`: every X-Forwarded-For header of the request; `networks`: the trusted proxies
    (default XINYONG_TRUSTED_PROXIES)."""
    networks = trusted_proxies() if networks is None else networks
    ip = _address(peer)
    if ip is None:
        return peer or None
    if not _trusted(ip, networks):
        return str(ip)
    hops = [h.strip() for header in forwarded_for for h in str(header).split(",") if h.strip()]
    for hop in reversed(hops):
        hop_ip = _address(hop)
        if hop_ip is None:  # not an address: the proxy we trust did not write it; stop at that proxy
            return str(ip)
        if not _trusted(hop_ip, networks):
            return str(hop_ip)
        ip = hop_ip
    return str(ip)


class TooManyConversations(Refusal):
    """A new conversation refused (HTTP 429); `retry_after`: whole seconds until one more is admitted."""

    def __init__(self, text: str, sender: str, retry_after: int):
        super().__init__(429, text, sender)
        self.retry_after = retry_after


class _Known:
    """Senders this process has already admitted (a bounded LRU set): a known conversation costs
    nothing, an unknown one the indexed read of services.client_conversations."""

    def __init__(self, size: int = 50_000):
        self.size, self._seen, self._lock = size, collections.OrderedDict(), threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
            return False

    def add(self, key: str) -> None:
        with self._lock:
            self._seen[key] = None
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


known = _Known()


def _wait_texts(wait: int) -> dict:
    minutes = -(-wait // 60)
    return {"wait_zh": f"{wait} 秒" if wait < 120 else f"约 {minutes} 分钟",
            "wait_en": f"{wait} seconds" if wait < 120 else f"about {minutes} minutes"}


async def admit(address: str | None, sender: str, channel: str, sample: str) -> Refusal | None:
    """None: go on. A TooManyConversations (a Refusal, 429): answer its text, with Retry-After, and
    process nothing. Only new conversations are counted, per client address; no address (a Unix
    socket) or the limit switched off admits everything."""
    address = client_context.usable(address)
    limits = rules().address
    if not sender or not (limits.conversations.active and limits.applies_to(address)):
        return None
    if sender in known:  # admitted before, from any address (a phone changes networks)
        return None
    try:
        wait = await asyncio.to_thread(client_conversations.admit, address, sender, channel)
    except Exception:  # noqa: BLE001 - a limit must not become an outage; the turn reports a dead database itself
        log.warning("new-conversation limit not checked for %s (database unavailable)", sender, exc_info=True)
        return None
    if wait is None:
        known.add(sender)
        return None
    text = polite(TOO_MANY_CONVERSATIONS, sample, hotline=hotline(), hours=hotline_hours(),
                  hours_en=hotline_hours(english=True), **_wait_texts(wait))
    return TooManyConversations(text, sender, wait)
