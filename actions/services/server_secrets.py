"""Keys the web servers share through the database (table server_secrets, migration 0006).

The first server that needs a key creates it (32 random bytes); a concurrent twin on another
replica loses the primary key race and reads the winner's, so every replica ends with the same
key. Read once per process and kept: deleting the row rotates the key after the servers restart.
"""
from __future__ import annotations

import secrets
import threading

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from actions import settings
from actions.db.engine import session_scope
from actions.db.models import ServerSecret

_cache: dict[tuple[str, str], bytes] = {}
_lock = threading.Lock()


def key(name: str) -> bytes:
    """The shared key called `name`, created on first use."""
    cache_key = (settings.database_url(), name)
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]
    value = _read(name)
    if value is None:
        try:
            with session_scope() as session:
                session.add(ServerSecret(name=name, value=secrets.token_hex(32)))
        except IntegrityError:  # another server created it first: use theirs
            pass
        value = _read(name)
    with _lock:
        _cache[cache_key] = bytes.fromhex(value)
        return _cache[cache_key]


def forget() -> None:
    """Drop the keys this process read (tests: a fresh process reads them from the database)."""
    with _lock:
        _cache.clear()


def _read(name: str) -> str | None:
    with session_scope() as session:
        return session.execute(sa.select(ServerSecret.value).where(ServerSecret.name == name)).scalar_one_or_none()
