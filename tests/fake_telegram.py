"""A fake Telegram Bot API server for the bridge's tests: an aiohttp app on 127.0.0.1 that answers
the methods python-telegram-bot calls (`/bot<token>/<method>`, form or JSON bodies), queues updates
the test pushes, and records what the bot sends.

    fake = FakeTelegram()
    await fake.start()
    app = build_application(fake.token, rasa_url, base_url=fake.base_url)
    fake.push_text(1001, "你好")
    messages = await fake.wait_for_messages(1001, 1)
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "信用助手", "username": "xinyong_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters PTB encodes as JSON strings in a form body.
_JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "caption_entities", "link_preview_options",
                "reply_parameters", "commands", "scope", "media", "results"}
_INT_FIELDS = {"chat_id", "offset", "limit", "timeout", "message_id", "from_chat_id", "cache_time",
               "message_thread_id", "user_id"}
_BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    """Form values are strings; turn the JSON, number and boolean ones back into values."""
    out = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            elif key in _INT_FIELDS:
                try:
                    value = int(value)
                except ValueError:
                    pass
            elif key in _BOOL_FIELDS:
                value = value.lower() == "true"
        out[key] = value
    return out


class FakeTelegram:
    def __init__(self, token: str = "123456789:TEST-fake-token"):
        self.token = token
        self.port: int | None = None
        self.updates: list[dict] = []
        self.calls: list[tuple[str, dict]] = []  # every call: (method, parameters)
        self.sent: list[dict] = []  # sendMessage calls: chat_id, text, reply_markup, message_id
        self.answers: list[dict] = []  # answerCallbackQuery calls
        self.unknown: list[str] = []  # methods this fake does not implement (answered ok)
        self.failures: dict[int, tuple[int, str]] = {}  # chat id -> (HTTP status, description)
        self.flood: dict[int, int] = {}  # chat id -> retry_after of one "Too Many Requests" answer
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    # ---------------------------------------------------------- server
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> "FakeTelegram":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._changed = asyncio.Event()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:  # application/x-www-form-urlencoded or multipart/form-data
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return _decode(params)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            self.unknown.append(method)
            return self._ok(True)
        return await handler(params)

    # ---------------------------------------------------------- Bot API methods
    async def _m_getme(self, params):
        return self._ok(BOT_USER)

    async def _m_deletewebhook(self, params):
        return self._ok(True)

    async def _m_getwebhookinfo(self, params):
        return self._ok({"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)})

    async def _m_setmycommands(self, params):
        return self._ok(True)

    async def _m_getmycommands(self, params):
        return self._ok([])

    async def _m_getupdates(self, params):
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:  # updates before the offset are confirmed: forget them
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while True:
            ready = [u for u in self.updates if u["update_id"] >= offset]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                return self._ok(ready[:limit])
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def _message(self, chat_id: int, text: str | None, reply_markup: dict | None = None,
                 message_id: int | None = None) -> dict:
        message = {"message_id": message_id or next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "测试"},
                   "from": BOT_USER}
        if text is not None:
            message["text"] = text
        if reply_markup:
            message["reply_markup"] = reply_markup
        return message

    async def _m_sendmessage(self, params):
        chat_id = int(params["chat_id"])
        if chat_id in self.flood:
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": self.flood.pop(chat_id)}}, status=429)
        if chat_id in self.failures:
            status, description = self.failures[chat_id]
            return self._error(status, description)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return self._error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup") or None
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        message = self._message(chat_id, text, markup)
        self.sent.append({"chat_id": chat_id, "text": text, "reply_markup": markup,
                          "message_id": message["message_id"]})
        self._changed.set()
        return self._ok(message)

    async def _m_answercallbackquery(self, params):
        self.answers.append(params)
        return self._ok(True)

    async def _m_editmessagereplymarkup(self, params):
        if "chat_id" not in params:  # an inline message
            return self._ok(True)
        return self._ok(self._message(int(params["chat_id"]), "…", params.get("reply_markup") or None,
                                      int(params.get("message_id") or 0) or None))

    async def _m_sendchataction(self, params):
        return self._ok(True)

    # ---------------------------------------------------------- for tests
    def _push(self, update: dict) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        if self._changed is not None:
            self._changed.set()
        return update_id

    @staticmethod
    def _user(chat_id: int, language_code: str | None) -> dict:
        user = {"id": abs(chat_id), "is_bot": False, "first_name": "测试用户"}
        if language_code:
            user["language_code"] = language_code
        return user

    def push_text(self, chat_id: int, text: str, language_code: str | None = "zh-hans") -> int:
        """A user's text message in a private chat; a leading /command is marked as one."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private", "first_name": "测试用户"},
                   "from": self._user(chat_id, language_code), "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._push({"message": message})

    def push_sticker(self, chat_id: int, language_code: str | None = "zh-hans") -> int:
        """A message without text (a sticker)."""
        return self._push({"message": {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "测试用户"},
            "from": self._user(chat_id, language_code),
            "sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False}}})

    def push_callback(self, chat_id: int, data: str, message_id: int | None = None,
                      language_code: str | None = "zh-hans") -> int:
        """A press on an inline button with this callback data, on the chat's last message that
        had buttons (or the given message)."""
        if message_id is None:
            with_buttons = [m for m in self.sent if m["chat_id"] == chat_id and m["reply_markup"]]
            message_id = with_buttons[-1]["message_id"] if with_buttons else next(self._message_ids)
        return self._push({"callback_query": {
            "id": f"cq{next(self._update_ids)}", "from": self._user(chat_id, language_code),
            "chat_instance": f"ci{chat_id}", "data": data,
            "message": self._message(chat_id, "…", message_id=message_id)}})

    def messages(self, chat_id: int) -> list[dict]:
        return [m for m in self.sent if m["chat_id"] == chat_id]

    async def wait_for_messages(self, chat_id: int, n: int, timeout: float = 60.0, since: int = 0) -> list[dict]:
        """The chat's sendMessage calls from index `since` on, once there are at least `n` of them."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.messages(chat_id)[since:]
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(got)} of {n} messages to chat {chat_id} within {timeout} s: "
                                     + repr([m["text"][:200] for m in got]))
            await asyncio.sleep(0.05)

    async def wait_for_reply(self, chat_id: int, since: int, timeout: float = 60.0, settle: float = 1.0) -> list[dict]:
        """All messages of one answer: at least one new message, then none for `settle` seconds."""
        got = await self.wait_for_messages(chat_id, 1, timeout, since)
        while True:
            await asyncio.sleep(settle)
            now = self.messages(chat_id)[since:]
            if len(now) == len(got):
                return now
            got = now


def buttons_of(messages: list[dict]) -> list[dict]:
    """The inline buttons (text, callback_data) of these recorded messages."""
    return [b for m in messages for row in (m["reply_markup"] or {}).get("inline_keyboard", []) for b in row]


def text_of(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)
