"""Dates as real exports write them: 2026/05/06, 2026-5-6, 2026年5月6日, 20260506, 2026.05.06,
optionally followed by a time. Anything else, or a day that does not exist, is rejected."""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata

_DATE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m2>\d{2})(?P<d2>\d{2}))"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)

NO_EXPIRY = dt.date(2099, 12, 31)  # the national standard writes 2099/12/31 for "no expiry"


class DateError(ValueError):
    pass


def as_date(value) -> dt.date | None:
    """A date from a YAML rules or metadata file: a date already, an ISO string, or empty."""
    if value in (None, "") or isinstance(value, dt.date):
        return value or None
    return dt.date.fromisoformat(str(value))


def parse_date(text: str | None) -> dt.date | None:
    """None for an empty cell; DateError (message in Chinese) for a malformed or impossible date."""
    if text is None:
        return None
    return _parse_date(str(text))


@functools.lru_cache(maxsize=8192)  # exports repeat the same few hundred dates
def _parse_date(text: str) -> dt.date | None:
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None
    m = _DATE.match(s)
    if not m:
        raise DateError(f"日期格式无法识别：{s}")
    y = int(m["y"])
    mo = int(m["m"] or m["m2"])
    d = int(m["d"] or m["d2"])
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise DateError(f"日期不存在：{s}") from None


def format_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def format_both(d: dt.date) -> str:
    """2026年12月10日（2026-12-10）: how the assistant writes a date a user must act on."""
    return f"{format_cn(d)}（{d.isoformat()}）"


def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), or the month's last day (1月31日 + 1 month = 2月28/29日)."""
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def add_working_days(d: dt.date, n: int) -> dt.date:
    """`n` working days after `d` (weekends skipped; public holidays are not modelled)."""
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d
