"""`python -m bot.rasa_server run …`: Rasa's own command line, with one change: a turn is all or
nothing.

Stock Rasa 3.6 swallows a failed custom action ("the action's events are lost") and carries on, so
a user whose action server died mid-filing gets silence, or a form that moved on without the step
that failed. When the tracker store fails, it carries on with an empty conversation kept in memory
(FailSafeTrackerStore): a user mid-form is silently started over, and the stored conversation can
later be appended to out of step.

Here, when the action server cannot be reached or answers with an error, or the tracker store or
lock store fails, the turn is abandoned: the tracker is not saved (the conversation stays exactly
where it was before the message), and the user is told that the message was not processed and to
send it again. Sending it again replays the same step; filings carry an idempotency key, so a
retried confirmation finds the ticket instead of filing a second one.

One more change, for speed: Rasa checks every action server answer against the full JSON schema of
all event types, which was 40–45 % of a Rasa server's CPU per turn in a profile of lookups (py-spy,
bench/load.py). The action server is this project's own rasa-sdk; its answers are checked for their
shape (a dict with lists of dicts, each event naming its type), and only an answer that fails that
goes through Rasa's full validation, which explains what is wrong.

And one length cap before NLU, whatever the channel: a user message longer than
XINYONG_MAX_MESSAGE_CHARS (surrounding spaces not counted) gets the channels' polite "too long" answer
without NLU or any model call (the NLU model's memory grows with the square of a text's length:
10,000 characters took a Rasa server from 2 GB to 5 GB, 50,000 made TensorFlow ask for 40 GB), and
Rasa's HTTP API refuses such a text with 413 (`/model/parse`, `POST /conversations/{id}/messages`).
The channels check the same limit themselves (bot/channels/); this holds for any other.

Started by `main()`: RASA_TOKEN is read from the environment and given to Rasa's parser inside the
process (a command line is readable by every local user); request bodies over MAX_BODY_BYTES are
refused with 413 before they are read; Rasa's telemetry is off.

The patches are applied to the pinned rasa==3.6.21 and are covered by tests/test_faults.py and
tests/test_cluster_config.py.
"""
from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
from typing import Any, Mapping

from bot.telemetry import OFF as TELEMETRY_OFF

log = logging.getLogger("xinyong.turns")

# The failures of remote actions during the current `_run_action` call (a list per call).
_failures: contextvars.ContextVar[list | None] = contextvars.ContextVar("xinyong_action_failures", default=None)


class TurnFailed(Exception):
    """A custom action could not run; the turn is abandoned."""


RETRY = ("抱歉，系统暂时繁忙，您刚才的消息没有处理成功，请稍后重新发送一次。如有急事，请拨打信用服务热线 {hotline}。",
         "Sorry, the system is busy and your last message was not processed. Please send it again in a "
         "moment. If it is urgent, call the credit hotline {hotline}.")


def retry_text(user_text: str | None) -> str:
    """The apology for an abandoned turn, in the script (or language) the user wrote in."""
    from actions.settings import hotline
    from bot.channels.guard import polite

    return polite(RETRY, user_text or "", hotline=hotline())


class MessageTooLong(ValueError):
    """A user message over the length limit reached a path that parses text."""


def over_limit(text: Any) -> int | None:
    """The length limit when `text` is longer (surrounding spaces not counted), else None."""
    from actions.settings import max_message_chars

    limit = max_message_chars()
    return limit if isinstance(text, str) and len(text.strip()) > limit else None


def too_long_text(text: str, limit: int) -> str:
    """The channels' polite answer to an over-long message, in the user's script or English."""
    from bot.channels.guard import TOO_LONG, polite

    return polite(TOO_LONG, text.strip(), limit=limit)


# Rasa's HTTP API paths that read a user's text into NLU or a tracker.
_TEXT_PATHS = re.compile(r"^/(model/parse|conversations/[^/]+/messages)/?$")


def well_formed(result: Any) -> bool:
    """The shape Rasa relies on in an action server's answer: {"events": [{"event": str, …}],
    "responses": [{…}]}, both optional."""
    if not isinstance(result, dict):
        return False
    events, responses = result.get("events", []), result.get("responses", [])
    return (isinstance(events, list) and isinstance(responses, list)
            and all(isinstance(e, dict) and isinstance(e.get("event"), str) for e in events)
            and all(isinstance(r, dict) for r in responses))


def install() -> None:
    import rasa.server
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore

    if getattr(MessageProcessor, "_xinyong_atomic_turns", False):
        return
    remote_run = RemoteAction.run
    full_validation = RemoteAction._validate_action_result
    run_action = MessageProcessor._run_action
    handle = Agent.handle_message
    parse_message = MessageProcessor.parse_message
    create_app = rasa.server.create_app

    async def guarded_remote_run(self, *args: Any, **kwargs: Any):
        try:
            return await remote_run(self, *args, **kwargs)
        except ActionExecutionRejection:  # a form's ordinary "not this slot": not a failure
            raise
        except Exception as exc:
            failures = _failures.get()
            if failures is not None:
                failures.append(f"{self.name()}: {exc}")
            raise

    async def atomic_run_action(self, action, tracker, output_channel, nlg, prediction):
        failures: list[str] = []
        token = _failures.set(failures)
        try:
            result = await run_action(self, action, tracker, output_channel, nlg, prediction)
        finally:
            _failures.reset(token)
        if failures:
            raise TurnFailed("; ".join(failures))
        return result

    async def atomic_handle_message(self, message):
        # One length cap before NLU, whatever the channel: a long text costs the NLU model memory
        # quadratic in its length (10,000 characters took a Rasa server from 2 GB to 5 GB).
        limit = over_limit(message.text)
        if limit is not None:
            log.info("over-long message (%d characters) from %s answered without NLU",
                     len(message.text), message.sender_id)
            channel = message.output_channel
            await channel.send_text_message(message.sender_id, too_long_text(message.text, limit))
            return channel.messages if isinstance(channel, CollectingOutputChannel) else None
        try:
            return await handle(self, message)
        except Exception as exc:  # noqa: BLE001 - whatever failed, the user gets an answer
            if isinstance(exc, TurnFailed):
                log.error("turn abandoned for sender %s: %s", message.sender_id, exc)
            else:
                log.exception("turn abandoned for sender %s", message.sender_id)
            channel = message.output_channel
            if isinstance(channel, CollectingOutputChannel):
                channel.messages.clear()  # what the abandoned turn said before it failed is void
            text = retry_text(message.text)
            try:
                await channel.send_text_message(message.sender_id, text)
            except Exception:  # noqa: BLE001 - a channel that cannot even say sorry
                log.exception("could not send the retry message to %s", message.sender_id)
            if isinstance(channel, CollectingOutputChannel):
                return channel.messages
            return None

    async def capped_parse_message(self, message, *args: Any, **kwargs: Any):
        # Every other path that parses text (Rasa's HTTP API, a channel calling the processor).
        limit = over_limit(message.text)
        if limit is not None:
            raise MessageTooLong(f"the message is longer than {limit} characters")
        return await parse_message(self, message, *args, **kwargs)

    def capped_create_app(*args: Any, **kwargs: Any):
        from sanic import response

        app = create_app(*args, **kwargs)

        @app.middleware("request")
        async def refuse_long_text(request):
            # Before Rasa's handler: 413 instead of its 500 "ConversationError", and no tracker lock.
            if request.method != "POST" or not _TEXT_PATHS.match(request.path):
                return None
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - not JSON: Rasa's handler answers it
                return None
            limit = over_limit(body.get("text") if isinstance(body, dict) else None)
            if limit is None:
                return None
            return response.json({"version": rasa.__version__, "status": "failure", "reason": "MessageTooLong",
                                  "message": f"The message is longer than {limit} characters "
                                             f"(XINYONG_MAX_MESSAGE_CHARS); it was not parsed.",
                                  "details": {"limit": limit}, "help": None, "code": 413}, status=413)

        return app

    def validate_action_result(self, result):
        return True if well_formed(result) else full_validation(self, result)

    async def retrieve(self, sender_id):
        return await self._tracker_store.retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id):
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    async def save(self, tracker):
        await self._tracker_store.save(tracker)

    FailSafeTrackerStore.retrieve = retrieve
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker
    FailSafeTrackerStore.save = save
    RemoteAction.run = guarded_remote_run
    RemoteAction._validate_action_result = validate_action_result
    MessageProcessor._run_action = atomic_run_action
    Agent.handle_message = atomic_handle_message
    MessageProcessor.parse_message = capped_parse_message
    rasa.server.create_app = capped_create_app
    MessageProcessor._xinyong_atomic_turns = True


# Largest request body the Rasa server reads (Sanic's default is 100 MB): a chat message is a few
# kilobytes at most, and nothing this project sends Rasa comes near this.
MAX_BODY_BYTES = 1024 * 1024


def rasa_argv(args: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """Rasa's command line for `args`. For `run`, the HTTP API's token comes from RASA_TOKEN in the
    environment (a command line is readable by every local user in `ps` and /proc/<pid>/cmdline);
    Rasa's parser gets it here, inside the process, whose own command line stays as it was started."""
    environ = os.environ if environ is None else environ
    token = (environ.get("RASA_TOKEN") or "").strip()
    given = any(a == "--auth-token" or a.startswith("--auth-token=") for a in args)
    if args[:1] == ["run"] and args[1:2] != ["actions"] and token and not given:
        args = [*args, f"--auth-token={token}"]
    return ["rasa", *args]


def body_too_large_text() -> str:
    """Both languages: the body was refused unread, so its script is unknown."""
    from actions.settings import max_message_chars
    from bot.channels.guard import TOO_LONG

    limit = max_message_chars()
    return TOO_LONG[0].format(limit=limit) + " " + TOO_LONG[1].format(limit=limit)


def limit_bodies(max_bytes: int = MAX_BODY_BYTES) -> None:
    """Rasa's Sanic app refuses (413) request bodies over max_bytes, before reading them."""
    import rasa.core.run

    configure = rasa.core.run.configure_app
    if getattr(configure, "_xinyong_max_body", None) is not None:
        return

    def configure_app(*args: Any, **kwargs: Any):
        from sanic import response
        from sanic.exceptions import PayloadTooLarge

        app = configure(*args, **kwargs)
        app.config.REQUEST_MAX_SIZE = max_bytes

        @app.exception(PayloadTooLarge)
        async def too_large(request, exception):
            # A channel's caller gets a polite line in Rasa's reply format, not Sanic's error page.
            text = body_too_large_text()
            if request.path.startswith("/webhooks/"):
                return response.json([{"recipient_id": "", "text": text}], status=413)
            return response.json({"status": "failure", "reason": "PayloadTooLarge", "message": text, "code": 413},
                                 status=413)

        return app

    configure_app._xinyong_max_body = max_bytes
    rasa.core.run.configure_app = configure_app


def main(argv: list[str] | None = None) -> None:
    os.environ.update(TELEMETRY_OFF)  # also when started by hand (bot/telemetry.py)
    install()
    limit_bodies()
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_argv(sys.argv[1:] if argv is None else argv)
    rasa_main()


if __name__ == "__main__":
    main()
