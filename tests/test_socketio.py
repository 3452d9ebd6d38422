"""The socket.io channel (bot/channels/socketio.py) and the one length cap before NLU (bot/rasa_server.py).

Rasa's web chat widgets speak socket.io. Stock Rasa 3.6 let that channel speak as any conversation
(a web page's `web-…` one included), pass messages of any length or type to NLU (10,000 characters
took the Rasa server from 2 GB to 5 GB), keep metadata as the client wrote it, and, with the pinned
python-socketio, never deliver a reply. These tests talk as a widget does, with a real
`socketio.AsyncClient`.

Fast: the channel behind a real Sanic server with a stand-in for Rasa's agent, and the cap on a bare
`UserMessage` through the patched agent. Slow (`demo_bot`, the real `xinyong serve`): lookups answered,
platform conversations untouched, claims ignored, huge messages and frames refused with the server's
memory unchanged, Rasa's HTTP API capped the same way.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.error
import urllib.request
import uuid

import aiohttp
import pytest
import socketio
from sanic import Sanic

from bot.channels import guard
from bot.channels import socketio as channel
from bot.channels.socketio import GuardedSocketIOInput

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"  # docs/demo_data.md: 大庆市鸿泰石油技术服务有限公司

class _BrowserJson:
    """JSON as a browser's JSON.stringify writes it: text as UTF-8, not \\u escapes."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(obj, **kwargs):
        return json.dumps(obj, ensure_ascii=False, **kwargs)


@pytest.fixture(autouse=True)
def _client_like_a_browser(monkeypatch):
    # python-engineio 4.15's client passes aiohttp >= 3.10's ClientWSTimeout to ws_connect; Rasa pins
    # aiohttp 3.9.5, whose ws_connect takes the same close timeout as a number.
    if not hasattr(aiohttp, "ClientWSTimeout"):
        monkeypatch.setattr(aiohttp, "ClientWSTimeout", lambda ws_close=10.0, **_: ws_close, raising=False)
    monkeypatch.setattr(socketio.packet.Packet, "json", _BrowserJson)


class Widget:
    """One socket.io client speaking as Rasa's web chat widgets do."""

    def __init__(self, port: int, transport: str = "websocket", headers: dict | None = None):
        self.url, self.transport, self.headers = f"http://127.0.0.1:{port}", transport, headers or {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.uttered: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.gone = asyncio.Event()
        self.session: str | None = None
        self.sio.on("bot_uttered", self.uttered.put_nowait)
        self.sio.on("session_confirm", self.confirmed.put_nowait)
        self.sio.on("disconnect", lambda *_: self.gone.set())

    async def __aenter__(self) -> "Widget":
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=[self.transport],
                               headers=self.headers, wait_timeout=10)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.sio.connected:
            if self.transport == "polling":  # the server ends a pending long poll only at its ping timeout
                await self.sio.eio.disconnect(abort=True)
            else:
                await self.sio.disconnect()

    async def start(self, session_id: str | None = None, timeout: float = 10) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        self.session = await asyncio.wait_for(self.confirmed.get(), timeout)
        return self.session

    async def send(self, message, **extra) -> None:
        await self.sio.emit("user_uttered", {"message": message, "session_id": self.session, **extra})

    async def replies(self, until: str | None = None, timeout: float = 60, quiet: float = 0.5) -> list[dict]:
        """The bot_uttered events: until one contains `until` (then any that follow within `quiet`),
        or until `quiet` seconds pass without one after the first; [] when none came in `timeout`."""
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = got and (until is None or any(until in (m.get("text") or "") for m in got))
            wait = quiet if done else deadline - time.monotonic()
            try:
                got.append(await asyncio.wait_for(self.uttered.get(), max(wait, 0.01)))
            except asyncio.TimeoutError:
                if done:
                    break
        return got

    async def say(self, message, until: str | None = None, timeout: float = 60, **extra) -> str:
        await self.send(message, **extra)
        return "\n".join(m.get("text") or "" for m in await self.replies(until, timeout))


def _free_port() -> int:
    import socket as sockets

    with sockets.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ================================================================ the channel, behind a real Sanic server

@pytest.fixture
async def sanic_channel(monkeypatch, untouched_sanic):
    """The channel registered as Rasa registers channels, with a stand-in agent that echoes and a
    stand-in admission that refuses the sender "crowded"; yields (port, received, admitted)."""
    from rasa.core.channels.channel import register

    received, admitted = [], []

    class Agent:
        async def handle_message(self, message):
            received.append((message.text, message.sender_id, message.input_channel, message.metadata))
            if not message.text.startswith("/"):
                await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")

    async def admit(address, sender, channel_name, sample):
        admitted.append((address, sender, channel_name))
        return guard.Refusal(429, "新对话太多了，请稍后再试。", sender) if sender == "crowded" else None

    monkeypatch.setattr(channel, "admit", admit)
    app = Sanic(f"sio_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = Agent()
    register([GuardedSocketIOInput(session_persistence=True, max_chars=20)], app, "/webhooks/")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield port, received, admitted
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_a_widget_gets_its_replies(sanic_channel, transport):
    port, received, admitted = sanic_channel
    async with Widget(port, transport) as w:
        session = await w.start()
        assert guard.sender_id(session) == session and len(session) == 32
        assert await w.say("你好\x00\u202e!", until="收到") == "收到：你好!"
    assert received[0] == ("你好!", session, "socketio", {"client_address": "127.0.0.1"})
    assert admitted[0] == ("127.0.0.1", session, "socketio")


async def test_a_silent_turn_still_gets_a_line(sanic_channel):
    port, received, _ = sanic_channel
    async with Widget(port) as w:
        await w.start()
        assert "重新开始" in await w.say("/restart", timeout=10)
        assert "暂时无法回复" in await w.say("/greet", timeout=10)


async def test_platform_sessions_are_refused_on_socketio(sanic_channel):
    port, received, _ = sanic_channel
    async with Widget(port) as w:
        for reserved in ("web-" + uuid.uuid4().hex, "telegram-424242", "console-" + uuid.uuid4().hex):
            await w.sio.emit("session_request", {"session_id": reserved})
            refusal = await w.replies(timeout=10)
            assert "平台渠道专用" in refusal[0]["text"] and w.confirmed.empty()
            w.session = reserved  # as if it had been confirmed: the message names it
            assert "平台渠道专用" in await w.say("算了", timeout=10)
            assert "reserved" in await w.say("cancel my objection", timeout=10)
        w.session = None  # no session named, none confirmed
        assert "session_id" in await w.say("你好", timeout=10)
    assert received == []


async def test_a_message_names_only_the_session_its_socket_confirmed(sanic_channel):
    port, received, _ = sanic_channel
    async with Widget(port) as w:
        mine = await w.start()
        w.session = "someone-else"
        assert "不一致" in await w.say("你好", timeout=10)
        w.session = None  # a widget that leaves the id out speaks in its confirmed session
        assert await w.say("你好", until="收到") == "收到：你好"
    assert [r[1] for r in received] == [mine]


async def test_bad_events_get_a_polite_line_and_nothing_is_processed(sanic_channel):
    port, received, _ = sanic_channel
    async with Widget(port) as w:
        session = await w.start()
        for bad in ("hello", 42, None, ["你好"]):
            await w.sio.emit("user_uttered", bad)
            assert "格式不正确" in "".join(m["text"] for m in await w.replies(timeout=10)), bad
        for message in (5, {"text": "hi"}, ["hi"], None):
            assert "格式不正确" in await w.say(message, timeout=10), message
        assert "没有输入内容" in await w.say(" \u200b\x00 ", timeout=10)
        assert "太长了" in await w.say("查" * 21, timeout=10)
        assert "太長了" in await w.say("請" * 21, timeout=10)
        assert "too long" in await w.say("please check " * 5, timeout=10)
        await w.sio.emit("session_request", {"session_id": "bad\x00id"})
        assert "格式不正确" in (await w.replies(timeout=10))[0]["text"]
        assert await w.say("好" * 20 + "   ", until="收到")  # the limit counts no surrounding spaces
        assert w.sio.connected
    assert [r[0] for r in received] == ["好" * 20] and received[0][1] == session  # UserMessage strips


async def test_the_client_cannot_name_its_channel_or_address(sanic_channel, monkeypatch):
    port, received, admitted = sanic_channel
    claims = {"input_channel": "web", "metadata": {"input_channel": "telegram", "client_address": "203.0.113.9",
                                                    "script": "traditional"}}
    # The peer (loopback) is a trusted proxy by default: its X-Forwarded-For names the client.
    async with Widget(port, headers={"X-Forwarded-For": "198.51.100.7"}) as w:
        await w.start()
        assert await w.say("你好", until="收到", **claims)
        assert await w.say("你好", until="收到", metadata=[1, 2])
        assert await w.say("你好", until="收到", metadata='{"script": "simplified"}')
    monkeypatch.setenv("XINYONG_TRUSTED_PROXIES", "none")  # a direct client cannot name one
    async with Widget(port, headers={"X-Forwarded-For": "198.51.100.7"}) as w:
        await w.start()
        assert await w.say("你好", until="收到", **claims)
    assert [(r[2], r[3]) for r in received] == [
        ("socketio", {"client_address": "198.51.100.7", "script": "traditional"}),
        ("socketio", {"client_address": "198.51.100.7"}),
        ("socketio", {"client_address": "198.51.100.7", "script": "simplified"}),
        ("socketio", {"client_address": "127.0.0.1", "script": "traditional"})]
    assert admitted[-1][0] == "127.0.0.1"


async def test_a_new_conversation_beyond_the_address_limit_is_refused(sanic_channel):
    port, received, admitted = sanic_channel
    async with Widget(port) as w:
        await w.start("crowded")
        assert "新对话太多" in await w.say("你好", timeout=10)
    assert received == [] and admitted == [("127.0.0.1", "crowded", "socketio")]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_a_frame_over_the_cap_is_refused_before_it_is_read(sanic_channel, transport):
    port, received, _ = sanic_channel
    async with Widget(port, transport) as w:
        await w.start()
        await w.send("你好", pad="x" * (channel.MAX_FRAME_BYTES + 1))
        if transport == "websocket":  # the connection is closed
            await asyncio.wait_for(w.gone.wait(), 10)
        else:  # the long-polling body is refused
            assert not await w.replies(timeout=3)
    assert received == []
    async with Widget(port, transport) as w:  # the server is fine
        await w.start()
        assert await w.say("你好", until="收到") == "收到：你好"


# ================================================================ one cap before NLU, whatever the channel

async def test_an_over_long_message_never_reaches_the_processor(monkeypatch):
    """A bare UserMessage, as any channel without a guard of its own would hand it to the agent."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.processor import MessageProcessor

    from bot import rasa_server

    rasa_server.install()
    monkeypatch.setenv("XINYONG_MAX_MESSAGE_CHARS", "20")
    handled = []

    class Processor:
        async def handle_message(self, message):
            handled.append(message.text)
            await message.output_channel.send_text_message(message.sender_id, "答")
            return message.output_channel.messages

    agent = Agent()
    agent.processor = Processor()
    for text, expected in (("查" * 21, "太长了"), ("請" * 21, "太長了"), ("check this please " * 2, "too long")):
        answer = await agent.handle_message(UserMessage(text, CollectingOutputChannel(), "bare"))
        assert len(answer) == 1 and expected in answer[0]["text"] and "20" in answer[0]["text"]
    answer = await agent.handle_message(UserMessage("  " + "查" * 20 + "\n", CollectingOutputChannel(), "bare"))
    assert answer[0]["text"] == "答" and handled == ["查" * 20]  # UserMessage strips the spaces

    processor = MessageProcessor.__new__(MessageProcessor)  # the parse paths (Rasa's HTTP API) too
    processor.http_interpreter = None

    def model(*_):
        raise AssertionError("the model was called")

    processor._parse_message_with_graph = model
    with pytest.raises(rasa_server.MessageTooLong):
        await processor.parse_message(UserMessage("查" * 21))


# ================================================================ the real server

def _rasa(demo_bot) -> tuple[int, str]:
    return int(demo_bot.env["RASA_PORT"]), demo_bot.env.get("RASA_TOKEN") or os.environ["RASA_TOKEN"]


def _rasa_pid(demo_bot) -> int:
    from bot.paths import PROJECT_ROOT

    run_dir = demo_bot.env.get("XINYONG_RUN_DIR") or PROJECT_ROOT / "var" / "run" / f"serve-{demo_bot.env['RASA_PORT']}"
    with open(os.path.join(run_dir, "cluster.json"), encoding="utf-8") as fh:
        state = json.load(fh)
    return next(c["pid"] for c in state["children"] if c["role"] == "rasa")


def _rss_mb(pid: int) -> float:
    """The resident memory of the process and its children (Rasa may run in a child of the launcher)."""
    from tests.botserver import _children

    total = 0
    for p in {pid} | _children(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def _api(demo_bot, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    port, token = _rasa(demo_bot)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}?token={token}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _user_events(demo_bot, sender: str) -> list[dict]:
    status, tracker = _api(demo_bot, "GET", f"/conversations/{sender}/tracker")
    assert status == 200, tracker
    return [e for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_a_lookup_over_socketio_gets_its_answers(demo_bot, transport):
    async with Widget(int(demo_bot.env["RASA_PORT"]), transport) as w:
        await w.start()
        reply = await w.say(f"查一下{HONGTAI}", until="鸿泰石油")
        assert "大庆市鸿泰石油技术服务有限公司" in reply
        assert "鸿泰石油" in await w.say("有没有行政许可", until="许可")  # the conversation goes on


@pytest.mark.slow
async def test_a_web_users_conversation_cannot_be_entered_over_socketio(demo_bot):
    page = uuid.uuid4().hex
    req = urllib.request.Request(f"http://127.0.0.1:{demo_bot.env['WEB_PORT']}/api/chat",
                                 data=json.dumps({"sender": page, "message": f"查一下{HONGTAI}"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert "鸿泰石油" in json.dumps(json.load(resp), ensure_ascii=False)
    before = _user_events(demo_bot, f"web-{page}")
    assert [e["input_channel"] for e in before] == ["web"]
    async with Widget(int(demo_bot.env["RASA_PORT"])) as w:
        await w.sio.emit("session_request", {"session_id": f"web-{page}"})
        assert "平台渠道专用" in (await w.replies(timeout=10))[0]["text"]
        w.session = f"web-{page}"
        for text in ("算了", "我的申请", "转人工"):
            assert "平台渠道专用" in await w.say(text, timeout=10)
        assert w.confirmed.empty()
    assert _user_events(demo_bot, f"web-{page}") == before


@pytest.mark.slow
async def test_socketio_records_its_own_channel_and_the_real_address(demo_bot):
    async with Widget(int(demo_bot.env["RASA_PORT"]), headers={"X-Forwarded-For": "198.51.100.7"}) as w:
        session = await w.start()
        reply = await w.say("查一下\x00\u200b\u202e" + HONGTAI, until="鸿泰石油", input_channel="web",
                            metadata={"input_channel": "web", "client_address": "203.0.113.9"})
        assert "鸿泰石油" in reply
    [event] = _user_events(demo_bot, session)
    assert event["text"] == "查一下" + HONGTAI  # control and direction characters are gone
    assert event["input_channel"] == "socketio"
    assert event["metadata"]["client_address"] == "198.51.100.7"  # loopback is the trusted proxy
    assert "input_channel" not in event["metadata"]


@pytest.mark.slow
async def test_huge_messages_are_refused_fast_and_the_server_stays_up(demo_bot):
    pid = _rasa_pid(demo_bot)
    async with Widget(int(demo_bot.env["RASA_PORT"])) as w:
        session = await w.start()
        before = _rss_mb(pid)
        for size in (1_500, 10_000, 50_000):
            started = time.monotonic()
            reply = await w.say("查" * size, until="太长了", timeout=10)
            assert "太长了" in reply and "1000" in reply, size
            assert time.monotonic() - started < 5, size
        assert _rss_mb(pid) - before < 200, (before, _rss_mb(pid))
        assert "鸿泰石油" in await w.say(f"查一下{HONGTAI}", until="鸿泰石油")  # still answering
    assert _user_events(demo_bot, session)[0]["text"] == f"查一下{HONGTAI}"
    assert _rasa_pid(demo_bot) == pid  # not restarted


@pytest.mark.slow
async def test_a_frame_over_the_cap_never_reaches_the_server(demo_bot):
    async with Widget(int(demo_bot.env["RASA_PORT"])) as w:
        await w.start()
        await w.send("你好", pad="x" * channel.MAX_FRAME_BYTES)
        await asyncio.wait_for(w.gone.wait(), 10)
        assert not await w.replies(timeout=2)


@pytest.mark.slow
def test_rasas_http_api_refuses_over_long_text_without_parsing(demo_bot):
    pid = _rasa_pid(demo_bot)
    sender = f"api-{uuid.uuid4().hex[:8]}"
    status, answer = _api(demo_bot, "POST", "/model/parse", {"text": "查" * 1_500})
    assert status == 413 and answer["reason"] == "MessageTooLong", answer
    before = _rss_mb(pid)
    for size in (10_000, 50_000):
        started = time.monotonic()
        status, answer = _api(demo_bot, "POST", "/model/parse", {"text": "查" * size})
        assert status == 413 and time.monotonic() - started < 3
        status, answer = _api(demo_bot, "POST", f"/conversations/{sender}/messages", {"text": "查" * size, "sender": "user"})
        assert status == 413 and "1000" in answer["message"], answer
    assert _rss_mb(pid) - before < 200
    assert _user_events(demo_bot, sender) == []
    status, parsed = _api(demo_bot, "POST", "/model/parse", {"text": f"查一下{HONGTAI}"})
    assert status == 200 and parsed["intent"]["name"] == "query_credit"
