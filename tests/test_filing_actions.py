"""The form validators and the filing action run directly, as the action server runs them, on a
seeded SQLite database: what each message fills, corrects, cancels or leaves to a rule."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.db.models import Ticket
from actions.filing_actions import ActionSubmitFiling, ValidateObjectionForm, ValidateRepairForm
from actions.services import enquiry
from nlu.components.intent_cues import cued_intent

HONGTAI = "912306047LY7DWQT7J"
LAOLI = "92230602J53LL72400"


def tracker(text, intent="inform", entities=(), slots=None, activated=None, confidence=0.9):
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "entities": [dict(entity=k, value=v) for k, v in entities]}
    events = [{"event": "user", "text": text}]
    if activated:
        events.append({"event": "active_loop", "name": activated})
    return Tracker("user-9", dict(slots or {}), latest, events, False, None,
                   {"name": activated} if activated else {}, "action_listen")


async def run(action, t):
    d = CollectingDispatcher()
    events = await action.run(d, t, {})
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, "\n".join(
        m.get("text") or "" for m in d.messages), d.messages


def _penalty_id(code=HONGTAI):
    return next(r.id for r in enquiry.by_code(code).enquiry.records if r.kind == "penalty" and r.display_status == "公示中")


async def test_an_opening_with_a_code_and_a_reason_skips_what_it_already_says(demo):
    slots, _, _ = await run(ValidateObjectionForm(), tracker(f"{HONGTAI}的处罚金额写错了，我要提异议", "file_objection",
                                                              [("credit_code", HONGTAI)], activated="objection_form"))
    assert slots["filing_kind"] == "objection" and slots["filing_id"]
    assert slots["objection_ground"] == "信息错误"
    assert slots["filing_choices"] and slots["requested_slot"] == "filing_record"


def _midway(requested, **extra):
    base = {"filing_kind": "objection", "filing_id": "f1", "filing_subject": "1", "requested_slot": requested}
    base.update(extra)
    return base


async def test_an_unusable_phone_is_refused_politely_and_asked_again(demo):
    filled = _midway("contact_phone", filing_record=str(_penalty_id()), objection_ground="信息错误",
                     objection_description="金额错", objection_evidence="无", contact_name="张伟")
    slots, text, _ = await run(ValidateObjectionForm(), tracker("12345", slots=filled))
    assert "不是有效的电话号码" in text and slots["requested_slot"] == "contact_phone"
    assert slots.get("contact_phone") is None


async def test_a_correction_at_the_summary_changes_the_field_and_shows_the_summary_again(demo):
    filled = _midway("filing_confirmed", filing_record=str(_penalty_id()), objection_ground="信息错误",
                     objection_description="金额错", objection_evidence="无", contact_name="张伟",
                     contact_phone="13912345678")
    slots, _, _ = await run(ValidateObjectionForm(), tracker("不对，电话是13712345678", "deny",
                                                              [("phone", "13712345678")], slots=filled))
    assert slots["contact_phone"] == "13712345678" and slots["requested_slot"] == "filing_confirmed"
    slots, _, _ = await run(ValidateObjectionForm(), tracker("联系人改成王芳", slots=filled))
    assert slots["contact_name"] == "王芳"


async def test_cancel_ends_the_form_and_nothing_is_filed(demo):
    slots, _, _ = await run(ValidateObjectionForm(), tracker("算了", "deny", slots=_midway("objection_description")))
    assert slots["filing_cancelled"] == "user" and slots["requested_slot"] is None
    _, text, _ = await run(ActionSubmitFiling(), tracker("算了", slots={**_midway(None), "filing_cancelled": "user"}))
    assert "已取消" in text
    with demo.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.sender_id == "user-9")).scalar() == 0


async def test_a_policy_question_rejects_the_form_turn_so_a_rule_answers_it(demo):
    events = await ValidateObjectionForm().run(CollectingDispatcher(), tracker(
        "异议期间还会被惩戒吗？", "ask_policy", slots=_midway("objection_description")), {})
    assert events == []
    # the same intent on a plain statement at a free-text step is the answer
    slots, _, _ = await run(ValidateObjectionForm(), tracker("公示期限的规定被违反了", "ask_policy",
                                                              slots=_midway("objection_description")))
    assert slots["objection_description"] == "公示期限的规定被违反了"


async def test_an_ineligible_record_ends_the_repair_with_the_reason(demo):
    record = next(r for r in enquiry.by_code(HONGTAI).enquiry.records if r.display_status == "异议处理中")
    slots, text, _ = await run(ValidateRepairForm(), tracker(
        "选这条", "inform", [("choice", f"r{record.id}")],
        slots={"filing_kind": "repair", "filing_id": "f2", "filing_subject": "1", "requested_slot": "filing_record"}))
    assert "异议处理中" in text and slots["filing_cancelled"] == "ineligible"


async def test_the_commitment_needs_an_explicit_agreement(demo):
    base = {"filing_kind": "repair", "filing_id": "f3", "filing_subject": "6", "filing_record": "1",
            "requested_slot": "repair_commitment", "repair_performance": "已整改"}
    slots, text, _ = await run(ValidateRepairForm(), tracker("好", "affirm", slots=base))
    assert "必须作出信用承诺" in text and slots.get("repair_commitment") is None
    slots, _, _ = await run(ValidateRepairForm(), tracker("我同意", "affirm", slots=base))
    assert slots["repair_commitment"] == "agreed"
    # pressing the "同意并承诺" button (its payload is /affirm) is the agreement too
    slots, text, _ = await run(ValidateRepairForm(), tracker("/affirm", "affirm", slots=base))
    assert slots["repair_commitment"] == "agreed" and "必须作出信用承诺" not in text


async def test_filing_twice_with_the_same_form_gives_one_ticket(demo):
    filled = _midway(None, filing_record=str(_penalty_id()), objection_ground="信息错误",
                     objection_description="金额错", objection_evidence="无", contact_name="张伟",
                     contact_phone="13912345678", filing_confirmed="yes")
    _, first, _ = await run(ActionSubmitFiling(), tracker("确认", "affirm", slots=filled))
    _, second, _ = await run(ActionSubmitFiling(), tracker("确认", "affirm", slots=filled))
    number = first.split("申请编号是 ")[1][:16]
    assert number.startswith("YY-") and number in second and "无需重复提交" in second


@pytest.mark.parametrize("text, intent, cued", [
    (f"我要对{HONGTAI}的一条行政处罚提出异议", "query_credit", "file_objection"),
    (f"{HONGTAI} 申请信用修复", "query_credit", "request_repair"),
    ("有没有异议处理中的记录", "query_credit", None),
    ("信用修复需要什么条件", "ask_policy", None),
    ('/query_credit{"credit_code":"x"}', "query_credit", None),
    ("我要修复 91230602J53LL72400", "query_credit", "request_repair"),
    (" yy-20261117-0001 ", "out_of_scope", "check_status"),
    ("客户问他提交的信用修复申请现在到哪个环节了", "request_repair", "check_status"),
    ("我的申请被退回了怎么办", "query_credit", None),
    (f"{HONGTAI} 这条罚款记录是错的", "query_credit", "file_objection"),
    ("这个罚款不是我们公司的", "inform", "file_objection"),
    ("这条记录是错的吗？", "query_credit", None),
])
def test_request_words_overrule_a_lookup_reading(text, intent, cued):
    assert cued_intent(text, intent) == cued


@pytest.mark.parametrize("text, intent, entities, cued", [
    ("出处呢", "query_credit", set(), "ask_policy"),
    ("原文是什么？", "nlu_fallback", set(), "ask_policy"),
    ("这是哪个文件规定的", "inform", set(), "ask_policy"),
    ("还有吗", "affirm", set(), "inform"),
    ("还有吗", "ask_policy", set(), None),                      # a policy reading answers it already
    ("赵文强是不是老赖", "ask_policy", {"person_name"}, "query_credit"),
    ("老赖是不是不能坐飞机", "ask_policy", set(), None),         # no one named: a rule question
    ("我是台商，在福建投资，两岸的信用报告可以互认吗？", "greet", set(), "ask_policy"),
    ("您好，请问这里是信用查询吗", "greet", set(), None),
    ("你好，你能帮我查信用吗？", "greet", set(), None),
    ("经营异常名录咋移出来", "request_repair", set(), "ask_policy"),
    ("我们公司想从经营异常名录移出来，怎么移出", "request_repair", set(), None),
    # asking for a person is a handoff, whatever DIET heard in it
    ("别让机器人回了行不行", "bot_challenge", set(), "human_handoff"),
    ("你们这有真人没有，有没有真人", "query_credit", set(), "human_handoff"),
    ("不服，叫你们负责人来", "file_objection", set(), "human_handoff"),
    ("说了半天没用，我要找人", "nlu_fallback", set(), "human_handoff"),
    ("你是真人吗", "bot_challenge", set(), None),               # what it talks to, not a request
    ("有没有人工智能公司被处罚过", "query_credit", set(), None),
    ("这条处罚是错的，我要投诉", "file_objection", set(), None),
])
def test_policy_follow_ups_and_named_subjects(text, intent, entities, cued):
    assert cued_intent(text, intent, entities) == cued


async def test_asking_for_the_source_of_a_policy_answer_mid_form_is_a_digression(demo):
    events = await ValidateObjectionForm().run(CollectingDispatcher(), tracker(
        "出处呢", "ask_policy", slots=_midway("objection_description")), {})
    assert events == []   # rejected: the policy rule quotes the clause, then the form asks again
    slots, _, _ = await run(ValidateObjectionForm(), tracker("出处不对，金额登记错了", "ask_policy",
                                                             slots=_midway("objection_description")))
    assert slots["objection_description"] == "出处不对，金额登记错了"


async def test_the_records_offered_are_of_the_kind_the_opening_names(demo):
    records = {r.id: r.kind for r in enquiry.by_code(HONGTAI).enquiry.records}
    assert {"penalty", "license"} <= set(records.values())
    slots, _, _ = await run(ValidateObjectionForm(), tracker(f"我要对{HONGTAI}的一条行政处罚提出异议", "file_objection",
                                                              [("credit_code", HONGTAI)], activated="objection_form"))
    offered = [int(i) for i in slots["filing_choices"].split(",")]
    assert offered and {records[i] for i in offered} == {"penalty"}
    slots, text, _ = await run(ValidateObjectionForm(), tracker(f"{HONGTAI}的行政许可信息有误，我要提异议", "file_objection",
                                                                 [("credit_code", HONGTAI)], activated="objection_form"))
    assert records[int(slots["filing_record"])] == "license" and "只有一条相关公示记录" in text
