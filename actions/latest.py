"""What the latest user message carried, read the same way by every action."""
from __future__ import annotations

from rasa_sdk import Tracker


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    """The first value of `entity` in the latest message, as text; None when absent or empty."""
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value not in (None, "") else None
