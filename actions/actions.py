"""Rasa actions: thin. They read the tracker, call a service off the event loop, and reply."""
from __future__ import annotations

import logging
import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.db.engine import run_db
from actions.services import enquiry

log = logging.getLogger(__name__)


def hotline() -> str:
    return os.environ.get("XINYONG_HOTLINE", "12345")


def apologise(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        text=f"抱歉，系统暂时无法完成查询，请稍后再试，或拨打信用服务热线 {hotline()}。")


class ActionQueryCredit(Action):
    def name(self) -> str:
        return "action_query_credit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        code = next(tracker.get_latest_entity_values("credit_code"), None) or tracker.get_slot("credit_code")
        if not code:
            dispatcher.utter_message(response="utter_ask_code")
            return []
        try:
            text = await run_db(enquiry.summary_by_code, code, tracker.sender_id)
        except Exception:  # the user gets an answer, the log gets the cause
            log.exception("lookup by code failed")
            apologise(dispatcher)
            return []
        dispatcher.utter_message(text=text)
        return []
