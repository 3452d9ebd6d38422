"""The words of the objection and repair workflows: record labels, the summary to confirm, the
receipt with its time limits and sources, eligibility answers, ticket status, and what the forms
say when an answer cannot be used.

Chinese, and English for English-speaking users (`english=True`): each message is one (Chinese,
English) pair in a table, and each function builds its reply once for both languages. The actions
convert Chinese to Traditional for Traditional-script users. No database. Every rule stated carries
its source (services.legal_words): text in “ ” only when verbatim, our own wording labelled as the
platform's, a local rule (大庆's suspension during an objection, a region's time limits) only for a
record of that region; in English a rule is our English summary, labelled so, and a quoted rule keeps
its Chinese quote beside it. Words to reply with and statuses are written 【…】 in Chinese and in
'…' in English. What the user typed, record contents and names stay as they are.
"""
from __future__ import annotations

import datetime as dt
import re

from actions.services import eligibility as elig
from actions.services.codes import mask_ids_in_text
from actions.services.enquiry import RecordView
from actions.services.tickets import TicketView
from actions.services.dates import format_both
from actions.services.legal_words import (local_objection_limits, objection_measures, sentence, stated,
                                          working_days)
from actions.services.workflow_rules import Cited, Limits, rules

KIND_NAME = {"objection": "异议", "repair": "信用修复"}
KIND_NAME_EN = {"objection": "objection", "repair": "credit repair"}
ACTION = {"objection": "提出异议", "repair": "申请信用修复"}  # "请选择要…的记录"
ACTION_EN = {"objection": "object to", "repair": "apply to repair"}  # "the record you want to …"
RECORD_KIND = {"penalty": "行政处罚", "license": "行政许可", "list": "名单"}
RECORD_KIND_EN = {"penalty": "Penalty", "license": "Licence", "list": "List entry"}
# Ticket statuses and outcomes as the workflow stores them (services.tickets), in English.
STATUS_EN = {"已提交": "submitted", "已受理": "accepted", "核实中": "being verified", "审核中": "under review",
             "已办结": "concluded", "退回补正": "returned for more information"}
OUTCOME_EN = {"更正": "corrected", "撤销": "revoked", "维持": "upheld", "准予修复": "repair granted",
              "不予修复": "repair refused"}
TIER_EN = {"轻微": "minor", "一般": "general", "严重": "serious"}
# What a repair ticket records once the applicant has said "yes" (filing_actions), and its English.
PERFORMED_TEXT = {"penalty": ("已全部履行（罚款已缴清、整改已完成）", "Performed in full (fine paid, rectification done)"),
                  "list": ("已全部履行（失信行为已纠正、法定义务已履行）",
                           "Performed in full (conduct corrected, legal duties performed)")}
APPLICANT_NOTE = ("；申请人说明：", "; the applicant adds: ")
NOTHING_TYPED = ("无", "none")  # the evidence slot when the user has none
# Notes the system itself writes on a ticket's events (services.tickets); staff notes stay as written.
_SYSTEM_NOTES = ((re.compile(r"^经信用助手提交$"), "filed through the credit assistant"),
                 (re.compile(r"^热线工作人员 (?P<who>.+) 代为提交$"), "filed for you by hotline staff {who}"))

# ---------------------------------------------------------------- the messages: (Chinese, English)

MESSAGES = {
    # the summary to confirm
    "summary_head": ("请核对您的{kind}申请：", "Please check your {kind} application:"),
    "summary_tail": ("信息无误请回复【确认】；需要修改请直接说，例如：电话改成（新号码）；回复【取消】放弃本次申请。",
                     "If everything is right, reply 'confirm'. To change something just say so, for example: "
                     "phone 13912345678; reply 'cancel' to drop this application."),
    "commitment_agreed": ("已同意", "agreed"),
    # the form's questions and buttons
    "choose_record": ("请选择要{action}的记录（点选，或回复第几条，也可以直接发送决定书文号）：",
                      "Please choose the record you want to {action} (press it, reply with its number, or send the "
                      "decision's document number):"),
    "choose_ground": ("请选择异议理由：", "Please choose the ground for your objection:"),
    "button_confirm": ("确认提交", "Confirm and file"),
    "button_agree": ("同意并承诺", "I agree and commit"),
    "button_cancel": ("取消申请", "Cancel the application"),
    # an answer the form cannot use: asked again
    "ask_subject_again": ("请发送企业（组织）名称或18位统一社会信用代码。",
                          "Please send the company's or organisation's name or its 18-character unified social "
                          "credit code."),
    "ask_record_again": ("请点选上面的一条记录，或输入第几条（如【第1条】），也可以直接发送决定书文号。",
                         "Please press one of the records above, or reply with its number (e.g. '1'), or send the "
                         "decision's document number."),
    "ask_ground_again": ("请选择异议理由：信息错误、非本主体、已撤销或变更、超过公示期限，或其他。",
                         "Please choose a ground: the information is wrong, not our company or organisation, revoked "
                         "or changed, past the display period, or other."),
    "ask_description_again": ("请用一两句话说明具体情况，例如哪一项信息不对、正确的应该是什么。",
                              "Please say in a sentence or two what is wrong, for example which item is wrong and "
                              "what it should be."),
    "ask_evidence_again": ("请说明您能提供哪些证据材料（如复议决定书、缴款凭证），没有可以回复【没有】。",
                           "Please say what evidence you can provide (e.g. a reconsideration decision, a payment "
                           "receipt); reply 'none' if you have none."),
    "commitment_needed": ("信用修复必须作出信用承诺。同意请回复【同意】；不愿承诺可以说【取消】结束申请。",
                          "Credit repair requires a credit commitment. Reply 'I agree' to make it; if you do not "
                          "want to, say 'cancel' to end the application."),
    "ask_name_again": ("请告诉我联系人的姓名，例如【张伟】。", "Please tell me the contact person's name, e.g. 'Zhang Wei'."),
    "ask_phone_again": ("请留一个联系电话：手机号（11位）或带区号的座机号，例如 0459-4567890。",
                        "Please give a contact phone number: an 11-digit mobile number or a landline with its area "
                        "code, e.g. 0459-4567890."),
    "bad_phone": ("您发送的 {shown} 不是有效的电话号码。请发送11位手机号，或带区号的座机号（如 0459-4567890）。",
                  "{shown} is not a valid phone number. Please send an 11-digit mobile number, or a landline with "
                  "its area code (e.g. 0459-4567890)."),
    "confirm_what_to_change": ("请直接告诉我要改的内容，例如【电话改成（新号码）】【联系人改成王五】；说【取消】可以放弃本次申请。",
                               "Please tell me what to change, for example 'phone 13712345678' or 'contact name: "
                               "Wang Wu'; say 'cancel' to drop this application."),
    "confirm_again": ("信息无误请回复【确认】，需要修改请直接说要改的内容。",
                      "If everything is right, reply 'confirm'; to change something, just tell me what."),
    "performance_unclear": ("抱歉，我没能确定罚款是否已全部缴清、整改是否已全部完成，请点选下面的一项，"
                            "或直接回答，例如【已全部缴清，整改也完成了】【还没交】【分期缴纳中】。",
                            "Sorry, I could not tell whether the fine is paid in full and the rectification done. "
                            "Please pick one of the answers below, or answer e.g. 'paid in full and rectified', "
                            "'not yet' or 'paying in instalments'."),
    "not_performed_after": ("如需查询或咨询其他问题，请直接告诉我。",
                            "Nothing was filed. You can apply once the penalty is fully performed; anything else I "
                            "can help with?"),
    # the subject and the record
    "bad_code": ("{reason}。请核对后重新发送统一社会信用代码（18位）。",
                 "That code does not check out ({code}). Please check it and send the 18-character unified social "
                 "credit code again."),
    "no_such_code": ("没有找到这个代码对应的主体，请核对后重发，或发送主体名称。",
                     "No subject with this code was found. Please check it and send it again, or send the name."),
    "name_too_short": ("【{name}】太短了，请输入名称中至少连续3个字，或发送18位统一社会信用代码。",
                       "'{name}' is too short: please type at least 3 characters of the name in a row, or send the "
                       "18-character unified social credit code."),
    "name_not_found": ("没有找到名称包含【{name}】的企业或组织。请核对名称，或发送18位统一社会信用代码。",
                       "No company or organisation whose name contains '{name}' was found. Please check the name "
                       "(names are registered in Chinese), or send the 18-character unified social credit code."),
    "name_candidates": ("找到以下名称包含【{name}】的主体，请选择：",
                        "These subjects have '{name}' in their name; please choose one:"),
    "doc_incomplete": ("请发送完整的决定书文号，例如 京市监罚〔2026〕12号，或从列出的记录中选择。",
                       "Please send the decision's full document number, e.g. 京市监罚〔2026〕12号, or choose one of "
                       "the records listed."),
    "doc_not_found_subject": ("该主体没有找到文号为【{doc}】的公示记录，请核对文号，或从列出的记录中选择。",
                              "This subject has no public record with the document number {doc}. Please check the "
                              "number, or choose one of the records listed."),
    "doc_not_found": ("公示信息中没有找到文号为【{doc}】的公示记录，请核对文号，或从列出的记录中选择。",
                      "No public record with the document number {doc} was found. Please check the number, or "
                      "choose one of the records listed."),
    "doc_ambiguous": ("文号【{doc}】对应多条记录，请先告诉我主体名称或统一社会信用代码。",
                      "The document number {doc} matches several records. Please first tell me the subject's name "
                      "or unified social credit code."),
    "not_offered": ("请从上面列出的记录中选择（点选按钮，或回复第几条），也可以直接发送决定书文号。",
                    "Please choose one of the records listed above (press its button or reply with its number), or "
                    "send the decision's document number."),
    "record_gone": ("这条记录已无法找到，请重新选择。", "This record can no longer be found. Please choose again."),
    "record_gone_not_filed": ("这条记录已无法找到，本次申请没有提交。",
                              "This record can no longer be found; nothing was filed."),
    "nothing_to_file": ("该主体目前没有可以在本平台{action}的公示记录。如有疑问可以说【转人工】。",
                        "This subject has no public record you can {action} on this platform. If you have "
                        "questions, say 'human' to talk to a member of staff."),
    "only_record": ("该主体只有一条相关公示记录：{label}，就按这条办理。",
                    "This subject has only one relevant public record: {label}. I will go ahead with it."),
    "open_objection": ("这条记录已有异议正在办理：{no}（{status}），无需重复提交。发送该编号可以查询进度。",
                       "An objection to this record is already being handled: {no} ({status}). There is no need to "
                       "file again; send that number to check its progress."),
    "red_list_objection": ("{label}：{exit}（本平台归纳，依据：{source}）。如认为名单信息登记有误，可以说【转人工】，"
                           "由工作人员联系认定部门。",
                           "{label}: {exit} (the platform's summary; source: {source}). If you think the list entry "
                           "was recorded wrongly, say 'human' and a member of staff will contact the listing "
                           "authority."),
    # the filing
    "cancelled": ("好的，已取消，本次申请没有提交。需要时可以随时重新开始。",
                  "OK, cancelled: nothing was filed. You can start again whenever you like."),
    "not_filed_unperformed": ("本次申请没有提交：罚款全部缴清、整改全部完成后才能申请信用修复。",
                              "Nothing was filed: a repair needs the fine paid in full and the rectification done."),
    "refused": ("{reason}。", "{reason}."),
    # the receipt
    "receipt_open_elsewhere": ("这条记录已有一件{kind}申请正在办理：{no}（{status}），无需重复提交。发送该编号可以随时查询进度。",
                               "This record already has a {kind} application being handled: {no} ({status}). "
                               "There is no need to file again; send that number to check its progress at any time."),
    "receipt_same": ("您的{kind}申请已经提交过了，编号 {no}，无需重复提交。",
                     "Your {kind} application was already filed, number {no}; there is no need to file it again."),
    "receipt_new": ("已提交。您的{kind}申请编号是 {no}，请记下以便查询进度。",
                    "Filed. Your {kind} application number is {no}; please note it to check its progress."),
    "receipt_marked": ("该记录已标注为【异议处理中】。{measures}", "The record is now marked 'under objection'. {measures}"),
    "receipt_objection_next": ("接下来：{verify}。本平台的办理目标是{decide}个工作日内作出处理（预计 {due} 前），"
                               "情况复杂的可延长，最长{longest}个工作日（{source}）。",
                               "Next: {verify}. This platform aims to decide within {decide_days} (expected by {due}); "
                               "complex cases may take longer, at most {longest_days} ({source})."),
    "receipt_national": ("全国性规定：{channel}。", "Nationally: {channel}."),
    "receipt_repair_next": ("接下来：{unsure}一般{accept}个工作日内决定是否受理，受理后{decide}个工作日内作出决定"
                            "（预计 {due} 前），情况复杂的可再延长{extra}个工作日（时限依据：{source}）。",
                            "Next: {unsure}a decision whether to accept usually comes within {accept_days}, and a "
                            "decision within {decide_days} after acceptance (expected by {due}); complex cases may "
                            "take {extra_days} more (time limits: {source})."),
    "limits_unsure": ("据公开解读，", "according to public explanations, "),
    "receipt_after_repair": ("准予修复后：{after}。", "Once a repair is granted: {after}."),
    "receipt_check": ("发送申请编号或【我的申请】可以随时查询进度。",
                      "Send the application number at any time to check its progress."),
    # the commitment
    "commitment": ("申请信用修复需要公开作出信用承诺。以下是本平台拟定的承诺书模板，不是文件原文"
                   "（{source}）：\n{text}\n同意请回复【同意】或【我承诺】；不同意可以回复【取消】。",
                   "Credit repair needs a public credit commitment. Below is the platform's own commitment template, "
                   "not the text of any document ({source}), in our English:\n{translation}\nYour application is filed "
                   "with the template's Chinese wording:\n{text}\nReply 'I agree' to make the commitment, or "
                   "'cancel' if you do not agree."),
}


def say(key: str, english: bool = False, **values) -> str:
    """The message `key` in the user's language, its {fields} filled in."""
    chinese, english_text = MESSAGES[key]
    return (english_text if english else chinese).format(**values)


def kind_name(kind: str, english: bool = False) -> str:
    return KIND_NAME_EN[kind] if english else KIND_NAME[kind]


def action_name(kind: str, english: bool = False) -> str:
    return ACTION_EN[kind] if english else ACTION[kind]


def status_name(status: str | None, english: bool = False) -> str:
    return STATUS_EN.get(status or "", status or "") if english else (status or "")


def outcome_name(outcome: str | None, english: bool = False) -> str:
    return OUTCOME_EN.get(outcome or "", outcome or "") if english else (outcome or "")


def ground_name(ground: str | None, english: bool = False) -> str | None:
    """An objection ground (stored in Chinese, as the rules table names it) as the user reads it."""
    if not english or ground is None:
        return ground
    return dict(zip(rules().grounds, rules().grounds_en)).get(ground, ground)


def tier_name(tier: str, english: bool = False) -> str:
    return TIER_EN.get(tier, tier) if english else tier


def _date(day: dt.date, english: bool) -> str:
    return day.isoformat() if english else format_both(day)


def _status_and_outcome(status: str, outcome: str | None, english: bool) -> str:
    """已办结（更正） / concluded (corrected)"""
    if not outcome:
        return status_name(status, english)
    return (f"{status_name(status, True)} ({outcome_name(outcome, True)})" if english
            else f"{status}（{outcome}）")


def performance_shown(value: str, english: bool = False) -> str:
    """A repair's performance as recorded (Chinese, with what the applicant typed) as the user reads it."""
    if not english:
        return value
    for chinese, english_text in PERFORMED_TEXT.values():
        if value.startswith(chinese):
            value = english_text + value[len(chinese):]
    return value.replace(APPLICANT_NOTE[0], APPLICANT_NOTE[1])


def _note_shown(note: str, english: bool) -> str:
    if english:
        for pattern, english_text in _SYSTEM_NOTES:
            m = pattern.match(note)
            if m:
                return english_text.format(**m.groupdict())
    return note


def record_label(r: RecordView, english: bool = False) -> str:
    """'行政处罚 庆环罚〔2026〕37号（2026-05-06，大庆市生态环境局）': one line, for buttons and summaries."""
    if english:
        kind = f"List entry ({r.list_type})" if r.kind == "list" and r.list_type else RECORD_KIND_EN[r.kind]
        return f"{kind} {r.doc_number} ({r.decision_date.isoformat()}, {r.agency})"
    kind = r.list_type if r.kind == "list" and r.list_type else RECORD_KIND[r.kind]
    return f"{kind} {r.doc_number}（{r.decision_date.isoformat()}，{r.agency}）"


def _limits_word(limits: Limits, english: bool = False) -> str:
    """How sure a time limit is: 据公开解读 when not checked against the official text."""
    return "" if limits.confirmed else say("limits_unsure", english)


def _region_of(ticket: TicketView, region: str | None) -> str | None:
    # Tickets shown by number alone carry no subject and so no region: the reply stays region-neutral.
    return region if region is not None else getattr(ticket, "subject_region", None)


# The summary's lines: (Chinese label, English label).
_SUMMARY_LABELS = {
    "subject": ("主体：", "Subject: "), "record": ("记录：", "Record: "), "ground": ("异议理由：", "Ground: "),
    "description": ("情况说明：", "What is wrong: "), "evidence": ("证据材料：", "Evidence: "),
    "performance": ("履行情况：", "Performance: "), "commitment": ("信用承诺：", "Credit commitment: "),
    "contact_name": ("联系人：", "Contact: "), "contact_phone": ("联系电话：", "Phone: "),
}


def summary(kind: str, subject_name: str, record: RecordView, slots: dict, english: bool = False) -> str:
    """The filing to confirm. What the user typed is shown as typed, except that an ID number in it
    is masked like everywhere else (the slots and the ticket keep it masked too)."""
    def typed(slot: str) -> str:
        value = mask_ids_in_text(str(slots.get(slot) or ""))
        return NOTHING_TYPED[1] if english and value == NOTHING_TYPED[0] else value

    fields = [("subject", subject_name), ("record", record_label(record, english))]
    if kind == "objection":
        fields += [("ground", ground_name(slots.get("objection_ground"), english)),
                   ("description", typed("objection_description")),
                   ("evidence", typed("objection_evidence"))]
    else:
        fields += [("performance", performance_shown(typed("repair_performance"), english)),
                   ("commitment", say("commitment_agreed", english))]
    fields += [("contact_name", typed("contact_name")), ("contact_phone", slots.get("contact_phone"))]
    lines = [say("summary_head", english, kind=kind_name(kind, english))]
    lines += [f"{_SUMMARY_LABELS[label][english]}{value}" for label, value in fields]
    lines.append(say("summary_tail", english))
    return "\n".join(lines)


def bad_phone(value: str, english: bool = False) -> str:
    """A number that is not a phone number, shown back short and with any ID number in it masked."""
    shown = mask_ids_in_text(value if len(value) <= 24 else value[:24] + "…")
    return say("bad_phone", english, shown=shown)


def receipt(ticket: TicketView, created: bool, same_request: bool, region: str | None = None,
            english: bool = False) -> str:
    """What the user is told once the ticket is committed. `region`: the record's (default: the
    ticket's subject's); it decides which local rules are stated."""
    table = rules()
    region = _region_of(ticket, region)
    kind = kind_name(ticket.kind, english)
    if not created and not same_request:
        return say("receipt_open_elsewhere", english, kind=kind, no=ticket.ticket_no,
                   status=status_name(ticket.status, english))
    lines = [say("receipt_same" if same_request else "receipt_new", english, kind=kind, no=ticket.ticket_no)]
    due = _date(ticket.due_date, english) if ticket.due_date else ""
    if ticket.kind == "objection":
        ours = table.objection_limits
        decide, longest = ours["decide_working_days"], ours["extended_max_working_days"]
        lines += [
            say("receipt_marked", english, measures=objection_measures(region, english=english)),
            # The platform's own target, said as such: not a legal limit and not any region's rule.
            say("receipt_objection_next", english, verify=stated(table.wrong_information, english),
                decide=decide, decide_days=working_days(decide), longest=longest, longest_days=working_days(longest),
                due=due, source=ours.source_en if english and ours.source_en else ours.source),
            local_objection_limits(region, english=english),
            say("receipt_national", english, channel=stated(table.national_channel, english)),
        ]
    else:
        limits = table.repair_limits
        accept, decide, extra = (limits["accept_working_days"], limits["decide_working_days"],
                                 limits["complex_extra_working_days"])
        lines += [
            say("receipt_repair_next", english, unsure=_limits_word(limits, english), accept=accept,
                accept_days=working_days(accept), decide=decide, decide_days=working_days(decide), due=due,
                extra=extra, extra_days=working_days(extra),
                source=limits.source_en if english and limits.source_en else limits.source),
            say("receipt_after_repair", english, after=stated(table.after_repair, english)),
            sentence(stated(table.free, True)) if english else f"{stated(table.free)}。",
        ]
    lines.append(say("receipt_check", english))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- eligibility

# Why a record cannot be repaired now: (Chinese, English); {label} is the record, {tier} how grave,
# {rules} the rule sets applied, {reading} the platform's reading where it applies.
_INELIGIBLE = {
    elig.LICENCE: ("{label} 是行政许可信息，不是失信记录，不需要信用修复。",
                   "{label} is a licence, not a record of broken trust: it needs no credit repair."),
    elig.NOT_DISPLAYED: ("{label} 已不再公示，不需要信用修复。", "{label} is no longer displayed: it needs no credit repair."),
    elig.UNDER_OBJECTION: ("{label} 正在异议处理中，请等待异议办结后再申请信用修复。",
                           "{label} is under objection. Please wait until the objection is concluded before "
                           "applying for credit repair."),
    elig.RED_LIST: ("{label} 是守信红名单，是激励名单，不是失信记录，没有需要修复的内容。{exit}",
                    "{label} is on the red list of trustworthy subjects, an incentive list, not a record of broken "
                    "trust: there is nothing to repair. {exit}"),
    elig.LIST_NOT_HERE: ("{label} 不在本平台办理信用修复，请向{body}申请。{exit}",
                         "Credit repair for {label} is not handled on this platform; please apply to {body}. {exit}"),
    elig.PAST_MAXIMUM: ("{label}：{tier}，公示期到 {ends} 为止，现已届满，依法应当停止公示，"
                        "不需要信用修复（依据：{rules}）。{after}。{reading}"
                        "如果仍在网上看到这条记录，可以提出异议（理由选【超过公示期限】）。",
                        "{label}: {tier}; its display period ran until {ends} and has ended, so by law it must no "
                        "longer be displayed and needs no credit repair (rules applied: {rules}). {after} {reading}"
                        "If you still see this record online, you can object to it (ground: 'past the display "
                        "period')."),
    elig.NOT_PERFORMED: ("{label} 现在还不符合信用修复条件：{performance}。本次没有提交申请。"
                         "请先全面履行法定义务（缴清罚款，分期缴纳的缴完最后一期）、完成整改，再申请信用修复{earliest}。",
                         "{label} does not qualify for credit repair now: {performance}. Nothing was filed. Please "
                         "first perform the legal duties in full (pay the fine; with instalments, the last one), "
                         "finish the rectification, and then apply for credit repair{earliest}."),
    "earliest": ("（最短公示期的届满日：{day}）", " (the minimum display period ends on {day})"),
    "list_too_early": ("{label} 暂不符合移出条件，最早可在 {earliest} 申请。{exit}",
                       "{label} does not yet qualify for removal; you can apply from {earliest}. {exit}"),
    elig.TOO_EARLY: ("{label} 暂不符合信用修复条件：{tier}，最短公示期从处罚决定日期"
                     "（{decided}）起算，尚未届满，最早可在 {earliest} 申请信用修复；"
                     "不申请的，公示到 {ends} 为止，届满自动停止公示（依据：{rules}）。{reading}",
                     "{label} does not yet qualify for credit repair: {tier}; the minimum display period, counted "
                     "from the decision date ({decided}), has not ended, so you can apply from {earliest}. Without "
                     "an application it is displayed until {ends} and then stops by itself (rules applied: "
                     "{rules}). {reading}"),
}
_ELIGIBLE = {
    "list": ("{label} 已满最短期限，可以申请移出。{exit}",
             "{label} has passed its minimum period: you can apply for removal. {exit}"),
    "penalty": ("{label}：{tier}，最短公示期已于 {earliest} 届满，可以申请信用修复"
                "（不申请的，公示到 {ends} 为止；依据：{rules}）。{reading}",
                "{label}: {tier}; the minimum display period ended on {earliest}, so you can apply for credit "
                "repair (without an application it is displayed until {ends}; rules applied: {rules}). {reading}"),
}
_TIER = {
    "unknown": ("失信程度未确定", "severity not determined"),
    "stated": ("失信程度为{tier}{how}", "severity {tier}{how}"),
    "derived": ("（本平台根据处罚类别推定，原记录未标注）",
                " (the platform's inference from the type of penalty; the record states none)"),
}
_LIST_EXIT_UNKNOWN = ("移出的条件和期限以认定部门的规定为准。", "The conditions and time for removal are as the listing "
                                                     "authority decides.")
_LIST_EXIT = ("{exit}（本平台归纳，依据：{source}）。", "{exit} (the platform's summary; source: {source}).")
_LISTING_BODY = ("认定部门", "the listing authority")


def _pair(pair: tuple[str, str], english: bool, **values) -> str:
    return pair[english].format(**values)


def _verdict_values(record: RecordView, e: elig.Eligibility, region: str | None, english: bool) -> dict:
    """What the eligibility answers fill in, in the user's language."""
    return dict(label=record_label(record, english), tier=_tier(e, english), rules=_rule_names(e, english),
                ends=_date(e.display_ends, english) if e.display_ends else "",
                earliest=_date(e.earliest, english) if e.earliest else "",
                decided=record.decision_date.isoformat(), reading=_reading(e, english),
                exit=_list_exit(record, e, region, english))


def ineligible(record: RecordView, e: elig.Eligibility, region: str | None = None, english: bool = False) -> str:
    """Why this record cannot be repaired here now, what the law gives instead, and what to do.
    `region`: the record's (default: the view's own), for the local rules stated."""
    region = region or getattr(record, "region", None)
    values = _verdict_values(record, e, region, english)
    if e.reason == elig.LIST_NOT_HERE:
        values["body"] = _handled_by(record, e, english)
    elif e.reason == elig.PAST_MAXIMUM:
        after = rules().after_maximum
        values["after"] = sentence(stated(after, True)) if english else stated(after)
    elif e.reason == elig.NOT_PERFORMED:
        values["performance"] = stated(rules().performance, english)
        values["earliest"] = _pair(_INELIGIBLE["earliest"], english, day=values["earliest"]) if e.earliest else ""
    if e.reason in _INELIGIBLE and e.reason != elig.TOO_EARLY:
        return _pair(_INELIGIBLE[e.reason], english, **values).strip()
    if record.kind == "list":  # a list entry not yet old enough
        return _pair(_INELIGIBLE["list_too_early"], english, **values).strip()
    return _pair(_INELIGIBLE[elig.TOO_EARLY], english, **values).strip()


def eligible(record: RecordView, e: elig.Eligibility, region: str | None = None, english: bool = False) -> str:
    region = region or getattr(record, "region", None)
    values = _verdict_values(record, e, region, english)
    return _pair(_ELIGIBLE["list" if record.kind == "list" else "penalty"], english, **values).strip()


def _tier(e: elig.Eligibility, english: bool = False) -> str:
    if not e.tier:
        return _pair(_TIER["unknown"], english)
    how = _pair(_TIER["derived"], english) if e.tier_derived else ""
    return _pair(_TIER["stated"], english, tier=tier_name(e.tier, english), how=how)


def _rule_names(e: elig.Eligibility, english: bool) -> str:
    """The rule sets applied ("《…》、《…》" as eligibility names them), in English by their English names."""
    if not english or not e.rule_set:
        return e.rule_set
    return "; ".join(rs.name_en or rs.name for rs in rules().rule_sets if rs.name in e.rule_set) or e.rule_set


def _handled_by(record: RecordView, e: elig.Eligibility, english: bool) -> str:
    if not english:
        return e.handled_by or _LISTING_BODY[0]
    rule = rules().lists.get(record.list_type or "")
    return (rule.handled_by_en if rule is not None and rule.handled_by_en else "") or _LISTING_BODY[1]


def _reading(e: elig.Eligibility, english: bool = False) -> str:
    """The rules behind the dates where they are not plain 36号: the platform's reading for a decision
    made before it took effect, and 45号 第十三条 where a restriction lengthened the display."""
    table, out = rules(), []
    if e.transitional:
        out.append(table.transition)
    out += [row.rule for row in table.restriction_rows if row.id == e.restriction]
    if english:
        return "".join(f"{sentence(stated(c, True))} " for c in out)
    return "".join(f"{stated(c)}。" for c in out)


def _list_exit(record: RecordView, e: elig.Eligibility, region: str | None, english: bool = False) -> str:
    """The list's exit rule with its source; a local list's rule only for a record of its region."""
    rule = rules().lists.get(record.list_type or "")
    if rule is None or not e.exit_condition:
        return _pair(_LIST_EXIT_UNKNOWN, english)
    cited = Cited(rule.exit, rule.source, region=rule.region, effective=rule.effective, en=rule.exit_en,
                  source_en=rule.source_en)
    if not cited.holds_in(region):
        return "" if rule.red else _pair(_LIST_EXIT_UNKNOWN, english)
    if english:
        return _pair(_LIST_EXIT, True, exit=sentence(cited.en or cited.text)[:-1], source=cited.citation_en)
    return _pair(_LIST_EXIT, False, exit=cited.text, source=cited.citation)


def red_list_objection(record: RecordView, english: bool = False) -> str:
    """A list's exit rule with its source, labelled as our summary, whatever the region: why an
    objection is not the way for a red-list entry (filing_actions)."""
    rule = rules().lists[record.list_type or ""]
    if english:
        return say("red_list_objection", True, label=record_label(record, True),
                   exit=rule.exit_en or rule.exit, source=rule.source_en or rule.source)
    return say("red_list_objection", False, label=record_label(record), exit=rule.exit, source=rule.source)


def commitment(english: bool = False) -> str:
    """The commitment to agree to: our template, labelled as ours, citing 36号's requirement. In
    English: our English of it, and the Chinese wording that is filed (not in quotation marks: it is
    our template, not a document's text)."""
    c = rules().commitment
    return say("commitment", english, source=c.citation_en if english else c.source, text=c.text, translation=c.en)


# ---------------------------------------------------------------- status

# What the applicant need do now, per open status: (Chinese, English).
_NEXT_STEP = {
    "已提交": ("无需操作，请等待受理。", "Nothing to do: please wait for it to be accepted."),
    "已受理": ("无需操作，工作人员正在办理。", "Nothing to do: staff are handling it."),
    "核实中": ("无需操作，信息提供单位正在核实。", "Nothing to do: the body that provided the information is verifying it."),
    "审核中": ("无需操作，正在审核您的修复申请。", "Nothing to do: your repair application is under review."),
}

# This platform records the decision and passes it on; it does not itself end or restore other
# departments' measures (../shared/DOMAIN.md, outcomes).
_OUTCOME = {
    "更正": ("经核实信息有误，已予更正，更正后的信息继续公示；处理结果已告知有关部门。",
             "The information was found wrong and has been corrected; the corrected information stays displayed. "
             "The outcome has been passed on to the departments concerned."),
    "撤销": ("经核实信息有误，该条记录已撤销，不再公示；处理结果已告知有关部门，相关惩戒措施由实施部门依法处理。",
             "The information was found wrong and the record has been revoked: it is no longer displayed. The "
             "outcome has been passed on to the departments concerned; any punishment measures are for the "
             "departments applying them to handle by law."),
    "维持": ("经核实原信息无误，维持原公示；处理结果已告知有关部门。",
             "The information was found correct and stays displayed as it was. The outcome has been passed on to "
             "the departments concerned."),
    "准予修复": ("准予信用修复，该记录已停止公示；处理结果已告知有关部门。",
                 "Credit repair was granted and the record is no longer displayed. The outcome has been passed on "
                 "to the departments concerned."),
    "不予修复": ("不予信用修复，原记录继续公示。", "Credit repair was refused; the record stays displayed."),
}
_CONCLUDED = ("已办结。", "Concluded.")
_NOTICE_CONCLUDED = ("", "")

# The status reply's words: (Chinese, English).
_STATUS = {
    "head": ("{kind}申请 {no}", "{kind} application {no}"),
    "status": ("当前状态：{status}", "Status: {status}"),
    "subject": ("主体：{name}", "Subject: {name}"),
    "record": ("记录：{doc}", "Record: {doc}"),
    "history": ("办理记录：", "History:"),
    "event": ("· {day} {status}{note}", "- {day} {status}{note}"),
    "event_note": ("，{note}", ": {note}"),
    "remedies": ("{rule}。", "{rule}"),
    "returned_full": ("需要您补正：{note}。请准备好材料后联系服务热线或重新提交申请。",
                      "Please supply: {note}. Once you have the materials, call the hotline or file the "
                      "application again."),
    "returned": ("需要补正的内容已告知申请人，请在提交申请的对话中查看，或拨打服务热线。",
                 "What needs to be supplied has been told to the applicant: please look in the conversation that "
                 "filed it, or call the hotline."),
    "due": ("办理期限：{day}{late}", "Due by: {day}{late}"),
    "late": ("（已超过办理期限，如需催办请拨打信用服务热线）",
             " (past the time limit; call the credit hotline to chase it)"),
    "measures": ("核实期间：{measures}", "While it is verified: {measures}"),
    "number_only": ("（为保护申请人信息，只显示办理状态；详情请在提交申请的对话中查询。）",
                    "(To protect the applicant, only the status is shown; details can be seen in the conversation "
                    "that filed it.)"),
}


def _s(key: str, english: bool, **values) -> str:
    return _pair(_STATUS[key], english, **values)


def status(ticket: TicketView, full: bool, region: str | None = None, english: bool = False) -> str:
    """`full` only for the conversation that filed it. Anyone else asked by number alone, and ticket
    numbers are sequential: they see the status and deadline, never the subject, the record, the
    events or a staff note (a 退回补正 note names what is missing, often who). `region`: the record's
    (default: the ticket's subject's, which a number-only view does not carry)."""
    region = _region_of(ticket, region) if full else None
    kind = kind_name(ticket.kind, english)
    lines = [_s("head", english, kind=kind[:1].upper() + kind[1:] if english else kind, no=ticket.ticket_no),
             _s("status", english, status=_status_and_outcome(ticket.status, ticket.outcome, english))]
    if full:
        name = mask_ids_in_text(ticket.subject_name) if ticket.subject_type == '自然人' else ticket.subject_name
        lines.append(_s("subject", english, name=name))
        lines.append(_s("record", english, doc=ticket.record_doc))
        lines.append(_s("history", english))
        for e in ticket.events:
            note = _s("event_note", english, note=_note_shown(mask_ids_in_text(e.note), english)) if e.note else ""
            lines.append(_s("event", english, day=e.at.date().isoformat(),
                            status=_status_and_outcome(e.status, e.outcome, english), note=note))
    if ticket.status == "已办结":
        lines.append(_pair(_OUTCOME.get(ticket.outcome or "", _CONCLUDED), english))
        if ticket.kind == "objection":
            lines.append(_s("remedies", english, rule=_rule_sentence(rules().remedies, english)))
        elif ticket.outcome == "准予修复":
            lines.append(_s("remedies", english, rule=_rule_sentence(rules().after_repair, english)))
    elif ticket.status == "退回补正" and full:
        last = next((e.note for e in reversed(ticket.events) if e.status == "退回补正" and e.note), "")
        lines.append(_s("returned_full", english, note=mask_ids_in_text(last)))
    elif ticket.status == "退回补正":
        lines.append(_s("returned", english))
    else:
        if ticket.due_date:
            late = _s("late", english) if ticket.due_date < dt.date.today() else ""
            lines.append(_s("due", english, day=_date(ticket.due_date, english), late=late))
        lines.append(_pair(_NEXT_STEP.get(ticket.status, ("", "")), english))
        if ticket.kind == "objection":
            lines.append(_s("measures", english, measures=objection_measures(region, english=english)))
    if not full:
        lines.append(_s("number_only", english))
    return "\n".join(line for line in lines if line)


def _rule_sentence(c: Cited, english: bool) -> str:
    return sentence(stated(c, True)) if english else stated(c)


def notice(ticket: TicketView) -> str:
    """What the user who filed a ticket is told when staff change its status (the outbox)."""
    head = (f"您的{KIND_NAME[ticket.kind]}申请 {ticket.ticket_no} 有新进展：{ticket.status}"
            + (f"（{ticket.outcome}）" if ticket.outcome else "") + "。")
    if ticket.status == "已办结":
        return head + _OUTCOME.get(ticket.outcome or "", ("", ""))[0]
    if ticket.status == "退回补正":
        last = next((e.note for e in reversed(ticket.events) if e.status == "退回补正" and e.note), "")
        return head + f"需要您补正：{last}。"
    return head + _NEXT_STEP.get(ticket.status, ("", ""))[0] + f"发送【查询进度 {ticket.ticket_no}】可查看详情。"


def brief(ticket: TicketView, english: bool = False) -> str:
    """One line of "my applications"."""
    if english:
        return (f"{ticket.ticket_no} {kind_name(ticket.kind, True)} "
                f"{_status_and_outcome(ticket.status, ticket.outcome, True)} - {ticket.record_doc}")
    return (f"{ticket.ticket_no} {KIND_NAME[ticket.kind]} {ticket.status}"
            + (f"（{ticket.outcome}）" if ticket.outcome else "") + f" · {ticket.record_doc}")
