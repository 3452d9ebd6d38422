"""The chat page's API: a message to the assistant, and what arrived for the conversation since
(an operator's reply, a ticket's new status).

    POST /api/chat          {"sender": ID, "message": TEXT, "script": "simplified"|"traditional"|null,
                             "shown": the title of the button whose payload TEXT is (optional)}
                         →  {"messages": [{"text", "buttons": [{"title", "payload"}]}], "handoff", "last_id"}
    POST /api/chat/leave    {"sender": ID}  the user started a new conversation: an open handoff is told
    GET  /api/chat/updates?sender=ID&after=N[&script=…]
                         →  {"messages": [{"id", "text", "kind"}], "handoff", "last_id"}

Bad input is a 400 with {"error": a polite sentence}: a sender that is no page id, a message that is
no text, empty or too long, an `after` that is not a whole number from 0 to MAX_ID. A new
conversation from a client address that has started too many is a 429 with Retry-After and
{"error", "retry_after"} (bot/channels/clients.py); the page shows the error as it shows others.
The client's address (bot/web/client_address.py) goes to the assistant as the message's
`metadata["client_address"]`, for the lookup and handoff limits per address.

`shown` is only what the page showed for a button: it is kept in the transcript an operator reads
only next to the payload the assistant actually got (〔点选〕title（payload）), and ignored for typed
text, so a client cannot show the operator other words than the ones the assistant answered.

ID is the page's random conversation id (8–64 of A–Z a–z 0–9 _ -); the Rasa conversation is
"web-" + ID, on the channel "web". "handoff" is null, "待处理" or "处理中"; while an operator has
taken the conversation (处理中) the user's messages go to the operator and the assistant is silent.
The "last_id" of a POST is the newest outbox id of the conversation: when it is beyond the page's
cursor, the page fetches updates at once (it is a signal, not a cursor: messages below it may not
have been fetched yet). The "last_id" of updates is the cursor for the next request.
"""
from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web

from actions.services import handoff, outbox
from actions.services.textnorm import reply_in_script, to_traditional
from actions.settings import hotline, hotline_hours, max_message_chars
from bot.channels.clients import CLIENT_ADDRESS, admit
from bot.channels.guard import clean_message
from bot.rasa_client import RasaUnavailable
from bot.web.client_address import client_address
from bot.web.keys import RASA

log = logging.getLogger(__name__)

SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CHANNEL = "web"
MAX_ID = 2**31 - 1  # outbox ids are 32-bit integers (channel_messages.id)
_WHOLE = re.compile(r"^[0-9]{1,10}$")
SHOWN_CHARS = 200


def conversation_of(page_id: str) -> str:
    return f"web-{page_id}"


def _bad(text: str) -> web.Response:
    return web.json_response({"error": text}, status=400)


def localise(messages: list[dict], script: str | None) -> list[dict]:
    """The page's chosen script for every text and button title (payloads untouched)."""
    out = []
    for m in messages:
        text, buttons = reply_in_script(m.get("text"), m.get("buttons"), script)
        m = dict(m)
        if "text" in m:
            m["text"] = text
        if "buttons" in m:
            m["buttons"] = buttons
        out.append(m)
    return out


def said_for_operator(text: str, shown) -> str:
    """What the operator's transcript records of a user's message: the text the assistant got. For a
    button (a payload, "/intent{…}") the title the page showed comes first, the payload after it,
    so the title cannot pass off one request as another; `shown` with typed text is ignored."""
    if not text.startswith("/") or not isinstance(shown, str) or not clean_message(shown).strip():
        return text
    return f"〔点选〕{clean_message(shown).strip()[:SHOWN_CHARS]}（{text}）"


def whole_number(value: str | None, default: int = 0) -> int | None:
    """A query parameter that must be a whole number from 0 to MAX_ID (None when it is not)."""
    if value is None or value == "":
        return default
    if not _WHOLE.fullmatch(value) or int(value) > MAX_ID:
        return None
    return int(value)


def _unavailable() -> list[dict]:
    return [{"text": f"抱歉，系统暂时无法回复，请稍后再试，或拨打信用服务热线 {hotline()}（{hotline_hours()}）。"}]


async def post_chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _bad("请求格式不正确")
    if not isinstance(body, dict):
        return _bad("请求格式不正确")
    page_id, text, script = body.get("sender"), body.get("message"), body.get("script")
    if not isinstance(page_id, str) or not SENDER.fullmatch(page_id):
        return _bad("会话标识不正确，请刷新页面后重试")
    if isinstance(text, str):  # the REST channel's cleaning, before the text is kept in a transcript
        text = clean_message(text).strip()
    if not isinstance(text, str) or not text:
        return _bad("请输入您的问题")
    limit = max_message_chars()  # the same limit as the REST channel's guard (bot/channels/rest.py)
    if len(text) > limit:
        return _bad(f"消息太长了，请控制在 {limit} 字以内，或分几次发送")
    if script not in (None, "simplified", "traditional"):
        script = None
    sender = conversation_of(page_id)
    address = client_address(request)
    refused = await admit(address, sender, CHANNEL, text)
    if refused is not None:  # a new conversation too many from this address: nothing is processed
        error = to_traditional(refused.text) if script == "traditional" else refused.text
        return web.json_response({"error": error, "retry_after": refused.retry_after}, status=refused.status,
                                 headers={"Retry-After": str(refused.retry_after)})
    state = await asyncio.to_thread(handoff.user_said, sender, said_for_operator(text, body.get("shown")))
    messages: list[dict] = []
    if state != handoff.TAKEN:
        try:
            messages = await request.app[RASA].send(sender, text, CHANNEL, {"script": script, CLIENT_ADDRESS: address})
        except RasaUnavailable as exc:
            log.warning("rasa unavailable: %s", exc)
            messages = _unavailable()
        if state == handoff.WAITING:
            await asyncio.to_thread(handoff.bot_said, sender, [m.get("text") for m in messages])
    now_state, last_id = await asyncio.to_thread(handoff.state_and_cursor, sender)
    return web.json_response({"messages": localise(messages, script), "handoff": now_state, "last_id": last_id})


async def get_updates(request: web.Request) -> web.Response:
    page_id = request.query.get("sender", "")
    if not SENDER.fullmatch(page_id):
        return _bad("会话标识不正确，请刷新页面后重试")
    after = whole_number(request.query.get("after"))
    if after is None:
        return _bad("参数 after 不正确（应为 0 或更大的整数，即上次收到的消息编号），请刷新页面后重试")
    script = request.query.get("script")
    if script not in (None, "simplified", "traditional"):
        script = None
    sender = conversation_of(page_id)
    found = await asyncio.to_thread(outbox.for_sender, sender, after)
    state = await asyncio.to_thread(handoff.state_of, sender)
    messages = localise([{"id": m.id, "text": m.text, "kind": m.kind} for m in found], script)
    last_id = found[-1].id if found else after
    return web.json_response({"messages": messages, "handoff": state, "last_id": last_id})


async def post_leave(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _bad("请求格式不正确")
    page_id = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(page_id, str) or not SENDER.fullmatch(page_id):
        return _bad("会话标识不正确，请刷新页面后重试")
    left = await asyncio.to_thread(handoff.user_left, conversation_of(page_id))
    return web.json_response({"handoff_told": left})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/chat", post_chat)
    app.router.add_post("/api/chat/leave", post_leave)
    app.router.add_get("/api/chat/updates", get_updates)
