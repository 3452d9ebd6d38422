"""Rasa's socket.io channel with the REST channel's rules: `bot.channels.socketio.GuardedSocketIOInput`.

Registered in bot/credentials.yml in place of `socketio:`. Its name stays "socketio", so the URL
(`/socket.io`) and the events Rasa's web chat widgets speak (`session_request` → `session_confirm`,
`user_uttered` → `bot_uttered`) are unchanged. Stock Rasa 3.6 read every event as it came: any session
id (a web page's `web-…` conversation included), a message of any length or type (10,000 characters took
a Rasa server from 2 GB to 5 GB; 50,000 made TensorFlow ask for 40 GB), metadata as the client wrote it;
and with the pinned python-socketio it never entered the session's room (`enter_room` became a coroutine
that Rasa does not await), so no reply was ever delivered.

Here every event goes through bot/channels/guard.py first, as on REST:
- the session id must be a usable conversation id (`guard.sender_id`) and never one of the platform's
  own (`guard.RESERVED_SENDER_PREFIXES`): no platform process speaks socket.io, so no token opens them;
- the message is cleaned and length-capped (`guard.checked_message`); empty and over-long ones are
  answered here, without NLU;
- `input_channel` is always "socketio"; metadata that is not an object counts as absent, and the
  server, not the client, writes `metadata["client_address"]` (bot/channels/clients.py: the peer, or
  X-Forwarded-For behind a trusted proxy);
- a new conversation is admitted per client address (`clients.admit`);
- Engine.IO refuses a frame over MAX_FRAME_BYTES before it is parsed.
A refused event gets one polite `bot_uttered` on the socket that sent it (never into the session's
room), and nothing is processed. A turn in which the assistant said nothing gets one line, as on REST.
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from socketio import AsyncServer

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput

from actions.services.client_context import usable
from actions.settings import max_message_chars
from bot.channels import guard
from bot.channels.clients import CLIENT_ADDRESS, admit, client_of
from bot.channels.rest import silence_text

log = logging.getLogger(__name__)

# The largest Engine.IO frame (or long-polling body) accepted, refused before it is parsed. A chat
# message is at most XINYONG_MAX_MESSAGE_CHARS (1000) characters, a few kilobytes; up to this size
# an over-long one (50,000 characters of Chinese or emoji, as a browser sends them) is read and
# answered politely; a larger frame is no chat message, and the connection is closed.
MAX_FRAME_BYTES = 256 * 1024
CHANNEL = "socketio"

BAD_EVENT = ("抱歉，这条消息的格式不正确，无法处理：需要会话标识 session_id 和文字消息 message。",
             "Sorry, this message could not be read: it needs a session_id and a text message.")
RESERVED = ("抱歉，这个会话标识是平台渠道专用的，请换一个会话标识（session_id），或不指定，由服务器分配。",
            "Sorry, this conversation id is reserved for the platform's own channels; use another "
            "session_id, or none to be given one.")
OTHER_SESSION = ("抱歉，这条消息的会话标识与本连接确认的会话不一致，请重新连接。",
                 "Sorry, this message names another session than the one this connection confirmed; "
                 "please reconnect.")


def _reserved(sender: str) -> bool:
    return sender.startswith(guard.RESERVED_SENDER_PREFIXES)


def session_of(data: Any) -> str:
    """The session id a `session_request` asks for (a new one when it names none), or Refusal."""
    wanted = data.get("session_id") if isinstance(data, dict) else None
    if wanted is None:
        return uuid.uuid4().hex
    session = guard.sender_id(wanted)
    if session is None:
        raise guard.Refusal(400, guard.polite(BAD_EVENT, ""))
    if _reserved(session):
        raise guard.Refusal(403, guard.polite(RESERVED, ""), session)
    return session


def metadata_of(data: dict, key: str, address: str | None) -> dict:
    """The event's metadata as the assistant may read it: an object (or a JSON text of one, as
    Rasa accepts) without claims about the channel or the client, plus the client's address."""
    metadata = data.get(key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):
            metadata = None
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    metadata.pop("input_channel", None)  # the channel is this one, whatever the client says
    metadata[CLIENT_ADDRESS] = usable(address)
    return metadata


def checked_event(data: Any, session: str | None, limit: int) -> tuple[str, str]:
    """(sender, cleaned text) of a `user_uttered` event from a socket whose confirmed session is
    `session` (None: it has none yet), or Refusal."""
    message = data.get("message") if isinstance(data, dict) else None
    sample = message if isinstance(message, str) else ""
    if not isinstance(data, dict):
        raise guard.Refusal(400, guard.polite(BAD_EVENT, sample))
    named = data.get("session_id")
    sender = guard.sender_id(named) if named is not None else session
    if sender is None:
        raise guard.Refusal(400, guard.polite(BAD_EVENT, sample))
    if _reserved(sender):
        raise guard.Refusal(403, guard.polite(RESERVED, sample), sender)
    if session is not None and sender != session:
        raise guard.Refusal(403, guard.polite(OTHER_SESSION, sample), sender)
    try:
        return sender, guard.checked_message(message, limit, sender)
    except guard.Refusal as refused:
        if refused.status == 400:  # not text: the socket.io wording, not REST's
            raise guard.Refusal(400, guard.polite(BAD_EVENT, sample), sender) from None
        raise


class _Output(SocketIOOutput):
    """Rasa's socket.io output, remembering whether the turn said anything."""

    said = False

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.said = True
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        self.said = True
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class _Blueprint(SocketBlueprint):
    def register(self, app: Sanic, options: dict) -> None:
        # Socket.io is the only websocket of the Rasa server: its frames stop at the same cap, in the
        # websocket library, before they are even assembled.
        app.config.WEBSOCKET_MAX_SIZE = min(app.config.WEBSOCKET_MAX_SIZE, MAX_FRAME_BYTES)
        super().register(app, options)


def _address(environ: dict) -> str | None:
    request = environ.get("sanic.request")
    if request is not None:
        return client_of(request.ip, request.headers.getall("X-Forwarded-For", []))
    return client_of(environ.get("REMOTE_ADDR"), [environ.get("HTTP_X_FORWARDED_FOR", "")])


class GuardedSocketIOInput(SocketIOInput):
    """SocketIOInput ("socketio") behind the message guard (bot/channels/guard.py)."""

    def __init__(self, *args: Any, max_chars: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_chars = max_chars or max_message_chars()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's own: cross-origin handling is left to the Sanic app (`--cors`).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_FRAME_BYTES)
        bp = _Blueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        async def refuse(sid: str, refused: guard.Refusal, event: str) -> None:
            log.info("socket.io %s refused (%s) for %s", event, refused.status, sid)
            await sio.emit(self.bot_message_evt, {"text": refused.text}, room=sid, namespace=namespace)

        @bp.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if self.jwt_key:
                token = auth.get("token") if isinstance(auth, dict) else None
                if not (token and rasa.core.channels.channel.decode_bearer_token(
                        token, self.jwt_key, self.jwt_algorithm)):
                    return False
            # The address of the connection's first request: the client cannot name it per event.
            await sio.save_session(sid, {"address": _address(environ), "session": None}, namespace=namespace)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, reason: Any = None) -> None:
            log.debug("socket.io client %s disconnected", sid)

        async def join(sid: str, session: str) -> None:
            state = await sio.get_session(sid, namespace=namespace)
            state["session"] = session
            # python-socketio 5.x made enter_room a coroutine; Rasa 3.6 does not await it, so its
            # sockets never joined the room the replies are sent to.
            await sio.enter_room(sid, session, namespace=namespace)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None, *_: Any) -> None:
            try:
                session = session_of(data)
            except guard.Refusal as refused:
                return await refuse(sid, refused, "session_request")
            if self.session_persistence:
                state = await sio.get_session(sid, namespace=namespace)
                if state.get("session") not in (None, session):  # one conversation per connection
                    await sio.leave_room(sid, state["session"], namespace=namespace)
                await join(sid, session)
            await sio.emit("session_confirm", session, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None, *_: Any) -> None:
            state = await sio.get_session(sid, namespace=namespace)
            confirmed = state.get("session")
            if not self.session_persistence and isinstance(data, dict):  # Rasa's rule: the socket's own id
                confirmed = sid
                data = dict(data, session_id=sid)
            try:
                sender, text = checked_event(data, confirmed, self.max_chars)
                refused = await admit(state.get("address"), sender, CHANNEL, text)
                if refused is not None:
                    raise refused
            except guard.Refusal as refused:
                return await refuse(sid, refused, self.user_message_evt)
            if self.session_persistence and confirmed is None:  # a client that skipped session_request
                await join(sid, sender)
            output = _Output(sio, self.bot_message_evt)
            message = UserMessage(text, output, sender, input_channel=CHANNEL,
                                  metadata=metadata_of(data, self.metadata_key, state.get("address")))
            await on_new_message(message)
            if not output.said:
                await output.send_text_message(sender, silence_text(text))

        return bp
