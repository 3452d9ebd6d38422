"""Rasa's REST channel with the message guard in front: `bot.channels.rest.GuardedRestInput`.

Registered in bot/credentials.yml in place of `rest:`. Its name stays "rest", so the URL
(POST /webhooks/rest/webhook), the default `input_channel` and every client (the web server, the
Telegram bridge, integrations) are unchanged. A request middleware runs bot/channels/guard.py on
the body before Rasa's own handler reads it: unreadable requests get 400, empty and over-long
messages a polite 200 without NLU, and the message Rasa reads has no control or invisible
characters. Everything else is Rasa's RestInput as it is (streaming stays off unless asked for).

The client's address travels with the message as `metadata["client_address"]`
(bot/channels/clients.py): the guard writes the request's address there (the peer, or
X-Forwarded-For only from a trusted proxy), whatever the client sent, and admits a new conversation
per address (429 with Retry-After beyond the limit, in Rasa's reply format). A caller with the
channel token (the web server, the Telegram bridge, the console) has checked its own clients: its
value is kept (the web server's client, or none) and it is not limited here.

After Rasa's turn, a turn that said nothing gets one line, so a user is never met with silence:
Rasa's own `/restart`, `/session_start` and `/back` have no response in this domain (a polite
"how can I help"); any other silent turn means the assistant could not answer (an apology with the
hotline, and a warning in the log).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from actions.services.client_context import usable
from actions.settings import hotline, max_message_chars, rasa_token
from bot.channels.clients import CLIENT_ADDRESS, admit, client_of
from bot.channels.guard import CHANNEL_TOKEN_HEADER, Refusal, check_reserved, checked_body, polite, presents_token

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"^/(restart|session_start|back)(?![A-Za-z0-9_])")
RESTARTED = ("好的，对话已重新开始。请问有什么可以帮您？", "OK, the conversation has started over. How can I help you?")
HOW_CAN_I_HELP = ("请问有什么可以帮您？您可以发送企业名称或统一社会信用代码查询信用信息，也可以说“转人工”。",
                  "How can I help you? Send a company name or its unified social credit code, or say \"human\".")
NO_ANSWER = ("抱歉，系统暂时无法回复，请稍后再试，或拨打信用服务热线 {hotline}。",
             "Sorry, the assistant cannot answer right now. Please try again later or call the credit "
             "hotline {hotline}.")


def _said_something(messages: list) -> bool:
    return any(isinstance(m, dict) and (m.get("text") or "").strip() for m in messages)


def silence_text(text: str) -> str:
    """The line for a turn in which Rasa said nothing to `text`."""
    control = _CONTROL.match(text.strip())
    if control:
        return polite(RESTARTED if control.group(1) == "restart" else HOW_CAN_I_HELP, text)
    return polite(NO_ANSWER, text, hotline=hotline())


def never_silent(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    """Rasa's handler, plus one line when the turn said nothing (collected replies only)."""

    async def handle(message: UserMessage) -> Any:
        result = await on_new_message(message)
        channel = message.output_channel
        if (isinstance(channel, CollectingOutputChannel) and isinstance(channel.messages, list)
                and not _said_something(channel.messages)):
            text = message.text or ""
            if not _CONTROL.match(text.strip()):
                log.warning("the assistant said nothing to a message from %s", message.sender_id)
            await channel.send_text_message(message.sender_id, silence_text(text))
        return result

    return handle


class GuardedRestInput(RestInput):
    """RestInput ("rest") behind the message guard (bot/channels/guard.py)."""

    def __init__(self, max_chars: int | None = None) -> None:
        self.max_chars = max_chars or max_message_chars()

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "GuardedRestInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = super().blueprint(never_silent(on_new_message))

        @bp.middleware("request")
        async def guard(request: Request):
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:  # Rasa's handler reads request.json, which is this checked body
                body = checked_body(request.body, self.max_chars)
                presented, token = request.headers.get(CHANNEL_TOKEN_HEADER), rasa_token()
                check_reserved(body, presented, token)
                if not presents_token(presented, token):
                    address = client_of(request.ip, request.headers.getall("X-Forwarded-For", []))
                    body["metadata"] = {**body.get("metadata", {}), CLIENT_ADDRESS: usable(address)}
                    refused = await admit(address, body["sender"], body.get("input_channel") or self.name(),
                                          body["message"])
                    if refused is not None:
                        raise refused
                elif CLIENT_ADDRESS in body.get("metadata", {}):  # a platform channel's own client, checked there
                    body["metadata"][CLIENT_ADDRESS] = usable(body["metadata"][CLIENT_ADDRESS])
                request.parsed_json = body
            except Refusal as refused:
                if refused.status != 200:
                    log.info("request to %s refused (%s)", request.path, refused.status)
                headers = {"Retry-After": str(refused.retry_after)} if hasattr(refused, "retry_after") else None
                return response.json([{"recipient_id": refused.sender, "text": refused.text}], status=refused.status,
                                     headers=headers)
            return None

        return bp
