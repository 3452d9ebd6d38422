"""action_answer_policy run directly, as the action server runs it (no model, no database)."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.enquiry_actions import ActionQueryCredit
from actions.policy_actions import ActionAnswerPolicy


def tracker(text, intent="ask_policy", slots=None, loop=None, previous=None, language="zh"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = []
    if previous:
        events += [{"event": "user", "text": "之前的问题"}, {"event": "action", "name": previous},
                   {"event": "action", "name": "action_listen"}]
    events.append({"event": "user", "text": text})
    return Tracker("user-p", {"language": language, **(slots or {})}, latest, events, False, None,
                   {"name": loop} if loop else {}, "action_listen")


async def run(action, t):
    d = CollectingDispatcher()
    events = await action.run(d, t, {})
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, "\n".join(m.get("text") or "" for m in d.messages), [b for m in d.messages for b in m.get("buttons") or []]


async def test_an_answer_keeps_its_context_and_offers_to_start_a_repair():
    slots, text, buttons = await run(ActionAnswerPolicy(), tracker("信用修复要满足啥条件"))
    assert "出处：" in text and slots["policy_context"]["shown"]
    assert [b["payload"] for b in buttons] == ["/request_repair"]


async def test_inside_a_form_the_answer_offers_no_new_filing():
    _, text, buttons = await run(ActionAnswerPolicy(), tracker("信用修复要满足啥条件", loop="objection_form"))
    assert "出处：" in text and buttons == []


async def test_follow_ups_use_the_context_and_ask_when_there_is_none():
    slots, _, _ = await run(ActionAnswerPolicy(), tracker("黑名单的法人会受啥限制"))
    context = slots["policy_context"]
    _, full, _ = await run(ActionAnswerPolicy(), tracker("出处呢", slots={"policy_context": context}))
    assert "原文：" in full
    _, none, _ = await run(ActionAnswerPolicy(), tracker("出处呢"))
    assert "想了解哪方面的规定" in none


async def test_uncovered_question_offers_hotline_and_a_person():
    slots, text, buttons = await run(ActionAnswerPolicy(), tracker("办护照要多久"))
    assert slots == {} and "没有找到" in text and "热线" in text
    assert [b["payload"] for b in buttons] == ["/human_handoff"]


async def test_more_after_a_policy_answer_is_not_a_page_of_records():
    slots, _, _ = await run(ActionAnswerPolicy(), tracker("黑名单的法人会受啥限制"))
    context = slots["policy_context"]
    after, text, _ = await run(ActionQueryCredit(), tracker("还有吗", intent="inform", previous="action_answer_policy",
                                                            slots={"policy_context": context}))
    assert "出处：" in text or "就是这些" in text
    assert after["policy_context"]["shown"][0] not in context["shown"]


async def test_choosing_ask_policy_after_did_you_mean_answers_the_question_typed_before():
    t = tracker("/ask_policy")
    t.events[:0] = [{"event": "user", "text": "老赖还能坐飞机吗"}, {"event": "action", "name": "action_two_stage_fallback"}]
    _, text, _ = await run(ActionAnswerPolicy(), t)
    assert "出处：" in text and "飞机" in text


async def test_a_second_more_continues_the_policy_answer():
    slots, _, _ = await run(ActionAnswerPolicy(), tracker("黑名单的法人会受啥限制"))
    context = slots["policy_context"]
    t = tracker("还有吗", intent="inform", slots={"policy_context": context})
    # The previous turn was action_query_credit passing "还有吗" on; it set the policy context.
    t.events[:0] = [{"event": "user", "text": "还有吗"}, {"event": "action", "name": "action_query_credit"},
                    {"event": "slot", "name": "policy_context", "value": context},
                    {"event": "action", "name": "action_listen"}]
    after, text, _ = await run(ActionQueryCredit(), t)
    assert "出处：" in text or "就是这些" in text
