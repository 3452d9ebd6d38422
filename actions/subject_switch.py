"""A subject change inside a filing form needs an explicit yes (issue 15, finding 5).

A credit code or an ID number in the answer to another question (the evidence, a description, the
contact …) once moved the filing to that code's subject at once: an ID number typed as evidence
filed an objection on a natural person's court-list record. Now the form holds such a message and
asks whether to switch, with yes / no buttons; only an explicit yes switches, anything else makes
the held message the answer to the question it was typed for.

The state lives in the conversation's events, which the actions already read: the question is a
bot message carrying SWITCH_YES as a button, and the held message is the user message before it.
No slot, so the domain (and the trained model) stay as they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rasa_sdk import Tracker

from actions.latest import _previous_turn
from actions.services import codes
from actions.services.payload_guard import entity_value

SWITCH_YES = '/affirm{"choice":"switch"}'
SWITCH_NO = '/deny{"choice":"keep"}'
KIND_WORDS = {"id_number": "身份证号", "uscc": "统一社会信用代码", "org_code": "组织机构代码"}

# A typed yes to "switch?", as a whole message: '是', '对，换', '好的 改吧', 'yes'. Not '嗯' (a filler),
# not a sentence that starts with 是 ('是身份证复印件' answers a question, it does not agree).
_AGREE = r"(?:是|是的|对|对的|没错|确认|确定|好|好的|可以|要|yes|y|ok|okay)"
_SWITCH = r"(?:换|改|切换|更换|换吧|改吧|换成它|改成它|换主体|改主体|换成该主体|改为该主体)"
_YES = re.compile(rf"^(?:{_AGREE}(?:[，,\s]*{_SWITCH})?|{_SWITCH})[。.!！]*$", re.I)


@dataclass(frozen=True)
class Held:
    """The message that named another subject while the form asked something else."""
    text: str
    original: str
    code: str  # the credit_code entity it carried
    event: dict


_BUTTON_TITLES = {SWITCH_YES: ("是，改为该主体", "Yes, switch to that subject"),
                  SWITCH_NO: ("否，主体不变", "No, keep the subject")}


def question_buttons(english: bool = False) -> list[dict]:
    return [{"title": titles[english], "payload": payload} for payload, titles in _BUTTON_TITLES.items()]


def shown(check: codes.CodeCheck) -> str:
    """The code as the question quotes it: an ID number masked, like everywhere else."""
    return codes.mask_id_number(check.normalized) if check.kind == "id_number" else check.normalized


def _asks_switch(event: dict) -> bool:
    buttons = (event.get("data") or {}).get("buttons") or []
    return event.get("event") == "bot" and any(b.get("payload") == SWITCH_YES for b in buttons)


def asked_this_turn(tracker: Tracker) -> bool:
    """Whether the form asked to switch since the latest user message (its question is then the
    only one: the form's ask actions say nothing)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if _asks_switch(event):
            return True
    return False


def held(tracker: Tracker) -> Held | None:
    """The held message when the assistant's previous turn asked to switch, else None."""
    if not any(_asks_switch(e) for e in _previous_turn(tracker)):
        return None
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    event = users[-2]
    parse = event.get("parse_data") or {}
    code = next((entity_value("credit_code", e.get("value")) for e in parse.get("entities") or []
                 if e.get("entity") == "credit_code" and entity_value("credit_code", e.get("value"))), None)
    if code is None:
        return None
    # as Turn reads the latest message: the NLU's normalised text, and what the user typed
    text = (parse.get("text") or event.get("text") or "").strip()
    original = (parse.get("original_text") or text).strip()
    return Held(text, original, code, event)


def is_yes(text: str, intent: str | None, payload: bool) -> bool:
    """An explicit yes: the yes button (any /affirm payload: pressing it is deliberate), or a short
    typed agreement. A free-text message the model reads as affirm is not enough."""
    if payload:
        return intent == "affirm"
    return bool(_YES.match(text.strip()))
