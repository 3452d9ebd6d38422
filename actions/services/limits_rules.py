"""The limits against scraping and password guessing (actions/rules/limits.yml), loaded once.

XINYONG_LIMITS_FILE names another file of the same shape (a load benchmark's, say). The counting
is services.rate_limit; this module only reads the numbers.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.services.dates import as_date

RULES_FILE = Path(__file__).resolve().parents[1] / "rules" / "limits.yml"
ENV = "XINYONG_LIMITS_FILE"


@dataclass(frozen=True)
class Window:
    lookups: int
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
class LimitRules:
    chat_lookups: LookupLimit
    staff_lookups: LookupLimit
    console_login: LoginLimit
    path: Path


def _positive(value, what: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{what} must be at least 1, got {value!r}")
    return number


def _lookups(d: dict, name: str) -> LookupLimit:
    windows = tuple(Window(_positive(w["lookups"], f"{name}.lookups"), _positive(w["seconds"], f"{name}.seconds"))
                    for w in d.get("windows") or ())
    return LookupLimit(bool(d.get("enabled", True)), windows, d.get("source", ""), as_date(d.get("effective")))


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
        path=path,
    )


@functools.lru_cache(maxsize=1)
def rules() -> LimitRules:
    return load()
