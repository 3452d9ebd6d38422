"""How often one may look things up, or fail to sign in, decided from the audit log.

Every lookup is already an audit entry (actor, action, time), so the count of an actor's recent
lookups is a query on audit_log (index ix_audit_log_actor_at, migration 0004), never a counter in
process memory: a limit holds across action-server and web-server replicas and across restarts.
The numbers are data (actions/rules/limits.yml, services.limits_rules).

Chat lookups are also counted per client address (audit_log.client_address, index
ix_audit_log_client_address_at, migration 0005; the address is services.client_context's, which
the channel wrote), so fresh conversation ids do not reset the count.

A refused lookup is audited (`lookup_refused`, `staff_lookup_refused`) but not counted, so the
waiting time a refusal states is exact: the moment the oldest lookup that fills the window leaves
it. Two replicas answering one sender at the same instant can both admit one lookup too many; a
rate limit can afford that, and a lock on every lookup would cost more than it saves.
"""
from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.models import AuditLog, utcnow
from actions.services import audit, client_context
from actions.services.limits_rules import LookupLimit, Window, rules

# The audit actions that count as lookups, per kind of actor. Every chat lookup path writes one of
# CHAT_LOOKUPS with the conversation as actor; the console's subject lookups one of STAFF_LOOKUPS.
CHAT_LOOKUPS = ("lookup_code", "lookup_name", "lookup_focus", "lookup_doc", "lookup_ticket", "lookup_my_tickets")
STAFF_LOOKUPS = ("staff_lookup_code", "staff_lookup_name", "staff_view_subject")
REFUSED = {"anonymous": "lookup_refused", "staff": "staff_lookup_refused"}
LOGIN_FAILED = "staff_login_failed"
CONVERSATION, ADDRESS = "conversation", "address"  # what a refusal counted: one conversation, or one client address
LOGIN_REFUSED = "staff_login_refused"


class TooManyLookups(Exception):
    """A lookup refused because its actor asked too often; nothing was looked up. The refusal is in
    the audit log. `retry_after`: whole seconds until one more lookup is admitted."""

    def __init__(self, retry_after: int, window: Window, per: str = CONVERSATION):
        super().__init__(f"too many lookups per {per} ({window.label}); retry after {retry_after} s")
        self.retry_after, self.window, self.per = retry_after, window, per


def as_utc(t: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t


def _limit(actor_type: str) -> tuple[LookupLimit, tuple[str, ...]] | None:
    if actor_type == "anonymous":
        return rules().chat_lookups, CHAT_LOOKUPS
    if actor_type == "staff":
        return rules().staff_lookups, STAFF_LOOKUPS
    return None


def _where(actor_type: str, actor: str, actions: tuple[str, ...]):
    return (AuditLog.actor == actor, AuditLog.actor_type == actor_type, AuditLog.action.in_(actions))


def window_wait(session: Session, at, where: tuple, windows: tuple[Window, ...],
                now: dt.datetime) -> tuple[Window, int] | None:
    """The window that the rows matching `where` (timed by the column `at`) have filled, and the
    seconds until it admits one more (the longest wait when several are full), or None when every
    window has room. One count query; one more per full window."""
    since = {w: now - dt.timedelta(seconds=w.seconds) for w in windows}
    counts = session.execute(
        sa.select(*[sa.func.count().filter(at >= since[w]) for w in windows])
        .where(*where, at >= min(since.values()))).one()
    worst: tuple[Window, int] | None = None
    for window, count in zip(windows, counts):
        if count < window.lookups:
            continue
        # The row that fills the window: once it is older than the window, there is room again.
        filling = session.execute(
            sa.select(at).where(*where, at >= since[window])
            .order_by(at.desc()).offset(window.lookups - 1).limit(1)).scalar_one_or_none()
        wait = 1 if filling is None else math.ceil(
            (as_utc(filling) + dt.timedelta(seconds=window.seconds) - now).total_seconds())
        wait = max(1, wait)
        if worst is None or wait > worst[1]:
            worst = (window, wait)
    return worst


def wait_for(session: Session, actor_type: str, actor: str, actions: tuple[str, ...], windows: tuple[Window, ...],
             now: dt.datetime) -> tuple[Window, int] | None:
    """The window `actor` has filled with `actions` and the seconds until it admits one more, or None."""
    return window_wait(session, AuditLog.at, _where(actor_type, actor, actions), windows, now)


def _address_wait(session: Session, now: dt.datetime) -> tuple[Window, int] | None:
    """The full window of the current client address's chat lookups, or None (room, no address,
    an exempt address, or the limit off)."""
    limits = rules().address
    address = client_context.current()
    if not (limits.lookups.active and limits.applies_to(address)):
        return None
    return window_wait(session, AuditLog.at, (AuditLog.client_address == address, AuditLog.action.in_(CHAT_LOOKUPS)),
                       limits.lookups.windows, now)


def check_lookup(session: Session, actor_type: str, actor: str | None, action: str, target_type: str | None = None,
                 detail: dict | None = None, channel: str | None = None,
                 now: dt.datetime | None = None) -> TooManyLookups | None:
    """None when `actor` may make this lookup (`action`) now. Otherwise the refusal, whose audit
    entry is already added to `session`: the caller looks nothing up, lets the transaction commit
    and then raises it. Actors without an identity (a None sender) and actor types without a
    limit are never refused."""
    chosen = _limit(actor_type)
    if not actor or chosen is None:
        return None
    limit, actions = chosen
    now = now or utcnow()
    per = CONVERSATION
    full = wait_for(session, actor_type, actor, actions, limit.windows, now) if limit.active else None
    if full is None and actor_type == "anonymous":
        full, per = _address_wait(session, now), ADDRESS
    if full is None:
        return None
    window, wait = full
    counted = {"per": ADDRESS} if per == ADDRESS else {}  # entries before 0005 say nothing: per conversation
    audit.log(session, actor_type, actor, REFUSED[actor_type], target_type, None,
              {"attempted": action, "limit": window.label, "retry_after": wait, **counted, **(detail or {})},
              channel=channel)
    return TooManyLookups(wait, window, per)


def login_wait(session: Session, address: str | None, now: dt.datetime | None = None) -> tuple[int, int] | None:
    """(failures, seconds to wait) when the client `address` has failed to sign in too often
    (any accounts) to try again now; None when it may try. Failures are the `staff_login_failed`
    entries the console writes with the address as actor."""
    limit = rules().console_login
    if not address or not limit.enabled:
        return None
    window = Window(limit.address_failures, limit.address_seconds)
    full = wait_for(session, "anonymous", address, (LOGIN_FAILED,), (window,), now or utcnow())
    return None if full is None else (window.lookups, full[1])
