"""The audit log: every lookup and every staff action, written in the caller's transaction."""
from __future__ import annotations

from sqlalchemy.orm import Session

from actions.db.models import AuditLog


def log(session: Session, actor_type: str, actor: str | None, action: str, target_type: str | None = None,
        target_id=None, detail: dict | None = None, channel: str | None = None) -> None:
    session.add(AuditLog(actor_type=actor_type, actor=actor, action=action, target_type=target_type,
                         target_id=None if target_id is None else str(target_id), detail=detail,
                         channel=channel))
