"""A code typed in the answer to another question of a filing form, run through the form validator
and its questions as the action server runs them (seeded SQLite): the user is asked whether to
switch subject, only an explicit yes switches, anything else makes the held message the answer
(issue 15, finding 5); a document number that cannot be one is not searched (finding 9)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import subject_switch
from actions.db.engine import session_scope
from actions.db.models import AuditLog
from actions.filing_actions import AskContactName, AskObjectionEvidence, ValidateObjectionForm
from actions.services import enquiry

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"  # showcase 1, subject id 1
JINHE = "91230602YTR8FXXX1E"  # showcase 2
PERSON_ID = "230602197810070431"  # showcase 7, 赵文强
MASKED = "2306**********0431"
SENDER = "user-switch"


def _message(text, intent="inform", entities=(), confidence=0.9) -> dict:
    return {"text": text, "intent": {"name": intent, "confidence": confidence},
            "entities": [dict(entity=k, value=v) for k, v in entities]}


def _tracker(latest: dict, slots: dict, held: dict | None = None, asked_now: bool = False) -> Tracker:
    """The form midway; `held`: the message the previous turn held, asking whether to switch."""
    events: list[dict] = []
    if held is not None:
        events += [{"event": "user", "text": held["text"], "parse_data": held},
                   {"event": "action", "name": "objection_form"},
                   {"event": "bot", "text": "要把这次异议申请改为针对它所对应的主体吗？",
                    "data": {"buttons": subject_switch.question_buttons()}},
                   {"event": "action", "name": "action_listen"}]
    events.append({"event": "user", "text": latest["text"], "parse_data": latest})
    if asked_now:
        events.append({"event": "bot", "text": "…", "data": {"buttons": subject_switch.question_buttons()}})
    return Tracker(SENDER, dict(slots), latest, events, False, None, {"name": "objection_form"}, "action_listen")


async def _run(action, t):
    d = CollectingDispatcher()
    events = await action.run(d, t, {})
    return ({e["name"]: e["value"] for e in events if e.get("event") == "slot"},
            "\n".join(m.get("text") or "" for m in d.messages), d.messages)


def _penalty_id(code=HONGTAI):
    return next(r.id for r in enquiry.by_code(code).enquiry.records if r.kind == "penalty" and r.display_status == "公示中")


def _at_evidence() -> dict:
    return {"filing_kind": "objection", "filing_id": "f1", "filing_subject": "1", "filing_record": str(_penalty_id()),
            "objection_ground": "信息错误", "objection_description": "金额登记错了", "requested_slot": "objection_evidence"}


async def test_an_id_number_as_the_evidence_answer_asks_and_changes_nothing(demo):
    latest = _message(f"身份证 {PERSON_ID}", entities=[("credit_code", PERSON_ID)])
    slots, text, messages = await _run(ValidateObjectionForm(), _tracker(latest, _at_evidence()))
    assert MASKED in text and PERSON_ID not in text and "赵文强" not in text
    assert [b["payload"] for m in messages for b in m.get("buttons") or []] == [subject_switch.SWITCH_YES,
                                                                                subject_switch.SWITCH_NO]
    assert "filing_subject" not in slots and "filing_record" not in slots
    assert slots.get("objection_evidence") is None and slots["requested_slot"] == "objection_evidence"
    # nothing was looked up: the other subject is not even read before the user says yes
    with session_scope() as s:
        assert s.execute(sa.select(AuditLog).where(AuditLog.actor == SENDER)).all() == []
    # the form's own question stays silent this turn, and speaks again on the next
    t = _tracker(latest, {**_at_evidence(), "requested_slot": "objection_evidence"}, asked_now=True)
    assert (await _run(AskObjectionEvidence(), t))[1] == ""
    assert "材料" in (await _run(AskObjectionEvidence(), _tracker(latest, _at_evidence())))[1]


async def test_anything_but_yes_makes_the_held_message_the_answer(demo):
    held = _message(f"身份证 {PERSON_ID}", entities=[("credit_code", PERSON_ID)])
    for reply in (_message(subject_switch.SWITCH_NO, "deny"), _message("否", "deny"), _message("没有", "deny"),
                  _message("嗯，我再想想", "affirm"), _message("是身份证复印件", "affirm")):
        slots, _, _ = await _run(ValidateObjectionForm(), _tracker(reply, _at_evidence(), held=held))
        assert slots["objection_evidence"] == f"身份证 {MASKED}", (reply["text"], slots)
        assert "filing_subject" not in slots and slots["requested_slot"] == "contact_name"


async def test_an_explicit_yes_switches_to_the_other_subject(demo):
    held = _message(f"应该是这家 {JINHE}", entities=[("credit_code", JINHE)])
    for reply in (_message(subject_switch.SWITCH_YES, "affirm"), _message("是", "affirm"), _message("对，换", "affirm")):
        slots, _, _ = await _run(ValidateObjectionForm(), _tracker(reply, _at_evidence(), held=held))
        assert slots["filing_subject"] == "2" and slots["filing_record"] != str(_penalty_id()), (reply["text"], slots)
        assert slots.get("objection_evidence") is None and slots["requested_slot"] == "objection_evidence"


async def test_the_filings_own_code_or_a_broken_one_is_just_part_of_the_answer(demo):
    for text, code in ((f"营业执照，代码{HONGTAI}", HONGTAI), ("代码 912306047LY7DWQT7K", "912306047LY7DWQT7K")):
        slots, reply, _ = await _run(ValidateObjectionForm(),
                                     _tracker(_message(text, entities=[("credit_code", code)]), _at_evidence()))
        assert slots["objection_evidence"] == text and "改为" not in reply, (text, reply)


async def test_a_document_number_in_an_answer_changes_no_record(demo):
    text = "复议决定书 庆应急罚〔2026〕21号"
    slots, reply, _ = await _run(ValidateObjectionForm(),
                                 _tracker(_message(text, entities=[("doc_number", "庆应急罚〔2026〕21号")]), _at_evidence()))
    assert slots["objection_evidence"] == text and "filing_record" not in slots and "没有找到" not in reply
    with session_scope() as s:
        assert s.execute(sa.select(AuditLog).where(AuditLog.action == "lookup_doc")).all() == []


async def test_a_document_number_without_digits_gets_a_prompt_and_no_search(demo):
    slots = {"filing_kind": "objection", "filing_id": "f1", "filing_subject": "1", "filing_choices": "1,2",
             "requested_slot": "filing_record"}
    latest = _message('/inform{"doc_number":"京市监罚"}', entities=[("doc_number", "京市监罚")])
    _, reply, _ = await _run(ValidateObjectionForm(), _tracker(latest, slots))
    assert "完整的决定书文号" in reply
    with session_scope() as s:
        assert s.execute(sa.select(AuditLog).where(AuditLog.action == "lookup_doc")).all() == []


async def test_a_code_typed_for_the_contact_name_is_asked_about_too(demo):
    filled = {**_at_evidence(), "objection_evidence": "无", "requested_slot": "contact_name"}
    latest = _message(PERSON_ID, entities=[("credit_code", PERSON_ID)])
    slots, text, _ = await _run(ValidateObjectionForm(), _tracker(latest, filled))
    assert MASKED in text and "filing_subject" not in slots and slots.get("contact_name") is None
    assert (await _run(AskContactName(), _tracker(latest, filled, asked_now=True)))[1] == ""
