"""The words of the objection and repair workflows: record labels, the summary to confirm, the
receipt with its time limits and sources, eligibility answers and ticket status.

Chinese; the actions convert to Traditional for Traditional-script users. No database. Every rule
stated carries its source (services.legal_words): text in “ ” only when verbatim, our own wording
labelled as the platform's, a local rule (大庆's suspension during an objection, a region's time
limits) only for a record of that region. Words to reply with and statuses are written 【…】.
"""
from __future__ import annotations

import datetime as dt

from actions.services import eligibility as elig
from actions.services.codes import mask_ids_in_text
from actions.services.enquiry import RecordView
from actions.services.tickets import TicketView
from actions.services.dates import format_both
from actions.services.legal_words import local_objection_limits, objection_measures, stated
from actions.services.workflow_rules import Cited, Limits, rules

KIND_NAME = {"objection": "异议", "repair": "信用修复"}
ACTION = {"objection": "提出异议", "repair": "申请信用修复"}  # "请选择要…的记录"
RECORD_KIND = {"penalty": "行政处罚", "license": "行政许可", "list": "名单"}


def record_label(r: RecordView) -> str:
    """'行政处罚 庆环罚〔2026〕37号（2026-05-06，大庆市生态环境局）': one line, for buttons and summaries."""
    kind = r.list_type if r.kind == "list" and r.list_type else RECORD_KIND[r.kind]
    return f"{kind} {r.doc_number}（{r.decision_date.isoformat()}，{r.agency}）"


def _limits_word(limits: Limits) -> str:
    """How sure a time limit is: 据公开解读 when not checked against the official text."""
    return "" if limits.confirmed else "据公开解读，"


def _region_of(ticket: TicketView, region: str | None) -> str | None:
    # Tickets shown by number alone carry no subject and so no region: the reply stays region-neutral.
    return region if region is not None else getattr(ticket, "subject_region", None)


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
              "信息无误请回复【确认】；需要修改请直接说，例如：电话改成（新号码）；回复【取消】放弃本次申请。"]
    return "\n".join(lines)


def bad_phone(value: str) -> str:
    """A number that is not a phone number, shown back short and with any ID number in it masked."""
    shown = mask_ids_in_text(value if len(value) <= 24 else value[:24] + "…")
    return f"您发送的 {shown} 不是有效的电话号码。请发送11位手机号，或带区号的座机号（如 0459-4567890）。"


def receipt(ticket: TicketView, created: bool, same_request: bool, region: str | None = None) -> str:
    """What the user is told once the ticket is committed. `region`: the record's (default: the
    ticket's subject's); it decides which local rules are stated."""
    table = rules()
    region = _region_of(ticket, region)
    if not created and not same_request:
        return (f"这条记录已有一件{KIND_NAME[ticket.kind]}申请正在办理：{ticket.ticket_no}（{ticket.status}），"
                f"无需重复提交。发送该编号可以随时查询进度。")
    head = (f"您的{KIND_NAME[ticket.kind]}申请已经提交过了，编号 {ticket.ticket_no}，无需重复提交。"
            if same_request else f"已提交。您的{KIND_NAME[ticket.kind]}申请编号是 {ticket.ticket_no}，请记下以便查询进度。")
    lines = [head]
    if ticket.kind == "objection":
        ours = table.objection_limits
        lines += [
            f"该记录已标注为【异议处理中】。{objection_measures(region)}",
            # The platform's own target, said as such: not a legal limit and not any region's rule.
            f"接下来：{stated(table.wrong_information)}。本平台的办理目标是{ours['decide_working_days']}个工作日内作出处理"
            f"（预计 {format_both(ticket.due_date)} 前），情况复杂的可延长，最长{ours['extended_max_working_days']}个工作日"
            f"（{ours.source}）。",
            local_objection_limits(region),
            f"全国性规定：{stated(table.national_channel)}。",
        ]
    else:
        limits = table.repair_limits
        lines += [
            f"接下来：{_limits_word(limits)}一般{limits['accept_working_days']}个工作日内决定是否受理，"
            f"受理后{limits['decide_working_days']}个工作日内作出决定（预计 {format_both(ticket.due_date)} 前），"
            f"情况复杂的可再延长{limits['complex_extra_working_days']}个工作日（时限依据：{limits.source}）。",
            f"准予修复后：{stated(table.after_repair)}。",
            f"{stated(table.free)}。",
        ]
    lines.append("发送申请编号或【我的申请】可以随时查询进度。")
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- eligibility

def ineligible(record: RecordView, e: elig.Eligibility, region: str | None = None) -> str:
    """Why this record cannot be repaired here now, what the law gives instead, and what to do.
    `region`: the record's (default: the view's own), for the local rules stated."""
    label = record_label(record)
    region = region or getattr(record, "region", None)
    if e.reason == elig.LICENCE:
        return f"{label} 是行政许可信息，不是失信记录，不需要信用修复。"
    if e.reason == elig.NOT_DISPLAYED:
        return f"{label} 已不再公示，不需要信用修复。"
    if e.reason == elig.UNDER_OBJECTION:
        return f"{label} 正在异议处理中，请等待异议办结后再申请信用修复。"
    if e.reason == elig.RED_LIST:  # an incentive list: never a repair target
        return f"{label} 是守信红名单，是激励名单，不是失信记录，没有需要修复的内容。{_list_exit(record, e, region)}"
    if e.reason == elig.LIST_NOT_HERE:
        body = e.handled_by or "认定部门"
        return f"{label} 不在本平台办理信用修复，请向{body}申请。{_list_exit(record, e, region)}"
    if e.reason == elig.PAST_MAXIMUM:
        return (f"{label}：{_tier(e)}，公示期到 {e.display_ends_text} 为止，现已届满，依法应当停止公示，"
                f"不需要信用修复（依据：{e.rule_set}）。{stated(rules().after_maximum)}。{_reading(e)}"
                f"如果仍在网上看到这条记录，可以提出异议（理由选【超过公示期限】）。")
    if e.reason == elig.NOT_PERFORMED:
        return (f"{label} 现在还不符合信用修复条件：{stated(rules().performance)}。本次没有提交申请。"
                f"请先全面履行法定义务（缴清罚款，分期缴纳的缴完最后一期）、完成整改，再申请信用修复"
                + (f"（最短公示期的届满日：{e.earliest_text}）" if e.earliest else "") + "。")
    if record.kind == "list":  # a list entry not yet old enough
        return (f"{label} 暂不符合移出条件，最早可在 {e.earliest_text} 申请。{_list_exit(record, e, region)}")
    return (f"{label} 暂不符合信用修复条件：{_tier(e)}，最短公示期从处罚决定日期"
            f"（{record.decision_date.isoformat()}）起算，尚未届满，最早可在 {e.earliest_text} 申请信用修复；"
            f"不申请的，公示到 {e.display_ends_text} 为止，届满自动停止公示（依据：{e.rule_set}）。{_reading(e)}")


def eligible(record: RecordView, e: elig.Eligibility, region: str | None = None) -> str:
    label = record_label(record)
    region = region or getattr(record, "region", None)
    if record.kind == "list":
        return f"{label} 已满最短期限，可以申请移出。{_list_exit(record, e, region)}"
    return (f"{label}：{_tier(e)}，最短公示期已于 {e.earliest_text} 届满，可以申请信用修复"
            f"（不申请的，公示到 {e.display_ends_text} 为止；依据：{e.rule_set}）。{_reading(e)}")


def _tier(e: elig.Eligibility) -> str:
    if not e.tier:
        return "失信程度未确定"
    how = "（本平台根据处罚类别推定，原记录未标注）" if e.tier_derived else ""
    return f"失信程度为{e.tier}{how}"


def _reading(e: elig.Eligibility) -> str:
    """The rules behind the dates where they are not plain 36号: the platform's reading for a decision
    made before it took effect, and 45号 第十三条 where a restriction lengthened the display."""
    table, out = rules(), ""
    if e.transitional:
        out += f"{stated(table.transition)}。"
    for row in table.restriction_rows:
        if row.id == e.restriction:
            out += f"{stated(row.rule)}。"
    return out


def _list_exit(record: RecordView, e: elig.Eligibility, region: str | None) -> str:
    """The list's exit rule with its source; a local list's rule only for a record of its region."""
    rule = rules().lists.get(record.list_type or "")
    if rule is None or not e.exit_condition:
        return "移出的条件和期限以认定部门的规定为准。"
    cited = Cited(rule.exit, rule.source, region=rule.region, effective=rule.effective)
    if not cited.holds_in(region):
        return "" if rule.red else "移出的条件和期限以认定部门的规定为准。"
    return f"{cited.text}（本平台归纳，依据：{cited.citation}）。"


def commitment() -> str:
    """The commitment to agree to: our template, labelled as ours, citing 36号's requirement."""
    c = rules().commitment
    return (f"申请信用修复需要公开作出信用承诺。以下是本平台拟定的承诺书模板，不是文件原文"
            f"（{c.source}）：\n{c.text}\n同意请回复【同意】或【我承诺】；不同意可以回复【取消】。")


# ---------------------------------------------------------------- status

_NEXT_STEP = {
    "已提交": "无需操作，请等待受理。",
    "已受理": "无需操作，工作人员正在办理。",
    "核实中": "无需操作，信息提供单位正在核实。",
    "审核中": "无需操作，正在审核您的修复申请。",
}

# This platform records the decision and passes it on; it does not itself end or restore other
# departments' measures (../shared/DOMAIN.md, outcomes).
_OUTCOME = {
    "更正": "经核实信息有误，已予更正，更正后的信息继续公示；处理结果已告知有关部门。",
    "撤销": "经核实信息有误，该条记录已撤销，不再公示；处理结果已告知有关部门，相关惩戒措施由实施部门依法处理。",
    "维持": "经核实原信息无误，维持原公示；处理结果已告知有关部门。",
    "准予修复": "准予信用修复，该记录已停止公示；处理结果已告知有关部门。",
    "不予修复": "不予信用修复，原记录继续公示。",
}


def status(ticket: TicketView, full: bool, region: str | None = None) -> str:
    """`full` only for the conversation that filed it. Anyone else asked by number alone, and ticket
    numbers are sequential: they see the status and deadline, never the subject, the record, the
    events or a staff note (a 退回补正 note names what is missing, often who). `region`: the record's
    (default: the ticket's subject's, which a number-only view does not carry)."""
    region = _region_of(ticket, region) if full else None
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
            lines.append(f"{stated(rules().remedies)}。")
        elif ticket.outcome == "准予修复":
            lines.append(f"{stated(rules().after_repair)}。")
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
        if ticket.kind == "objection":
            lines.append(f"核实期间：{objection_measures(region)}")
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
    return head + _NEXT_STEP.get(ticket.status, "") + f"发送【查询进度 {ticket.ticket_no}】可查看详情。"


def brief(ticket: TicketView) -> str:
    return (f"{ticket.ticket_no} {KIND_NAME[ticket.kind]} {ticket.status}"
            + (f"（{ticket.outcome}）" if ticket.outcome else "") + f" · {ticket.record_doc}")
