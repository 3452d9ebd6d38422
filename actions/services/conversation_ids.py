"""Conversation ids shown to staff, shortened (issue 15, finding 9).

A web page's conversation id (`web-<page id>`) is a bearer secret: whoever knows it can read and
continue that conversation, its tickets included. The console's assist conversations
(`console-…`) and Telegram chats (`telegram-<chat id>`) are the same kind of handle, and a chat id
is personal data. The console shows them only shortened, `web-3f2a…`: enough to tell
conversations apart and to filter the audit log by, never the whole id.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

PREFIXES = ("web", "console", "telegram")
SHOWN = 4  # characters of the id after the prefix that staff see
ELLIPSIS = "…"
_ID = re.compile(r"(?<![A-Za-z0-9_-])(" + "|".join(PREFIXES) + r")-([A-Za-z0-9_-]+)")


def _short(match: re.Match) -> str:
    prefix, rest = match.group(1), match.group(2)
    keep = min(SHOWN, len(rest) // 2)
    return f"{prefix}-{rest[:keep]}{ELLIPSIS}"


def mask(text):
    """`text` with every conversation id in it shortened; dicts and lists are masked throughout."""
    if isinstance(text, str):
        return _ID.sub(_short, text)
    if isinstance(text, dict):
        return {k: mask(v) for k, v in text.items()}
    if isinstance(text, (list, tuple)):
        return [mask(v) for v in text]
    return text


def is_conversation(column):
    return sa.or_(*[column.startswith(f"{p}-", autoescape=True) for p in PREFIXES])


def contains(column, wanted: str):
    """A filter on `column` by part of its text that cannot be used to learn the hidden part of a
    conversation id one character at a time: other values match by any part as before,
    conversation ids only by the shortened form staff are shown (`web-3f2a…`, or a prefix of it)."""
    wanted = wanted.replace(ELLIPSIS, "")
    plain = sa.and_(sa.not_(is_conversation(column)), column.contains(wanted, autoescape=True))
    shown = _ID.fullmatch(wanted)
    if shown is None:
        bare = next((p for p in PREFIXES if f"{p}-".startswith(wanted) or wanted == p), None)
        return sa.or_(plain, column.startswith(f"{bare}-", autoescape=True)) if bare and wanted else plain
    prefix, rest = shown.group(1), shown.group(2)[:SHOWN]
    return sa.or_(plain, column.startswith(f"{prefix}-{rest}", autoescape=True))
