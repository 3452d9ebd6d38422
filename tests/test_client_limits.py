"""Limits per client address (issue 15, finding 3) and the chat API's own parameters (finding 9), as
an attacker tries them, on SQLite and PostgreSQL:

- fresh conversation ids do not reset the lookup count: every chat lookup path also counts per client
  address (actions/rules/limits.yml `address_lookups`);
- new conversations per address (`address_conversations`), in the web server's POST /api/chat and
  in front of the REST channel (single mode, no nginx): 429 with Retry-After and a polite text;
- the address is the request's (the peer, or X-Forwarded-For only from a trusted proxy); what a
  client writes in `metadata.client_address` or X-Forwarded-For does not change it;
- handoff requests per address (`address_handoffs`): a flood from one address cannot bury a real
  request; the console pages through every waiting one and flags bursts, the address masked;
- the `shown` field cannot make the operator read other words than the assistant got; bad `after`
  values are a polite 400.

Slow (`demo_bot`, the real `xinyong serve`): the same attacks end to end, through the web server and
through the REST channel reached on the machine's own non-loopback address (an untrusted peer).
"""
from __future__ import annotations

import datetime as dt
import json
import socket
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_actions import ActionHumanHandoff
from actions.db.engine import session_scope
from actions.db.models import AuditLog, ClientConversation, HandoffRequest, utcnow
from actions.enquiry_actions import ActionQueryCredit
from actions.services import client_context, demo_data, enquiry, handoff, limits_rules, staff
from actions.services.rate_limit import CHAT_LOOKUPS, TooManyLookups
from bot.channels import clients, guard
from bot.web.app import make_app
from tests.console_client import console_client
from tests.query_plans import plan_of_the_one
from tests.test_limits import CHAT_PATHS  # every chat lookup path, called as the actions call it

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"
ATTACKER, NEIGHBOUR = "203.0.113.66", "198.51.100.20"
PASSWORD = "lotus-pond-2026"
LIMITS = limits_rules.rules().address
LOOKUPS = LIMITS.lookups.windows[0]  # 60 a minute
CONVERSATIONS = LIMITS.conversations.windows[0]  # 30 in ten minutes
HANDOFFS = LIMITS.handoffs.windows[0]  # 5 an hour


@pytest.fixture(autouse=True)
def _no_known_senders():
    clients.known.clear()  # admitted conversation ids are remembered per process
    yield
    clients.known.clear()


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


def _page() -> str:
    return uuid.uuid4().hex


def _past_lookups(address: str, n: int, seconds_ago: float, action: str = "lookup_code") -> None:
    """n lookups by other conversations from `address`, made `seconds_ago`."""
    at = utcnow() - dt.timedelta(seconds=seconds_ago)
    with session_scope() as s:
        s.add_all(AuditLog(at=at, actor_type="anonymous", actor=f"web-earlier{i:04d}", action=action, channel="web",
                           target_type="subject", client_address=address) for i in range(n))


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.execute(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars())


def test_the_limits_per_address_are_data_with_their_reasons():
    assert (LOOKUPS.lookups, LOOKUPS.seconds) == (60, 60)
    assert (CONVERSATIONS.lookups, CONVERSATIONS.seconds) == (30, 600)
    assert (HANDOFFS.lookups, HANDOFFS.seconds) == (5, 3600)
    for limit in (LIMITS.lookups, LIMITS.conversations, LIMITS.handoffs):
        assert limit.active and limit.source and limit.effective
    assert LIMITS.exempt == () and LIMITS.burst.lookups >= 2


# ---------------------------------------------------------------- lookups per client address



def test_every_chat_lookup_path_counts_per_address():
    assert set(CHAT_PATHS) == set(CHAT_LOOKUPS)


def test_sixty_fresh_conversation_ids_from_one_address_then_a_refusal(demo):
    with client_context.acting_for(ATTACKER):
        for i in range(LOOKUPS.lookups):  # a fresh id for every lookup: no conversation ever fills up
            assert enquiry.by_code(HONGTAI, f"rest-scraper{i:04d}", channel="rest").enquiry is not None
        with pytest.raises(TooManyLookups) as refused:
            enquiry.by_code(HONGTAI, "rest-scraper-fresh", channel="rest")
    assert refused.value.per == "address" and refused.value.window == LOOKUPS
    assert 55 <= refused.value.retry_after <= 60
    entry = _audit("lookup_refused")[-1]
    assert (entry.actor, entry.client_address, entry.detail["per"]) == ("rest-scraper-fresh", ATTACKER, "address")
    # another address, and a channel without addresses (Telegram), are not affected
    with client_context.acting_for(NEIGHBOUR):
        assert enquiry.by_code(HONGTAI, "rest-neighbour01", channel="rest").enquiry is not None
    assert enquiry.by_code(HONGTAI, "telegram-4242", channel="telegram").enquiry is not None
    assert {e.client_address for e in _audit("lookup_code")} == {ATTACKER, NEIGHBOUR, None}


@pytest.mark.parametrize("action", sorted(CHAT_PATHS))
def test_each_chat_lookup_path_is_refused_when_the_address_is_full(demo, action):
    _past_lookups(ATTACKER, LOOKUPS.lookups - 1, 30)
    with client_context.acting_for(ATTACKER):
        CHAT_PATHS[action](f"web-fresh-{action}-1")  # the 60th lookup in the minute still runs
        with pytest.raises(TooManyLookups) as refused:
            CHAT_PATHS[action](f"web-fresh-{action}-2")
    assert refused.value.per == "address" and 29 <= refused.value.retry_after <= 31
    assert _audit("lookup_refused")[-1].detail["attempted"] == action


def test_an_exempt_network_or_a_switched_off_limit_is_not_counted(demo, tmp_path, monkeypatch):
    text = limits_rules.RULES_FILE.read_text(encoding="utf-8")
    path = tmp_path / "limits.yml"
    monkeypatch.setenv(limits_rules.ENV, str(path))
    try:
        path.write_text(text.replace("  networks: []", "  networks: [203.0.113.0/24]"), encoding="utf-8")
        limits_rules.rules.cache_clear()
        _past_lookups(ATTACKER, 500, 10)
        with client_context.acting_for(ATTACKER):
            assert enquiry.by_code(HONGTAI, "web-portal0001").enquiry is not None
        path.write_text(text.replace("enabled: true\n  windows:\n    - {lookups: 60",
                                     "enabled: false\n  windows:\n    - {lookups: 60"), encoding="utf-8")
        limits_rules.rules.cache_clear()
        with client_context.acting_for(ATTACKER):
            assert enquiry.by_code(HONGTAI, "web-portal0002").enquiry is not None
    finally:
        monkeypatch.delenv(limits_rules.ENV)
        limits_rules.rules.cache_clear()


def test_a_limits_file_without_the_address_sections_keeps_them_on(tmp_path):
    text = limits_rules.RULES_FILE.read_text(encoding="utf-8")
    old = tmp_path / "old-limits.yml"
    old.write_text(text[:text.index("address_exempt:")], encoding="utf-8")
    assert limits_rules.load(old).address == LIMITS


def test_the_address_count_uses_its_index(demo, engine):
    with client_context.acting_for(ATTACKER):
        plan = plan_of_the_one(engine, lambda sql: "count(" in sql.lower() and "client_address" in sql,
                               lambda: enquiry.by_code(HONGTAI, "web-indexed02"))
    assert "ix_audit_log_client_address_at" in plan, plan


def _tracker(text, sender, address, entities=(), intent="query_credit", slots=None, events=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "metadata": {"client_address": address},
              "entities": [dict(entity=k, value=v) for k, v in entities]}
    events = events or [{"event": "user", "text": text, "input_channel": "rest"}]
    return Tracker(sender, dict(slots or {}), latest, events, False, None, {}, "action_listen")


async def _run(action, tracker) -> str:
    d = CollectingDispatcher()
    await action.run(d, tracker, {})
    return "\n".join(m.get("text") or "" for m in d.messages)


async def test_the_action_reads_the_address_the_channel_wrote_and_says_why_it_refuses(demo, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")
    _past_lookups(ATTACKER, LOOKUPS.lookups, 20)
    text = await _run(ActionQueryCredit(), _tracker(HONGTAI, "rest-newcomer01", ATTACKER, [("credit_code", HONGTAI)]))
    assert "您查询得太频繁了" in text and "同一网络地址每分钟最多查询 60 次" in text and "0459-12345" in text
    assert "鸿泰" not in text
    text = await _run(ActionQueryCredit(), _tracker(HONGTAI, "rest-newcomer02", NEIGHBOUR, [("credit_code", HONGTAI)]))
    assert "鸿泰" in text
    assert client_context.current() is None  # the address does not outlive the action


# ---------------------------------------------------------------- the REST channel, single mode

@pytest.fixture
async def rest_channel(db_url, monkeypatch, untouched_sanic):
    """The guarded REST channel behind a real Sanic server, registered as Rasa registers it, with
    an agent that records what reaches it. Yields (post, received)."""
    import aiohttp
    from rasa.core.channels.channel import register
    from sanic import Sanic

    from bot.channels.rest import GuardedRestInput

    monkeypatch.setenv("RASA_TOKEN", "channel-token-c")
    received = []

    class Agent:
        async def handle_message(self, message):
            received.append((message.sender_id, message.metadata))
            await message.output_channel.send_text_message(message.sender_id, "收到")

    app = Sanic(f"limits_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = Agent()
    register([GuardedRestInput()], app, "/webhooks/")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    http = aiohttp.ClientSession()

    async def post(body: dict, headers: dict | None = None):
        async with http.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json=body, headers=headers) as resp:
            return resp.status, resp.headers.get("Retry-After"), await resp.json(content_type=None)

    try:
        yield post, received
    finally:
        await http.close()
        server.close()
        await server.wait_closed()


async def test_rest_two_hundred_fresh_senders_from_one_address_are_refused_after_the_limit(rest_channel):
    post, received = rest_channel
    statuses, refusals = [], []
    for i in range(200):  # straight to the Rasa port: no nginx, no web server in front
        status, retry_after, answer = await post({"sender": f"scraper-{i:03d}", "message": f"查询{HONGTAI}"},
                                                 {"X-Forwarded-For": ATTACKER})  # as nginx would pass it
        statuses.append(status)
        if status == 429:
            refusals.append((retry_after, answer))
    assert statuses == [200] * CONVERSATIONS.lookups + [429] * (200 - CONVERSATIONS.lookups)
    retry_after, answer = refusals[0]
    assert 595 <= int(retry_after) <= 600  # ten minutes after the first of the thirty
    assert answer == [{"recipient_id": f"scraper-{CONVERSATIONS.lookups:03d}", "text": answer[0]["text"]}]
    assert "新对话" in answer[0]["text"] and "约 10 分钟" in answer[0]["text"] and "热线" in answer[0]["text"]
    assert len(received) == CONVERSATIONS.lookups  # the refused ones reached nothing
    assert {m["client_address"] for _, m in received} == {ATTACKER}
    # a known conversation from the full address goes on; another address starts one
    assert (await post({"sender": "scraper-000", "message": "还有吗"}, {"X-Forwarded-For": ATTACKER}))[0] == 200
    assert (await post({"sender": "neighbour-1", "message": "你好"}, {"X-Forwarded-For": NEIGHBOUR}))[0] == 200
    # English or Traditional script gets its own words
    _, _, answer = await post({"sender": "scraper-en", "message": "hello, look up a company"},
                              {"X-Forwarded-For": ATTACKER})
    assert answer[0]["text"].startswith("Sorry, too many new conversations")
    _, _, answer = await post({"sender": "scraper-tw", "message": "請幫我查詢這家公司"}, {"X-Forwarded-For": ATTACKER})
    assert "對話" in answer[0]["text"]
    refused = _audit("conversation_refused")
    assert len(refused) == 200 - CONVERSATIONS.lookups + 2
    assert {e.client_address for e in refused} == {ATTACKER} and refused[0].channel == "rest"
    with session_scope() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(ClientConversation)
                         .where(ClientConversation.client_address == ATTACKER)).scalar_one() == CONVERSATIONS.lookups


async def test_rest_the_client_cannot_choose_its_address(rest_channel, monkeypatch):
    post, received = rest_channel
    forged = {"sender": "forger-1", "message": "你好", "metadata": {"client_address": "192.0.2.250", "x": 1}}
    await post(forged, {"X-Forwarded-For": ATTACKER})  # the peer (loopback) is a trusted proxy here
    monkeypatch.setenv("XINYONG_TRUSTED_PROXIES", "none")  # now the peer is a client like any other
    await post(dict(forged, sender="forger-2"), {"X-Forwarded-For": "192.0.2.251"})
    await post(dict(forged, sender="forger-3", metadata="not an object"))
    assert received == [("forger-1", {"client_address": ATTACKER, "x": 1}),
                        ("forger-2", {"client_address": "127.0.0.1", "x": 1}),
                        ("forger-3", {"client_address": "127.0.0.1"})]
    # a platform channel (the web server) presents the token: its own client's address is kept
    await post({"sender": "web-page00001", "message": "你好", "input_channel": "web",
                "metadata": {"client_address": NEIGHBOUR}}, {guard.CHANNEL_TOKEN_HEADER: "channel-token-c"})
    assert received[-1] == ("web-page00001", {"client_address": NEIGHBOUR})


# ---------------------------------------------------------------- the web server's /api/chat

@pytest.fixture
async def web_chat(db_url, monkeypatch):
    """The web application in front of a fake Rasa server that records what it is sent."""
    monkeypatch.setenv("RASA_TOKEN", "channel-token-c")
    sent = []

    async def webhook(request):
        body = await request.json()
        sent.append((body, request.headers.get(guard.CHANNEL_TOKEN_HEADER)))
        return web.json_response([{"recipient_id": body["sender"], "text": "好的"}])

    rasa_app = web.Application()
    rasa_app.router.add_post("/webhooks/rest/webhook", webhook)
    rasa = TestServer(rasa_app)
    await rasa.start_server()
    client = TestClient(TestServer(make_app(str(rasa.make_url("/")).rstrip("/"))))
    await client.start_server()
    try:
        yield client, sent
    finally:
        await client.close()
        await rasa.close()


async def test_web_two_hundred_fresh_page_ids_from_one_address_are_refused_after_the_limit(web_chat):
    client, sent = web_chat
    statuses, bodies = [], []
    for _ in range(200):
        resp = await client.post("/api/chat", json={"sender": _page(), "message": f"查询{HONGTAI}"},
                                 headers={"X-Forwarded-For": ATTACKER})
        statuses.append(resp.status)
        bodies.append((resp.headers.get("Retry-After"), await resp.json()))
    assert statuses == [200] * CONVERSATIONS.lookups + [429] * (200 - CONVERSATIONS.lookups)
    retry_after, body = bodies[CONVERSATIONS.lookups]
    assert 595 <= int(retry_after) <= 600 and body["retry_after"] == int(retry_after)
    assert "新对话" in body["error"] and "热线" in body["error"]  # the page shows `error` as it shows others
    assert len(sent) == CONVERSATIONS.lookups  # nothing else reached the assistant
    assert {b["metadata"]["client_address"] for b, _ in sent} == {ATTACKER}
    assert all(token == "channel-token-c" for _, token in sent)
    resp = await client.post("/api/chat", json={"sender": _page(), "message": "查询", "script": "traditional"},
                             headers={"X-Forwarded-For": ATTACKER})
    assert resp.status == 429 and "對話" in (await resp.json())["error"]
    resp = await client.post("/api/chat", json={"sender": _page(), "message": "你好"},
                             headers={"X-Forwarded-For": NEIGHBOUR})
    assert resp.status == 200


async def test_web_the_client_cannot_choose_its_address(web_chat, monkeypatch):
    client, sent = web_chat
    monkeypatch.setenv("XINYONG_TRUSTED_PROXIES", "none")
    resp = await client.post("/api/chat", json={"sender": _page(), "message": "你好",
                                                "metadata": {"client_address": ATTACKER}, "client_address": ATTACKER},
                             headers={"X-Forwarded-For": ATTACKER})
    assert resp.status == 200
    assert sent[-1][0]["metadata"] == {"script": None, "client_address": "127.0.0.1"}


async def test_shown_cannot_make_the_operator_read_other_words(web_chat):
    client, sent = web_chat
    page = _page()
    request_id = handoff.request_handoff(f"web-{page}", "web", "用户要求人工服务", [])
    # typed text with a `shown` the page never sends for typed text: the operator reads what was typed
    await client.post("/api/chat", json={"sender": page, "message": "我要撤销对鸿泰石油的异议",
                                         "shown": "谢谢，没有别的问题了"})
    # a payload disguised as a harmless button: the operator sees the payload next to the title
    payload = '/file_objection{"credit_code":"912306047LY7DWQT7J"}'
    await client.post("/api/chat", json={"sender": page, "message": payload, "shown": "查询鸿泰石油"})
    said = [t["text"] for t in handoff.get(request_id).transcript if t["role"] == "user"]
    assert said == ["我要撤销对鸿泰石油的异议", f"〔点选〕查询鸿泰石油（{payload}）"]
    assert [b["message"] for b, _ in sent] == ["我要撤销对鸿泰石油的异议", payload]


@pytest.mark.parametrize("after", ["9" * 30, "9" * 5000, "2147483648", "-1", "abc", "1e3", "1.5", " 1", "１２", "0x10"])
async def test_a_bad_after_is_a_polite_400(web_chat, after):
    client, _ = web_chat
    resp = await client.get("/api/chat/updates", params={"sender": _page(), "after": after})
    assert resp.status == 400 and "after" in (await resp.json())["error"] and "整数" in (await resp.json())["error"]


@pytest.mark.parametrize("after", ["0", "2147483647", ""])
async def test_a_good_after_is_answered(web_chat, after):
    client, _ = web_chat
    resp = await client.get("/api/chat/updates", params={"sender": _page(), "after": after, "script": "<b>"})
    assert resp.status == 200 and (await resp.json())["messages"] == []


@pytest.mark.parametrize("sender", ["abcdefgh\n", "abcdefgh\x00", "a" * 65])
async def test_other_bad_chat_parameters_are_a_polite_400(web_chat, sender):
    client, _ = web_chat
    for resp in (await client.get("/api/chat/updates", params={"sender": sender}),
                 await client.post("/api/chat", json={"sender": sender, "message": "你好"}),
                 await client.post("/api/chat/leave", json={"sender": sender})):
        assert resp.status == 400 and "会话标识不正确" in (await resp.json())["error"]


# ---------------------------------------------------------------- handoff requests per address

async def test_a_flood_of_handoff_requests_from_one_address_queues_five(demo, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")
    queued, refused = [], 0
    for i in range(105):
        try:
            with client_context.acting_for(ATTACKER):
                queued.append(handoff.request_handoff(f"rest-fake{i:03d}", "rest", "用户要求人工服务", []))
        except handoff.TooManyHandoffs as exc:
            refused += 1
            assert 3595 <= exc.retry_after <= 3600
    assert len(queued) == HANDOFFS.lookups and refused == 105 - HANDOFFS.lookups
    assert len(_audit("handoff_refused")) == refused
    # the user is told to call, politely, and nothing is queued
    text = await _run(ActionHumanHandoff(), _tracker("转人工", "rest-fake-more", ATTACKER, intent="human_handoff"))
    assert "转人工请求较多" in text and "0459-12345" in text and "排队号" not in text
    # a real request from elsewhere is queued as always
    text = await _run(ActionHumanHandoff(), _tracker("转人工", "web-realuser01", NEIGHBOUR, intent="human_handoff"))
    assert "排队号" in text
    with session_scope() as s:
        rows = s.execute(sa.select(HandoffRequest.sender_id, HandoffRequest.client_address)).all()
    assert len(rows) == HANDOFFS.lookups + 1 and ("web-realuser01", NEIGHBOUR) in rows


@pytest.fixture
async def console(demo):
    staff.add("wangfang", PASSWORD, display_name="王芳")
    c = await console_client()
    resp, _ = await c.login("wangfang", PASSWORD)
    assert resp.status == 200
    yield c
    await c.client.close()


def _open_requests(n: int, prefix: str, address_of, minutes_ago: float) -> None:
    """n waiting requests (as written before this limit, or by n different addresses)."""
    at = utcnow() - dt.timedelta(minutes=minutes_ago)
    with session_scope() as s:
        s.add_all(HandoffRequest(sender_id=f"{prefix}{i:03d}", channel="rest", reason="用户要求人工服务", transcript=[],
                                 created_at=at + dt.timedelta(seconds=i), client_address=address_of(i))
                  for i in range(n))


async def test_the_console_pages_through_every_waiting_request_and_flags_bursts(console):
    # 120 older requests from 120 addresses (a botnet: each address within its limit), the five a
    # single address may make, and then a real one
    _open_requests(120, "rest-botnet", lambda i: f"10.0.{i // 200}.{i % 200 + 1}", 50)
    for i in range(105):
        try:
            with client_context.acting_for(ATTACKER):
                handoff.request_handoff(f"rest-fake{i:03d}", "rest", "用户要求人工服务", [])
        except handoff.TooManyHandoffs:
            pass
    with client_context.acting_for(NEIGHBOUR):
        real = handoff.request_handoff("web-realuser02", "web", "用户要求人工服务", [])
    total = 120 + HANDOFFS.lookups + 1
    html = await (await console.get("/console/")).text()
    assert f"转人工请求（{total}）" in html and "第 1 / 3 页" in html and "下一页" in html
    assert f"/console/handoffs/{real}" not in html  # the oldest fifty first
    html = await (await console.get("/console/", params={"hpage": "3"})).text()
    assert f"/console/handoffs/{real}" in html and "第 3 / 3 页" in html and "上一页" in html
    assert html.count("集中请求：同一来源 10 分钟内 5 次") == HANDOFFS.lookups
    assert "203.0.113.*" in html and ATTACKER not in html and NEIGHBOUR not in html
    for bad in ("0", "-1", "abc", "9" * 40):  # the page stays usable: the first page
        resp = await console.get("/console/", params={"hpage": bad})
        assert resp.status == 200 and "第 1 / 3 页" in await resp.text()
    status, body = await console.api("GET", "/console/api/handoffs?page=3")
    assert status == 200 and (body["total"], body["page"], body["pages"], body["per_page"]) == (total, 3, 3, 50)
    assert body["handoffs"][-1]["id"] == real and body["handoffs"][-1]["burst"] is None
    flagged = [h for h in body["handoffs"] if h["burst"]]
    assert len(flagged) == HANDOFFS.lookups and flagged[0]["burst"] == {"count": 5, "seconds": 600}
    assert {h["source"] for h in flagged} == {"203.0.113.*"} and ATTACKER not in json.dumps(body)
    status, body = await console.api("GET", "/console/api/handoffs?page=1&per_page=200")
    assert status == 200 and len(body["handoffs"]) == total and body["pages"] == 1
    ids = [h["id"] for h in body["handoffs"]]
    assert ids[-1] == real and len(set(ids)) == total  # every waiting request, oldest first
    for query in ("page=0", "page=abc", f"page={'9' * 30}", "per_page=0", "per_page=201", "status=nonsense"):
        status, body = await console.api("GET", f"/console/api/handoffs?{query}")
        assert status == 400 and body["error"], query


# ---------------------------------------------------------------- end to end (the real bot)

def _http(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict | list, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.load(resp), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), dict(err.headers)


def _lookups_made_long_ago(engine, address: str, n: int) -> None:
    """A scraper at it for a while from `address`: n lookups ten minutes ago (inside the hour window)."""
    at = utcnow() - dt.timedelta(minutes=10)
    with engine.begin() as c:
        c.execute(sa.insert(AuditLog), [dict(at=at, actor_type="anonymous", actor=f"web-before{i:04d}",
                                             action="lookup_code", channel="web", target_type="subject",
                                             client_address=address) for i in range(n)])


def _fresh_address() -> str:
    """An address no other test of this session's server uses (the shared carrier-grade NAT range)."""
    n = uuid.uuid4().int
    return f"100.{64 + n % 64}.{n // 64 % 256}.{n // 16384 % 254 + 1}"


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.slow
def test_e2e_two_hundred_page_ids_from_one_address_through_the_web_server(demo_bot, db):
    web_url = f"http://127.0.0.1:{demo_bot.env['WEB_PORT']}/api/chat"
    attacker, neighbour = _fresh_address(), _fresh_address()
    hour = LIMITS.lookups.windows[1]
    _lookups_made_long_ago(db, attacker, hour.lookups - 20)  # 20 lookups left in this hour
    outcomes = []
    for _ in range(200):
        status, body, headers = _http(web_url, {"sender": _page(), "message": f"查询{HONGTAI}"},
                                      {"X-Forwarded-For": attacker})  # as nginx passes it
        text = " ".join(m.get("text", "") for m in body["messages"]) if status == 200 else body["error"]
        outcomes.append((status, "鸿泰" in text, "同一网络地址每小时最多查询" in text, headers.get("Retry-After")))
    answered = [o for o in outcomes if o[0] == 200]
    assert len(answered) == CONVERSATIONS.lookups and outcomes[:CONVERSATIONS.lookups] == answered
    assert [o[1] for o in answered] == [True] * 20 + [False] * (CONVERSATIONS.lookups - 20)
    assert [o[2] for o in answered] == [False] * 20 + [True] * (CONVERSATIONS.lookups - 20)
    assert all(o[0] == 429 and o[3] for o in outcomes[CONVERSATIONS.lookups:])
    status, body, _ = _http(web_url, {"sender": _page(), "message": f"查询{HONGTAI}"}, {"X-Forwarded-For": neighbour})
    assert status == 200 and "鸿泰" in body["messages"][0]["text"]
    with db.connect() as c:
        made = c.execute(sa.select(AuditLog.action, sa.func.count()).where(AuditLog.client_address == attacker)
                         .group_by(AuditLog.action)).all()
    assert dict(made) == {"lookup_code": hour.lookups, "lookup_refused": CONVERSATIONS.lookups - 20,
                          "conversation_refused": 200 - CONVERSATIONS.lookups}


@pytest.mark.slow
def test_e2e_the_rest_channel_of_a_single_mode_server_limits_by_the_real_peer(demo_bot, db):
    """Reached on this machine's own address, the peer is not a trusted proxy: the forged
    X-Forwarded-For and metadata.client_address are ignored, the real peer is counted."""
    peer = _non_loopback_address()
    if peer is None:
        pytest.skip("this machine has no non-loopback IPv4 address to reach the server from")
    url = f"http://{peer}:{demo_bot.env['RASA_PORT']}/webhooks/rest/webhook"
    with db.connect() as c:  # earlier runs on this session's server from the same address
        started = c.execute(sa.select(sa.func.count()).select_from(ClientConversation)
                            .where(ClientConversation.client_address == peer)).scalar_one()
    assert started == 0, "the test expects a fresh server for this address"
    hour = LIMITS.lookups.windows[1]
    _lookups_made_long_ago(db, peer, hour.lookups - 20)
    run = uuid.uuid4().hex[:6]
    outcomes = []
    for i in range(200):
        forged = f"198.18.{i // 200}.{i % 200 + 1}"  # a different claimed address every time
        status, body, headers = _http(url, {"sender": f"scraper-{run}-{i:03d}", "message": f"查询{HONGTAI}",
                                            "metadata": {"client_address": forged}}, {"X-Forwarded-For": forged})
        text = " ".join(m.get("text", "") for m in body)
        outcomes.append((status, "鸿泰" in text, "同一网络地址每小时最多查询" in text, headers.get("Retry-After")))
    answered = [o for o in outcomes if o[0] == 200]
    assert len(answered) == CONVERSATIONS.lookups and outcomes[:CONVERSATIONS.lookups] == answered
    assert [o[1] for o in answered] == [True] * 20 + [False] * (CONVERSATIONS.lookups - 20)
    assert all(o[2] for o in answered[20:])
    assert all(o[0] == 429 and o[3] for o in outcomes[CONVERSATIONS.lookups:])
    with db.connect() as c:
        addresses = set(c.execute(sa.select(AuditLog.client_address).where(AuditLog.actor.like(f"scraper-{run}-%")))
                        .scalars())
    assert addresses == {peer}


@pytest.mark.slow
def test_e2e_a_flood_of_handoff_requests_does_not_bury_a_real_one(demo_bot, db, monkeypatch):
    web_url = f"http://127.0.0.1:{demo_bot.env['WEB_PORT']}/api/chat"
    attacker, real_user = _fresh_address(), _fresh_address()
    replies = []
    for _ in range(105):
        status, body, _ = _http(web_url, {"sender": _page(), "message": "转人工"}, {"X-Forwarded-For": attacker})
        replies.append(" ".join(m.get("text", "") for m in body["messages"]) if status == 200 else str(status))
    assert sum("排队号" in r for r in replies) == HANDOFFS.lookups
    assert sum("转人工请求较多" in r and "0459-12345" in r for r in replies) == CONVERSATIONS.lookups - HANDOFFS.lookups
    assert replies.count("429") == 105 - CONVERSATIONS.lookups
    page = _page()
    status, body, _ = _http(web_url, {"sender": page, "message": "转人工"}, {"X-Forwarded-For": real_user})
    assert status == 200 and "排队号" in body["messages"][0]["text"]
    with db.connect() as c:
        flood = set(c.execute(sa.select(HandoffRequest.id).where(HandoffRequest.client_address == attacker)).scalars())
    assert len(flood) == HANDOFFS.lookups
    # the console's queue: every waiting request on some page, the flood flagged, the real one not
    monkeypatch.setenv("DATABASE_URL", demo_bot.database_url)
    first = handoff.queue_page("open", 1)
    everything = [h for p in range(1, first.pages + 1) for h in handoff.queue_page("open", p).items]
    assert len(everything) == first.total
    mine = next(h for h in everything if h.sender_id == f"web-{page}")
    assert mine.burst is None and mine.source == ".".join(real_user.split(".")[:3]) + ".*"
    assert {h.id: h.burst for h in everything if h.id in flood} == {i: HANDOFFS.lookups for i in flood}
