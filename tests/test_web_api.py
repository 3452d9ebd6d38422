"""The chat page's JSON API without a browser: bad input gets a polite Chinese answer, a Rasa
server that is down gets the hotline, a conversation an operator has taken is not answered by the
assistant, and what arrives later (an operator's reply) is fetched by the page."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from actions.services import handoff, outbox, staff
from bot.web.app import make_app
from bot.web.chat import localise

PAGE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
async def client(db_url):
    c = TestClient(TestServer(make_app("http://127.0.0.1:9")))  # nothing listens on port 9
    await c.start_server()
    yield c
    await c.close()


@pytest.mark.parametrize("body, words", [
    ({"sender": "x", "message": "你好"}, "会话标识不正确"),
    ({"sender": "../../etc", "message": "你好"}, "会话标识不正确"),
    ({"sender": PAGE, "message": "   "}, "请输入您的问题"),
    ({"sender": PAGE, "message": 42}, "请输入您的问题"),
    ({"sender": PAGE, "message": "查" * 1001}, "消息太长了"),
    (["not", "an", "object"], "请求格式不正确"),
])
async def test_bad_input_gets_a_polite_answer(client, body, words):
    resp = await client.post("/api/chat", json=body)
    assert resp.status == 400
    assert words in (await resp.json())["error"]


async def test_a_body_that_is_not_json_is_refused_politely(client):
    resp = await client.post("/api/chat", data="{broken", headers={"Content-Type": "application/json"})
    assert resp.status == 400 and "请求格式不正确" in (await resp.json())["error"]


async def test_when_the_assistant_is_down_the_user_gets_the_hotline(client, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")
    resp = await client.post("/api/chat", json={"sender": PAGE, "message": "查一下鸿泰公司"})
    assert resp.status == 200
    body = await resp.json()
    assert "0459-12345" in body["messages"][0]["text"] and body["handoff"] is None


async def test_a_taken_conversation_goes_to_the_operator_not_the_assistant(client):
    sender = "web-" + PAGE
    request_id = handoff.request_handoff(sender, "web", "用户要求人工服务", [])
    op, _ = staff.add("op1", "lotus-pond-2026", display_name="李娜")
    handoff.take(request_id, op.id, op.label)
    resp = await client.post("/api/chat", json={"sender": PAGE, "message": "我的罚款已经交了"})
    body = await resp.json()
    assert body["messages"] == [] and body["handoff"] == "处理中"  # no "system unavailable" either
    assert handoff.get(request_id).transcript[-1]["text"] == "我的罚款已经交了"
    handoff.reply(request_id, op.id, op.label, "好的，请提供缴款凭证")
    resp = await client.get("/api/chat/updates", params={"sender": PAGE, "after": "0", "script": "traditional"})
    body = await resp.json()
    assert [m["kind"] for m in body["messages"]] == ["staff_reply", "staff_reply"]
    assert body["messages"][-1]["text"] == "好的，請提供繳款憑證"  # the page's script
    assert body["last_id"] == body["messages"][-1]["id"]
    again = await (await client.get("/api/chat/updates", params={"sender": PAGE, "after": body["last_id"]})).json()
    assert again["messages"] == [] and again["handoff"] == "处理中"
    assert outbox.for_sender("web-someone-else") == []


async def test_updates_refuse_a_bad_conversation_id(client):
    resp = await client.get("/api/chat/updates", params={"sender": "no", "after": "0"})
    assert resp.status == 400


def test_replies_follow_the_chosen_script_but_payloads_do_not():
    messages = [{"text": "请选择记录", "buttons": [{"title": "查询进度", "payload": '/check_status{"x":"进度"}'}]}]
    out = localise(messages, "traditional")
    assert out[0]["text"] == "請選擇記錄" and out[0]["buttons"][0]["title"] == "查詢進度"
    assert out[0]["buttons"][0]["payload"] == messages[0]["buttons"][0]["payload"]
    assert localise([{"text": "請選擇"}], "simplified")[0]["text"] == "请选择"
    assert localise(messages, None) == messages


async def test_the_page_and_its_files_are_served_locally(client):
    resp = await client.get("/")
    assert resp.status == 200 and "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert (await client.get("/healthz")).status == 200


async def test_a_button_press_is_recorded_for_the_operator_by_its_title(client):
    sender = "web-" + PAGE
    request_id = handoff.request_handoff(sender, "web", "用户要求人工服务", [])
    await client.post("/api/chat", json={"sender": PAGE, "message": '/query_credit{"credit_code":"912306047LY7DWQT7J"}',
                                         "shown": "大庆市鸿泰石油技术服务有限公司"})
    # the title the page showed, next to the payload the assistant got (tests/test_client_limits.py:
    # a title cannot disguise the payload)
    assert handoff.get(request_id).transcript[-2]["text"] == \
        '〔点选〕大庆市鸿泰石油技术服务有限公司（/query_credit{"credit_code":"912306047LY7DWQT7J"}）'


async def test_leaving_a_handed_over_conversation_tells_the_operator(client):
    resp = await client.post("/api/chat/leave", json={"sender": PAGE})
    assert (await resp.json())["handoff_told"] is False  # nothing open: nothing to tell
    request_id = handoff.request_handoff("web-" + PAGE, "web", "用户要求人工服务", [])
    resp = await client.post("/api/chat/leave", json={"sender": PAGE})
    assert (await resp.json())["handoff_told"] is True
    assert "用户已离开对话" in handoff.get(request_id).transcript[-1]["text"]
    assert (await client.post("/api/chat/leave", json={"sender": "bad"})).status == 400
