"""Rasa's conversation state in the platform database (DATABASE_URL), so a restart of the servers
in the middle of a form continues where the user was.

Rasa's SQL tracker store, pointed at the same URL as everything else (SQLite by default,
PostgreSQL in production). It owns one table, `events`, documented in docs/schema.md.
Configured in bot/endpoints.yml.
"""
from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import make_url

from actions import settings


class DatabaseTrackerStore(SQLTrackerStore):
    def __init__(self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any) -> None:
        url = settings.database_url()
        dialect = make_url(url).get_backend_name()
        # A full URL as `host` is used as is by SQLTrackerStore.get_db_url.
        super().__init__(domain=domain, dialect=dialect, host=url, event_broker=event_broker, **kwargs)
