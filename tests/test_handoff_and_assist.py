"""With the real assistant (fixture demo_bot): handing a conversation to a person (on request and
after repeated misunderstanding), and the console's assist mode, where an operator talks to the
assistant for a caller and files on their behalf."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import Record, Subject, Ticket
from actions.services import demo_data, handoff, staff, tickets
from tests.botserver import Chat
from tests.console_client import console_client

pytestmark = pytest.mark.slow
TICKET = re.compile(r"\b(YY|XF)-\d{8}-\d{4}\b")


@pytest.fixture
def db(demo_bot, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_bot.database_url)
    return demo_bot.database_url


@pytest.fixture
def chat(demo_bot, db):
    return Chat(demo_bot)


def test_asking_for_a_person_queues_the_conversation_with_hotline_and_hours(chat):
    chat("查一下大庆市鸿泰石油技术服务有限公司")
    reply = chat("我要找人工客服")
    assert "0459-12345" in reply and "工作日 8:30—17:00" in reply and "排队号" in reply
    request = next(h for h in handoff.queue() if h.sender_id == chat.sender)
    assert request.status == "待处理" and request.reason == "用户要求人工服务"
    assert "查一下大庆市鸿泰石油技术服务有限公司" in [t["text"] for t in request.transcript]


def test_repeated_misunderstanding_hands_over_to_a_person(chat):
    # The FallbackClassifier's verdict as a payload (which words one model finds unclear varies).
    assert "您是想" in chat("/nlu_fallback")
    reply = chat("/nlu_fallback")  # unclear again: the two-stage fallback gives up
    assert "转人工服务" in reply and "排队号" in reply and "0459-12345" in reply and "8:30" in reply
    request = next(h for h in handoff.queue() if h.sender_id == chat.sender)
    assert request.reason == "多次未能理解用户的意思"
    assert "大庆市" in chat("查一下 912306047LY7DWQT7J")  # and the assistant keeps answering meanwhile


def test_one_unclear_message_is_not_handed_over(chat):
    assert "您是想" in chat("/nlu_fallback")
    assert "大庆市鸿泰石油技术服务有限公司" in chat("查 912306047LY7DWQT7J")
    assert not [h for h in handoff.queue() if h.sender_id == chat.sender]


def _unused_penalty() -> tuple[str, str]:
    """A displayed penalty of a generated company (not a showcase one), from the end of the table,
    so conversation tests that take them from the start do not collide with this one."""
    with session_scope() as s:
        rows = s.execute(sa.select(Subject.uscc, Record.doc_number, Record.subject_id)
                         .join(Subject, Subject.id == Record.subject_id)
                         .where(Record.kind == "penalty", Record.display_status == "公示中", Subject.id > len(demo_data.SHOWCASE),
                                Subject.uscc.is_not(None)).order_by(Record.id.desc()).limit(40)).all()
        busy = set(s.execute(sa.select(Ticket.subject_id)).scalars())
    counts: dict[int, int] = {}
    for r in rows:
        counts[r.subject_id] = counts.get(r.subject_id, 0) + 1
    row = next(r for r in rows if r.subject_id not in busy and counts[r.subject_id] == 1)
    return row.uscc, row.doc_number


async def test_assist_mode_files_an_objection_on_the_callers_behalf(demo_bot, db):
    operator, _ = staff.add("zhangmin", "lotus-pond-2026", display_name="张敏")
    console = await console_client(f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}")
    try:
        await console.login("zhangmin", "lotus-pond-2026")
        code, doc = _unused_penalty()
        conversation = None

        async def say(text):
            nonlocal conversation
            status, body = await console.api("POST", "/console/api/assist/message",
                                             {"text": text, "conversation": conversation, "caller": "来电 139****5678"})
            assert status == 200, body
            conversation = body["conversation"]
            return body

        body = await say(f"我要对{code}的处罚提出异议")
        text = "\n".join(m.get("text", "") for m in body["messages"])
        assert "异议理由" in text, text
        assert body["understood"]["form"] == "异议申请" and "异议理由" in body["next_step"]
        assert "说明" in "".join(m.get("text", "") for m in (await say("信息错误"))["messages"])
        await say("罚款金额登记错了，应为2000元")
        await say("有缴款凭证")
        body = await say("联系人王建国")
        assert "电话" in body["next_step"]
        body = await say("13812345678")
        assert "复述" in body["next_step"] or "确认" in body["next_step"]
        body = await say("确认")
        receipt = "\n".join(m.get("text", "") for m in body["messages"])
        ticket_no = TICKET.search(receipt).group(0)
        t = tickets.get(ticket_no)
        assert t.record_doc == doc and t.channel == "console"
        assert t.assisted_by == "张敏（zhangmin）"
        assert t.events[0].actor_type == "staff" and "代为提交" in t.events[0].note and "张敏" in t.events[0].note
        # the console shows it as filed on the caller's behalf
        html = await (await console.get(f"/console/tickets/{ticket_no}")).text()
        assert "由 张敏（zhangmin） 代为提交" in html
        # another operator cannot continue this conversation
        other, _ = staff.add("lina", "lotus-pond-2026", display_name="李娜")
        second = await console_client(f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}")
        try:
            await second.login("lina", "lotus-pond-2026")
            status, body = await second.api("POST", "/console/api/assist/message",
                                            {"text": "确认", "conversation": conversation})
            assert status == 403 and "不是您的协助会话" in body["error"]
        finally:
            await second.client.close()
    finally:
        await console.client.close()
