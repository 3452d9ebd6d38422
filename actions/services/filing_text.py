"""The words of the objection and repair workflows: record labels, the summary to confirm, the
receipt with its time limits and sources, eligibility answers and ticket status.

Chinese; the actions convert to Traditional for Traditional-script users. No database.
"""
from __future__ import annotations

import datetime as dt

from actions.services import eligibility as elig
from actions.services.codes import mask_ids_in_text
from actions.services.enquiry import RecordView
from actions.services.tickets import TicketView
from actions.services.dates import format_both
from actions.services.workflow_rules import rules

KIND_NAME = {"objection": "异议", "repair": "信用修复"}
ACTION = {"objection": "提出异议", "repair": "申请信用修复"}  # "请选择要…的记录"
RECORD_KIND = {"penalty": "行政处罚", "license": "行政许可", "list": "名单"}


def record_label(r: RecordView) -> str:
    """'行政处罚 庆环罚〔2026〕37号（2026-05-06，大庆市生态环境局）': one line, for buttons and summaries."""
    kind = r.list_type if r.kind == "list" and r.list_type else RECORD_KIND[r.kind]
    return f"{kind} {r.doc_number}（{r.decision_date.isoformat()}，{r.agency}）"


def _limit_word(confirmed: bool) -> str:
    return "" if confirmed else "一般"


def summary(kind: str, subject_name: str, record: RecordView, slots: dict) -> str:
    """The filing to confirm. What the user typed is shown as typed, except that an ID number in it
    is masked like everywhere else (the slots and the ticket keep it masked too)."""
    def typed(slot: str) -> str:
        return mask_ids_in_text(str(slots.get(slot) or ""))

    lines = [f"请核对您的{KIND_NAME[kind]}申请：",
             f"主体：{subject_name}",
             f"记录：{record_label(record)}"]
    if kind == "objection":
        lines += [f"异议理由：{slots.get('objection_ground')}",
                  f"情况说明：{typed('objection_description')}",
                  f"证据材料：{typed('objection_evidence')}"]
    else:
        lines += [f"履行情况：{typed('repair_performance')}",
                  "信用承诺：已同意"]
    lines += [f"联系人：{typed('contact_name')}",
              f"联系电话：{slots.get('contact_phone')}",
              "信息无误请回复“确认”；需要修改请直接说，例如“电话改成（新号码）”；说“取消”放弃本次申请。"]
    return "\n".join(lines)


def bad_phone(value: str) -> str:
    """A number that is not a phone number, quoted back short and with any ID number in it masked."""
    shown = mask_ids_in_text(value if len(value) <= 24 else value[:24] + "…")
    return f"“{shown}”不是有效的电话号码。请发送11位手机号，或带区号的座机号（如 0459-4567890）。"


def receipt(ticket: TicketView, created: bool, same_request: bool) -> str:
    """What the user is told once the ticket is committed."""
    table = rules()
    if not created and not same_request:
        return (f"这条记录已有一件{KIND_NAME[ticket.kind]}申请正在办理：{ticket.ticket_no}（{ticket.status}），"
                f"无需重复提交。发送该编号可以随时查询进度。")
    head = (f"您的{KIND_NAME[ticket.kind]}申请已经提交过了，编号 {ticket.ticket_no}，无需重复提交。"
            if same_request else f"已提交。您的{KIND_NAME[ticket.kind]}申请编号是 {ticket.ticket_no}，请记下以便查询进度。")
    lines = [head]
    if ticket.kind == "objection":
        limits = table.objection_limits
        word = _limit_word(limits.confirmed)
        lines += [
            f"该记录已标注为“异议处理中”，{table.suspends_punishment.text}"
            f"（依据：{table.suspends_punishment.citation}）。",
            f"接下来：信息提供单位核实后答复，{word}在{limits['decide_working_days']}个工作日内作出处理"
            f"（预计 {format_both(ticket.due_date)} 前），情况复杂的可延长，最长{limits['extended_max_working_days']}个工作日"
            f"（时限依据：{limits.source}）。",
            f"{table.wrong_information.text}（{table.wrong_information.citation}）。",
        ]
    else:
        limits = table.repair_limits
        word = _limit_word(limits.confirmed)
        lines += [
            f"接下来：{word}{limits['accept_working_days']}个工作日内决定是否受理，受理后{limits['decide_working_days']}个工作日内"
            f"作出决定（预计 {format_both(ticket.due_date)} 前），情况复杂的可再延长{limits['complex_extra_working_days']}个工作日"
            f"（时限依据：{limits.source}）。",
            f"准予修复后：{table.after_repair.text}（{table.after_repair.citation}）。",
        ]
    lines.append("发送申请编号或“我的申请”可以随时查询进度。")
    return "\n".join(lines)


def ineligible(record: RecordView, e: elig.Eligibility) -> str:
    label = record_label(record)
    if e.reason == elig.LICENCE:
        return f"{label} 是行政许可信息，不是失信记录，不需要信用修复。"
    if e.reason == elig.NOT_DISPLAYED:
        return f"{label} 已不再公示，不需要信用修复。"
    if e.reason == elig.UNDER_OBJECTION:
        return f"{label} 正在异议处理中，请等待异议办结后再申请信用修复。"
    if e.reason == elig.LIST_NOT_HERE:
        return f"{label}：{e.exit_condition}（依据：{e.source}）。"
    tier = _tier(e)
    if e.reason == elig.PAST_MAXIMUM:
        return (f"{label} {tier}，按{e.rule_set}最长公示至 {e.display_ends_text}，现已超过公示期限，应当停止公示。"
                f"无需信用修复，您可以提出异议（理由选“超过公示期限”）。")
    if e.reason == elig.NOT_EARLY:
        return (f"{label} 的处罚类别不能提前修复（依据：{e.source}），"
                f"将在最长公示期满后于 {e.earliest_text} 自动停止公示。")
    if e.exit_condition:  # a list entry not yet old enough
        return (f"{label} 暂不符合移出条件：{e.exit_condition}（依据：{e.source}）。"
                f"最早可在 {e.earliest_text} 申请。")
    return (f"{label} 暂不符合信用修复条件：{tier}，按{e.rule_set}，最短公示期从处罚决定日期"
            f"（{record.decision_date.isoformat()}）起算，尚未届满。最早可在 {e.earliest_text} 申请信用修复。")


def eligible(record: RecordView, e: elig.Eligibility) -> str:
    if e.exit_condition:
        return f"{record_label(record)} 可以申请移出：{e.exit_condition}（依据：{e.source}）。"
    return (f"{record_label(record)} {_tier(e)}，按{e.rule_set}已满最短公示期，"
            f"可以申请信用修复（否则将公示至 {e.display_ends_text}）。")


def _tier(e: elig.Eligibility) -> str:
    if not e.tier:
        return ""
    how = "（根据处罚类别和罚款金额推定）" if e.tier_derived else ""
    return f"失信程度为“{e.tier}”{how}"


def commitment() -> str:
    c = rules().commitment
    return (f"申请信用修复需要作出信用承诺（依据：{c.citation}）。承诺内容如下：\n{c.text}\n"
            f"同意请回复“同意”或“我承诺”；不同意可以说“取消”。")


# ---------------------------------------------------------------- status

_NEXT_STEP = {
    "已提交": "无需操作，请等待受理。",
    "已受理": "无需操作，工作人员正在办理。",
    "核实中": "无需操作，信息提供单位正在核实。",
    "审核中": "无需操作，正在审核您的修复申请。",
}

_OUTCOME = {
    "更正": "经核实信息有误，已予更正，更正后的信息继续公示。",
    "撤销": "经核实信息有误，已撤销该条记录，不再公示，联合惩戒措施终止。",
    "维持": "经核实原信息无误，维持原公示，联合惩戒措施恢复执行。",
    "准予修复": "准予信用修复，该记录已停止公示，联合惩戒措施终止。",
    "不予修复": "不予信用修复，原记录继续公示。",
}


def status(ticket: TicketView, full: bool) -> str:
    """`full` only for the conversation that filed it. Anyone else asked by number alone, and ticket
    numbers are sequential: they see the status and deadline, never the subject, the record, the
    events or a staff note (a 退回补正 note names what is missing, often who)."""
    lines = [f"{KIND_NAME[ticket.kind]}申请 {ticket.ticket_no}",
             f"当前状态：{ticket.status}" + (f"（{ticket.outcome}）" if ticket.outcome else "")]
    if full:
        lines.append(f"主体：{mask_ids_in_text(ticket.subject_name) if ticket.subject_type == '自然人' else ticket.subject_name}")
        lines.append(f"记录：{ticket.record_doc}")
        lines.append("办理记录：")
        for e in ticket.events:
            note = f"，{mask_ids_in_text(e.note)}" if e.note else ""
            lines.append(f"· {e.at.date().isoformat()} {e.status}" + (f"（{e.outcome}）" if e.outcome else "") + note)
    if ticket.status == "已办结":
        lines.append(_OUTCOME.get(ticket.outcome or "", "已办结。"))
        if ticket.kind == "objection":
            lines.append(f"{rules().remedies.text}（{rules().remedies.citation}）。")
    elif ticket.status == "退回补正" and full:
        last = next((e.note for e in reversed(ticket.events) if e.status == "退回补正" and e.note), "")
        lines.append(f"需要您补正：{mask_ids_in_text(last)}。请准备好材料后联系服务热线或重新提交申请。")
    elif ticket.status == "退回补正":
        lines.append("需要补正的内容已告知申请人，请在提交申请的对话中查看，或拨打服务热线。")
    else:
        if ticket.due_date:
            late = "（已超过办理期限，如需催办请拨打信用服务热线）" if ticket.due_date < dt.date.today() else ""
            lines.append(f"办理期限：{format_both(ticket.due_date)}{late}")
        lines.append(_NEXT_STEP.get(ticket.status, ""))
    if not full:
        lines.append("（为保护申请人信息，只显示办理状态；详情请在提交申请的对话中查询。）")
    return "\n".join(line for line in lines if line)


def notice(ticket: TicketView) -> str:
    """What the user who filed a ticket is told when staff change its status (the outbox)."""
    head = (f"您的{KIND_NAME[ticket.kind]}申请 {ticket.ticket_no} 有新进展：{ticket.status}"
            + (f"（{ticket.outcome}）" if ticket.outcome else "") + "。")
    if ticket.status == "已办结":
        return head + _OUTCOME.get(ticket.outcome or "", "")
    if ticket.status == "退回补正":
        last = next((e.note for e in reversed(ticket.events) if e.status == "退回补正" and e.note), "")
        return head + f"需要您补正：{last}。"
    return head + _NEXT_STEP.get(ticket.status, "") + f"发送“查询进度 {ticket.ticket_no}”可查看详情。"


def brief(ticket: TicketView) -> str:
    return (f"{ticket.ticket_no} {KIND_NAME[ticket.kind]} {ticket.status}"
            + (f"（{ticket.outcome}）" if ticket.outcome else "") + f" · {ticket.record_doc}")
