"""Rasa's response generator, made to answer in the user's script and to know the hotline.

Configured in endpoints.yml (`nlg: type: bot.nlg.ScriptAwareNLG`). Domain responses are written in
Simplified Chinese; for a user whose `script` slot is traditional, the text and button titles are
converted with OpenCC. `{hotline}` and `{hotline_hours}` in a response come from the environment.
Texts from custom actions are converted by actions/reply.py, which does the same for them.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

from actions.services.textnorm import traditional_reply
from actions.settings import hotline, hotline_hours


class ScriptAwareNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config=None, domain=None) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(self, utter_action: Text, tracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        slots = tracker.current_slot_values()
        english = slots.get("language") == "en"
        kwargs.setdefault("hotline", hotline())
        kwargs.setdefault("hotline_hours", hotline_hours(english))
        response = self.generate_from_slots(utter_action, slots, output_channel, **kwargs)
        if response and slots.get("script") == "traditional" and not english:
            localize(response)
        return response


def localize(response: Dict[Text, Any]) -> None:
    text, buttons = traditional_reply(response.get("text"), response.get("buttons"))
    if text:
        response["text"] = text
    if buttons:
        response["buttons"] = buttons
