"""Assist mode: a hotline operator types what a caller says and talks to the assistant for them.

The console registers each assist conversation (assist_conversations) before its first message;
a ticket filed in it is recorded as staff-assisted with the operator's name (tickets.file looks
the conversation up). From the conversation state the console shows what the assistant
understood and what the operator should ask the caller next.
"""
from __future__ import annotations

import uuid

from actions.db.engine import session_scope
from actions.db.models import AssistConversation
from actions.services import audit
from actions.services.codes import mask_ids_in_text
from actions.services.workflow_rules import rules

CHANNEL = "console"

FORMS = {"objection_form": "异议申请", "repair_form": "信用修复申请"}
ASKING = {
    "filing_subject": "请来电人提供主体的统一社会信用代码（个人为身份证号）或企业名称",
    "filing_record": "请来电人说明是哪一条记录（决定书文号，或列表中的序号）",
    "objection_ground": "请来电人说明异议理由（信息错误、非本主体、已撤销或变更、超过公示期限、其他）",
    "objection_description": "请来电人具体说明哪里有误、应当是什么",
    "objection_evidence": "请来电人说明能提供的证明材料（没有可说【没有】）",
    "repair_performance": "请问来电人：罚款是否已全部缴清、整改是否已全部完成（已全部履行 / 尚未履行 / 分期缴纳中）；"
                          "只有全部履行才能继续，其他回答助手会说明不符合条件的原因，不会提交申请",
    "repair_commitment": "请向来电人宣读信用承诺并确认其同意",
    "contact_name": "请来电人提供联系人姓名",
    "contact_phone": "请来电人提供联系电话",
    "filing_confirmed": "请向来电人复述申请内容，确认无误后代为提交",
}
INTENTS = {
    "query_credit": "查询信用记录", "file_objection": "提出异议", "request_repair": "申请信用修复",
    "check_status": "查询办理进度", "ask_policy": "咨询政策", "human_handoff": "要求人工服务",
    "greet": "问候", "goodbye": "结束", "inform": "补充信息", "affirm": "肯定", "deny": "否定",
    "out_of_scope": "超出服务范围", "nlu_fallback": "未能理解",
}


def start(staff_id: int, staff_label: str, caller: str | None = None) -> str:
    """A new assist conversation of this staff member; returns its conversation id."""
    sender_id = f"console-{uuid.uuid4().hex}"
    caller = mask_ids_in_text((caller or "").strip())[:100] or None
    with session_scope() as session:
        session.add(AssistConversation(sender_id=sender_id, staff_id=staff_id, caller=caller))
        audit.log(session, "staff", staff_label, "assist_start", "conversation", sender_id,
                  {"caller": caller} if caller else None, channel=CHANNEL)
    return sender_id


def owner(sender_id: str) -> int | None:
    with session_scope() as session:
        row = session.get(AssistConversation, sender_id)
        return row.staff_id if row else None


def record(staff_label: str, sender_id: str, text: str) -> None:
    audit.record("staff", staff_label, "assist_message", "conversation", sender_id,
                 {"text": mask_ids_in_text(text)[:200]}, channel=CHANNEL)


def understood(state: dict) -> dict:
    """What the assistant made of the caller's last words."""
    latest = state.get("latest_message") or {}
    intent = latest.get("intent") or {}
    loop = (state.get("active_loop") or {}).get("name")
    slots = state.get("slots") or {}
    return {"intent": intent.get("name"), "intent_label": INTENTS.get(intent.get("name"), intent.get("name")),
            "confidence": round(float(intent.get("confidence") or 0), 2),
            "entities": [{"entity": e.get("entity"), "value": mask_ids_in_text(str(e.get("value")))}
                         for e in latest.get("entities") or []],
            "form": FORMS.get(loop), "asking": slots.get("requested_slot") if loop else None}


def _record_hint(loop: str) -> str:
    """Which records the form offers, from the rules table (as filing_actions chooses them): never a
    red-list entry; for a repair, not the lists another body handles (the assistant routes them)."""
    lists = rules().lists
    red = "、".join(name for name, rule in lists.items() if rule.red)
    routed = "；".join(f"{name}由{rule.handled_by}办理" for name, rule in lists.items()
                      if not rule.repairable and not rule.red and rule.handled_by)
    hint = f"。{red}是激励名单，不能申请修复或提出异议，不会列出" if red else ""
    if loop == "repair_form" and routed:
        hint += f"；{routed}，不在本平台修复，助手会告知办理渠道"
    return hint


def next_step(state: dict, messages: list[dict]) -> str:
    """One line for the operator: what to ask or do next."""
    loop = (state.get("active_loop") or {}).get("name")
    slots = state.get("slots") or {}
    if loop in FORMS:
        asking = slots.get("requested_slot")
        hint = _record_hint(loop) if asking == "filing_record" else ""
        return f"正在办理{FORMS[loop]}：" + ASKING.get(asking, "按助手的提示继续") + hint
    buttons = [b.get("title") for m in messages for b in m.get("buttons") or [] if b.get("title")]
    if buttons:
        return "助手给出了选项，请向来电人确认：" + "、".join(buttons[:6])
    intent = ((state.get("latest_message") or {}).get("intent") or {}).get("name")
    if intent == "nlu_fallback":
        return "助手没有理解，请换一种说法输入，或直接为来电人解答"
    if slots.get("focus_subject"):
        return "已查到主体；如来电人认为记录有误，可输入【我要提出异议】；如已整改，可输入【申请信用修复】"
    return "请把来电人的话输入给助手，或询问来电人需要办理什么"
