"""Base class of every custom action: a backend failure becomes an apology, never silence."""
from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reply import Reply

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
        reply = Reply(dispatcher, tracker)
        try:
            return await self.act(reply, tracker, domain)
        except Exception:  # the user gets an answer, the log gets the cause
            log.exception("%s failed for sender %s", self.name(), tracker.sender_id)
            reply.apologise()
            return []
