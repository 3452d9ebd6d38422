"""Objections, credit repair and status end to end: REST conversations against `xinyong serve`
(the test model, the action server, the demo data on PostgreSQL), the staff CLI in between, and a
restart of every server in the middle of a form. The restart test runs last in this module."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.models import Record, Subject, Ticket
from actions.services import demo_data, eligibility
from actions.services.enquiry import RecordView
from actions.services.textnorm import to_simplified
from actions.services.workflow_rules import rules
from tests.botserver import XY, Chat

pytestmark = pytest.mark.slow
HONGTAI = "912306047LY7DWQT7J"  # 庆应急罚〔YYYY〕21号 on display; 庆环罚〔YYYY〕37号 under objection
SHOWCASE = demo_data.showcase_refs()  # the demo is seeded today (docs/demo_data.md)
DISPLAYED = SHOWCASE.docs["displayed"]
LAOLI = "92230602J53LL72400"  # individual business with a 轻微 warning: repairable now
TICKET = re.compile(r"(YY|XF)-\d{8}-\d{4}")


def _tickets_of(db, sender) -> list:
    with db.connect() as c:
        return c.execute(sa.select(Ticket.ticket_no, Ticket.status, Ticket.contact_phone, Ticket.record_id)
                         .where(Ticket.sender_id == sender)).all()


def _record(db, doc) -> Record:
    with db.connect() as c:
        return c.execute(sa.select(Record).where(Record.doc_number == doc)).one()


def _staff(demo_bot, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=demo_bot.database_url)
    return subprocess.run([XY, "tickets", *args], env=env, capture_output=True, text=True, timeout=120)


_USED: set[int] = set()


def _fresh_penalty(db) -> tuple[str, str]:
    """(code, document number) of a displayed penalty no other test of this module has used."""
    with db.connect() as c:
        rows = c.execute(sa.select(Record.subject_id, Subject.uscc, Record.doc_number)
                         .join(Subject, Subject.id == Record.subject_id)
                         .where(Record.kind == "penalty", Record.display_status == "公示中", Subject.id > len(demo_data.SHOWCASE),
                                Subject.uscc.is_not(None)).order_by(Record.id)).all()
    for row in rows:
        if row.subject_id not in _USED:
            _USED.add(row.subject_id)
            return row.uscc, row.doc_number
    pytest.fail("no unused displayed penalty left in the demo data")


def _start_objection(chat, db, opening="我要对{code}的处罚提出异议", typed=False) -> str:
    """Open an objection on a fresh penalty and choose it (button, or the document number typed);
    returns its document number."""
    code, doc = _fresh_penalty(db)
    reply = chat(opening.format(code=code))
    if any(doc in to_simplified(b["title"]) for b in chat.buttons):  # Traditional users get Traditional titles
        reply = chat(f"是{doc}这份决定") if typed else chat.click(doc)
    assert "异议理由" in reply or "異議理由" in reply, reply
    return doc


def _objection_up_to_summary(chat, db) -> None:
    _start_objection(chat, db, "我要对{code}的一条行政处罚提出异议")
    assert "说明" in chat.click("信息错误")
    assert "材料" in chat("罚款金额登记错了，决定书上是2.5万元，公示成了25万元")
    assert "联系人" in chat("有处罚决定书原件和缴款凭证")
    assert "电话" in chat("张伟")


def test_an_objection_filed_end_to_end_is_committed_once(chat, db):
    reply = chat(f"我要对{HONGTAI}的一条行政处罚提出异议")
    assert "请选择" in reply and any(DISPLAYED in b["title"] for b in chat.buttons)
    assert "异议理由" in chat.click(DISPLAYED)
    assert "说明" in chat.click("信息错误")
    assert "材料" in chat("罚款金额登记错了，决定书上是2.5万元，公示成了25万元")
    assert "联系人" in chat("有处罚决定书原件和缴款凭证")
    assert "电话" in chat("张伟")
    reply = chat("12345")
    assert "不是有效的电话号码" in reply  # validated, asked again
    summary = chat("13912345678")
    assert "请核对" in summary and "13912345678" in summary and "信息错误" in summary and "张伟" in summary
    receipt = chat("确认")
    ticket_no = TICKET.search(receipt).group(0)
    assert ticket_no.startswith("YY-") and "异议处理中" in receipt and "5个工作日" in receipt
    assert "联合惩戒措施在信息核实期间暂不执行" in receipt and "四、（五）" in receipt
    # committed before it was shown: the ticket and the record's new status are in the database
    rows = _tickets_of(db, chat.sender)
    assert [r.ticket_no for r in rows] == [ticket_no] and rows[0].status == "已提交"
    assert _record(db, DISPLAYED).display_status == "异议处理中"
    # confirming again, and the same message retried, make no second ticket
    chat("确认")
    chat.bot.send("确认", chat.sender)
    assert len(_tickets_of(db, chat.sender)) == 1
    # the public enquiry shows the record under objection
    assert "异议处理中" in chat(f"查一下 {HONGTAI}")
    # another user filing on the same record is told about the open objection
    other = Chat(chat.bot)
    other(f"我要对{HONGTAI}的处罚提异议")
    reply = other.click(DISPLAYED)
    assert ticket_no in reply and "无需重复提交" in reply
    assert _tickets_of(db, other.sender) == []


def test_a_staff_decision_is_seen_by_the_user(chat, db, demo_bot):
    doc = _start_objection(chat, db, "{code} 这家的处罚有问题，我要申请异议", typed=True)
    chat("非本主体")
    chat("这个处罚是另一家同名公司的，和我们无关")
    chat("没有")
    chat("联系人李建国")
    chat("电话 0459 4567890")  # a landline typed with a space
    ticket_no = TICKET.search(chat("确认提交")).group(0)
    # The local administrator (no --staff): 撤销 by a console account would need a second person's approval.
    assert _staff(demo_bot, "accept", ticket_no).returncode == 0
    decided = _staff(demo_bot, "decide", ticket_no, "撤销", "--note", "经核实非本主体")
    assert decided.returncode == 0, decided.stderr
    status = chat("我的申请")
    assert ticket_no in status and "已办结" in status and "撤销" in status and "行政复议" in status
    assert _record(db, doc).display_status == "已撤销"


def test_corrections_mid_form_and_at_the_summary(chat, db):
    _objection_up_to_summary(chat, db)
    chat("13912345678")
    summary = chat("不对，电话是13712345678")
    assert "13712345678" in summary and "13912345678" not in summary and "请核对" in summary
    summary = chat("联系人改成王芳")
    assert "王芳" in summary and "张伟" not in summary
    summary = chat("理由改为非本主体")
    assert "异议理由：非本主体" in summary
    assert "告诉我要改的内容" in chat("不对")


def test_cancel_files_nothing(chat, db):
    doc = _start_objection(chat, db)
    chat.click("信息错误")
    reply = chat("算了")
    assert "已取消" in reply
    assert _tickets_of(db, chat.sender) == []
    assert _record(db, doc).display_status == "公示中"
    assert "信用助手" in chat("你好")  # the form is over: ordinary conversation again


def test_the_form_asks_for_the_subject_and_takes_a_name_and_an_ordinal(chat, db):
    assert "哪家" in chat("我想提个异议")
    reply = chat("哈尔滨市北辰物流有限公司")
    assert "请选择" in reply and len(chat.buttons) >= 2
    first = chat.buttons[0]["title"]
    reply = chat("第一条")
    assert "异议理由" in reply, (first, reply)
    assert "已取消" in chat("不办了")
    assert _tickets_of(db, chat.sender) == []


def test_a_policy_question_inside_the_form_returns_to_where_it_stopped(chat, db):
    _start_objection(chat, db)
    chat.click("信息错误")
    reply = chat("异议期间联合惩戒措施还执行吗？")
    assert "暂不执行" in reply and "出处：" in reply  # answered from the documents, cited
    assert "说明" in reply  # and the form asks its question again
    assert "材料" in chat("金额公示错了")  # the answer goes where the form stopped


def test_a_bank_credit_question_inside_the_form_is_redirected_and_the_form_goes_on(chat, db):
    """Issue 17: "为什么显示逾期！" started an objection; inside a form it is answered, not filed."""
    _start_objection(chat, db)
    chat.click("信息错误")
    reply = chat("信用卡为什么显示逾期！我明明按时还了")
    assert "征信中心" in reply and "说明" in reply   # redirected, then the form asks again
    assert "材料" in chat("金额公示错了")


def test_status_by_id_in_any_case_shows_progress_only_to_others(chat):
    objection, repair = SHOWCASE.tickets["objection"], SHOWCASE.tickets["repair"]
    reply = chat(f"帮我看看 {objection.lower()} 办到哪一步了")
    assert objection in reply and "核实中" in reply and "办理期限" in reply
    assert "刘志刚" not in reply and "13600008215" not in reply  # someone else's filing: no contact
    assert "没有找到" in chat("查询进度 YY-20991231-0099")
    bare = chat(repair.lower())  # a ticket number alone, lower case
    assert repair in bare and "准予修复" in bare
    assert "还没有提交过" in Chat(chat.bot)("我的申请到哪了")


def _too_early_penalty(db) -> tuple[str, RecordView, eligibility.Eligibility]:
    """A displayed penalty of an organisation that the rules say cannot be repaired yet."""
    with Session(db) as c:
        rows = c.execute(sa.select(Record, Subject.uscc).join(Subject, Subject.id == Record.subject_id)
                         .where(Record.kind == "penalty", Record.display_status == "公示中",
                                Subject.uscc.is_not(None), Record.decision_date > dt.date.today() - dt.timedelta(days=80))
                         .order_by(Record.id)).all()
    for record, uscc in rows:
        view = RecordView.of(record)
        verdict = eligibility.assess(view)
        if verdict.reason == eligibility.TOO_EARLY:
            return uscc, view, verdict
    pytest.fail("the demo data has no penalty that is too recent to repair")


def test_an_ineligible_repair_says_why_and_from_when(chat, db):
    code, record, verdict = _too_early_penalty(db)
    reply = chat(f"我想申请信用修复，代码{code}")
    if record.doc_number not in reply or "暂不符合" not in reply:
        reply = chat.click(record.doc_number)
    assert "暂不符合" in reply and verdict.tier in reply
    day = verdict.earliest
    assert f"{day.year}年{day.month}月{day.day}日" in reply and day.isoformat() in reply
    assert "办法" in reply  # the rule set, cited
    assert _tickets_of(db, chat.sender) == []


def test_a_repair_needs_the_commitment_and_gets_an_xf_ticket(chat, db):
    reply = chat(f"{LAOLI}申请信用修复")
    if "承诺" not in reply and "履行" not in reply:
        reply = chat.click("警告") if any("警告" in b["title"] for b in chat.buttons) else reply
    assert "可以申请信用修复" in reply and "轻微" in reply
    reply = chat("罚款已经缴清，已经按要求整改完毕")
    assert "信用承诺" in reply and "依据" in reply and "如违背上述承诺" in reply
    assert "必须作出信用承诺" in chat("好")  # a bare 好 is not an explicit agreement
    assert "联系人" in chat("同意")
    chat("李建国")
    summary = chat("13512345678")
    assert "信用承诺：已同意" in summary
    assert "履行情况：已全部履行（罚款已缴清、整改已完成）；申请人说明：罚款已经缴清，已经按要求整改完毕" in summary
    receipt = chat("确认")
    assert TICKET.search(receipt).group(0).startswith("XF-") and "3个工作日" in receipt
    assert "停止公示" in receipt
    with db.connect() as c:  # what the ticket records, for the staff who decide it
        performance = c.execute(sa.select(Ticket.performance).where(Ticket.sender_id == chat.sender)).scalar_one()
    assert performance.startswith("已全部履行（罚款已缴清、整改已完成）")


def _repair_asks_performance(chat) -> str:
    """Open a repair on 老李家常菜馆's warning (repairable now) and get to the performance question."""
    reply = chat(f"{LAOLI}申请信用修复")
    if "罚款是否已全部缴清" not in reply and any("警告" in b["title"] or "罚" in b["title"] for b in chat.buttons):
        reply = chat.click(chat.buttons[0]["title"])
    assert "罚款是否已全部缴清" in reply, reply
    assert [b["title"][:5] for b in chat.buttons] == ["已全部履行", "尚未全部履", "分期缴纳中"]
    return reply


@pytest.mark.parametrize("answer", ["罚款还没交", "分期还在交", "button"])
def test_an_unpaid_fine_ends_the_repair_with_36s_condition_and_files_nothing(chat, db, answer):
    _repair_asks_performance(chat)
    reply = chat.click("分期缴纳中") if answer == "button" else chat(answer)
    assert rules().performance.text in reply and "第36号" in reply, reply  # 36号's condition, cited
    assert "如违背上述承诺" not in reply and "联系人" not in reply  # not on to the commitment
    assert _tickets_of(db, chat.sender) == []
    # the form is over: the user can ask something else
    assert "大庆市鸿泰石油技术服务有限公司" in chat(f"查一下 {HONGTAI}")
    assert _tickets_of(db, chat.sender) == []


def test_an_unclear_performance_answer_is_asked_again_then_understood(chat, db):
    _repair_asks_performance(chat)
    reply = chat("应该交了吧")
    assert "没能确定" in reply and "如违背上述承诺" not in reply
    reply = chat("罰款已繳清，整改也做完了")  # Traditional
    assert "如違背上述承諾" in reply  # on to the commitment, in the user's script


def test_a_red_list_entry_is_never_offered_for_repair(chat, db):
    with db.connect() as c:
        code = c.execute(sa.select(Subject.uscc).join(Record, Record.subject_id == Subject.id)
                         .where(Record.list_type == "守信红名单", Record.display_status == "公示中",
                                Subject.uscc.is_not(None))).scalars().first()
    assert code, "the demo data has no 守信红名单 entry"
    reply = chat(f"{code}申请信用修复")
    offered = [b for b in chat.buttons if '"choice":"r' in b["payload"]]
    assert not any("守信红名单" in b["title"] for b in offered)
    if not offered and "罚款是否已全部缴清" not in reply:  # nothing else to repair: it says why
        assert "激励名单" in reply, reply
    assert _tickets_of(db, chat.sender) == []


def test_an_abnormal_operations_entry_is_routed_to_the_market_regulator(chat, db):
    today = dt.date.today()
    with Session(db) as s:  # a fresh entry on a subject no other test uses, with nothing else to repair
        listed = sa.select(Record.subject_id).where(Record.kind.in_(("penalty", "list")))
        subject = s.execute(sa.select(Subject).where(Subject.id > len(demo_data.SHOWCASE), Subject.uscc.is_not(None),
                                                     Subject.id.not_in(listed)).order_by(Subject.id.desc())).scalars().first()
        s.add(Record(kind="list", subject_id=subject.id, natural_key="庆市监异〔2026〕901号|大庆市市场监督管理局",
                     doc_number="庆市监异〔2026〕901号", decision_date=today - dt.timedelta(days=10),
                     agency="大庆市市场监督管理局", display_status="公示中", list_type="经营异常名录",
                     display_until=today + dt.timedelta(days=60), list_reason="未按期公示年度报告"))
        s.commit()
        code = subject.uscc
    reply = chat(f"{code}申请信用修复")
    assert "国家企业信用信息公示系统" in reply and "市场监督管理" in reply, reply
    assert not chat.buttons or not any("经营异常名录" in b["title"] for b in chat.buttons)
    assert "罚款是否已全部缴清" not in reply and _tickets_of(db, chat.sender) == []


def test_traditional_script_users_file_in_traditional(chat, db):
    _start_objection(chat, db, "我要對{code}的處罰提出異議")
    chat.click("錯誤")  # button titles are Traditional too
    chat("罰款金額登記錯了")
    chat("沒有")
    chat("陳靜")
    summary = chat("13812345678")
    assert "異議申請" in summary and "聯繫人：陳靜" in summary and "罰款金額登記錯了" in summary  # stored as typed, shown in Traditional


def test_zz_a_restart_mid_form_continues_where_the_user_was(chat, db, demo_bot):
    _start_objection(chat, db)
    assert "说明" in chat.click("信息错误")
    demo_bot.restart()
    assert "材料" in chat("公示的罚款金额多写了一个零")  # the form picked up at the description
    chat("没有材料")
    chat("赵磊")
    summary = chat("15845678901")
    assert "多写了一个零" in summary and "赵磊" in summary
    assert TICKET.search(chat("确认"))
