"""action_query_credit: look a subject up by code or name, or answer a follow-up on the one in focus.

Thin: it reads entities and slots, calls services.enquiry off the event loop, and lets
services.enquiry_text word the answer (a sender who asked too often is refused by the service,
and SafeAction says so). Slots it keeps: focus_subject (internal id, never an ID
number), previous_subject, listing_offset and listing_kinds (for "查看更多").
"""
from __future__ import annotations

import re

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.db.engine import run_db
from actions.latest import latest_entity, previous_action, set_last_turn
from actions.policy_actions import answer_policy, is_policy_followup
from actions.reply import Reply
from actions.safe_action import SafeAction
from actions.services import codes, enquiry, enquiry_text, followup
from actions.services.enquiry import Enquiry

MAX_CANDIDATES = 5


def _echo(code: str) -> str:
    """A code as the reply may repeat it: anything shaped like an ID number (valid or mistyped) masked."""
    return codes.mask_id_number(code) if re.fullmatch(r"\d{17}[\dXx]", code or "") else code


def _code_payload(code: str) -> str:
    return '/query_credit{"credit_code":"%s"}' % code


class ActionQueryCredit(SafeAction):
    def name(self) -> str:
        return "action_query_credit"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        asked = followup.parse(text)
        page = latest_entity(tracker, "page")
        # "还有吗" right after a policy answer asks for the next rule, not the next page of records
        # (also after a "还有吗" this action passed on, which set the policy context).
        policy_last = previous_action(tracker) == "action_answer_policy" or set_last_turn(tracker, "policy_context")
        if (not page and not latest_entity(tracker, "credit_code") and not latest_entity(tracker, "subject_name")
                and policy_last and is_policy_followup(text)):
            return await answer_policy(reply, tracker)
        sender, channel = tracker.sender_id, tracker.get_latest_input_channel() or None
        focus = tracker.get_slot("focus_subject")

        code = latest_entity(tracker, "credit_code")
        if code:
            found = await run_db(enquiry.by_code, code, sender, asked.kinds, channel=channel)
            shown = _echo(found.check.normalized)
            if not found.check.valid:
                reply.zh_en(f"{found.check.reason}。请核对后重新发送，统一社会信用代码共18位。",
                            f"That code does not check out ({shown}): please check it "
                            f"and send it again. A unified social credit code has 18 characters.")
                return []
            if found.enquiry is None:
                reply.zh_en(f"没有找到代码为 {shown if found.check.kind != 'id_number' else '该身份证号'}"
                            f" 的主体公示信息。请核对代码，或发送主体名称查询。",
                            f"No subject with the code {shown} was found on the platform.")
                return []
            return self._show(reply, found.enquiry, 0, focus)

        name = latest_entity(tracker, "subject_name")
        if name:
            return await self._by_name(reply, name, sender, asked.kinds, focus, channel)

        # A person named in the message is never looked up, not even when the conversation is about
        # another subject: only a full ID number finds a person.
        if latest_entity(tracker, "person_name"):
            reply.zh_en("为保护个人信息，自然人不能按姓名查询。如需查询失信被执行人等法院公布的信息，请提供完整的身份证号码，"
                        "结果中的身份证号会遮挡显示。",
                        "To protect personal data, people cannot be looked up by name. Send the full ID number "
                        "to see court-published list entries; the number is shown masked.")
            return []

        if asked.previous:
            previous = tracker.get_slot("previous_subject")
            if not previous:
                reply.zh_en("之前没有查询过其他主体。请发送主体名称或统一社会信用代码。",
                            "There is no earlier subject in this conversation. Send a name or a code.")
                return []
            found_previous = await run_db(enquiry.by_id, int(previous), sender, asked.kinds, channel=channel)
            return self._show_or_gone(reply, found_previous, 0, focus)

        if focus and (asked.more or page):
            offset = int(page) if page and page.isdigit() else int(tracker.get_slot("listing_offset") or 0)
            kinds = tuple((tracker.get_slot("listing_kinds") or "").split(",")) if tracker.get_slot("listing_kinds") else ()
            found_focus = await run_db(enquiry.by_id, int(focus), sender, kinds, channel=channel)
            return self._show_or_gone(reply, found_focus, offset, focus)

        if focus:
            found_focus = await run_db(enquiry.by_id, int(focus), sender, asked.kinds, channel=channel)
            return self._show_or_gone(reply, found_focus, 0, focus)

        reply.response("utter_ask_subject")
        return []

    async def _by_name(self, reply: Reply, name: str, sender: str, kinds: tuple[str, ...], focus,
                       channel: str | None) -> list:
        found = await run_db(enquiry.by_name, name, sender, kinds, limit=MAX_CANDIDATES, channel=channel)
        if found.too_short:
            reply.zh_en(f"【{name}】太短了，会匹配到很多主体。请输入名称中至少连续3个字，或发送18位统一社会信用代码。",
                        f"\"{name}\" is too short to search. Send at least 3 characters of the name or the 18-character code.")
            return []
        if found.exact:
            return self._show(reply, found.exact, 0, focus)
        if not found.candidates:
            reply.zh_en(f"没有找到名称包含【{name}】的企业或组织。请核对名称（可以只输入其中连续的几个字），"
                        f"或发送18位统一社会信用代码查询。",
                        f"No organisation whose name contains \"{name}\" was found. Check the name or send the code.")
            return []
        buttons = [{"title": f"{c.name}（{c.region}）" if c.region else c.name, "payload": _code_payload(c.code)}
                   for c in found.candidates[:MAX_CANDIDATES] if c.code]
        more = "匹配的主体较多，" if found.too_many or len(found.candidates) >= MAX_CANDIDATES else ""
        reply.zh_en(f"{more}找到以下名称包含【{name}】的主体，请选择要查询的一家"
                    f"{'（或输入更完整的名称）' if more else ''}：",
                    f"Several organisations match \"{name}\". Which one do you mean?", buttons)
        return []

    def _show_or_gone(self, reply: Reply, found: Enquiry | None, offset: int, focus) -> list:
        if found is None:
            reply.zh_en("刚才查询的主体信息已无法找到，请重新发送名称或代码。",
                        "The subject in focus can no longer be found. Please send its name or code again.")
            return [SlotSet("focus_subject", None)]
        return self._show(reply, found, offset, focus)

    def _show(self, reply: Reply, found: Enquiry, offset: int, focus) -> list:
        page = enquiry_text.render(found, offset, english=reply.english)
        buttons = None
        if page.next_offset is not None:
            buttons = [{"title": "More" if reply.english else "查看更多",
                        "payload": '/query_credit{"page":"%d"}' % page.next_offset}]
        reply.say(page.text, buttons)
        events = [SlotSet("focus_subject", str(found.subject.id)),
                  SlotSet("listing_offset", str(page.next_offset if page.next_offset is not None
                                                else offset + page.shown)),
                  SlotSet("listing_kinds", ",".join(found.kinds) if found.kinds != enquiry.KINDS else None)]
        if focus and str(focus) != str(found.subject.id):
            events.append(SlotSet("previous_subject", str(focus)))
        return events
