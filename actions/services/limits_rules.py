"""The limits against scraping and password guessing (actions/rules/limits.yml), loaded once.

XINYONG_LIMITS_FILE names another file of the same shape (a load benchmark's, say). The counting
is services.rate_limit; this module only reads the numbers.
"""
from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.services.dates import as_date

RULES_FILE = Path(__file__).resolve().parents[1] / "rules" / "limits.yml"
ENV = "XINYONG_LIMITS_FILE"


@dataclass(frozen=True)
class Window:
    lookups: int  # what is counted: lookups, new conversations or handoff requests
    seconds: int

    @property
    def label(self) -> str:
        return f"{self.lookups}/{self.seconds}s"


@dataclass(frozen=True)
class LookupLimit:
    """At most `lookups` in any `seconds`, for every window; nothing when not enabled."""
    enabled: bool
    windows: tuple[Window, ...]
    source: str
    effective: dt.date | None

    @property
    def active(self) -> bool:
        return self.enabled and bool(self.windows)

    @property
    def longest(self) -> int:
        return max(w.seconds for w in self.windows)


@dataclass(frozen=True)
class LoginLimit:
    enabled: bool  # the address limit; an account's lockout always holds
    account_failures: int  # failures in a row that lock one account …
    account_lock_minutes: int  # … for this long
    address_failures: int  # failures from one client address, any accounts, …
    address_seconds: int  # … within this many seconds refuse that address
    source: str
    effective: dt.date | None


@dataclass(frozen=True)
class AddressLimits:
    """The limits per client address (lookups, new conversations, handoff requests) and the
    addresses they do not apply to; `burst`: when the console flags requests from one address."""
    exempt: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    lookups: LookupLimit
    conversations: LookupLimit
    handoffs: LookupLimit
    burst: Window

    def applies_to(self, address: str | None) -> bool:
        """False for no address and for an exempt one."""
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return True
        return not any(ip.version == n.version and ip in n for n in self.exempt)


@dataclass(frozen=True)
class LimitRules:
    chat_lookups: LookupLimit
    staff_lookups: LookupLimit
    console_login: LoginLimit
    address: AddressLimits
    path: Path


def _positive(value, what: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{what} must be at least 1, got {value!r}")
    return number


def _window(w: dict, name: str, key: str) -> Window:
    return Window(_positive(w[key], f"{name}.{key}"), _positive(w["seconds"], f"{name}.seconds"))


def _lookups(d: dict, name: str, key: str = "lookups") -> LookupLimit:
    windows = tuple(_window(w, name, key) for w in d.get("windows") or ())
    return LookupLimit(bool(d.get("enabled", True)), windows, d.get("source", ""), as_date(d.get("effective")))


def _address_limits(data: dict) -> AddressLimits:
    # A limits file written before these sections existed (a benchmark's copy, say) gets the
    # shipped ones: leaving them out does not switch them off.
    missing = [k for k in ("address_exempt", "address_lookups", "address_conversations", "address_handoffs")
               if k not in data]
    if missing:
        shipped = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
        data = {**data, **{k: shipped[k] for k in missing}}
    exempt = []
    for spec in (data["address_exempt"] or {}).get("networks") or ():
        try:
            exempt.append(ipaddress.ip_network(str(spec), strict=False))
        except ValueError:
            raise ValueError(f"address_exempt.networks: {spec!r} is not an IP address or network") from None
    handoffs = data["address_handoffs"]
    return AddressLimits(tuple(exempt), _lookups(data["address_lookups"], "address_lookups"),
                         _lookups(data["address_conversations"], "address_conversations", "conversations"),
                         _lookups(handoffs, "address_handoffs", "requests"),
                         _window(handoffs["burst"], "address_handoffs.burst", "requests"))


def load(path: Path | str | None = None) -> LimitRules:
    path = Path(path or os.environ.get(ENV, "").strip() or RULES_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    login = data["console_login"]
    return LimitRules(
        chat_lookups=_lookups(data["chat_lookups"], "chat_lookups"),
        staff_lookups=_lookups(data["staff_lookups"], "staff_lookups"),
        console_login=LoginLimit(
            enabled=bool(login["address"].get("enabled", True)),
            account_failures=_positive(login["account"]["failures"], "console_login.account.failures"),
            account_lock_minutes=_positive(login["account"]["lock_minutes"], "console_login.account.lock_minutes"),
            address_failures=_positive(login["address"]["failures"], "console_login.address.failures"),
            address_seconds=_positive(login["address"]["seconds"], "console_login.address.seconds"),
            source=login.get("source", ""), effective=as_date(login.get("effective"))),
        address=_address_limits(data),
        path=path,
    )


@functools.lru_cache(maxsize=1)
def rules() -> LimitRules:
    return load()
