"""Everything an action says goes through here: in the user's language and script.

A user who writes Traditional characters gets Traditional replies, buttons included; English
speakers get English where an action has an English text. Failures get an apology with the
hotline, never silence.
"""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services.textnorm import traditional_reply
from actions.settings import hotline

TRADITIONAL = "traditional"


class Reply:
    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker):
        self.dispatcher = dispatcher
        self.script = tracker.get_slot("script")
        self.english = tracker.get_slot("language") == "en"

    def say(self, text: str, buttons: list[dict] | None = None) -> None:
        """`buttons`: [{"title": ..., "payload": ...}]; titles are localised, payloads never."""
        if self.script == TRADITIONAL and not self.english:
            text, buttons = traditional_reply(text, buttons)
        kwargs = {"buttons": buttons} if buttons else {}
        self.dispatcher.utter_message(text=text, **kwargs)

    def zh_en(self, chinese: str, english: str, buttons: list[dict] | None = None) -> None:
        self.say(english if self.english else chinese, buttons)

    def response(self, name: str, **kwargs) -> None:
        """A domain response; the NLG (bot/nlg.py) localises it."""
        self.dispatcher.utter_message(response=name, **kwargs)

    def apologise(self) -> None:
        self.zh_en(f"抱歉，系统暂时无法完成您的请求，请稍后再试，或拨打信用服务热线 {hotline()}。",
                   f"Sorry, the system cannot complete your request right now. Please try again later "
                   f"or call the credit hotline {hotline()}.")
