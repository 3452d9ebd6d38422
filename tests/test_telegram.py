"""The Telegram bridge (bot/telegram_bridge.py) against a fake Bot API server (tests/fake_telegram.py).

The fast tests put a small fake assistant behind the bridge; the slow ones run the real bridge
in-process against the real `xinyong serve` of the session fixture `demo_bot`, its database shared
through DATABASE_URL, and assert what the Telegram user sees. Nothing here touches the internet.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
import uuid

import pytest
import sqlalchemy as sa
from aiohttp import web
from hypothesis import given, settings as hsettings, strategies as st

from actions.db import engine as engine_mod
from actions.db.engine import session_scope
from actions.db.migrate import upgrade
from actions.db.models import Record, Subject, Ticket
from actions.services import demo_data, handoff, outbox, staff, tickets
from bot.telegram_bridge import (CALLBACK_PREFIX, EXPIRED_TEXT, TELEGRAM_LIMIT, build_application, callback_id,
                                 chat_of, sender_of, split_text)
from tests.botserver import PAGED_CODE
from tests.fake_telegram import FakeTelegram, buttons_of, text_of

HONGTAI = "912306047LY7DWQT7J"
HAN = re.compile(r"[\u3400-\u9fff]")


def _new_chat() -> int:
    return 100_000_000 + uuid.uuid4().int % 800_000_000


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def running_bridge(rasa_url: str, outbox_interval: float = 0.3):
    """The bridge as `python -m bot.telegram_bridge` runs it, polling a fresh fake Bot API server."""
    fake = await FakeTelegram().start()
    app = build_application(fake.token, rasa_url, base_url=fake.base_url, outbox_interval=outbox_interval)
    await app.initialize()
    await app.post_init(app)  # run_polling would call it; the outbox task starts here
    await app.start()
    await app.updater.start_polling(poll_interval=0.1, timeout=1)
    try:
        yield fake, app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)
        await fake.stop()


# ================================================================ pure functions

def test_split_text_keeps_short_texts_whole():
    assert split_text("您好") == ["您好"]
    assert split_text("x" * TELEGRAM_LIMIT) == ["x" * TELEGRAM_LIMIT]
    assert split_text("") == []


def test_split_text_breaks_at_line_breaks_within_the_limit():
    lines = [f"【行政处罚】第{i}条 庆市监罚字〔2026〕第{i}号 罚款 大庆市市场监督管理局" for i in range(400)]
    text = "\n".join(lines)
    assert len(text) > 2 * TELEGRAM_LIMIT
    chunks = split_text(text)
    assert "".join(chunks) == text
    assert all(len(c) <= TELEGRAM_LIMIT for c in chunks)
    assert all(c.endswith("\n") for c in chunks[:-1])  # each ends with a whole line
    assert all(len(c) > TELEGRAM_LIMIT - 60 for c in chunks[:-1])  # as full as whole lines allow


def test_split_text_without_line_breaks():
    text = "信" * 10_000
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [4096, 4096, 1808] and "".join(chunks) == text
    sentences = "本条记录正在核实。" * 1000  # breaks after a sentence end, not inside a sentence
    chunks = split_text(sentences)
    assert "".join(chunks) == sentences and all(c.endswith("。") for c in chunks)


def test_split_text_counts_characters_outside_the_bmp_twice_as_telegram_does():
    text = "😀" * 3000  # 6000 UTF-16 code units
    chunks = split_text(text)
    assert "".join(chunks) == text and [len(c) for c in chunks] == [2048, 952]


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab信用\n 。😀\u0301\u200d")), max_size=300),
       st.integers(min_value=2, max_value=40))
def test_split_text_never_loses_reorders_or_overfills(text, limit):
    chunks = split_text(text, limit)
    assert "".join(chunks) == text
    assert all(c and len(c.encode("utf-16-le")) // 2 <= limit for c in chunks)


def test_sender_ids_and_chats():
    assert sender_of(12345) == "telegram-12345" and chat_of("telegram-12345") == 12345
    assert chat_of(sender_of(-1001234567890)) == -1001234567890  # groups have negative ids
    for other in ("web-abc", "user-1", "telegram-", "telegram-12x", "", None):
        assert chat_of(other) is None


def test_callback_data_is_short_and_says_nothing_of_the_payload():
    payload = '/query_credit{"credit_code":"912306047LY7DWQT7J","subject_name":"大庆市鸿泰石油技术服务有限公司"}'
    data = callback_id(payload)
    assert data.startswith(CALLBACK_PREFIX) and len(data.encode()) <= 64
    assert re.fullmatch(r"b:[0-9a-f]{12}", data) and data == callback_id(payload) != callback_id(payload + " ")


# ================================================================ a fake assistant (fast)

class FakeRasa:
    """The REST channel of an assistant that answers by rule; records what it was sent."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.status = 200
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "FakeRasa":
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        if self.status != 200:
            return web.Response(status=self.status, text="Internal Server Error")
        message, sender = body["message"], body["sender"]
        if message == "/greet":
            answer = [{"text": "您好，我是信用助手"}]
        elif message == "长":
            answer = [{"text": "\n".join(f"第{i}行：" + "信" * 60 for i in range(150)),
                       "buttons": [{"title": "查看更多", "payload": "/more"}]}]
        elif message in ("候选", "候選"):
            answer = [{"text": "找到 2 个主体，请选择："},
                      {"text": "", "buttons": [
                          {"title": "大庆市鸿泰石油技术服务有限公司", "payload": f'/query_credit{{"credit_code":"{HONGTAI}"}}'},
                          {"title": "大庆市金禾餐饮管理有限公司", "payload": '/query_credit{"credit_code":"91230602YTR8FXXX1E"}'}]}]
        elif message.startswith("/query_credit"):
            answer = [{"text": "查询结果：" + json.loads(message[len("/query_credit"):])["credit_code"]}]
        else:
            answer = [{"text": f"这条是：{message}"}]
        return web.json_response([dict(m, recipient_id=sender) for m in answer])


@pytest.fixture
def migrated(sqlite_url):
    upgrade(engine_mod.get_engine(sqlite_url))
    return sqlite_url


@pytest.fixture
async def fake_rasa():
    rasa = await FakeRasa().start()
    yield rasa
    await rasa.stop()


async def _say(fake: FakeTelegram, chat: int, text: str, **kw) -> list[dict]:
    since = len(fake.messages(chat))
    fake.push_text(chat, text, **kw)
    return await fake.wait_for_reply(chat, since, timeout=30, settle=0.4)


async def _press(fake: FakeTelegram, chat: int, data: str, **kw) -> list[dict]:
    since = len(fake.messages(chat))
    fake.push_callback(chat, data, **kw)
    return await fake.wait_for_reply(chat, since, timeout=30, settle=0.4)


async def test_messages_reach_the_assistant_as_the_chat_and_answers_come_back(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url) as (fake, _app):
        chat = _new_chat()
        assert text_of(await _say(fake, chat, "/start")) == "您好，我是信用助手"
        assert text_of(await _say(fake, chat, "查一下", language_code="zh-hans")) == "这条是：查一下"
        assert fake_rasa.bodies[0]["message"] == "/greet"
        assert fake_rasa.bodies[1] == {"sender": f"telegram-{chat}", "message": "查一下", "input_channel": "telegram",
                                       "metadata": {"telegram": {"chat_id": chat, "language_code": "zh-hans"}}}


async def test_long_answers_are_split_and_the_keyboard_is_on_the_last_part(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url) as (fake, _app):
        chat = _new_chat()
        messages = await _say(fake, chat, "长")
        assert len(messages) == 3 and all(len(m["text"]) <= 4096 for m in messages)
        assert [bool(m["reply_markup"]) for m in messages] == [False, False, True]
        assert "".join(m["text"] for m in messages) == "\n".join(f"第{i}行：" + "信" * 60 for i in range(150))


async def test_buttons_carry_short_ids_and_a_press_sends_the_payload(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url) as (fake, _app):
        chat = _new_chat()
        messages = await _say(fake, chat, "候选")
        assert text_of(messages).startswith("找到 2 个主体") and messages[-1]["text"] == "请选择："
        rows = messages[-1]["reply_markup"]["inline_keyboard"]
        assert [len(r) for r in rows] == [1, 1]  # one button per row
        buttons = buttons_of(messages)
        assert buttons[0]["text"] == "大庆市鸿泰石油技术服务有限公司"
        for b in buttons:
            assert len(b["callback_data"].encode()) <= 64
            assert not HAN.search(b["callback_data"]) and "credit_code" not in b["callback_data"]
            assert HONGTAI not in b["callback_data"] and "91230602YTR8FXXX1E" not in b["callback_data"]
        assert text_of(await _press(fake, chat, buttons[0]["callback_data"])) == f"查询结果：{HONGTAI}"
        assert fake_rasa.bodies[-1]["message"] == f'/query_credit{{"credit_code":"{HONGTAI}"}}'
        assert fake.answers  # the press was acknowledged (the client stops its spinner)
        # an id the bridge does not know (expired, or from before a restart)
        reply = await _press(fake, chat, "b:000000000000")
        assert text_of(reply) == EXPIRED_TEXT and fake.answers[-1].get("text") == EXPIRED_TEXT
        assert len(fake_rasa.bodies) == 2


async def test_traditional_users_get_traditional_text_and_titles(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url) as (fake, _app):
        by_language = _new_chat()
        messages = await _say(fake, by_language, "候选", language_code="zh-Hant")
        assert "找到 2 個主體" in text_of(messages) and messages[-1]["text"] == "請選擇："
        assert buttons_of(messages)[0]["text"] == "大慶市鴻泰石油技術服務有限公司"
        assert text_of(await _say(fake, by_language, "查询一下", language_code="zh-hant")) == "這條是：查詢一下"
        by_text = _new_chat()
        assert text_of(await _say(fake, by_text, "查詢一下")) == "這條是：查詢一下"
        assert text_of(await _say(fake, by_text, "ok")) == "這條是：ok"  # no script: remembered
        messages = await _say(fake, by_text, "候選")
        assert buttons_of(messages)[1]["text"] == "大慶市金禾餐飲管理有限公司"
        reply = await _press(fake, by_text, buttons_of(messages)[1]["callback_data"])
        assert text_of(reply) == "查詢結果：91230602YTR8FXXX1E"  # a payload does not change the script
        assert text_of(await _say(fake, by_text, "查询一下")) == "这条是：查询一下"  # Simplified switches back


async def test_a_sticker_is_answered_with_what_the_bridge_understands(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url) as (fake, _app):
        chat = _new_chat()
        fake.push_sticker(chat, language_code="zh-tw")
        got = await fake.wait_for_messages(chat, 1, timeout=30)
        assert got[0]["text"] == "抱歉，目前只能處理文字消息，請用文字描述您的問題。" and not fake_rasa.bodies


async def test_an_unreachable_assistant_gets_the_hotline_not_a_traceback(migrated, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")
    monkeypatch.setenv("XINYONG_HOTLINE_HOURS", "工作日 8:30—17:00")
    async with running_bridge(f"http://127.0.0.1:{_closed_port()}") as (fake, _app):
        chat = _new_chat()
        assert text_of(await _say(fake, chat, "查询 912306047LY7DWQT7J")) == \
            "抱歉，系统暂时无法回复，请稍后再试，或拨打信用服务热线 0459-12345（工作日 8:30—17:00）。"


async def test_an_assistant_error_gets_the_hotline(migrated, fake_rasa):
    fake_rasa.status = 500
    async with running_bridge(fake_rasa.url) as (fake, _app):
        chat = _new_chat()
        reply = text_of(await _say(fake, chat, "你好"))
        assert "信用服务热线 12345" in reply and "Traceback" not in reply and "500" not in reply


def _queue(channel: str, sender_id: str, text: str, kind: str = "staff_reply") -> int:
    with session_scope() as session:
        m = outbox.add(session, channel, sender_id, kind, text)
        session.flush()
        return m.id


def _undelivered() -> list[int]:
    return [m.id for m in outbox.pending("telegram")]


async def test_the_outbox_is_delivered_once_and_permanent_failures_are_dropped(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url, outbox_interval=0.2) as (fake, app):
        ok_chat, blocked, flaky = _new_chat(), _new_chat(), _new_chat()
        fake.failures[blocked] = (403, "Forbidden: bot was blocked by the user")
        fake.failures[flaky] = (502, "Bad Gateway")
        await _say(fake, ok_chat, "查詢一下")  # this chat writes Traditional
        ids = [await asyncio.to_thread(_queue, "telegram", sender_of(ok_chat), "工作人员已接入"),
               await asyncio.to_thread(_queue, "telegram", sender_of(blocked), "您好"),
               await asyncio.to_thread(_queue, "telegram", "web-abc", "不是 Telegram 的会话"),
               await asyncio.to_thread(_queue, "telegram", sender_of(flaky), "第一条"),
               await asyncio.to_thread(_queue, "telegram", sender_of(flaky), "第二条")]
        await asyncio.to_thread(_queue, "web", sender_of(ok_chat), "网页渠道的消息")
        got = await fake.wait_for_messages(ok_chat, 2)
        assert [m["text"] for m in got][1:] == ["工作人員已接入"]  # converted for a Traditional chat
        for _ in range(50):
            if await asyncio.to_thread(_undelivered) == ids[3:]:
                break
            await asyncio.sleep(0.1)
        assert await asyncio.to_thread(_undelivered) == ids[3:]  # a network error: kept, in order
        del fake.failures[flaky]
        got = await fake.wait_for_messages(flaky, 2, timeout=10)
        assert [m["text"] for m in got] == ["第一条", "第二条"]
        for _ in range(50):
            if not await asyncio.to_thread(_undelivered):
                break
            await asyncio.sleep(0.1)
        assert not await asyncio.to_thread(_undelivered)
        await asyncio.sleep(0.6)  # more rounds send nothing again
        assert len(fake.messages(ok_chat)) == 2 and len(fake.messages(flaky)) == 2
        assert not fake.messages(blocked)
        assert [m.text for m in await asyncio.to_thread(outbox.pending, "web")] == ["网页渠道的消息"]


async def test_flood_control_is_waited_out(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url, outbox_interval=0.2) as (fake, _app):
        chat = _new_chat()
        fake.flood[chat] = 1
        started = asyncio.get_running_loop().time()
        assert text_of(await _say(fake, chat, "你好")) == "这条是：你好"
        assert asyncio.get_running_loop().time() - started >= 1
        fake.flood[chat] = 1
        await asyncio.to_thread(_queue, "telegram", sender_of(chat), "工作人员已接入")
        got = await fake.wait_for_messages(chat, 2, timeout=10)
        assert got[1]["text"] == "工作人员已接入" and len(fake.messages(chat)) == 2
        for _ in range(30):
            if not await asyncio.to_thread(_undelivered):
                break
            await asyncio.sleep(0.1)
        assert not await asyncio.to_thread(_undelivered)


async def test_while_an_operator_has_the_conversation_the_assistant_is_not_asked(migrated, fake_rasa):
    async with running_bridge(fake_rasa.url) as (fake, _app):
        chat = _new_chat()
        sender = sender_of(chat)
        request_id = await asyncio.to_thread(handoff.request_handoff, sender, "telegram", "用户要求人工服务", [])
        assert text_of(await _say(fake, chat, "在吗")) == "这条是：在吗"  # waiting: the assistant answers
        view = await asyncio.to_thread(handoff.get, request_id)
        assert [(t["role"], t["text"]) for t in view.transcript] == [("user", "在吗"), ("bot", "这条是：在吗")]
        # a button press is in the operator's transcript by its title, not its payload
        buttons = buttons_of(await _say(fake, chat, "候选"))
        await _press(fake, chat, buttons[1]["callback_data"])
        view = await asyncio.to_thread(handoff.get, request_id)
        assert ("user", "〔点选〕大庆市金禾餐饮管理有限公司") in [(t["role"], t["text"]) for t in view.transcript]
        user, _ = await asyncio.to_thread(staff.add, "wangfang", "a-strong-pass-123", display_name="王芳")
        await asyncio.to_thread(handoff.take, request_id, user.id, user.label)
        before = len(fake.messages(chat))
        await fake.wait_for_messages(chat, before + 1, timeout=10)  # the "staff has joined" notice
        asked = len(fake_rasa.bodies)
        fake.push_text(chat, "我的罚款金额登记错了")
        for _ in range(50):
            view = await asyncio.to_thread(handoff.get, request_id)
            if view.transcript[-1]["text"] == "我的罚款金额登记错了":
                break
            await asyncio.sleep(0.1)
        assert view.transcript[-1] == dict(view.transcript[-1], role="user", text="我的罚款金额登记错了")
        await asyncio.sleep(0.5)
        assert len(fake_rasa.bodies) == asked and len(fake.messages(chat)) == before + 1


# ================================================================ the real assistant (slow)

@pytest.fixture
async def live(demo_bot, monkeypatch):
    """The bridge in front of the real assistant; this process's database calls hit its database."""
    monkeypatch.setenv("DATABASE_URL", demo_bot.database_url)
    monkeypatch.setenv("XINYONG_HOTLINE", demo_bot.env["XINYONG_HOTLINE"])
    monkeypatch.setenv("XINYONG_HOTLINE_HOURS", demo_bot.env["XINYONG_HOTLINE_HOURS"])
    async with running_bridge(f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}") as (fake, app):
        yield fake
    engine_mod.dispose_engines()


async def _ask(fake: FakeTelegram, chat: int, text: str, **kw) -> list[dict]:
    since = len(fake.messages(chat))
    fake.push_text(chat, text, **kw)
    return await fake.wait_for_reply(chat, since, timeout=90, settle=1.5)


@pytest.mark.slow
async def test_live_start_and_a_lookup_by_code(live):
    chat = _new_chat()
    greeting = text_of(await _ask(live, chat, "/start"))
    assert "信用助手" in greeting and "查询" in greeting
    reply = text_of(await _ask(live, chat, f"帮我查下 {HONGTAI} 这家公司"))
    assert "大庆市鸿泰石油技术服务有限公司" in reply
    assert demo_data.showcase_refs().docs["objection"] in reply and "异议处理中" in reply


@pytest.mark.slow
async def test_live_candidate_buttons_are_short_ids_and_a_press_answers(live):
    chat = _new_chat()
    messages = await _ask(live, chat, "帮我查查有限公司")
    buttons = buttons_of(messages)
    assert 1 <= len(buttons) <= 5, text_of(messages)
    assert all(len(row) == 1 for m in messages for row in (m["reply_markup"] or {}).get("inline_keyboard", []))
    for b in buttons:
        data = b["callback_data"]
        assert len(data.encode()) <= 64 and re.fullmatch(r"b:[0-9a-f]{12}", data)
        name = b["text"].split("（")[0]
        assert name not in data and not HAN.search(data)
        for code in re.findall(r"[0-9A-Z]{18}", b["text"]):
            assert code not in data
    picked = buttons[0]["text"].split("（")[0]
    since = len(live.messages(chat))
    live.push_callback(chat, buttons[0]["callback_data"])
    answer = text_of(await live.wait_for_reply(chat, since, timeout=90, settle=1.5))
    assert picked in answer, answer
    assert any(a.get("text") is None for a in live.answers)  # the press was acknowledged


@pytest.mark.slow
async def test_live_traditional_script(live):
    by_text = _new_chat()
    reply = text_of(await _ask(live, by_text, f"查詢 {HONGTAI} 的信用記錄"))
    assert "大慶市鴻泰石油技術服務有限公司" in reply and "異議處理中" in reply
    by_language = _new_chat()
    reply = text_of(await _ask(live, by_language, HONGTAI, language_code="zh-hant"))
    assert "大慶市鴻泰石油技術服務有限公司" in reply and "異議處理中" in reply
    simplified = text_of(await _ask(live, _new_chat(), HONGTAI, language_code="zh-hans"))
    assert "大庆市鸿泰石油技术服务有限公司" in simplified and "异议处理中" in simplified


def _fresh_public_record(url: str) -> int:
    """A displayed penalty without tickets, of a subject the other conversation tests do not use
    (they take the lowest record ids; this takes the highest)."""
    eng = sa.create_engine(url, future=True)
    try:
        with eng.connect() as c:
            ticketed = sa.select(Ticket.record_id)
            row = c.execute(sa.select(Record.id).join(Subject, Subject.id == Record.subject_id)
                            .where(Record.kind == "penalty", Record.display_status == "公示中", Subject.id > len(demo_data.SHOWCASE),
                                   Subject.uscc.is_not(None), Subject.uscc != PAGED_CODE,
                                   Record.id.notin_(ticketed))
                            .order_by(Record.id.desc()).limit(1)).scalar_one()
            return row
    finally:
        eng.dispose()


@pytest.mark.slow
async def test_live_a_ticket_status_change_reaches_the_chat_that_filed_it(live, demo_bot):
    chat = _new_chat()
    record_id = await asyncio.to_thread(_fresh_public_record, demo_bot.database_url)
    filing = tickets.Filing(kind="objection", record_id=record_id, idempotency_key=f"tg-test-{uuid.uuid4().hex}",
                            sender_id=sender_of(chat), channel="telegram", ground="信息错误",
                            description="罚款金额登记错误，决定书上是2.5万元")
    filed = await asyncio.to_thread(tickets.file, filing)
    assert filed.created
    ticket_no = filed.ticket.ticket_no
    await asyncio.to_thread(tickets.accept, ticket_no, "测试员")
    messages = await live.wait_for_messages(chat, 1, timeout=30)
    assert ticket_no in messages[0]["text"] and "已受理" in messages[0]["text"]
    assert messages[0]["text"].startswith(f"您的异议申请 {ticket_no} 有新进展：已受理")


@pytest.mark.slow
async def test_live_handoff_to_a_person_and_back(live):
    chat = _new_chat()
    sender = sender_of(chat)
    await _ask(live, chat, "你好")
    reply = text_of(await _ask(live, chat, "转人工"))
    assert "0459-12345" in reply
    requests = [r for r in await asyncio.to_thread(handoff.queue) if r.sender_id == sender]
    assert len(requests) == 1 and requests[0].status == "待处理" and requests[0].channel == "telegram"
    request_id = requests[0].id

    # waiting: the assistant keeps answering, and its answers join the transcript
    reply = text_of(await _ask(live, chat, f"查询 {HONGTAI}"))
    assert "大庆市鸿泰石油技术服务有限公司" in reply
    view = await asyncio.to_thread(handoff.get, request_id)
    assert any(t["role"] == "bot" and "鸿泰石油" in t["text"] for t in view.transcript)

    user, _ = await asyncio.to_thread(staff.add, "wangfang", "a-strong-pass-123", display_name="王芳")
    since = len(live.messages(chat))
    await asyncio.to_thread(handoff.reply, request_id, user.id, "王芳", "您好，我是工作人员")
    got = await live.wait_for_messages(chat, 2, timeout=30, since=since)
    assert [m["text"] for m in got] == [handoff.TAKEN_TEXT, "您好，我是工作人员"]

    # taken: the user's words go to the operator only
    since = len(live.messages(chat))
    live.push_text(chat, "我的罚款金额登记错了，请帮我看看")
    for _ in range(100):
        view = await asyncio.to_thread(handoff.get, request_id)
        if view.transcript[-1]["text"] == "我的罚款金额登记错了，请帮我看看":
            break
        await asyncio.sleep(0.1)
    assert view.status == "处理中"
    assert view.transcript[-1]["role"] == "user" and view.transcript[-1]["text"] == "我的罚款金额登记错了，请帮我看看"
    await asyncio.sleep(3)
    assert len(live.messages(chat)) == since  # no answer from the assistant

    await asyncio.to_thread(handoff.close, request_id, user.id, "王芳")
    got = await live.wait_for_messages(chat, 1, timeout=30, since=since)
    assert got[0]["text"] == handoff.CLOSED_TEXT
    reply = text_of(await _ask(live, chat, f"查询 {HONGTAI}"))  # the assistant answers again
    assert "大庆市鸿泰石油技术服务有限公司" in reply


# ================================================================ `python -m bot.telegram_bridge`

async def test_main_needs_a_token(migrated):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_TOKEN"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.telegram_bridge", env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2 and "TELEGRAM_TOKEN" in err.decode() and "未设置" in err.decode()


async def test_main_polls_until_sigterm(migrated):
    fake = await FakeTelegram().start()
    env = dict(os.environ, TELEGRAM_TOKEN=fake.token, TELEGRAM_API_BASE=fake.base_url, DATABASE_URL=migrated,
               RASA_URL=f"http://127.0.0.1:{_closed_port()}", XINYONG_HOTLINE="0459-12345")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.telegram_bridge", env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        chat = _new_chat()
        fake.push_text(chat, "你好")
        got = await fake.wait_for_messages(chat, 1, timeout=90)
        assert "0459-12345" in got[0]["text"]
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert fake.token not in err.decode()  # httpx's request lines (with the token) are not logged
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()


def test_the_telegram_command_needs_a_token(migrated, cli, monkeypatch):
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    code, out, err = cli("telegram")
    assert code == 2 and "TELEGRAM_TOKEN" in err
