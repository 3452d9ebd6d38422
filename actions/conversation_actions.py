"""Actions around the conversation itself: handing over to a person, asking "did you mean …?"."""
from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import UserUtteranceReverted

from actions.db.engine import run_db
from actions.reply import Reply
from actions.safe_action import SafeAction
from actions.services import handoff
from actions.services.payload_guard import entity_value
from actions.settings import hotline, hotline_hours

log = logging.getLogger(__name__)

# What each intent offers as a "did you mean" button.
INTENT_LABELS = {
    "query_credit": ("查询信用记录", "Look up credit records"),
    "file_objection": ("对公示信息提出异议", "Dispute a record"),
    "request_repair": ("申请信用修复", "Apply for credit repair"),
    "check_status": ("查询申请进度", "Check an application"),
    "ask_policy": ("咨询信用政策", "Ask about the rules"),
    "human_handoff": ("转人工服务", "Talk to a person"),
    "greet": ("打招呼 / 了解我能做什么", "What can you do?"),
}
# Entities carried into the button payload, so choosing an intent keeps what the user typed.
CARRIED_ENTITIES = ("credit_code", "subject_name", "ticket_id", "doc_number", "phone", "person_name")
MAX_SUGGESTIONS = 3


def suggestions(latest_message: dict) -> list[str]:
    """The likeliest intents of a message the NLU was unsure about, best first."""
    ranking = latest_message.get("intent_ranking") or []
    names = [r.get("name") for r in ranking if r.get("name") in INTENT_LABELS]
    if not names:
        names = ["query_credit", "ask_policy", "human_handoff"]
    return names[:MAX_SUGGESTIONS]


def payload(intent: str, entities: list[dict]) -> str:
    carried = {}
    for e in entities:
        if e.get("entity") in CARRIED_ENTITIES and e.get("entity") not in carried:
            value = entity_value(e["entity"], e.get("value"))
            if value is not None:
                carried[e["entity"]] = value
    return f"/{intent}" + (json.dumps(carried, ensure_ascii=False) if carried else "")


class ActionAskAffirmation(SafeAction):
    """Replaces Rasa's English default of the two-stage fallback with buttons in the user's words."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        entities = message.get("entities") or []
        buttons = [{"title": INTENT_LABELS[i][1 if reply.english else 0], "payload": payload(i, entities)}
                   for i in suggestions(message)]
        buttons.append({"title": "None of these" if reply.english else "都不是", "payload": "/out_of_scope"})
        reply.zh_en("抱歉，我不太确定您的意思。您是想：", "Sorry, I am not sure what you mean. Did you want to:",
                    buttons)
        return []


async def hand_over(tracker: Tracker, reason: str) -> int | None:
    """Queue the conversation for a person with its transcript; None when the queue cannot be
    reached (the caller then gives the hotline alone, so the user is not left without a way on).
    Raises handoff.TooManyHandoffs when the user's network address has asked too often."""
    try:
        return await run_db(handoff.request_handoff, tracker.sender_id, tracker.get_latest_input_channel(),
                            reason, list(tracker.events))
    except handoff.TooManyHandoffs:
        raise
    except Exception:
        log.exception("handoff request failed for %s", tracker.sender_id)
        return None


def too_many_handoffs(reply: Reply, not_understood: bool = False) -> None:
    """Nothing was queued: too many requests for a person came from this network address."""
    number, hours = hotline(), hotline_hours(reply.english)
    zh, en = ("抱歉，我没能理解您的意思。", "Sorry, I could not understand. ") if not_understood else ("抱歉，", "Sorry, ")
    reply.zh_en(f"{zh}您所在的网络地址近期提出的转人工请求较多，本次没有进入在线排队。请直接拨打信用服务热线 "
                f"{number}（{hours}），工作人员会为您解答；您也可以继续向我提问。",
                f"{en}{'M' if not_understood else 'm'}any requests for a person have come from your network address "
                f"recently, so this one was not queued. Please call the credit hotline {number} ({hours}); you can "
                f"also keep asking me.")


class ActionHumanHandoff(SafeAction):
    def name(self) -> str:
        return "action_human_handoff"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        number, hours = hotline(), hotline_hours(reply.english)
        try:
            request_id = await hand_over(tracker, "用户要求人工服务")
        except handoff.TooManyHandoffs:
            too_many_handoffs(reply)
            return []
        if request_id is None:  # the queue is down: the hotline still works
            reply.zh_en(f"抱歉，在线转人工暂时不可用。请直接拨打信用服务热线 {number}（{hours}）。",
                        f"Sorry, handing over online is unavailable right now. Please call the credit "
                        f"hotline {number} ({hours}).")
            return []
        reply.zh_en(f"好的，已为您转人工服务（排队号 {request_id}），工作人员会接手这段对话，请稍候。"
                    f"您也可以直接拨打信用服务热线 {number}（{hours}）。",
                    f"OK, a member of staff will take over this conversation (queue number {request_id}); "
                    f"please wait. You can also call the credit hotline {number} ({hours}).")
        return []


UNCLEAR = ("nlu_fallback", "out_of_scope")  # not understood, or "none of these" to the did-you-mean buttons


def repeated_fallback(events: list[dict]) -> bool:
    """The assistant failed to understand twice in a row (two unclear messages, or "none of
    these" twice): Rasa's two-stage fallback gives up, and a person should take over."""
    intents = [(e.get("parse_data") or {}).get("intent", {}).get("name") for e in events if e.get("event") == "user"]
    recent = intents[-3:]
    return len(recent) >= 2 and recent[-1] in UNCLEAR and sum(i in UNCLEAR for i in recent) >= 2 \
        and "nlu_fallback" in recent


class ActionDefaultFallback(SafeAction):
    """Rasa's last resort. After repeated failures to understand, the conversation goes to the
    staff queue with its transcript, and the user is given the hotline; otherwise an apology."""

    def name(self) -> str:
        return "action_default_fallback"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if not repeated_fallback(list(tracker.events)):
            reply.response("utter_default")
            return [UserUtteranceReverted()]
        number, hours = hotline(), hotline_hours(reply.english)
        try:
            request_id = await hand_over(tracker, "多次未能理解用户的意思")
        except handoff.TooManyHandoffs:
            too_many_handoffs(reply, not_understood=True)
            return [UserUtteranceReverted()]
        if request_id is None:
            reply.zh_en(f"抱歉，我没能理解您的意思。请拨打信用服务热线 {number}（{hours}），由工作人员为您解答。",
                        f"Sorry, I could not understand. Please call the credit hotline {number} ({hours}).")
            return [UserUtteranceReverted()]
        reply.zh_en(f"抱歉，我没能理解您的意思，已为您转人工服务（排队号 {request_id}），工作人员会接手这段对话。"
                    f"您也可以直接拨打信用服务热线 {number}（{hours}）。",
                    f"Sorry, I could not understand. A member of staff will take over this conversation "
                    f"(queue number {request_id}). You can also call the credit hotline {number} ({hours}).")
        return [UserUtteranceReverted()]
