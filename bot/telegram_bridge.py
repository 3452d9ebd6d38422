"""The Telegram channel: a bridge between the Telegram Bot API (long polling, python-telegram-bot)
and the assistant's REST channel.

Each Telegram chat is one Rasa conversation, `telegram-<chat id>`. A user's text (or the payload of
a button they press) goes to `POST {RASA_URL}/webhooks/rest/webhook` with `input_channel` telegram,
and the answers come back as Telegram messages: long texts split at line breaks, buttons as an
inline keyboard whose callback data is a short id, never the payload (payloads carry codes). While
an operator has taken the conversation over (handoff 处理中) the user's messages go to the operator
only; the operator's replies and ticket status notices reach the chat through the outbox, which a
background task delivers every few seconds.

Run it with `python -m bot.telegram_bridge` (TELEGRAM_TOKEN, RASA_URL, TELEGRAM_API_BASE).
Database work runs in worker threads (`asyncio.to_thread`), never on the event loop.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import logging
import os
import re
import signal
import sys
import unicodedata
import warnings

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter,
                            TelegramError)
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes, \
    MessageHandler, filters

from actions import settings
from actions.services import handoff, outbox
from actions.services.language import TRADITIONAL, SIMPLIFIED, detect_script
from actions.services.textnorm import to_traditional, traditional_reply
from bot.rasa_client import RasaClient

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SENDER_PREFIX = "telegram-"
TELEGRAM_LIMIT = 4096  # characters of one message's text (Telegram counts UTF-16 code units)
CALLBACK_PREFIX = "b:"
PAYLOAD_CAPACITY = 10_000  # button payloads remembered; the oldest are forgotten first
CHAT_CAPACITY = 100_000  # chats whose script is remembered
RASA_TIMEOUT = 60.0  # seconds for one answer of the assistant (actions included)
MAX_FLOOD_WAIT = 30.0  # seconds of Telegram's flood control the bridge waits out before a message
OUTBOX_MAX_ATTEMPTS = 5  # rounds an outbox message with an unexpected Telegram error is retried
TRADITIONAL_LANGUAGE_CODES = frozenset({"zh-hant", "zh-tw", "zh-hk", "zh-mo"})

EXPIRED_TEXT = "该按钮已失效，请直接输入您的问题。"
TEXT_ONLY_TEXT = "抱歉，目前只能处理文字消息，请用文字描述您的问题。"
CHOOSE_TEXT = "请选择："

_SENDER_RE = re.compile(r"telegram-(-?\d{1,20})")


# ---------------------------------------------------------------- pure helpers

def sender_of(chat_id: int) -> str:
    """The Rasa conversation (sender id) of a Telegram chat."""
    return f"{SENDER_PREFIX}{int(chat_id)}"


def chat_of(sender_id: str | None) -> int | None:
    """The Telegram chat of a conversation, None when it is not a Telegram one."""
    m = _SENDER_RE.fullmatch(sender_id or "")
    return int(m.group(1)) if m else None


def sorry_text() -> str:
    """What the user reads when the assistant cannot answer: never a traceback."""
    return (f"抱歉，系统暂时无法回复，请稍后再试，或拨打信用服务热线 {settings.hotline()}"
            f"（{settings.hotline_hours()}）。")


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a character outside the BMP counts two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


_SENTENCE_ENDS = "。！？；!?;…"


def _glued(prev: str, nxt: str) -> bool:
    """True when a break between these two characters would split one visible character."""
    return (nxt == "\u200d" or prev == "\u200d" or nxt in "\ufe0e\ufe0f"
            or unicodedata.category(nxt) in ("Mn", "Me") or (prev == "\r" and nxt == "\n"))


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Chunks of at most `limit` (UTF-16 code units, so at most `limit` characters) whose
    concatenation is exactly `text`. Breaks after the last line break that fits, else after the
    last sentence end, else after the last space, else where the limit falls (never inside a
    character sequence such as a combining mark or an emoji joined with ZWJ, when avoidable).
    An empty text gives no chunks."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    chunks: list[str] = []
    start, n = 0, len(text)
    while start < n:
        # the longest window from `start` that fits
        end, used = start, 0
        while end < n:
            u = 2 if ord(text[end]) > 0xFFFF else 1
            if used + u > limit:
                break
            used += u
            end += 1
        if end >= n:
            chunks.append(text[start:])
            break
        window = text[start:end]
        cut = window.rfind("\n") + 1
        if cut <= 0:
            cut = max(window.rfind(c) for c in _SENTENCE_ENDS) + 1
        if cut <= 0:
            cut = max(window.rfind(" "), window.rfind("\t"), window.rfind("\u3000")) + 1
        if cut <= 0:
            cut = len(window)
            while cut > 1 and _glued(window[cut - 1], text[start + cut]):
                cut -= 1
            if cut <= 1:  # one enormous joined sequence: cut it where the limit falls
                cut = len(window)
        chunks.append(text[start:start + cut])
        start += cut
    return chunks


def is_traditional_language(language_code: str | None) -> bool:
    return (language_code or "").strip().lower().replace("_", "-") in TRADITIONAL_LANGUAGE_CODES


def callback_id(payload: str) -> str:
    """The callback data standing for a payload: short, and nothing of the payload readable."""
    return CALLBACK_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


class _Lru(collections.OrderedDict):
    """A dict that forgets its oldest (least recently set or read) entries beyond `capacity`."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.capacity:
            self.popitem(last=False)

    def lookup(self, key, default=None):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default


def _retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after as seconds (an int or a timedelta, depending on PTB's settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = exc.retry_after
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)


# ---------------------------------------------------------------- the bridge

class Bridge:
    """The state of one bridge: the HTTP client to Rasa, the button payloads, each chat's script,
    and the outbox task."""

    def __init__(self, rasa_url: str, outbox_interval: float = 2.0):
        self.rasa_url = rasa_url.rstrip("/")
        self.rasa = RasaClient(self.rasa_url, RASA_TIMEOUT)
        self.outbox_interval = outbox_interval
        self.buttons: _Lru = _Lru(PAYLOAD_CAPACITY)  # button id -> (payload, title shown)
        self.scripts: _Lru = _Lru(CHAT_CAPACITY)  # chat id -> (by language, by latest script)
        self._attempts: _Lru = _Lru(PAYLOAD_CAPACITY)  # outbox message id -> failed rounds
        self._locks: dict[int, list] = {}  # chat id -> [lock, users]
        self._outbox_task: asyncio.Task | None = None
        self._flood_until = 0.0  # loop time before which the outbox sends nothing (Telegram's flood control)

    # ---------------------------------------------------------- lifecycle
    async def post_init(self, app: Application) -> None:
        """Start the outbox task (PTB calls this in run_polling; tests call it themselves)."""
        if self.outbox_interval and self.outbox_interval > 0 and self._outbox_task is None:
            self._outbox_task = asyncio.create_task(self._outbox_loop(app), name="telegram-outbox")

    async def post_stop(self, app: Application) -> None:
        await self._stop_outbox()

    async def post_shutdown(self, app: Application) -> None:
        await self._stop_outbox()
        await self.rasa.close()

    async def _stop_outbox(self) -> None:
        task, self._outbox_task = self._outbox_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    @contextlib.asynccontextmanager
    async def _turn(self, chat_id: int):
        """One turn at a time per chat (updates are handled concurrently across chats)."""
        entry = self._locks.get(chat_id)
        if entry is None:
            entry = self._locks[chat_id] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(chat_id, None)

    # ---------------------------------------------------------- script
    def note_script(self, chat_id: int, text: str | None, language_code: str | None) -> bool:
        """Whether the chat is answered in Traditional: the user's Telegram language is a
        Traditional one (zh-hant, zh-tw, zh-hk, zh-mo), or their latest message written in a
        script was written in Traditional (a later Simplified message switches that back)."""
        by_language, by_text = self.scripts.lookup(chat_id) or (False, False)
        if language_code is not None:
            by_language = is_traditional_language(language_code)
        script = detect_script(text) if text else None
        if script == TRADITIONAL:
            by_text = True
        elif script == SIMPLIFIED:
            by_text = False
        self.scripts.put(chat_id, (by_language, by_text))
        return by_language or by_text

    def is_traditional(self, chat_id: int) -> bool:
        return any(self.scripts.lookup(chat_id) or ())

    # ---------------------------------------------------------- Rasa
    async def ask_rasa(self, sender_id: str, text: str, chat_id: int, language_code: str | None) -> list[dict]:
        return await self.rasa.send(sender_id, text, CHANNEL,
                                    {"telegram": {"chat_id": chat_id, "language_code": language_code}})

    # ---------------------------------------------------------- sending
    def keyboard(self, buttons: list[dict]) -> InlineKeyboardMarkup | None:
        """One button per row; each payload is remembered under a short id."""
        rows = []
        for b in buttons:
            payload = b.get("payload")
            if not isinstance(payload, str) or not payload:
                continue
            key = callback_id(payload)
            title = str(b.get("title") or "").strip() or "选项"
            self.buttons.put(key, (payload, title))
            rows.append([InlineKeyboardButton(title, callback_data=key)])
        return InlineKeyboardMarkup(rows) if rows else None

    async def send_text(self, bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """The text in as many messages as it needs; the keyboard on the last one. Telegram errors
        are raised to the caller."""
        chunks = [c for c in split_text(text) if c.strip()]
        if not chunks:
            if markup is None:
                return
            chunks = ["…"]
        for i, chunk in enumerate(chunks):
            markup_here = markup if i == len(chunks) - 1 else None
            try:
                await bot.send_message(chat_id=chat_id, text=chunk, reply_markup=markup_here)
            except RetryAfter as exc:  # flood control: wait once if the wait is short, else give up
                wait = _retry_seconds(exc)
                if wait > MAX_FLOOD_WAIT:
                    raise
                await asyncio.sleep(wait)
                await bot.send_message(chat_id=chat_id, text=chunk, reply_markup=markup_here)

    async def send_reply(self, bot, chat_id: int, message: dict, traditional: bool) -> None:
        """One message of the assistant: text, an image address, buttons."""
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        if isinstance(message.get("image"), str):
            text = f"{text}\n{message['image']}".strip()
        buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict)]
        if not text.strip() and not buttons:
            if message.get("custom") is not None:
                log.debug("custom message not shown on Telegram: %r", message.get("custom"))
            return
        if not text.strip():
            text = CHOOSE_TEXT
        if traditional:
            text, buttons = traditional_reply(text, buttons)
        await self.send_text(bot, chat_id, text, self.keyboard(buttons))

    async def notify(self, bot, chat_id: int, text: str, traditional: bool | None = None) -> None:
        """A short message of the bridge itself, in the chat's script; errors are logged."""
        if traditional is None:
            traditional = self.is_traditional(chat_id)
        try:
            await self.send_text(bot, chat_id, to_traditional(text) if traditional else text)
        except TelegramError as exc:
            log.warning("telegram: could not send to chat %s: %s", chat_id, exc)

    # ---------------------------------------------------------- one turn
    async def converse(self, bot, chat_id: int, text: str, language_code: str | None,
                       script_from_text: bool = True, shown: str | None = None) -> None:
        """What the user said (or the payload of the button they pressed) to the assistant, and the
        assistant's answer back to the chat. Nothing here raises: the user is told when it fails."""
        sender_id = sender_of(chat_id)
        async with self._turn(chat_id):
            traditional = self.note_script(chat_id, text if script_from_text else None, language_code)
            try:
                said = f"〔点选〕{shown}" if shown else text  # an operator reads a button by its title
                state = await asyncio.to_thread(handoff.user_said, sender_id, said)
            except Exception:  # noqa: BLE001 - the database is down: the assistant can still answer
                log.exception("telegram: recording the message of %s for a handoff failed", sender_id)
                state = None
            if state == handoff.TAKEN:
                log.debug("telegram: %s is with an operator; not asking the assistant", sender_id)
                return
            with contextlib.suppress(Exception):
                await bot.send_chat_action(chat_id=chat_id, action="typing")
            try:
                messages = await self.ask_rasa(sender_id, text, chat_id, language_code)
            except Exception as exc:  # noqa: BLE001 - unreachable, timed out, an error page: apologise
                log.warning("telegram: the assistant did not answer %s: %s: %s", sender_id, type(exc).__name__, exc)
                await self.notify(bot, chat_id, sorry_text(), traditional)
                return
            if state == handoff.WAITING:
                texts = [m["text"] for m in messages if isinstance(m.get("text"), str) and m["text"]]
                try:
                    await asyncio.to_thread(handoff.bot_said, sender_id, texts)
                except Exception:  # noqa: BLE001 - the transcript misses a turn; the user is answered anyway
                    log.exception("telegram: adding the assistant's answer to the handoff of %s failed", sender_id)
            for message in messages:
                try:
                    await self.send_reply(bot, chat_id, message, traditional)
                except TelegramError as exc:
                    log.warning("telegram: could not send an answer to chat %s: %s", chat_id, exc)
                    if isinstance(exc, Forbidden):
                        return

    # ---------------------------------------------------------- handlers
    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        await self.converse(context.bot, chat.id, "/greet", user.language_code if user else None,
                            script_from_text=False)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or not message.text:
            return
        await self.converse(context.bot, message.chat_id, message.text, user.language_code if user else None)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, a sticker, a voice message…: say that only text is understood."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        traditional = self.note_script(chat.id, None, user.language_code if user else None)
        await self.notify(context.bot, chat.id, TEXT_ONLY_TEXT, traditional)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        user = update.effective_user
        language_code = user.language_code if user else None
        chat_id = query.message.chat.id if query.message is not None else None
        payload, title = self.buttons.lookup(query.data, (None, None)) if query.data else (None, None)
        if payload is None:
            traditional = (self.note_script(chat_id, None, language_code) if chat_id is not None
                           else is_traditional_language(language_code))
            text = to_traditional(EXPIRED_TEXT) if traditional else EXPIRED_TEXT
            with contextlib.suppress(TelegramError):
                await query.answer(text=text)
            if chat_id is not None:
                await self.notify(context.bot, chat_id, EXPIRED_TEXT, traditional)
            return
        with contextlib.suppress(TelegramError):
            await query.answer()
        if chat_id is None:  # cannot happen for buttons the bridge sent; nowhere to answer
            return
        await self.converse(context.bot, chat_id, payload, language_code, script_from_text=False, shown=title)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: unhandled error for update %s", getattr(update, "update_id", None),
                  exc_info=context.error)

    # ---------------------------------------------------------- the outbox
    async def _outbox_loop(self, app: Application) -> None:
        while True:
            try:
                await self.deliver_outbox(app.bot)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database is down, say: try again next round
                log.exception("telegram: delivering the outbox failed")
            await asyncio.sleep(self.outbox_interval)

    async def deliver_outbox(self, bot) -> int:
        """Send the channel's undelivered messages once; returns how many were marked delivered.
        A permanent failure (the user blocked the bot, no such chat, not a Telegram conversation)
        marks the message delivered; a network error leaves it, and that chat's later messages,
        for the next round so they arrive in order."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._flood_until:
            return 0
        pending = await asyncio.to_thread(outbox.pending, CHANNEL)
        done: list[int] = []
        held: set[int] = set()  # chats with an undelivered message this round
        try:
            for m in pending:
                chat_id = chat_of(m.sender_id)
                if chat_id is None:
                    log.warning("telegram outbox: message %s is for %r, not a Telegram chat; dropped",
                                m.id, m.sender_id)
                    done.append(m.id)
                    continue
                if chat_id in held:
                    continue
                text = to_traditional(m.text) if self.is_traditional(chat_id) else m.text
                try:
                    await self.send_text(bot, chat_id, text)
                except (Forbidden, BadRequest, ChatMigrated) as exc:
                    log.warning("telegram outbox: message %s to chat %s cannot be delivered (%s: %s); dropped",
                                m.id, chat_id, type(exc).__name__, exc)
                    done.append(m.id)
                except RetryAfter as exc:
                    wait = _retry_seconds(exc)
                    self._flood_until = loop.time() + wait
                    log.warning("telegram outbox: flood control, waiting %.0f s", wait)
                    break
                except (NetworkError, InvalidToken) as exc:
                    log.warning("telegram outbox: message %s to chat %s not sent, retried next round: %s",
                                m.id, chat_id, exc)
                    held.add(chat_id)
                except TelegramError as exc:
                    tries = self._attempts.lookup(m.id, 0) + 1
                    if tries >= OUTBOX_MAX_ATTEMPTS:
                        log.error("telegram outbox: message %s to chat %s failed %s times (%s); dropped",
                                  m.id, chat_id, tries, exc)
                        done.append(m.id)
                        self._attempts.pop(m.id, None)
                    else:
                        self._attempts.put(m.id, tries)
                        log.warning("telegram outbox: message %s to chat %s failed (%s), retried next round",
                                    m.id, chat_id, exc)
                        held.add(chat_id)
                else:
                    done.append(m.id)
                    self._attempts.pop(m.id, None)
        finally:
            if done:
                await asyncio.to_thread(outbox.mark_delivered, done)
        return len(done)


# ---------------------------------------------------------------- the application

def _file_url(base_url: str) -> str:
    """PTB's base_file_url for a base_url: …/bot → …/file/bot."""
    i = base_url.rfind("/bot")
    if i >= 0:
        return base_url[:i] + "/file" + base_url[i:]
    return base_url.rstrip("/") + "/file/bot"


def build_application(token: str, rasa_url: str, base_url: str | None = None,
                      outbox_interval: float = 2.0) -> Application:
    """The bridge as a PTB Application (not started). `base_url` points PTB at another Bot API
    server (tests use a fake one); the bridge's state is `app.bot_data["bridge"]`."""
    bridge = Bridge(rasa_url, outbox_interval)
    builder = (ApplicationBuilder().token(token).concurrent_updates(True)
               .post_init(bridge.post_init).post_stop(bridge.post_stop).post_shutdown(bridge.post_shutdown))
    if base_url:
        builder = builder.base_url(base_url).base_file_url(_file_url(base_url))
    app = builder.build()
    app.bot_data["bridge"] = bridge
    app.add_handler(CommandHandler(["start", "help"], bridge.on_start, filters=filters.UpdateType.MESSAGE))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, bridge.on_text))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.TEXT
                                   & ~filters.StatusUpdate.ALL, bridge.on_other))
    app.add_handler(CallbackQueryHandler(bridge.on_button))
    app.add_error_handler(bridge.on_error)
    return app


def main() -> int:
    token = os.environ.get("TELEGRAM_TOKEN", "").strip()
    if not token:
        print("未设置 TELEGRAM_TOKEN：请先设置 Telegram 机器人令牌（向 @BotFather 申请）后再启动。\n"
              "TELEGRAM_TOKEN is not set: set it to your bot's token (from @BotFather) and start again.",
              file=sys.stderr)
        return 2
    rasa_url = os.environ.get("RASA_URL", "").strip() or f"http://127.0.0.1:{settings.rasa_port()}"
    base_url = os.environ.get("TELEGRAM_API_BASE", "").strip() or None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the token
    app = build_application(token, rasa_url, base_url)
    log.info("telegram bridge: assistant at %s, polling %s", rasa_url, base_url or "api.telegram.org")
    try:
        # bootstrap_retries=-1: while Telegram cannot be reached at start, keep trying (with
        # back-off) instead of exiting; a rejected token is not retried.
        app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
                        stop_signals=(signal.SIGINT, signal.SIGTERM), bootstrap_retries=-1)
    except InvalidToken:
        print("TELEGRAM_TOKEN 无效，Telegram 拒绝了该令牌。\nTELEGRAM_TOKEN was rejected by Telegram.",
              file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"无法连接 Telegram：{exc}\nCannot reach Telegram: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
