"""Filings and personal data, as an attacker tries them against the real assistant (fixture demo_bot):
an ID number typed as the answer to a form's question must not move the filing to another subject,
it is kept and shown only masked (the ticket, the console's ticket page and API, the audit log), a
subject change inside a form needs an explicit yes, and a ticket number alone shows only the status.
Issue 15, findings 5 and 3."""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.models import AuditLog, Record, Subject, Ticket, TicketEvent
from actions.services import demo_data, staff
from tests.botserver import Chat
from tests.console_client import console_client

pytestmark = [pytest.mark.slow, pytest.mark.probe]  # docs/security.md
TICKET = re.compile(r"\b(YY|XF)-\d{8}-\d{4}\b")
PERSON_ID = "230602197810070431"  # showcase 7, 赵文强, on the court's 失信被执行人 list
PERSON_ID_SPACED = "2306 0219 7810 0704 31"
PERSON_MASKED = "2306**********0431"
PERSON_CASE = demo_data.showcase_refs().docs["court"]  # (YYYY)黑0602执1234号, dated back from today
RAW = re.compile(r"230602\s*-?\s*1978\s*-?\s*1007\s*-?\s*04\s*-?\s*31|2306\s0219\s7810\s0704\s31")


@pytest.fixture
def db(demo_bot, monkeypatch):
    """The conversation tests' database, also for the in-process console."""
    monkeypatch.setenv("DATABASE_URL", demo_bot.database_url)
    engine = sa.create_engine(demo_bot.database_url, future=True)
    yield engine
    engine.dispose()


_USED: set[int] = set()


def _company_penalty(db) -> tuple[str, str, str]:
    """(code, name, document number) of a company with exactly one displayed penalty and no ticket,
    from the middle of the table: the workflow tests take theirs from the start, the assist test
    from the end."""
    with db.connect() as c:
        rows = c.execute(sa.select(Record.subject_id, Subject.uscc, Subject.name, Record.doc_number)
                         .join(Subject, Subject.id == Record.subject_id)
                         .where(Record.kind == "penalty", Record.display_status == "公示中", Subject.id > len(demo_data.SHOWCASE),
                                Subject.uscc.is_not(None)).order_by(Record.id)).all()
        busy = set(c.execute(sa.select(Ticket.subject_id)).scalars())
    counts: dict[int, int] = {}
    for r in rows:
        counts[r.subject_id] = counts.get(r.subject_id, 0) + 1
    for r in rows[len(rows) // 2:]:
        if r.subject_id not in busy and r.subject_id not in _USED and counts[r.subject_id] == 1:
            _USED.add(r.subject_id)
            return r.uscc, r.name, r.doc_number
    pytest.fail("no unused company penalty left in the demo data")


def _person_record_status(db) -> str:
    with db.connect() as c:
        return c.execute(sa.select(Record.display_status).where(Record.doc_number == PERSON_CASE)).scalar_one()


def _open_objection(chat, db) -> tuple[str, str, str]:
    """An objection on a fresh company penalty, up to the ground question."""
    code, name, doc = _company_penalty(db)
    reply = chat(f"我要对{code}的处罚提出异议")
    if any(doc in b["title"] for b in chat.buttons):  # the company has licences or list entries too
        reply = chat.click(doc)
    assert "异议理由" in reply, reply
    return code, name, doc


def _to_evidence_question(chat, db) -> tuple[str, str, str]:
    code, name, doc = _open_objection(chat, db)
    assert "说明" in chat.click("信息错误")
    assert "材料" in chat("罚款金额登记错了，决定书上是2000元")
    return code, name, doc


def _raw_id_in(text: str) -> bool:
    return bool(RAW.search(text))


async def test_an_id_number_as_the_evidence_answer_keeps_the_subject_and_is_stored_masked(chat, db, demo_bot):
    before = _person_record_status(db)
    code, name, doc = _to_evidence_question(chat, db)
    reply = chat(f"身份证 {PERSON_ID_SPACED}")
    # asked, not switched: the question shows the number masked and offers yes / no
    assert PERSON_MASKED in reply and not _raw_id_in(reply), reply
    assert {b["payload"].split("{")[0] for b in chat.buttons} == {"/affirm", "/deny"}, chat.buttons
    assert "赵文强" not in reply and PERSON_CASE not in reply  # nothing of the other subject shown
    reply = chat.click("否")
    assert "联系人" in reply, reply  # the held text answered the evidence question
    assert "电话" in chat("张伟")
    summary = chat("13912345678")
    assert name in summary and doc in summary and "赵文强" not in summary
    assert PERSON_MASKED in summary and not _raw_id_in(summary)
    ticket_no = TICKET.search(chat("确认")).group(0)

    with Session(db) as s:
        ticket = s.execute(sa.select(Ticket).where(Ticket.ticket_no == ticket_no)).scalar_one()
        subject = s.get(Subject, ticket.subject_id)
        assert subject.uscc == code and s.get(Record, ticket.record_id).doc_number == doc
        assert PERSON_MASKED in ticket.evidence and not _raw_id_in(ticket.evidence)
    assert _person_record_status(db) == before == "公示中"  # nothing of the other subject changed

    # every console and audit output holds only the masked number
    staff.add("privacy-admin", "quiet-harbour-2026", role="admin", display_name="隐私测试")
    console = await console_client(f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}")
    try:
        await console.login("privacy-admin", "quiet-harbour-2026")
        status, body = await console.api("GET", f"/console/api/tickets/{ticket_no}")
        assert status == 200 and PERSON_MASKED in body["evidence"], body
        assert not _raw_id_in(json.dumps(body, ensure_ascii=False))
        page = await (await console.get(f"/console/tickets/{ticket_no}")).text()
        assert PERSON_MASKED in page and not _raw_id_in(page)
        status, body = await console.api("GET", f"/console/api/audit?actor={chat.sender}")
        assert status == 200 and body["entries"]
        assert not _raw_id_in(json.dumps(body, ensure_ascii=False))
    finally:
        await console.client.close()


async def test_a_query_payload_with_an_id_number_is_audited_masked(chat, db, demo_bot):
    chat('/query_credit{"subject_name":"%s"}' % PERSON_ID)
    chat(f"查一下 {PERSON_ID}")
    with Session(db) as s:
        details = [json.dumps(r.detail, ensure_ascii=False) + (r.target_id or "") for r in s.execute(
            sa.select(AuditLog).where(AuditLog.actor == chat.sender)).scalars()]
    assert details and not any(_raw_id_in(d) for d in details), details
    staff.add("privacy-audit", "quiet-harbour-2026", role="admin", display_name="审计测试")
    console = await console_client(f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}")
    try:
        await console.login("privacy-audit", "quiet-harbour-2026")
        status, body = await console.api("GET", f"/console/api/audit?actor={chat.sender}")
        assert status == 200 and body["entries"], body
        assert not _raw_id_in(json.dumps(body, ensure_ascii=False))
        page = await (await console.get(f"/console/audit?actor={chat.sender}")).text()
        assert not _raw_id_in(page)
    finally:
        await console.client.close()


def test_a_subject_change_inside_a_form_switches_only_on_an_explicit_yes(chat, db):
    _, name, _ = _to_evidence_question(chat, db)
    other_code, other_name, other_doc = _company_penalty(db)
    # anything but yes: no switch, the held message is the evidence answer
    reply = chat(f"营业执照，代码 {other_code}")
    assert other_code in reply and len(chat.buttons) == 2, reply
    assert "联系人" in chat("嗯，我再想想")
    assert "电话" in chat("张伟")
    summary = chat("13912345678")
    assert name in summary and other_name not in summary and f"营业执照，代码 {other_code}" in summary
    # at the summary a code is a change too: asked first, and yes switches
    reply = chat(f"不对，主体是 {other_code}")
    assert other_code in reply and "请核对" not in reply
    reply = chat.click("是")
    # the other company's records are offered (or its only one taken)
    assert other_doc in reply or any(other_doc in b["title"] for b in chat.buttons), reply
    assert "已取消" in chat("算了")
    with db.connect() as c:
        assert c.execute(sa.select(Ticket.id).where(Ticket.sender_id == chat.sender)).all() == []


def test_an_unasked_switch_to_a_natural_person_files_nothing_on_their_record(chat, db):
    """The probe's exact path: the ID number as the evidence answer, then straight on to confirm."""
    _to_evidence_question(chat, db)
    chat(PERSON_ID)
    chat("没有")  # not a yes
    chat("张伟")
    summary = chat("13912345678")
    assert "赵文强" not in summary and PERSON_CASE not in summary
    chat("确认")
    assert _person_record_status(db) == "公示中"
    with db.connect() as c:
        person = c.execute(sa.select(Subject.id).where(Subject.id_number == PERSON_ID)).scalar_one()
        assert c.execute(sa.select(Ticket.id).where(Ticket.subject_id == person,
                                                    Ticket.sender_id == chat.sender)).all() == []


def test_a_ticket_number_alone_shows_another_conversation_only_its_status(chat, db):
    code, _, _ = _open_objection(chat, db)
    chat.click("信息错误")
    chat("罚款金额登记错了，决定书上是2000元")
    chat("有缴款凭证")
    chat("联系人王建国")
    chat("13812345678")
    ticket_no = TICKET.search(chat("确认")).group(0)
    # staff return it for correction with a note (written directly: how staff decide is not the point)
    note = "请补充缴款凭证原件扫描件，联系人王建国"
    with Session(db) as s:
        t = s.execute(sa.select(Ticket).where(Ticket.ticket_no == ticket_no)).scalar_one()
        t.status = "退回补正"
        t.events.append(TicketEvent(status="退回补正", actor_type="staff", actor="测试员", note=note))
        s.commit()

    stranger = Chat(chat.bot)
    reply = stranger(f"查询进度 {ticket_no}")
    assert ticket_no in reply and "退回补正" in reply, reply
    for secret in ("缴款凭证原件", "王建国", "13812345678", "罚款金额", code, "测试员"):
        assert secret not in reply, (secret, reply)
    with db.connect() as c:
        subject_name = c.execute(sa.select(Subject.name).join(Ticket, Ticket.subject_id == Subject.id)
                                 .where(Ticket.ticket_no == ticket_no)).scalar_one()
    assert subject_name not in reply
    # an old showcase ticket: status only, no events, no subject
    reply = stranger(demo_data.showcase_refs().tickets["objection"])
    assert "核实中" in reply and "大庆市鸿泰石油技术服务有限公司" not in reply and "庆环罚" not in reply

    # the filer sees everything, the note included
    mine = chat(f"查询进度 {ticket_no}")
    assert "缴款凭证原件" in mine and "退回补正" in mine
