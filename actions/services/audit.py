"""The audit log: every lookup and every staff action, written in the caller's transaction.

ID numbers in what an entry records (its detail and target) are masked here, when it is written,
so no caller can store one whole ("/query_credit{"subject_name":"<ID>"}" as searched), and again
when entries are read, for those written before. The actor is kept as given: the lookup limits
count by it (rate_limit), and it is a conversation id or an address, never typed text.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.engine import session_scope
from actions.db.models import AuditLog
from actions.services import conversation_ids
from actions.services.codes import mask_ids_in_text


def masked(value):
    """`value` with every ID number in its text masked, through dicts and lists (JSON details)."""
    if isinstance(value, str):
        return mask_ids_in_text(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    return value


def log(session: Session, actor_type: str, actor: str | None, action: str, target_type: str | None = None,
        target_id=None, detail: dict | None = None, channel: str | None = None) -> None:
    session.add(AuditLog(actor_type=actor_type, actor=actor, action=action, target_type=target_type,
                         target_id=None if target_id is None else masked(str(target_id)), detail=masked(detail),
                         channel=channel))


def record(actor_type: str, actor: str | None, action: str, target_type: str | None = None, target_id=None,
           detail: dict | None = None, channel: str | None = None) -> None:
    """An entry in a transaction of its own, for a lookup that changes nothing else (a page viewed)."""
    with session_scope() as session:
        log(session, actor_type, actor, action, target_type, target_id, detail, channel)


def record_unless_recent(actor_type: str, actor: str, action: str, target_type: str, target_id,
                         seconds: int, channel: str | None = None) -> bool:
    """Like `record`, unless this actor has an entry of this action on this target in the last
    `seconds` (a page that polls what its audited view already showed). True when written."""
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)
    with session_scope() as session:
        seen = session.execute(sa.select(AuditLog.id).where(
            AuditLog.actor == actor, AuditLog.at >= since, AuditLog.action == action,
            AuditLog.target_type == target_type, AuditLog.target_id == masked(str(target_id))).limit(1)).first()
        if seen is None:
            log(session, actor_type, actor, action, target_type, target_id, None, channel)
        return seen is None


@dataclass(frozen=True)
class Entry:
    id: int
    at: dt.datetime
    actor_type: str
    actor: str | None
    channel: str | None
    action: str
    target_type: str | None
    target_id: str | None
    detail: dict | None


def recent(actor: str | None = None, action: str | None = None, target: str | None = None,
           actor_type: str | None = None, before_id: int | None = None, limit: int = 100) -> list[Entry]:
    """The newest entries first; `actor` and `target` match a part, `action` a prefix."""
    q = sa.select(AuditLog)
    if actor:
        q = q.where(conversation_ids.contains(AuditLog.actor, actor))  # no guessing hidden ids by parts
    if action:
        q = q.where(AuditLog.action.startswith(action, autoescape=True))
    if target:
        q = q.where(conversation_ids.contains(AuditLog.target_id, target))
    if actor_type:
        q = q.where(AuditLog.actor_type == actor_type)
    if before_id:
        q = q.where(AuditLog.id < before_id)
    with session_scope() as session:
        rows = session.execute(q.order_by(AuditLog.id.desc()).limit(limit)).scalars()
        return [Entry(r.id, r.at, r.actor_type, r.actor, r.channel, r.action, r.target_type, masked(r.target_id),
                      masked(r.detail)) for r in rows]
