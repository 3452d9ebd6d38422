"""action_check_status: a ticket by its number (any case, anywhere in the sentence), or the
tickets this conversation filed ("我的申请").

Only the conversation that filed a ticket sees all of it (subject, record, events and staff notes,
contact, statement); anyone else holding the number sees its status and deadline only: ticket
numbers are sequential, so a number alone proves nothing (services.tickets.progress_only). Both
are lookups: audited and limited by the service.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.db.engine import run_db
from actions.latest import latest_entity
from actions.reply import Reply
from actions.safe_action import SafeAction
from actions.services import filing_text, tickets

MAX_LISTED = 5


class ActionCheckStatus(SafeAction):
    def name(self) -> str:
        return "action_check_status"

    async def act(self, reply: Reply, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        sender, channel = tracker.sender_id, tracker.get_latest_input_channel() or None
        ticket_no = latest_entity(tracker, "ticket_id")
        if ticket_no:
            ticket = await run_db(tickets.lookup, ticket_no, sender, channel)
            if ticket is None:
                reply.zh_en(f"没有找到编号为 {ticket_no.upper()} 的申请。请核对编号（如 YY-20261130-0001），"
                            f"或说【我的申请】查看本对话提交过的申请。",
                            f"No application numbered {ticket_no.upper()} was found. Please check the number "
                            f"(it looks like YY-20261130-0001).")
                return []
            reply.say(filing_text.status(ticket, full=ticket.sender_id == sender, english=reply.english))
            return []
        mine = await run_db(tickets.mine, sender, MAX_LISTED + 1, channel)
        if not mine:
            reply.zh_en("这个对话里还没有提交过异议或信用修复申请。如有申请编号（如 YY-20261130-0001 或 "
                        "XF-20261130-0001），请直接发送编号查询。",
                        "No objection or credit repair application was filed from this conversation. If you have an "
                        "application number (e.g. YY-20261130-0001 or XF-20261130-0001), send it to check its "
                        "progress.")
            return []
        if len(mine) == 1:
            reply.say(filing_text.status(mine[0], full=True, english=reply.english))
            return []
        lines = "\n".join(f"{n}. {filing_text.brief(t, reply.english)}" for n, t in enumerate(mine[:MAX_LISTED], 1))
        buttons = [{"title": t.ticket_no, "payload": '/check_status{"ticket_id":"%s"}' % t.ticket_no}
                   for t in mine[:MAX_LISTED]]
        reply.zh_en(f"本对话提交过的申请（最新在前）：\n{lines}\n点选编号查看详情。",
                    f"Applications filed from this conversation (latest first):\n{lines}\nPress a number for details.",
                    buttons)
        return []
