"""Custom actions run directly (as the action server runs them) on a seeded SQLite database."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_actions import ActionAskAffirmation, ActionHumanHandoff
from actions.db.models import HandoffRequest
from actions.enquiry_actions import ActionQueryCredit
from actions.services import enquiry

HONGTAI = "912306047LY7DWQT7J"
JINHE = "91230602YTR8FXXX1E"


def tracker(text="", entities=(), slots=None, intent="query_credit", events=()):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": [dict(entity=k, value=v) for k, v in entities],
              "intent_ranking": [{"name": intent, "confidence": 0.4}]}
    return Tracker("user-1", dict(slots or {}), latest, list(events), False, None, {}, "action_listen")


async def run(action, t):
    d = CollectingDispatcher()
    events = await action.run(d, t, {})
    return d.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def slots_after(events, before=None):
    slots = dict(before or {})
    slots.update(events)
    return slots


async def test_lookup_by_code_sets_the_focus(demo):
    msgs, slots = await run(ActionQueryCredit(), tracker("9123 0604 7ly7 dwqt7j", [("credit_code", HONGTAI)]))
    assert "大庆市鸿泰石油技术服务有限公司" in msgs[0]["text"] and "异议处理中" in msgs[0]["text"]
    assert slots["focus_subject"]


async def test_a_bad_check_digit_is_explained(demo):
    msgs, slots = await run(ActionQueryCredit(), tracker("", [("credit_code", HONGTAI[:-1] + "A")]))
    assert "校验位不正确" in msgs[0]["text"] and not slots


async def test_a_fragment_gives_at_most_five_buttons_carrying_codes(demo):
    msgs, _ = await run(ActionQueryCredit(), tracker("查有限公司", [("subject_name", "有限公司")]))
    buttons = msgs[0]["buttons"]
    assert 2 <= len(buttons) <= 5
    for b in buttons:
        code = json.loads(b["payload"][len("/query_credit"):])["credit_code"]
        assert len(code) == 18 and code not in b["title"]


async def test_nothing_found_suggests_the_code(demo):
    msgs, _ = await run(ActionQueryCredit(), tracker("", [("subject_name", "子虚乌有贸易有限公司")]))
    assert "没有找到" in msgs[0]["text"] and "统一社会信用代码" in msgs[0]["text"]


async def test_follow_ups_use_the_subject_in_focus_and_the_previous_one(demo):
    _, s1 = await run(ActionQueryCredit(), tracker("", [("credit_code", HONGTAI)]))
    msgs, _ = await run(ActionQueryCredit(), tracker("有没有行政许可", slots=s1))
    assert "排污许可证" in msgs[0]["text"] and "庆环罚" not in msgs[0]["text"]
    _, s2 = await run(ActionQueryCredit(), tracker("", [("credit_code", JINHE)], slots=s1))
    s2 = slots_after(s2, s1)
    msgs, s3 = await run(ActionQueryCredit(), tracker("上一家呢", slots=s2))
    assert "鸿泰石油" in msgs[0]["text"] and s3["previous_subject"] == s2["focus_subject"]


async def test_more_pages_through_the_focus(demo, monkeypatch):
    monkeypatch.setattr("actions.services.enquiry_text.PAGE_SIZE", 2)
    msgs, s1 = await run(ActionQueryCredit(), tracker("", [("credit_code", HONGTAI)]))
    assert msgs[0]["buttons"][0]["payload"] == '/query_credit{"page":"2"}'
    msgs, s2 = await run(ActionQueryCredit(), tracker("查看更多", slots=s1))
    assert "排污许可证" in msgs[0]["text"] and not msgs[0].get("buttons")
    msgs, _ = await run(ActionQueryCredit(), tracker("查看更多", slots=slots_after(s2, s1)))
    assert "没有更多" in msgs[0]["text"]


async def test_traditional_users_get_traditional_text_and_buttons(demo):
    msgs, _ = await run(ActionQueryCredit(), tracker("", [("subject_name", "有限公司")],
                                                     slots={"script": "traditional"}))
    assert "請選擇" in msgs[0]["text"]
    assert any("慶" in b["title"] for b in msgs[0]["buttons"])
    assert all("/query_credit" in b["payload"] for b in msgs[0]["buttons"])


async def test_english_users_get_english(demo):
    msgs, _ = await run(ActionQueryCredit(), tracker("check", [("credit_code", HONGTAI)], slots={"language": "en"}))
    assert "Public records" in msgs[0]["text"]


async def test_people_are_not_looked_up_by_name(demo):
    msgs, _ = await run(ActionQueryCredit(), tracker("赵文强是老赖吗", [("person_name", "赵文强")]))
    assert "身份证" in msgs[0]["text"] and "赵文强（" not in msgs[0]["text"]
    # Not even when the conversation is about a person found by ID: the name is not a follow-up.
    _, focus = await run(ActionQueryCredit(), tracker("", [("credit_code", "230602197810070431")]))
    msgs, _ = await run(ActionQueryCredit(), tracker("张三是不是老赖", [("person_name", "张三")], slots=focus))
    assert "身份证" in msgs[0]["text"] and "赵文强" not in msgs[0]["text"]


async def test_without_subject_it_asks_for_one(demo):
    msgs, _ = await run(ActionQueryCredit(), tracker("帮我查一下"))
    assert msgs[0]["response"] == "utter_ask_subject"


async def test_a_backend_failure_gets_an_apology_with_the_hotline(demo, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")

    def broken(*a, **k):
        raise ValueError("a bug in a service")

    monkeypatch.setattr(enquiry, "by_code", broken)
    msgs, slots = await run(ActionQueryCredit(), tracker("", [("credit_code", HONGTAI)]))
    assert "0459-12345" in msgs[0]["text"] and "抱歉" in msgs[0]["text"] and not slots


async def test_a_database_outage_fails_the_action_so_rasa_abandons_the_turn(demo, monkeypatch):
    """Not an apology with the form moving on: the action server answers 500, and Rasa
    (bot/rasa_server.py) keeps the conversation where it was and asks for the message again."""
    def down(*a, **k):
        raise sa.exc.OperationalError("select", {}, Exception("database is down"))

    monkeypatch.setattr(enquiry, "by_code", down)
    with pytest.raises(sa.exc.OperationalError):
        await run(ActionQueryCredit(), tracker("", [("credit_code", HONGTAI)]))


async def test_handoff_queues_the_conversation_with_ids_masked(demo, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "12345")
    monkeypatch.setenv("XINYONG_HOTLINE_HOURS", "每天 8:00—20:00")
    events = [{"event": "user", "text": "查230602197810070431", "timestamp": 1.0},
              {"event": "bot", "text": "赵文强……", "timestamp": 2.0}]
    msgs, _ = await run(ActionHumanHandoff(), tracker("转人工", intent="human_handoff", events=events))
    assert "12345" in msgs[0]["text"] and "每天 8:00—20:00" in msgs[0]["text"]
    with demo.connect() as c:
        row = c.execute(sa.select(HandoffRequest)).one()
    assert row.status == "待处理" and "230602197810070431" not in json.dumps(row.transcript, ensure_ascii=False)
    # Asking again does not queue the user twice.
    await run(ActionHumanHandoff(), tracker("人工", intent="human_handoff", events=events))
    with demo.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(HandoffRequest)).scalar() == 1


async def test_did_you_mean_buttons_keep_what_the_user_typed(demo):
    t = tracker("鸿泰石由咋样", [("subject_name", "鸿泰石由")], intent="nlu_fallback")
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.5},
                                          {"name": "query_credit", "confidence": 0.4},
                                          {"name": "ask_policy", "confidence": 0.3}]
    msgs, _ = await run(ActionAskAffirmation(), t)
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert payloads[0] == '/query_credit{"subject_name": "鸿泰石由"}' and payloads[-1] == "/out_of_scope"


@pytest.mark.parametrize("language", [None, "en"])
async def test_an_id_number_is_never_echoed_in_full(demo, language):
    """Not found, or a check digit typed wrong: in Chinese and in English the reply masks it."""
    slots = {"language": language} if language else {}
    for number in ("230602199001011237", "230602197810070432"):  # unknown valid / wrong check digit
        msgs, _ = await run(ActionQueryCredit(), tracker(f"check {number}", [("credit_code", number)], slots=slots))
        text = " ".join(m.get("text") or "" for m in msgs)
        assert text and number not in text and number[:17] not in text
