"""What the latest user message carried, read the same way by every action."""
from __future__ import annotations

from rasa_sdk import Tracker

from actions.services.payload_guard import entity_value


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    """The first usable value of `entity` in the latest message, as text; None when absent, empty or
    not a value of that entity (a forged "/intent{...}" payload can carry anything: see
    services.payload_guard)."""
    for value in tracker.get_latest_entity_values(entity):
        usable = entity_value(entity, value)
        if usable is not None:
            return usable
    return None


def _previous_turn(tracker: Tracker) -> list[dict]:
    """The events of the assistant's turn before the latest user message, newest first."""
    events, seen_user = [], False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user:
            events.append(event)
    return events


def previous_action(tracker: Tracker) -> str | None:
    """The last action the assistant ran before the latest user message (not action_listen)."""
    return next((e.get("name") for e in _previous_turn(tracker)
                 if e.get("event") == "action" and e.get("name") != "action_listen"), None)


def set_last_turn(tracker: Tracker, slot: str) -> bool:
    """Whether the assistant's previous turn (before the latest user message) set `slot`."""
    return any(e.get("event") == "slot" and e.get("name") == slot for e in _previous_turn(tracker))


def typed_text(tracker: Tracker) -> str:
    """What the user last typed. A button payload ("/ask_policy" from "did you mean …?") stands for
    the message before it, so that one is returned instead."""
    text = (tracker.latest_message or {}).get("text") or ""
    if not text.startswith("/"):
        return text
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("text") and not event["text"].startswith("/"):
            return event["text"]
    return ""
