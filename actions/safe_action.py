"""Base class of every custom action: a backend failure becomes an apology, never silence, and a
lookup refused for asking too often (services.rate_limit) becomes the polite refusal. The action
runs for the client address its message came with (services.client_context), which the channel
wrote into the message's metadata (bot/channels/clients.py)."""
from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from rasa_sdk.executor import CollectingDispatcher

from actions.reply import Reply
from actions.services import client_context
from actions.services.rate_limit import TooManyLookups

log = logging.getLogger(__name__)


class SafeAction(Action, abc.ABC):
    """Abstract, so rasa-sdk registers only the concrete actions."""

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @abc.abstractmethod
    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """What the action does; exceptions become an apology."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        with client_context.acting_for(client_address_of(tracker)):
            return await self._run(dispatcher, tracker, domain)

    async def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        reply = Reply(dispatcher, tracker)
        try:
            return await self.act(reply, tracker, domain)
        except TooManyLookups as refused:  # nothing was looked up; the refusal is in the audit log
            log.info("%s refused for sender %s: %s", self.name(), tracker.sender_id, refused)
            reply.too_many(refused)
            return []
        except (OperationalError, InterfaceError, DisconnectionError):
            log.exception("%s: database unavailable for sender %s; the turn is abandoned", self.name(),
                          tracker.sender_id)
            raise
        except Exception:  # the user gets an answer, the log gets the cause
            log.exception("%s failed for sender %s", self.name(), tracker.sender_id)
            reply.apologise()
            return []


def client_address_of(tracker: Tracker) -> str | None:
    """The client address the channel put in the latest message's metadata, or None."""
    metadata = (tracker.latest_message or {}).get("metadata")
    return client_context.usable(metadata.get("client_address")) if isinstance(metadata, dict) else None
