"""Rasa's conversation lock store, chosen by the environment like the database.

With REDIS_URL set (production, several Rasa servers behind a load balancer), locks live in Redis, so
two messages of one user that reach different Rasa servers are still handled one after the other.
Without it, one Rasa server holds its locks in memory (the default for `make run`).
Configured in bot/endpoints.yml (`lock_store: type: bot.lock_store.ConfiguredLockStore`).
"""
from __future__ import annotations

from urllib.parse import unquote, urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from actions import settings

KEY_PREFIX = "xinyong"  # Rasa requires an alphanumeric prefix; keeps our locks apart on a shared Redis


def redis_options(url: str) -> dict:
    """RedisLockStore's arguments from redis://[user:password@]host[:port][/db] (rediss:// for TLS)."""
    u = urlparse(url)
    if u.scheme not in ("redis", "rediss"):
        raise SystemExit(f"REDIS_URL must start with redis:// or rediss://, got {url!r}")
    db = (u.path or "/").strip("/") or "0"
    if not db.isdigit():
        raise SystemExit(f"REDIS_URL's database must be a number, got {db!r}")
    return {"host": u.hostname or "localhost", "port": u.port or 6379, "db": int(db),
            "username": unquote(u.username) if u.username else None,
            "password": unquote(u.password) if u.password else None,
            "use_ssl": u.scheme == "rediss", "key_prefix": KEY_PREFIX}


class ConfiguredLockStore:
    """Rasa instantiates the configured type with `endpoint_config=`; this returns the real store."""

    def __new__(cls, endpoint_config=None) -> LockStore:  # noqa: ARG003 - the environment decides
        url = settings.redis_url()
        return RedisLockStore(**redis_options(url)) if url else InMemoryLockStore()
