"""The form validators and the filing action run directly, as the action server runs them, on a
seeded SQLite database: what each message fills, corrects, cancels or leaves to a rule."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.db import engine as enginemod
from actions.db.models import Record, Subject, Ticket
from actions.filing_actions import (ActionSubmitFiling, AskFilingRecord, AskRepairPerformance, ValidateObjectionForm,
                                    ValidateRepairForm)
from actions.services import eligibility, enquiry
from actions.services.workflow_rules import rules
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


# ---------------------------------------------------------------- repair: performance and what is offered
# 36号: a repair needs the duties fully performed. The form asks plainly; only "yes" goes on.

def _repairable(code=LAOLI):
    """(subject id, record id) of a displayed penalty the rules let be repaired now."""
    found = enquiry.by_code(code).enquiry
    record = next(r for r in found.records if r.kind == "penalty" and eligibility.assess(r).eligible)
    return found.subject.id, record.id


def _at_performance(**extra):
    subject, record = _repairable()
    slots = {"filing_kind": "repair", "filing_id": "p1", "filing_subject": str(subject),
             "filing_record": str(record), "requested_slot": "repair_performance"}
    slots.update(extra)
    return slots


def _tickets_of(engine, sender="user-9"):
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.sender_id == sender)).scalar()


async def test_the_performance_question_offers_the_three_answers_and_states_the_condition(demo):
    d = CollectingDispatcher()
    await AskRepairPerformance().run(d, tracker("", slots=_at_performance()), {})
    text, buttons = d.messages[0]["text"], d.messages[0]["buttons"]
    assert "罚款是否已全部缴清" in text and rules().performance.text in text and "第36号" in text
    assert [b["payload"] for b in buttons] == ['/inform{"choice":"performed-%s"}' % a
                                               for a in ("yes", "no", "instalments")]
    assert "已全部履行" in buttons[0]["title"] and "分期" in buttons[2]["title"]


@pytest.mark.parametrize("said, entities", [
    ("罚款还没交", ()), ("分期还在交", ()), ("交了一半", ()), ("整改还没做完", ()), ("已经缴了但整改没完", ()),
    ("not yet", ()), ('/inform{"choice":"performed-no"}', [("choice", "performed-no")]),
    ('/inform{"choice":"performed-instalments"}', [("choice", "performed-instalments")]),
])
async def test_anything_but_performed_ends_the_repair_with_36s_condition_and_files_nothing(demo, said, entities):
    slots, text, _ = await run(ValidateRepairForm(), tracker(said, "inform", entities, slots=_at_performance()))
    assert slots["filing_cancelled"] == "not_performed" and slots["requested_slot"] is None
    assert not slots.get("repair_performance")
    assert rules().performance.text in text and "第36号" in text  # why: 36号's condition, with its source
    assert "信用承诺" not in text  # never on to the commitment
    ended = {**_at_performance(), **slots, "filing_confirmed": "yes"}
    _, said_after, _ = await run(ActionSubmitFiling(), tracker(said, slots=ended))
    assert _tickets_of(demo) == 0 and "已取消" not in said_after


@pytest.mark.parametrize("said, original", [
    ("交完了", None), ("都弄好了", None), ("罚款已缴清", "罰款已繳清"), ("paid in full", None), ("是的", None),
    ("罚款分两期缴清了，整改也验收了", None), ('/inform{"choice":"performed-yes"}', None),
])
async def test_performed_in_full_goes_on_to_the_commitment(demo, said, original):
    entities = [("choice", "performed-yes")] if said.startswith("/") else ()
    t = tracker(said, "inform", entities, slots=_at_performance())
    if original:  # the NLU reads Simplified; the ticket keeps what the user typed
        t.latest_message["original_text"] = original
    slots, text, _ = await run(ValidateRepairForm(), t)
    assert slots["requested_slot"] == "repair_commitment" and not slots.get("filing_cancelled")
    assert slots["repair_performance"].startswith("已全部履行（罚款已缴清、整改已完成）")
    if original:
        assert slots["repair_performance"].endswith("申请人说明：罰款已繳清")


@pytest.mark.parametrize("said", ["应该交了吧", "嗯", "好的", "只是警告", "罚款的事我问问会计"])
async def test_an_unclear_answer_is_asked_again_never_taken_as_yes(demo, said):
    slots, text, _ = await run(ValidateRepairForm(), tracker(said, "inform", slots=_at_performance()))
    assert slots["requested_slot"] == "repair_performance" and not slots.get("repair_performance")
    assert not slots.get("filing_cancelled") and "没能确定" in text


async def test_saying_later_that_the_fine_is_unpaid_ends_the_repair(demo):
    later = _at_performance(requested_slot="repair_commitment", repair_performance="已全部履行（罚款已缴清、整改已完成）")
    slots, text, _ = await run(ValidateRepairForm(), tracker("等等，其实罚款还没交", "inform", slots=later))
    assert slots["filing_cancelled"] == "not_performed" and rules().performance.text in text
    at_summary = dict(later, requested_slot="filing_confirmed", repair_commitment="agreed", contact_name="张伟",
                      contact_phone="13912345678")
    slots, text, _ = await run(ValidateRepairForm(), tracker("履行情况改为分期还在交", "inform", slots=at_summary))
    assert slots["filing_cancelled"] == "not_performed"
    # what is not about the duties stays an answer to the question asked
    slots, _, _ = await run(ValidateRepairForm(), tracker("我同意", "affirm", slots=later))
    assert slots["repair_commitment"] == "agreed" and not slots.get("filing_cancelled")


async def test_a_repair_is_filed_only_with_the_applicants_yes(demo):
    subject, record = _repairable()
    filled = {"filing_kind": "repair", "filing_id": "p9", "filing_subject": str(subject), "filing_record": str(record),
              "repair_performance": "罚款还没交", "repair_commitment": "agreed", "contact_name": "张伟",
              "contact_phone": "13912345678", "filing_confirmed": "yes"}
    await run(ActionSubmitFiling(), tracker("确认", "affirm", slots=filled))
    assert _tickets_of(demo) == 0
    filled["repair_performance"] = "已全部履行（罚款已缴清、整改已完成）；申请人说明：5月缴清"
    _, receipt, _ = await run(ActionSubmitFiling(), tracker("确认", "affirm", slots=filled))
    assert "XF-" in receipt
    with demo.connect() as c:
        assert c.execute(sa.select(Ticket.performance).where(Ticket.sender_id == "user-9")).scalar() == \
            "已全部履行（罚款已缴清、整改已完成）；申请人说明：5月缴清"


def _subject(name):
    with Session(enginemod.get_engine()) as s:
        return s.execute(sa.select(Subject).where(Subject.name == name)).scalar_one()


def _add_list(subject_id, list_type, doc, agency="大庆市市场监督管理局"):
    """A list entry on display since 20 days ago (within every tier's maximum)."""
    today = dt.date.today()
    with Session(enginemod.get_engine()) as s:
        record = Record(kind="list", subject_id=subject_id, natural_key=f"{doc}|{agency}", doc_number=doc,
                        decision_date=today - dt.timedelta(days=20), agency=agency, display_status="公示中",
                        display_until=today + dt.timedelta(days=300), list_type=list_type, list_reason="测试")
        s.add(record)
        s.commit()
        return record.id


async def _repair_opened(subject):
    return await run(ValidateRepairForm(), tracker(f"{subject.uscc}申请信用修复", "request_repair",
                                                    [("credit_code", subject.uscc)], activated="repair_form"))


async def test_a_red_list_entry_is_never_offered_and_other_bodies_lists_are_routed(demo):
    fuzhou = _subject("福州市榕兴进出口贸易有限公司")  # penalties and a 重大税收违法失信主体 entry
    red = _add_list(fuzhou.id, "守信红名单", "榕信激〔2026〕3号", "福州市发展和改革委员会")
    abnormal = _add_list(fuzhou.id, "经营异常名录", "榕市监异〔2026〕9号")
    slots, text, _ = await _repair_opened(fuzhou)
    offered = [int(i) for i in slots["filing_choices"].split(",")]
    views = {r.id: r for r in enquiry.by_code(fuzhou.uscc).enquiry.records}
    assert offered and {views[i].kind for i in offered} == {"penalty"}
    assert red not in offered and abnormal not in offered
    assert "国家企业信用信息公示系统" in text and "税务机关" in text  # where to go instead
    d = CollectingDispatcher()
    await AskFilingRecord().run(d, tracker("", slots={**slots, "filing_kind": "repair"}), {})
    titles = [b["title"] for b in d.messages[0]["buttons"]]
    assert titles and not any(word in t for t in titles for word in ("守信红名单", "经营异常名录", "重大税收"))


async def test_a_subject_with_only_a_red_list_entry_has_nothing_to_repair_or_object_to(demo):
    fengyuan = _subject("大庆市丰源农业科技股份有限公司")  # only a 守信红名单 entry
    slots, text, _ = await _repair_opened(fengyuan)
    assert slots["filing_cancelled"] == "nothing" and not slots.get("filing_record") and "激励名单" in text
    red = next(r for r in enquiry.by_code(fengyuan.uscc).enquiry.records if r.list_type == "守信红名单")
    # nor by its button, forged or stale, in either form
    for form, kind in ((ValidateRepairForm(), "repair"), (ValidateObjectionForm(), "objection")):
        slots, text, _ = await run(form, tracker("选这条", "inform", [("choice", f"r{red.id}")], slots={
            "filing_kind": kind, "filing_id": "f9", "filing_subject": str(fengyuan.id),
            "requested_slot": "filing_record"}))
        assert slots["filing_cancelled"] == "ineligible" and "激励名单" in text, kind


async def test_an_abnormal_operations_entry_is_routed_to_the_market_regulator(demo):
    jinhe = _subject("大庆市金禾餐饮管理有限公司")  # nothing to repair of its own
    _add_list(jinhe.id, "经营异常名录", "庆市监异〔2026〕77号")
    slots, text, _ = await _repair_opened(jinhe)
    assert slots["filing_cancelled"] == "nothing" and not slots.get("filing_record")
    assert "国家企业信用信息公示系统" in text and "市场监督管理" in text
    assert _tickets_of(demo) == 0


async def test_a_forged_performance_choice_is_no_answer(demo):
    slots, text, _ = await run(ValidateRepairForm(), tracker('/inform{"choice":"performed-maybe"}', "inform",
                                                             [("choice", "performed-maybe")], slots=_at_performance()))
    assert slots["requested_slot"] == "repair_performance" and not slots.get("repair_performance")
    assert not slots.get("filing_cancelled")


def test_assist_mode_asks_the_operator_the_same_question_and_names_where_lists_go():
    from actions.services import assist

    def step(form, slot):
        return assist.next_step({"active_loop": {"name": form}, "slots": {"requested_slot": slot}}, [])

    asked = step("repair_form", "repair_performance")
    assert "罚款是否已全部缴清" in asked and "分期缴纳中" in asked and "不会提交" in asked
    choosing = step("repair_form", "filing_record")
    for name, rule in rules().lists.items():
        if rule.red:
            assert f"{name}是激励名单" in choosing
        elif not rule.repairable:
            assert f"{name}由{rule.handled_by}办理" in choosing
    assert "激励名单" in step("objection_form", "filing_record") and "办理渠道" not in step("objection_form", "filing_record")


@pytest.mark.parametrize("intent", ["check_status", "ask_policy"])
async def test_a_clear_performance_answer_is_the_answer_whatever_intent_the_nlu_heard(demo, intent):
    slots, _, _ = await run(ValidateRepairForm(), tracker("分期还在交", intent, slots=_at_performance()))
    assert slots["filing_cancelled"] == "not_performed"
    events = await ValidateRepairForm().run(CollectingDispatcher(), tracker(
        "罚款没交完能修复吗？", "ask_policy", slots=_at_performance()), {})
    assert events == []  # a question is still a digression: a rule answers it, then the form asks again
