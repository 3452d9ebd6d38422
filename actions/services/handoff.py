"""Handing a conversation to a person: a request in the staff queue with the transcript."""
from __future__ import annotations

import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import HandoffRequest
from actions.services import audit
from actions.services.codes import mask_ids_in_text

TRANSCRIPT_TURNS = 40  # the last turns are what an operator needs to pick the conversation up


def transcript_of(events: list[dict]) -> list[dict]:
    """User and bot turns from Rasa tracker events, ID numbers masked."""
    turns = []
    for event in events:
        if event.get("event") not in ("user", "bot") or not event.get("text"):
            continue
        turns.append({"role": event["event"], "text": mask_ids_in_text(event["text"]),
                      "at": event.get("timestamp")})
    return turns[-TRANSCRIPT_TURNS:]


def request_handoff(sender_id: str, channel: str | None, reason: str, events: list[dict]) -> int:
    """Queue the conversation for a person; returns the request number. Reuses an open request."""
    with session_scope() as session:
        open_request = session.execute(
            sa.select(HandoffRequest).where(HandoffRequest.sender_id == sender_id,
                                            HandoffRequest.status != "已关闭")
            .order_by(HandoffRequest.id.desc()).limit(1)).scalar_one_or_none()
        if open_request is not None:
            open_request.transcript = transcript_of(events)
            request = open_request
        else:
            request = HandoffRequest(sender_id=sender_id, channel=channel, reason=reason,
                                     transcript=transcript_of(events))
            session.add(request)
        session.flush()
        audit.log(session, "anonymous", sender_id, "handoff_request", "handoff", request.id,
                  {"reason": reason}, channel=channel)
        return request.id
