"""action_answer_policy: answer a rule question from the policy documents, or say they do not cover it.

Thin: services.policy_search finds the clauses, services.policy_answer words the reply. The last
answer's question and clauses stay in the `policy_context` slot for "出处呢" and "还有吗".
Retrieval is CPU work of about a millisecond, but the first call builds the index (jieba's
dictionary, ~1 s), so it runs in a worker thread, never on the event loop.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.latest import typed_text
from actions.reply import Reply
from actions.safe_action import SafeAction
from actions.services import policy_answer
from actions.services.policy_answer import PolicyReply
from actions.services.policy_search import index
from actions.settings import hotline, hotline_hours

CONTEXT_SLOT = "policy_context"
log = logging.getLogger(__name__)


def _warm() -> None:
    """Build the index and load spaCy when the action server starts, not on the first question."""
    try:
        index()
        policy_answer.sentences("预热。")
    except Exception:  # the first real question will report it
        log.exception("warming the policy index failed")


warmup = threading.Thread(target=_warm, name="policy-index-warmup", daemon=True)
warmup.start()


def respond(text: str, context: dict | None) -> PolicyReply:
    """The reply to `text`: a follow-up to the previous answer, or a new question."""
    idx = index()
    kind = policy_answer.followup_kind(text, idx)
    if kind == "source":
        return policy_answer.full_clause(context, idx)
    if kind == "more":
        return policy_answer.more(context, idx)
    return policy_answer.answer(text, idx)


def is_policy_followup(text: str) -> bool:
    return policy_answer.followup_kind(text, index()) is not None


class ActionAnswerPolicy(SafeAction):
    def name(self) -> str:
        return "action_answer_policy"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        return await answer_policy(reply, tracker)


async def answer_policy(reply: Reply, tracker: Tracker) -> list[dict[str, Any]]:
    text = typed_text(tracker)
    context = tracker.get_slot(CONTEXT_SLOT)
    result = await asyncio.to_thread(respond, text, context)
    if result.covered:
        if reply.english:
            reply.say("The policy documents are in Chinese; here is what they say:")
        in_form = bool((tracker.active_loop or {}).get("name"))
        reply.say(result.text, list(result.buttons) if not in_form else None)
        return [SlotSet(CONTEXT_SLOT, result.context)] if result.context is not None else []
    if result.followup:   # "出处呢" with no answer before it
        reply.zh_en("请先告诉我您想了解哪方面的规定，例如：黑名单有什么影响、处罚信息公示多久、怎么申请信用修复。",
                    "Please tell me first which rule you would like to know about, e.g. how long a penalty "
                    "stays online or how credit repair works.")
        return []
    number, hours = hotline(), hotline_hours(reply.english)
    reply.zh_en(f"抱歉，现有的政策文件里没有找到能回答这个问题的规定，我不便凭猜测回答。"
                f"您可以拨打信用服务热线 {number}（{hours}）咨询，或转人工服务。",
                f"Sorry, the policy documents I can cite do not answer that, and I will not guess. "
                f"Please call the credit hotline {number} ({hours}) or talk to a person.",
                buttons=[{"title": "转人工服务" if not reply.english else "Talk to a person",
                          "payload": "/human_handoff"}])
    return []
