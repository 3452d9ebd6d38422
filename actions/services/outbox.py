"""The outbox: messages for a conversation that are not a reply to what its user just said — a
person's answer in a handed-over conversation, a ticket's new status. Written in the transaction of
the change they report, so nobody is told of a change that did not commit; each channel delivers
its own (the web page asks for its conversation's, the Telegram bridge sends its channel's)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.engine import session_scope
from actions.db.models import ChannelMessage, utcnow

# Channels whose users can be told something later: the web page and Telegram. A REST caller has
# no way to receive it, so nothing is queued for it.
DELIVERING_CHANNELS = ("web", "telegram")


@dataclass(frozen=True)
class Outgoing:
    id: int
    channel: str | None
    sender_id: str
    kind: str
    text: str
    created_at: dt.datetime
    ticket_no: str | None = None
    handoff_id: int | None = None

    @classmethod
    def of(cls, m: ChannelMessage) -> "Outgoing":
        return cls(m.id, m.channel, m.sender_id, m.kind, m.text, m.created_at, m.ticket_no, m.handoff_id)


def add(session: Session, channel: str | None, sender_id: str, kind: str, text: str, ticket_no: str | None = None,
        handoff_id: int | None = None, staff_id: int | None = None) -> ChannelMessage:
    message = ChannelMessage(channel=channel, sender_id=sender_id, kind=kind, text=text, ticket_no=ticket_no,
                             handoff_id=handoff_id, staff_id=staff_id)
    session.add(message)
    return message


def for_sender(sender_id: str, after_id: int = 0, limit: int = 50) -> list[Outgoing]:
    """The conversation's messages newer than `after_id`, oldest first, marked delivered."""
    with session_scope() as session:
        rows = list(session.execute(sa.select(ChannelMessage)
                                    .where(ChannelMessage.sender_id == sender_id, ChannelMessage.id > after_id)
                                    .order_by(ChannelMessage.id).limit(limit)).scalars())
        now = utcnow()
        for m in rows:
            m.delivered_at = m.delivered_at or now
        return [Outgoing.of(m) for m in rows]


def latest_id_in(session: Session, sender_id: str) -> int:
    return session.execute(sa.select(sa.func.max(ChannelMessage.id))
                           .where(ChannelMessage.sender_id == sender_id)).scalar() or 0


def pending(channel: str, limit: int = 50) -> list[Outgoing]:
    """Undelivered messages of a channel, oldest first."""
    with session_scope() as session:
        rows = session.execute(sa.select(ChannelMessage)
                               .where(ChannelMessage.channel == channel, ChannelMessage.delivered_at.is_(None))
                               .order_by(ChannelMessage.id).limit(limit)).scalars()
        return [Outgoing.of(m) for m in rows]


def mark_delivered(ids: list[int]) -> None:
    if not ids:
        return
    with session_scope() as session:
        session.execute(sa.update(ChannelMessage).where(ChannelMessage.id.in_(ids), ChannelMessage.delivered_at.is_(None))
                        .values(delivered_at=utcnow()))
