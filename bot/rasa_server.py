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

The patches are applied to the pinned rasa==3.6.21 and are covered by tests/test_faults.py and
tests/test_cluster_config.py.
"""
from __future__ import annotations

import contextvars
import logging
import sys
from typing import Any

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
    MessageProcessor._xinyong_atomic_turns = True


def main(argv: list[str] | None = None) -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
