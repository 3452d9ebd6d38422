"""New conversations per client address (actions/rules/limits.yml `address_conversations`).

A conversation's first message is recorded in client_conversations (sender, address, channel, when;
migration 0005); while an address has started too many in a window, a further new conversation is
refused and nothing is recorded for it. A known conversation is always admitted: one read of the
primary key (and the channels keep admitted ids in memory, bot/channels/clients.py). Counted in the
shared database, so the limit holds across replicas and restarts. The refusal is audited
(`conversation_refused`, with the address).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError

from actions.db.engine import session_scope
from actions.db.models import ClientConversation, utcnow
from actions.services import audit, client_context
from actions.services.limits_rules import rules
from actions.services.rate_limit import window_wait

REFUSED = "conversation_refused"


def admit(address: str | None, sender: str, channel: str | None, now: dt.datetime | None = None) -> int | None:
    """None when `sender` may go on (known, or new and within the limit of `address`; then it is
    recorded); else the whole seconds until `address` may start one more conversation."""
    limits = rules().address
    if not (limits.conversations.active and limits.applies_to(address)):
        return None
    now = now or utcnow()
    with client_context.acting_for(address), session_scope() as session:
        if session.get(ClientConversation, sender) is not None:
            return None
        full = window_wait(session, ClientConversation.first_seen_at, (ClientConversation.client_address == address,),
                           limits.conversations.windows, now)
        if full is not None:
            window, wait = full
            audit.log(session, "anonymous", sender, REFUSED, "conversation", None,
                      {"limit": window.label, "retry_after": wait}, channel=channel)
            session.flush()  # inside acting_for: the entry records the address
            return wait
        try:
            with session.begin_nested():  # the same new sender on two replicas at once: one row
                session.add(ClientConversation(sender_id=sender, client_address=address, channel=channel,
                                               first_seen_at=now))
        except IntegrityError:
            pass
    return None

