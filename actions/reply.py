"""Everything an action says goes through here: in the user's language and script.

A user who writes Traditional characters gets Traditional replies, buttons included; English
speakers get English where an action has an English text. Failures get an apology with the
hotline, never silence.
"""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services.rate_limit import TooManyLookups
from actions.services.textnorm import traditional_reply
from actions.settings import hotline, hotline_hours

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

    def too_many(self, refused: TooManyLookups) -> None:
        """A lookup refused because this conversation (or its network address) asked too often: when
        to try again, and the hotline."""
        zh, en = too_many_texts(refused.retry_after, refused.window.lookups, refused.window.seconds,
                                refused.per)
        self.zh_en(zh, en)


def too_many_texts(wait: int, lookups: int, seconds: int, per: str = "conversation") -> tuple[str, str]:
    """(Chinese, English) of a refusal for asking too often; `wait` in seconds; `per`: what was
    counted: one conversation, or ("address") every conversation from the user's network address."""
    per_zh = {60: "每分钟", 3600: "每小时"}.get(seconds, f"每 {seconds} 秒")
    per_en = {60: "a minute", 3600: "an hour"}.get(seconds, f"in {seconds} seconds")
    wait_zh = f"{wait} 秒" if wait < 120 else f"{wait} 秒（约 {-(-wait // 60)} 分钟）"
    wait_en = f"{wait} seconds" if wait < 120 else f"{wait} seconds (about {-(-wait // 60)} minutes)"
    who_zh, who_en = (("同一网络地址", "one network address") if per == "address"
                      else ("每个对话", "a conversation"))
    return (f"抱歉，您查询得太频繁了。为防止公示信息被批量抓取，{who_zh}{per_zh}最多查询 {lookups} 次，"
            f"请在 {wait_zh}后再试。如需帮助，请拨打信用服务热线 {hotline()}（{hotline_hours()}）。",
            f"Sorry, you have asked too often. To keep the public records from being harvested, {who_en} "
            f"may make at most {lookups} lookups {per_en}. Please try again in {wait_en}, or call the credit "
            f"hotline {hotline()} ({hotline_hours(english=True)}).")
