"""What every channel checks in a user's message before the assistant reads it: pure functions,
no Rasa and no web framework, so the REST channel (bot/channels/rest.py) and the web server
(bot/web/chat.py) share them.

- a body that is not a JSON object, a missing or unusable `sender`, or a `message` that is not text
  is refused (400, with a polite sentence);
- control characters (except newline and tab), NUL, invisible and direction-override characters
  and lone surrogates are removed from the message;
- an empty message, or one longer than `settings.max_message_chars()`, is answered here (200) in
  the user's script, or in English, without reaching NLU;
- `metadata` that is not an object and an `input_channel` that is not a short name count as absent.
"""
from __future__ import annotations

import hmac
import json
import re
from typing import Any

MAX_SENDER_CHARS = 128  # the tracker store keeps sender ids in a 255-character column
_SENDER = re.compile("^[^\x00-\x20\x7f-\x9f\ud800-\udfff][^\x00-\x1f\x7f-\x9f\ud800-\udfff]*$")
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
# Removed from messages: C0/C1 controls except \t and \n, zero-width space and word joiner, BOM,
# bidirectional marks, embeddings, overrides and isolates, lone surrogates. (The zero-width joiner
# stays: it is part of emoji.)
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060"
                        "\u2066-\u2069\u061c\ufeff\ud800-\udfff]")
_SAMPLE = 400  # characters looked at to choose the reply's language and script

BAD_REQUEST = ("抱歉，这条消息的格式不正确，无法处理：请求需要会话标识 sender 和文字消息 message。"
               "Sorry, this request could not be read: it needs a sender and a text message.")
EMPTY = ("您好像没有输入内容。请发送要查询的企业名称或统一社会信用代码，或直接说明您要办理的事情。",
         "Your message was empty. Send a company name or its unified social credit code, or tell me what you need.")
TOO_LONG = ("抱歉，您的消息太长了，请控制在 {limit} 字以内，或分几次发送。",
            "Sorry, your message is too long. Please keep it within {limit} characters, or send it in parts.")


def clean_message(text: str) -> str:
    """The message without control, invisible and direction-override characters; CR is a newline."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def polite(texts: tuple[str, str], sample: str, **values: Any) -> str:
    """Chinese in the script of `sample` (Traditional when it is written in Traditional), English
    when `sample` is English."""
    from actions.services.language import EN, TRADITIONAL, detect_language, detect_script
    from actions.services.textnorm import to_traditional

    sample = sample[:_SAMPLE]
    chinese, english = (t.format(**values) for t in texts)
    if sample and not sample.lstrip().startswith("/") and detect_language(sample) == EN:
        return english
    return to_traditional(chinese) if detect_script(sample) == TRADITIONAL else chinese


class Refusal(Exception):
    """A request answered by the guard itself: the HTTP status and the reply text."""

    def __init__(self, status: int, text: str, sender: str = ""):
        super().__init__(text)
        self.status, self.text, self.sender = status, text, sender


def sender_id(value: Any) -> str | None:
    """A usable conversation id (text or an integer, short, printable), else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    value = str(value)
    return value if len(value) <= MAX_SENDER_CHARS and _SENDER.match(value) else None


def checked_message(message: Any, limit: int, sender: str = "") -> str:
    """The message cleaned, or Refusal: 400 when it is not text, 200 with a reply when it is empty
    or longer than `limit` characters (surrounding spaces not counted)."""
    if not isinstance(message, str):
        raise Refusal(400, BAD_REQUEST, sender)
    text = clean_message(message)
    if not text.strip():
        raise Refusal(200, polite(EMPTY, ""), sender)
    if len(text.strip()) > limit:
        raise Refusal(200, polite(TOO_LONG, text.strip(), limit=limit), sender)
    return text


def checked_body(raw: bytes | None, limit: int) -> dict:
    """A REST request body as Rasa's handler may read it (message cleaned, bad optional fields
    dropped), or Refusal."""
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise Refusal(400, BAD_REQUEST)
    sender = sender_id(body.get("sender"))
    if sender is None:
        raise Refusal(400, BAD_REQUEST)
    checked = dict(body, sender=sender, message=checked_message(body.get("message"), limit, sender))
    if not isinstance(body.get("metadata"), dict):
        checked.pop("metadata", None)
    channel = body.get("input_channel")
    if not (isinstance(channel, str) and _CHANNEL_NAME.match(channel)):
        checked.pop("input_channel", None)
    return checked


# Conversations of the platform's own channels: the web page (web-…), Telegram (telegram-<chat id>,
# easy to guess) and the console's assist mode (console-…). Only those channel processes, which hold
# RASA_TOKEN, may speak as them or claim their channel names; otherwise anyone reaching the REST
# channel could pose as a Telegram user and ask for "我的申请" with their contact details.
RESERVED_SENDER_PREFIXES = ("web-", "telegram-", "console-")
RESERVED_CHANNELS = ("web", "telegram", "console")
CHANNEL_TOKEN_HEADER = "X-Xinyong-Channel-Token"
RESERVED = ("抱歉，这个会话标识是平台渠道专用的，请换一个会话标识（sender）。",
            "Sorry, this conversation id is reserved for the platform's own channels; use another sender.")


def check_reserved(body: dict, presented: str | None, token: str | None) -> None:
    """Refusal (403) when `body` speaks as a platform channel without its token. With no token
    configured (a bare `rasa run` for development) nothing is reserved."""
    if not token:
        return
    reserved = (str(body.get("sender", "")).startswith(RESERVED_SENDER_PREFIXES)
                or body.get("input_channel") in RESERVED_CHANNELS)
    if reserved and not presents_token(presented, token):
        raise Refusal(403, polite(RESERVED, str(body.get("message") or "")), str(body.get("sender", "")))


def presents_token(presented: str | None, token: str | None) -> bool:
    """True when a request carries the channel token (RASA_TOKEN): one of the platform's channel
    processes, which checks its own clients."""
    return bool(token and presented) and hmac.compare_digest(presented.encode(), token.encode())
