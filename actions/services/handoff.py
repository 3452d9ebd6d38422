"""Handing a conversation to a person: a request in the staff queue with the transcript, and the
conversation between the user and the operator who takes it.

States (docs/schema.md §5.10): 待处理 (waiting; the assistant keeps answering and every turn is
added to the transcript), 处理中 (an operator has taken it; the user's messages go to the operator,
not to the assistant), 已关闭 (the assistant answers again). The operator's words reach the user
through the outbox, committed with the transcript.

Requests per client address are limited (actions/rules/limits.yml `address_handoffs`; the address
is services.client_context's, recorded in handoff_requests.client_address, migration 0005): beyond
the limit nothing is queued and the user is given the hotline, so a flood of fake requests cannot
bury real ones. The console pages through every waiting request and flags bursts from one address;
operators see the address masked (`client_context.masked`).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.engine import session_scope
from actions.db.models import HandoffRequest, utcnow
from actions.services import audit, client_context, outbox
from actions.services.codes import mask_ids_in_text
from actions.services.limits_rules import rules
from actions.services.rate_limit import as_utc, window_wait
from actions.services.staff import label_in

TRANSCRIPT_TURNS = 40  # the last turns are what an operator needs to pick the conversation up
TRANSCRIPT_KEEP = 400  # a long handed-over conversation keeps this many turns
PER_PAGE = 50  # requests on one page of the console queue
WAITING, TAKEN, CLOSED = "待处理", "处理中", "已关闭"
TAKEN_TEXT = "工作人员已接入，请直接在这里留言，工作人员会在这里回复您。"
CLOSED_TEXT = "工作人员已结束本次人工服务。您可以继续向信用助手提问；如需再次转人工，请说【转人工】。"


class HandoffError(ValueError):
    """A refused request; the message is Chinese and meant for the operator."""


class TooManyHandoffs(Exception):
    """A request not queued: its client address asked for a person too often. The refusal is in
    the audit log (`handoff_refused`). `retry_after`: whole seconds until one more is queued."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many handoff requests from one address; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class HandoffView:
    id: int
    sender_id: str
    channel: str | None
    status: str
    reason: str | None
    created_at: dt.datetime
    last_message_at: dt.datetime | None
    assigned_to: str | None
    transcript: list[dict] = field(default_factory=list)
    source: str | None = None  # the client address, masked (203.0.113.*), for operators
    burst: int | None = None  # requests from the same address close together, when they are a burst

    @property
    def is_open(self) -> bool:
        return self.status != CLOSED

    @property
    def waiting_for_reply(self) -> bool:
        """The user spoke last: the console highlights it."""
        return self.is_open and bool(self.transcript) and self.transcript[-1].get("role") == "user"


def _view(session: Session, r: HandoffRequest, burst: int | None = None) -> HandoffView:
    return HandoffView(r.id, r.sender_id, r.channel, r.status, r.reason, r.created_at, r.last_message_at,
                       label_in(session, r.assigned_to),
                       list(r.transcript or []), client_context.masked(r.client_address), burst)


def transcript_of(events: list[dict]) -> list[dict]:
    """User and bot turns from Rasa tracker events, ID numbers masked."""
    turns = []
    for event in events:
        if event.get("event") not in ("user", "bot") or not event.get("text"):
            continue
        turns.append({"role": event["event"], "text": mask_ids_in_text(event["text"]),
                      "at": event.get("timestamp")})
    return turns[-TRANSCRIPT_TURNS:]


def _turn(role: str, text: str, who: str | None = None) -> dict:
    turn = {"role": role, "text": mask_ids_in_text(text), "at": utcnow().timestamp()}
    if who:
        turn["by"] = who
    return turn


def _append(r: HandoffRequest, *turns: dict) -> None:
    # JSON columns do not track in-place changes: assign a new list.
    r.transcript = (list(r.transcript or []) + list(turns))[-TRANSCRIPT_KEEP:]
    r.last_message_at = utcnow()


def _open_of(session: Session, sender_id: str, lock: bool = False) -> HandoffRequest | None:
    q = (sa.select(HandoffRequest).where(HandoffRequest.sender_id == sender_id, HandoffRequest.status != CLOSED)
         .order_by(HandoffRequest.id.desc()).limit(1))
    return session.execute(q.with_for_update() if lock else q).scalar_one_or_none()


def _address_wait(session: Session, address: str | None, now: dt.datetime) -> tuple[str, int] | None:
    """(the full window's label, seconds to wait) when `address` has asked for a person too often."""
    limits = rules().address
    if not (limits.handoffs.active and limits.applies_to(address)):
        return None
    full = window_wait(session, HandoffRequest.created_at, (HandoffRequest.client_address == address,),
                       limits.handoffs.windows, now)
    return None if full is None else (full[0].label, full[1])


def request_handoff(sender_id: str, channel: str | None, reason: str, events: list[dict]) -> int:
    """Queue the conversation for a person; returns the request number. Reuses an open request.
    Raises TooManyHandoffs, queueing nothing, when a new request's client address (the current
    client_context) has made too many."""
    address = client_context.current()
    with session_scope() as session:
        request = _open_of(session, sender_id, lock=True)
        if request is not None:
            request.transcript = transcript_of(events)
            request.last_message_at = utcnow()
        else:
            now = utcnow()
            full = _address_wait(session, address, now)
            if full is None:
                request = HandoffRequest(sender_id=sender_id, channel=channel, reason=reason,
                                         transcript=transcript_of(events), created_at=now, last_message_at=now,
                                         client_address=client_context.usable(address))
                session.add(request)
            else:
                audit.log(session, "anonymous", sender_id, "handoff_refused", "handoff", None,
                          {"reason": reason, "limit": full[0], "retry_after": full[1]}, channel=channel)
        if request is not None:
            session.flush()
            audit.log(session, "anonymous", sender_id, "handoff_request", "handoff", request.id,
                      {"reason": reason}, channel=channel)
            return request.id
    raise TooManyHandoffs(full[1])  # after the refusal's audit entry has committed


# ---------------------------------------------------------------- the user's side (channels)

def state_of(sender_id: str) -> str | None:
    """待处理 / 处理中 for a conversation with an open request, else None."""
    with session_scope() as session:
        r = _open_of(session, sender_id)
        return r.status if r else None


def state_and_cursor(sender_id: str) -> tuple[str | None, int]:
    """The open request's state (or None) and the newest outbox id of the conversation, in one
    read: what the chat page needs after every message."""
    with session_scope() as session:
        r = _open_of(session, sender_id)
        return (r.status if r else None), outbox.latest_id_in(session, sender_id)


def user_said(sender_id: str, text: str) -> str | None:
    """Record what the user typed in a conversation with an open request. Returns the request's
    state: 处理中 means the message is for the operator and the assistant must not answer it."""
    with session_scope() as session:
        r = _open_of(session, sender_id, lock=True)
        if r is None:
            return None
        _append(r, _turn("user", text))
        return r.status


def user_left(sender_id: str) -> bool:
    """The user started a new conversation on the page: the open request says so, so that nobody
    answers into a conversation nobody reads. The request stays for the operator to close."""
    with session_scope() as session:
        r = _open_of(session, sender_id, lock=True)
        if r is None:
            return False
        _append(r, _turn("system", "用户已离开对话（在网页上开始了新对话），在线回复将无人阅读"))
        return True


def bot_said(sender_id: str, texts: list[str]) -> None:
    """The assistant's replies while a request waits, so the operator reads the whole conversation."""
    texts = [t for t in texts if t]
    if not texts:
        return
    with session_scope() as session:
        r = _open_of(session, sender_id, lock=True)
        if r is not None:
            _append(r, *(_turn("bot", t) for t in texts))


# ---------------------------------------------------------------- the operator's side (console)

def _status_filter(q, status: str | None):
    if status == "open":
        return q.where(HandoffRequest.status != CLOSED)
    return q.where(HandoffRequest.status == status) if status else q


def _order(status: str | None) -> tuple:
    # Open requests: the longest waiting first. Others: the newest first.
    return (HandoffRequest.created_at.asc(), HandoffRequest.id.asc()) if status == "open" else \
        (HandoffRequest.id.desc(),)


def queue(status: str | None = "open", limit: int | None = None) -> list[HandoffView]:
    """Open requests (or those of one status, or all), the longest waiting first; every one unless
    `limit` is given."""
    with session_scope() as session:
        q = _status_filter(sa.select(HandoffRequest), status).order_by(*_order(status))
        return [_view(session, r) for r in session.execute(q if limit is None else q.limit(limit)).scalars()]


@dataclass(frozen=True)
class QueuePage:
    """One page of the console's handoff queue: `total` requests of the status in `pages` pages."""
    items: list[HandoffView]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def queue_page(status: str | None = "open", page: int = 1, per_page: int = PER_PAGE) -> QueuePage:
    """Page `page` (from 1) of the queue, in queue order, with the total, and each request's burst
    flag. A page past the end is empty (the total tells the console where the end is)."""
    with session_scope() as session:
        total = session.execute(_status_filter(sa.select(sa.func.count()).select_from(HandoffRequest),
                                               status)).scalar_one()
        rows = list(session.execute(_status_filter(sa.select(HandoffRequest), status).order_by(*_order(status))
                                    .offset((page - 1) * per_page).limit(per_page)).scalars())
        bursts = _bursts(session, rows)
        return QueuePage([_view(session, r, bursts.get(r.id)) for r in rows], total, page, per_page)


def _bursts(session: Session, rows: list[HandoffRequest]) -> dict[int, int]:
    """For each request in `rows` that is part of a burst, the number of requests (any status) its
    client address made within the burst window (limits.yml `address_handoffs.burst`) either side
    of it. One query for the page."""
    burst = rules().address.burst
    addresses = {r.client_address for r in rows if r.client_address}
    if not addresses:
        return {}
    span = dt.timedelta(seconds=burst.seconds)
    times = [as_utc(r.created_at) for r in rows if r.client_address]
    near: dict[str, list[dt.datetime]] = defaultdict(list)
    for address, at in session.execute(
            sa.select(HandoffRequest.client_address, HandoffRequest.created_at)
            .where(HandoffRequest.client_address.in_(addresses),
                   HandoffRequest.created_at >= min(times) - span, HandoffRequest.created_at <= max(times) + span)):
        near[address].append(as_utc(at))
    out = {}
    for r in rows:
        if r.client_address:
            at = as_utc(r.created_at)
            count = sum(abs(other - at) <= span for other in near[r.client_address])
            if count >= burst.lookups:
                out[r.id] = count
    return out


def get(request_id: int) -> HandoffView | None:
    with session_scope() as session:
        r = session.get(HandoffRequest, request_id)
        return _view(session, r) if r else None


def _locked(session: Session, request_id: int) -> HandoffRequest:
    r = session.execute(sa.select(HandoffRequest).where(HandoffRequest.id == request_id).with_for_update()
                        ).scalar_one_or_none()
    if r is None:
        raise HandoffError(f"没有编号为 {request_id} 的转人工请求")
    return r


def _take(session: Session, r: HandoffRequest, staff_id: int, label: str) -> None:
    r.status, r.assigned_to = TAKEN, staff_id
    _append(r, _turn("system", f"{label} 接入"))
    outbox.add(session, r.channel, r.sender_id, "staff_reply", TAKEN_TEXT, handoff_id=r.id, staff_id=staff_id)
    audit.log(session, "staff", label, "handoff_take", "handoff", r.id, channel="console")


def take(request_id: int, staff_id: int, label: str) -> HandoffView:
    with session_scope() as session:
        r = _locked(session, request_id)
        if r.status == CLOSED:
            raise HandoffError("该请求已关闭")
        if r.status == TAKEN and r.assigned_to == staff_id:
            return _view(session, r)
        _take(session, r, staff_id, label)
        return _view(session, r)


def reply(request_id: int, staff_id: int, label: str, text: str) -> HandoffView:
    """The operator's answer into the conversation; taking a waiting request first."""
    text = (text or "").strip()
    if not text:
        raise HandoffError("回复内容不能为空")
    if len(text) > 2000:
        raise HandoffError("回复内容过长（最多 2000 字）")
    with session_scope() as session:
        r = _locked(session, request_id)
        if r.status == CLOSED:
            raise HandoffError("该请求已关闭，无法回复")
        if r.status == WAITING or r.assigned_to != staff_id:
            _take(session, r, staff_id, label)
        _append(r, _turn("staff", text, label))
        outbox.add(session, r.channel, r.sender_id, "staff_reply", text, handoff_id=r.id, staff_id=staff_id)
        audit.log(session, "staff", label, "handoff_reply", "handoff", r.id, {"chars": len(text)}, channel="console")
        return _view(session, r)


def close(request_id: int, staff_id: int, label: str) -> HandoffView:
    with session_scope() as session:
        r = _locked(session, request_id)
        if r.status == CLOSED:
            return _view(session, r)
        r.status, r.closed_at = CLOSED, utcnow()
        r.assigned_to = r.assigned_to or staff_id
        _append(r, _turn("system", f"{label} 结束人工服务"))
        outbox.add(session, r.channel, r.sender_id, "handoff_closed", CLOSED_TEXT, handoff_id=r.id, staff_id=staff_id)
        audit.log(session, "staff", label, "handoff_close", "handoff", r.id, channel="console")
        return _view(session, r)
