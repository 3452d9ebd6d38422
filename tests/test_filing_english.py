"""An English-speaking user (slot language "en") through a whole objection and a whole repair, run
through the actions as the action server runs them (validate, the form's question, the filing, the
status), on the seeded SQLite database.

Nothing the user sees is in Chinese except what may be: text inside “ ” (a document quoted verbatim,
with an English lead-in), a document's title 《…》 or number (〔2026〕…号) and its clause, record
contents from the database (document numbers, agencies, list names, staff notes), names (subjects,
regions, contacts) and, for the commitment, the Chinese wording that is filed. Chinese users' texts
are checked by the rest of the suite, unchanged.
"""
from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.db import engine as enginemod
from actions.db.models import Record, Subject, Ticket
from actions.filing_actions import (ActionSubmitFiling, AskContactName, AskContactPhone, AskFilingConfirmed,
                                    AskFilingRecord, AskFilingSubject, AskObjectionDescription,
                                    AskObjectionEvidence, AskObjectionGround, AskRepairCommitment,
                                    AskRepairPerformance, ValidateObjectionForm, ValidateRepairForm)
from actions.services import eligibility as elig
from actions.services import enquiry, filing_text, tickets
from actions.services.workflow_rules import rules
from actions.status_actions import ActionCheckStatus
from tests.test_legal_replies import (DAQING, FUZHOU, LICENCE, RECORDS, REGIONS, STATUSES, TODAY, ticket,  # noqa: F401
                                      unverbatim, verbatim)

HONGTAI = "912306047LY7DWQT7J"  # 大庆: an objection states 大庆's quoted rule
LAOLI = "92230602J53LL72400"  # a 轻微 warning: repairable now
HAN = re.compile(r"[\u4e00-\u9fff]")
ASK = {"filing_subject": AskFilingSubject, "filing_record": AskFilingRecord, "objection_ground": AskObjectionGround,
       "objection_description": AskObjectionDescription, "objection_evidence": AskObjectionEvidence,
       "repair_performance": AskRepairPerformance, "repair_commitment": AskRepairCommitment,
       "contact_name": AskContactName, "contact_phone": AskContactPhone, "filing_confirmed": AskFilingConfirmed}


# ---------------------------------------------------------------- what may be Chinese

def _allowed() -> list[str]:
    """Names and record contents of the demo data, and the rules table's regions and clauses."""
    with Session(enginemod.get_engine()) as s:
        subjects = s.execute(sa.select(Subject.name, Subject.region_name)).all()
        records = s.execute(sa.select(Record.doc_number, Record.agency, Record.list_type)).all()
    table = rules()
    cited = [table.suspends_punishment, *(row.rule for row in table.restriction_rows)]
    words = {w for row in subjects for w in row if w} | {w for row in records for w in row if w}
    words |= {c.clause for c in cited if c.clause} | {c.region for c in cited}
    words |= {limits.region for limits in table.regional_limits} | {r.region for r in table.lists.values()}
    return sorted(words, key=len, reverse=True)


def chinese_left(text: str, allowed: list[str], also: tuple[str, ...] = ()) -> list[str]:
    """The Chinese of `text` that is none of what may be Chinese."""
    text = re.sub(r"“[^”]*”", "", text)  # quoted verbatim (test_legal_replies checks that it is)
    text = re.sub(r"《[^》]*》", "", text)  # a document's title
    text = re.sub(r"[\u4e00-\u9fff]*〔\d{4}〕[\u4e00-\u9fff\d]*号", "", text)  # a document's number
    for word in sorted({*allowed, *also}, key=len, reverse=True):
        text = text.replace(word, "")
    return re.findall(r"[\u4e00-\u9fff][^\n]{0,20}", text)


def test_the_check_itself_catches_chinese_words():
    assert chinese_left("Status: 已提交", ["大庆"]) == ["已提交"]
    assert chinese_left("Rule (“联合惩戒措施在信息核实期间暂不执行”, 《某办法》 国办发〔2025〕22号), 大庆", ["大庆"]) == []


# ---------------------------------------------------------------- a conversation through the actions

class EnglishChat:
    """The slots of one conversation, and every message and button title the user was shown."""

    def __init__(self, sender: str):
        self.sender, self.slots = sender, {"language": "en"}
        self.shown: list[str] = []

    def _tracker(self, text: str, intent: str, entities, activated: str | None = None, confidence: float = 0.95):
        latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
                  "entities": [dict(entity=k, value=v) for k, v in entities]}
        events = [{"event": "user", "text": text}]
        if activated:
            events.append({"event": "active_loop", "name": activated})
        return Tracker(self.sender, dict(self.slots), latest, events, False, None,
                       {"name": activated} if activated else {}, "action_listen")

    async def _run(self, action, tracker) -> list[dict]:
        d = CollectingDispatcher()
        events = await action.run(d, tracker, {})
        for e in events:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        for m in d.messages:
            self.shown.append(m.get("text") or "")
            self.shown += [b["title"] for b in m.get("buttons") or []]
        return d.messages

    async def form(self, form: str, text: str, intent: str = "inform", entities=(), start: bool = False) -> dict:
        """One user message to an active form: the validation, then the next question or the filing.
        Returns {"text": everything said, "buttons": the last buttons}."""
        validate = ValidateObjectionForm() if form == "objection_form" else ValidateRepairForm()
        said = await self._run(validate, self._tracker(text, intent, entities, form if start else None))
        requested = self.slots.get("requested_slot")
        if requested and not self.slots.get("filing_cancelled"):
            said += await self._run(ASK[requested](), self._tracker(text, intent, entities))
        else:
            said += await self._run(ActionSubmitFiling(), self._tracker(text, intent, entities))
        buttons = next((m["buttons"] for m in reversed(said) if m.get("buttons")), [])
        return {"text": "\n".join(m.get("text") or "" for m in said), "buttons": buttons}

    async def status(self, text: str, ticket_no: str | None = None) -> dict:
        entities = [("ticket_id", ticket_no)] if ticket_no else []
        said = await self._run(ActionCheckStatus(), self._tracker(text, "check_status", entities))
        return {"text": "\n".join(m.get("text") or "" for m in said),
                "buttons": next((m["buttons"] for m in reversed(said) if m.get("buttons")), [])}


def _click(buttons: list[dict], contains: str) -> tuple[str, list]:
    """A button's payload as Rasa parses it: its text and its choice entity."""
    button = next(b for b in buttons if contains in b["title"])
    choice = re.search(r'"choice":"([^"]+)"', button["payload"])
    return button["payload"], [("choice", choice.group(1))] if choice else []


def _subject(code: str):
    return enquiry.by_code(code).enquiry


async def test_a_whole_objection_and_its_status_in_english(demo):
    chat, allowed = EnglishChat("en-user-1"), _allowed()
    found = _subject(HONGTAI)
    displayed = [r for r in found.records if r.kind == "penalty" and r.display_status == "公示中"]
    assert displayed
    form = "objection_form"

    said = await chat.form(form, f"I want to object to a penalty of {HONGTAI}", "file_objection",
                           [("credit_code", HONGTAI)], start=True)
    assert "Please choose the record you want to object to" in said["text"]
    assert all(b["title"].split(". ", 1)[1].startswith(("Penalty ", "Licence ", "List entry")) for b in said["buttons"])
    # an answer out of range, and a document number that is not there: asked again, in English
    said = await chat.form(form, "the 9th one")
    assert "Please press one of the records above" in said["text"]
    said = await chat.form(form, "it is 庆环罚〔2020〕999号", entities=[("doc_number", "庆环罚〔2020〕999号")])
    assert "This subject has no public record with the document number 庆环罚〔2020〕999号" in said["text"]
    # the record by its button
    text, entities = _click(said["buttons"], displayed[0].doc_number)
    said = await chat.form(form, text, entities=entities)
    assert "Please choose the ground for your objection" in said["text"]
    assert [b["title"] for b in said["buttons"]] == list(rules().grounds_en)
    said = await chat.form(form, "hmm")
    assert "Please choose a ground" in said["text"]
    said = await chat.form(form, "the amount is wrong")
    assert chat.slots["objection_ground"] == "信息错误"  # the ticket keeps the table's ground
    assert "Please describe briefly what is wrong" in said["text"]
    said = await chat.form(form, "ok")
    assert "Please say in a sentence or two what is wrong" in said["text"]
    said = await chat.form(form, "The fine was 2,500 yuan, the record says 25,000 yuan")
    assert "What evidence do you have" in said["text"]
    said = await chat.form(form, "none")
    assert chat.slots["objection_evidence"] == "无" and "contact person's name" in said["text"]
    said = await chat.form(form, "?!")
    assert "Please tell me the contact person's name" in said["text"]
    said = await chat.form(form, "my name is Wang Fang")
    assert chat.slots["contact_name"] == "Wang Fang" and "contact phone number" in said["text"]
    said = await chat.form(form, "12345")
    assert "12345 is not a valid phone number" in said["text"] and chat.slots.get("contact_phone") is None
    said = await chat.form(form, "13912345678")
    summary = said["text"]
    assert "Please check your objection application:" in summary and "Ground: The information is wrong" in summary
    assert "Evidence: none" in summary and "Contact: Wang Fang" in summary and "Phone: 13912345678" in summary
    assert [b["title"] for b in said["buttons"]] == ["Confirm and file", "Cancel the application"]
    # a correction at the summary shows it again; a non-answer is asked again
    said = await chat.form(form, "no, the phone is 13712345678", "deny", [("phone", "13712345678")])
    assert "Phone: 13712345678" in said["text"]
    said = await chat.form(form, "hmm", "nlu_fallback")
    assert "If everything is right, reply 'confirm'" in said["text"]
    said = await chat.form(form, "that's wrong")
    assert "Please tell me what to change" in said["text"]
    receipt = (await chat.form(form, "confirm", "affirm"))["text"]
    number = re.search(r"number is (YY-\d{8}-\d{4})", receipt).group(1)
    assert "The record is now marked 'under objection'" in receipt and "5 working days" in receipt
    # 大庆's rule: our English, labelled so, with the Chinese quote beside it, never an English "quote"
    assert f"our English summary; the rule in Chinese: “{rules().suspends_punishment.text}”" in receipt
    assert "the platform's own target" in receipt and "国办发〔2025〕22号" in receipt

    # the status: by number, and "my applications"
    status = (await chat.status(f"status of {number}", number))["text"]
    assert f"Objection application {number}" in status and "Status: submitted" in status
    assert "- " in status and "filed through the credit assistant" in status and "Due by: " in status
    assert "Local rule of" in status
    with Session(enginemod.get_engine()) as s:
        assert s.execute(sa.select(Ticket.ground, Ticket.evidence).where(Ticket.ticket_no == number)).one() == \
            ("信息错误", "无")  # staff read the ticket in Chinese
    # someone else asking by number sees the status only, in English too
    other = EnglishChat("en-user-2")
    anyone = (await other.status(number, number))["text"]
    assert "only the status is shown" in anyone and "Wang Fang" not in anyone
    assert "No objection or credit repair application was filed" in (await other.status("my applications"))["text"]

    for text in chat.shown + other.shown:
        assert chinese_left(text, allowed) == [], text


async def test_a_whole_repair_in_english_and_my_applications(demo):
    chat, allowed = EnglishChat("en-user-3"), _allowed()
    found = _subject(LAOLI)
    record = next(r for r in found.records if r.kind == "penalty" and elig.assess(r).eligible)
    form = "repair_form"

    said = await chat.form(form, f"credit repair for {LAOLI}", "request_repair", [("credit_code", LAOLI)], start=True)
    if chat.slots.get("requested_slot") == "filing_record":  # more than one record: choose it
        text, entities = _click(said["buttons"], record.doc_number)
        said = await chat.form(form, text, entities=entities)
    else:
        assert "This subject has only one relevant public record" in said["text"]
    assert "so you can apply for credit repair" in said["text"]  # eligible, with the rules applied
    assert "Please confirm: have the duties the penalty decision set been performed in full" in said["text"]
    assert "the platform's summary; source: 《信用修复管理办法》" in said["text"]
    assert [b["title"] for b in said["buttons"]][0].startswith("Yes")
    said = await chat.form(form, "I think maybe")
    assert "Sorry, I could not tell whether the fine is paid in full" in said["text"]
    said = await chat.form(form, "yes, paid in full and the rectification is done")
    commitment = said["text"]
    assert chat.slots["repair_performance"].startswith(filing_text.PERFORMED_TEXT["penalty"][0])
    assert "the platform's own commitment template, not the text of any document" in commitment
    assert rules().commitment.en in commitment and rules().commitment.text in commitment  # what is filed, shown
    assert [b["title"] for b in said["buttons"]] == ["I agree and commit", "Cancel the application"]
    said = await chat.form(form, "ok", "affirm")
    assert "Credit repair requires a credit commitment" in said["text"]
    said = await chat.form(form, "I agree", "affirm")
    assert chat.slots["repair_commitment"] == "agreed" and "contact person's name" in said["text"]
    said = await chat.form(form, "Li Lei")
    said = await chat.form(form, "phone 0459-45")
    assert "is not a valid phone number" in said["text"]
    said = await chat.form(form, "0459-4567890")
    assert "Please check your credit repair application:" in said["text"]
    assert "Performance: Performed in full (fine paid, rectification done); the applicant adds: " in said["text"]
    assert "Credit commitment: agreed" in said["text"]
    receipt = (await chat.form(form, "yes", "affirm"))["text"]
    number = re.search(r"number is (XF-\d{8}-\d{4})", receipt).group(1)
    assert "according to public explanations" in receipt and "Once a repair is granted" in receipt
    assert "free of charge" in receipt

    # a second filing from this conversation, cancelled half-way: nothing filed, said in English
    said = await chat.form("objection_form", f"objection against {HONGTAI}", "file_objection",
                           [("credit_code", HONGTAI)], start=True)
    said = await chat.form("objection_form", "cancel", "deny")
    assert "OK, cancelled: nothing was filed." in said["text"]

    # my applications: one (full status), then two (the list, statuses in English)
    mine = (await chat.status("my applications"))["text"]
    assert f"Credit repair application {number}" in mine and "Status: submitted" in mine
    hongtai = next(r for r in _subject(HONGTAI).records if r.kind == "penalty" and r.display_status == "公示中")
    objection = tickets.file(tickets.Filing(kind="objection", record_id=hongtai.id, idempotency_key="en-3:o",
                                            sender_id="en-user-3", ground="信息错误", description="x",
                                            evidence="无", contact_name="Li Lei", contact_phone="13912345678"))
    tickets.accept(objection.ticket.ticket_no, "op1")
    listed = await chat.status("my applications")
    assert "Applications filed from this conversation (latest first):" in listed["text"]
    assert f"{objection.ticket.ticket_no} objection accepted" in listed["text"]
    assert f"{number} credit repair submitted" in listed["text"]
    assert {b["title"] for b in listed["buttons"]} == {number, objection.ticket.ticket_no}
    decided = tickets.decide(number, "不予修复", "op1")
    status = (await chat.status(number, number))["text"]
    assert decided.status == "已办结" and "Status: concluded (repair refused)" in status
    assert "Credit repair was refused" in status

    for text in chat.shown:
        assert chinese_left(text, allowed, also=(rules().commitment.text,)) == [], text


async def test_the_performance_answer_no_ends_the_repair_in_english(demo):
    chat, allowed = EnglishChat("en-user-4"), _allowed()
    found = _subject(LAOLI)
    record = next(r for r in found.records if r.kind == "penalty" and elig.assess(r).eligible)
    chat.slots.update(filing_kind="repair", filing_id="e4", filing_subject=str(found.subject.id),
                      filing_record=str(record.id), requested_slot="repair_performance")
    said = await chat.form("repair_form", "not yet, still paying in instalments")
    assert chat.slots.get("filing_cancelled") is None  # reset once the filing ends: nothing is left
    assert "does not qualify for credit repair now" in said["text"] and "Nothing was filed" in said["text"]
    assert rules().performance.en in said["text"]
    for text in chat.shown:
        assert chinese_left(text, allowed) == [], text
    with Session(enginemod.get_engine()) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.sender_id == "en-user-4")).scalar() == 0


async def test_a_code_that_does_not_check_out_and_a_stale_button_in_english(demo):
    chat, allowed = EnglishChat("en-user-5"), _allowed()
    said = await chat.form("objection_form", "I want to object", "file_objection", start=True)
    assert "Which company's or organisation's record do you want to object to?" in said["text"]
    said = await chat.form("objection_form", f"{HONGTAI[:-1]}K", entities=[("credit_code", f"{HONGTAI[:-1]}K")])
    assert "That code does not check out" in said["text"]
    said = await chat.form("objection_form", "xy")
    assert "Please send the company's or organisation's name" in said["text"]
    said = await chat.form("objection_form", HONGTAI, entities=[("credit_code", HONGTAI)])
    said = await chat.form("objection_form", '/inform{"choice":"r999999"}', entities=[("choice", "r999999")])
    assert "Please choose one of the records listed above" in said["text"]
    for text in chat.shown:
        assert chinese_left(text, allowed) == [], text


# ---------------------------------------------------------------- every English filing text

def english_filing_texts(region):
    """Every English text filing_text can produce for the records and tickets test_legal_replies uses."""
    out = [filing_text.commitment(True), filing_text.bad_phone("12345", True),
           filing_text.summary("objection", "测试公司", RECORDS[0], {"objection_ground": "信息错误",
                               "objection_description": "the amount", "objection_evidence": "无",
                               "contact_name": "Li Lei", "contact_phone": "13912345678"}, english=True)]
    for kind, (created, same) in itertools.product(("objection", "repair"), ((True, False), (False, True), (False, False))):
        out.append(filing_text.receipt(ticket(kind, region=region), created, same, english=True))
    for kind, (status, outcome), full in itertools.product(("objection", "repair"), STATUSES, (True, False)):
        t = ticket(kind, status, outcome, region)
        out += [filing_text.status(t, full, english=True), filing_text.brief(t, english=True)]
    for record, performed in itertools.product(RECORDS + [LICENCE], (None, elig.PERFORMED, elig.NOT_YET, elig.INSTALMENTS)):
        verdict = elig.assess(record, today=TODAY, performed=performed, region=region)
        out.append(filing_text.eligible(record, verdict, region=region, english=True) if verdict.eligible
                   else filing_text.ineligible(record, verdict, region=region, english=True))
    for record in RECORDS:
        if record.list_type and rules().lists[record.list_type].red:
            out.append(filing_text.red_list_objection(record, english=True))
    return out


@pytest.mark.parametrize("region", REGIONS)
def test_english_filing_texts_quote_only_verbatim_and_are_english(verbatim, region):  # noqa: F811
    texts = english_filing_texts(region)
    assert unverbatim(texts, verbatim) == []
    # the test records' contents, names and staff note (test_legal_replies) may be Chinese
    contents = {"测试公司", "大庆市鸿泰石油技术服务有限公司", "请补充缴款凭证", "庆环罚〔2026〕37号", "庆环许〔2025〕9号",
                "庆发改名〔2026〕5号", "大庆市生态环境局", "大庆市市场监督管理局", "大庆市发展和改革委员会",
                *(r.list_type for r in RECORDS if r.list_type), *(r for r in REGIONS if r)}
    allowed = sorted(contents | {c.clause for c in (rules().suspends_punishment,) if c.clause}
                     | {row.rule.clause for row in rules().restriction_rows} | {r.region for r in rules().lists.values()}
                     | {limits.region for limits in rules().regional_limits} | {rules().commitment.text},
                     key=len, reverse=True)
    for text in texts:
        assert chinese_left(text, allowed) == [], text


def test_local_rules_stay_local_in_english():
    suspension = rules().suspends_punishment
    daqing = filing_text.receipt(ticket("objection", region=DAQING), True, False, english=True)
    fuzhou = filing_text.receipt(ticket("objection", region=FUZHOU), True, False, english=True)
    assert f"“{suspension.text}”" in daqing and suspension.en in daqing and "Local rule of" in daqing
    assert suspension.text not in fuzhou and suspension.en not in fuzhou and "No national rule" in fuzhou
    shanghai = filing_text.receipt(ticket("objection", region="上海市浦东新区"), True, False, english=True)
    assert "Local rule of 上海市: marked as under objection within 1 working day " in shanghai


def test_chinese_users_see_what_they_saw():
    """The Chinese of a few texts, written out: the English work changed none of it."""
    t = ticket("objection", "核实中", region=FUZHOU)
    assert filing_text.brief(t) == "YY-20261201-0001 异议 核实中 · 庆环罚〔2026〕37号"
    assert filing_text.bad_phone("12345") == "您发送的 12345 不是有效的电话号码。请发送11位手机号，或带区号的座机号（如 0459-4567890）。"
    lines = filing_text.status(t, full=False).split("\n")
    assert lines[:2] == ["异议申请 YY-20261201-0001", "当前状态：核实中"]
    assert lines[2].startswith("办理期限：2026年12月8日（2026-12-08）")
    assert lines[-1] == "（为保护申请人信息，只显示办理状态；详情请在提交申请的对话中查询。）"
    assert filing_text.say("cancelled") == "好的，已取消，本次申请没有提交。需要时可以随时重新开始。"
