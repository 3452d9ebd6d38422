"""The chat page's API: a message to the assistant, and what arrived for the conversation since
(an operator's reply, a ticket's new status).

    POST /api/chat          {"sender": ID, "message": TEXT, "script": "simplified"|"traditional"|null,
                             "shown": the title of the button whose payload TEXT is (optional)}
                         →  {"messages": [{"text", "buttons": [{"title", "payload"}]}], "handoff", "last_id"}
    POST /api/chat/leave    {"sender": ID}  the user started a new conversation: an open handoff is told
    GET  /api/chat/updates?sender=ID&after=N
                         →  {"messages": [{"id", "text", "kind"}], "handoff", "last_id"}

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
from actions.services.textnorm import reply_in_script
from actions.settings import hotline, hotline_hours, max_message_chars
from bot.channels.guard import clean_message
from bot.rasa_client import RasaUnavailable
from bot.web.keys import RASA

log = logging.getLogger(__name__)

SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CHANNEL = "web"


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
    if not isinstance(page_id, str) or not SENDER.match(page_id):
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
    shown = body.get("shown")
    said = f"〔点选〕{shown.strip()[:200]}" if isinstance(shown, str) and shown.strip() else text
    state = await asyncio.to_thread(handoff.user_said, sender, said)
    messages: list[dict] = []
    if state != handoff.TAKEN:
        try:
            messages = await request.app[RASA].send(sender, text, CHANNEL, {"script": script})
        except RasaUnavailable as exc:
            log.warning("rasa unavailable: %s", exc)
            messages = _unavailable()
        if state == handoff.WAITING:
            await asyncio.to_thread(handoff.bot_said, sender, [m.get("text") for m in messages])
    now_state, last_id = await asyncio.to_thread(handoff.state_and_cursor, sender)
    return web.json_response({"messages": localise(messages, script), "handoff": now_state, "last_id": last_id})


async def get_updates(request: web.Request) -> web.Response:
    page_id = request.query.get("sender", "")
    if not SENDER.match(page_id):
        return _bad("会话标识不正确，请刷新页面后重试")
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        return _bad("after 必须是整数")
    script = request.query.get("script")
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
    if not isinstance(page_id, str) or not SENDER.match(page_id):
        return _bad("会话标识不正确，请刷新页面后重试")
    left = await asyncio.to_thread(handoff.user_left, conversation_of(page_id))
    return web.json_response({"handoff_told": left})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/chat", post_chat)
    app.router.add_post("/api/chat/leave", post_leave)
    app.router.add_get("/api/chat/updates", get_updates)
