"""Rasa's conversation state in the platform database (DATABASE_URL), so a restart of the servers
in the middle of a form continues where the user was.

Rasa's SQL tracker store, pointed at the same URL as everything else (SQLite by default,
PostgreSQL in production). It owns one table, `events`, documented in docs/schema.md.
Configured in bot/endpoints.yml.

Rasa's SQL tracker store talks to the database on the event loop, so while one conversation waits
for PostgreSQL no other message is processed. Here the same queries run in a worker thread (the
loop goes on with other users' NLU and policies), which is what lets one Rasa server keep its CPU
busy under load (bench/load.py).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url

from actions import settings
from actions.db.engine import application_name


class DatabaseTrackerStore(SQLTrackerStore):
    def __init__(self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any) -> None:
        url = settings.database_url()
        dialect = make_url(url).get_backend_name()
        # A full URL as `host` is used as is by SQLTrackerStore.get_db_url.
        super().__init__(domain=domain, dialect=dialect, host=url, event_broker=event_broker, **kwargs)
        if dialect == "postgresql":
            # Rasa's engine keeps pooled connections that a database restart has closed, and the
            # first message after the restart would fail; a checked-out connection is tested first.
            engine = self.engine
            options = create_engine_kwargs(engine.url)
            options.setdefault("connect_args", {})["application_name"] = application_name("rasa")
            self.engine = sa.create_engine(engine.url, pool_pre_ping=True, **options)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            engine.dispose()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await asyncio.to_thread(self._load, sender_id, False)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await asyncio.to_thread(self._load, conversation_id, True)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._store, tracker)

    def _load(self, sender_id: str, all_sessions: bool) -> DialogueStateTracker | None:
        """SQLTrackerStore._retrieve, off the event loop."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _store(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, off the event loop: the events not stored yet, in one commit."""
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                rows.append(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"), data=json.dumps(data)))
            session.add_all(rows)
            session.commit()
