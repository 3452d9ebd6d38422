"""Staff accounts and console sessions: who may use the console, and who did what there.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256 and the
session's CSRF token, so any number of web servers can share sessions through the database.
Repeated failed logins lock the account for a while (LOCK_AFTER, LOCK_MINUTES), and too many from
one client address, whatever the accounts, refuse that address for a while (password spraying).
The numbers are in actions/rules/limits.yml; the address count is the audit log's, so it holds
across web servers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import STAFF_ROLES, StaffSession, StaffUser, utcnow
from actions.services import audit, passwords, rate_limit
from actions.services.limits_rules import rules as limits

LOCK_AFTER = limits().console_login.account_failures
LOCK_MINUTES = limits().console_login.account_lock_minutes
SESSION_HOURS = 8  # idle time after which a session ends; each use extends it
TOUCH_EVERY = dt.timedelta(minutes=1)  # write last_seen at most this often
# The same words for every failure (no such name, wrong password, locked, disabled), so the answer
# does not tell which names exist or which accounts are locked; the rule itself is no secret.
WRONG = (f"用户名或密码不正确，或账号暂时无法登录（连续输错 {LOCK_AFTER} 次锁定 {LOCK_MINUTES} 分钟）。"
         "如无法登录，请联系系统管理员。")


class StaffError(ValueError):
    """A refused request; the message is Chinese and meant for the person asking."""


class TooManyAttempts(StaffError):
    """Sign-in refused, without looking at the password, because the client address failed too
    often; `retry_after` in whole seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def too_many_attempts_text(wait: int) -> str:
    minutes = -(-wait // 60)
    return (f"此网络地址登录失败次数过多，为保护账号安全，暂停从该地址登录。请在 {minutes} 分钟（{wait} 秒）后再试；"
            f"如忘记密码，请联系系统管理员。")


def label_of(username: str, display_name: str | None) -> str:
    """How a staff member appears in ticket events, handoff transcripts and the audit log:
    "王芳（wangfang）", or the username alone when there is no other name."""
    name = display_name or username
    return username if name == username else f"{name}（{username}）"


def label_in(session, staff_id: int | None) -> str | None:
    """The label of a staff member referred to by id (a ticket's assistant, a handoff's operator)."""
    user = session.get(StaffUser, staff_id) if staff_id else None
    return label_of(user.username, user.display_name) if user else None


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    display_name: str
    role: str
    active: bool = True
    last_login_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return label_of(self.username, self.display_name)

    @classmethod
    def of(cls, u: StaffUser) -> "StaffView":
        return cls(u.id, u.username, u.display_name or u.username, u.role, bool(u.active), u.last_login_at)


@dataclass(frozen=True)
class SignedIn:
    staff: StaffView
    token: str  # for the cookie; never stored
    csrf_token: str


@dataclass(frozen=True)
class SessionView:
    staff: StaffView
    csrf_token: str
    session_id: int


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return t.replace(tzinfo=dt.timezone.utc) if t is not None and t.tzinfo is None else t


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add(username: str, password: str, role: str | None = None, display_name: str | None = None,
        actor: str = "cli", channel: str = "cli") -> tuple[StaffView, bool]:
    """Create the account (role operator unless given), or set a new password (and the role, when
    given: resetting a supervisor's password does not demote them) on an existing one. Returns
    (staff, created)."""
    username = (username or "").strip()
    if not username or len(username) > 50 or not username.isprintable() or any(c.isspace() for c in username):
        raise StaffError("用户名不能为空、不能含空格，且不超过 50 个字符")
    if role is not None and role not in STAFF_ROLES:
        raise StaffError("角色只能是：" + "、".join(STAFF_ROLES))
    passwords.check_strength(password)
    with session_scope() as session:
        user = session.execute(sa.select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        created = user is None
        if created:
            user = StaffUser(username=username)
            session.add(user)
        user.password_hash = passwords.hash_password(password)
        user.role = role or user.role or "operator"
        user.display_name = display_name or user.display_name or username
        user.active, user.failed_logins, user.locked_until = True, 0, None
        session.flush()
        if not created:  # a new password ends every session of the old one
            session.execute(sa.delete(StaffSession).where(StaffSession.staff_id == user.id))
        audit.log(session, "system", actor, "staff_add" if created else "staff_password", "staff", user.username,
                  {"role": user.role}, channel=channel)
        return StaffView.of(user), created


def disable(username: str, actor: str = "cli", channel: str = "cli") -> StaffView:
    with session_scope() as session:
        user = session.execute(sa.select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            raise StaffError(f"没有用户名为 {username} 的工作人员")
        user.active = False
        session.execute(sa.delete(StaffSession).where(StaffSession.staff_id == user.id))
        audit.log(session, "system", actor, "staff_disable", "staff", user.username, channel=channel)
        return StaffView.of(user)


def listing() -> list[StaffView]:
    with session_scope() as session:
        return [StaffView.of(u) for u in session.execute(sa.select(StaffUser).order_by(StaffUser.username)).scalars()]


def get(staff_id: int) -> StaffView | None:
    with session_scope() as session:
        user = session.get(StaffUser, staff_id)
        return StaffView.of(user) if user else None


def by_username(username: str) -> StaffView | None:
    with session_scope() as session:
        user = session.execute(sa.select(StaffUser).where(StaffUser.username == _clean(username)[:50])
                               ).scalar_one_or_none()
        return StaffView.of(user) if user else None


def sign_in(username: str, password: str, ip: str | None = None, user_agent: str | None = None,
            now: dt.datetime | None = None) -> SignedIn:
    """A new session for the right password; StaffError (WRONG, one message for every failure: no
    such name, wrong password, locked, disabled) otherwise, TooManyAttempts when the client address
    `ip` failed too often. A failure is committed (counter, lock, audit entry) before it is raised.

    Each attempt claims one of the account's LOCK_AFTER checks with a single conditional UPDATE
    before the password is looked at: the database serialises the claims (a row lock on
    PostgreSQL, the write lock on SQLite), so parallel guesses get at most LOCK_AFTER real checks
    between two locks, whatever the timing. Every failure costs one scrypt check (against a
    stand-in hash when there is no check to make), so the time taken does not tell them apart."""
    now = now or utcnow()
    name = _clean(username)[:100]
    with session_scope() as session:
        spraying = rate_limit.login_wait(session, ip, now)
        if spraying is not None:  # refused before the password is looked at, so guessing goes no further
            failures, wait = spraying
            audit.log(session, "anonymous", ip, rate_limit.LOGIN_REFUSED, "staff", name,
                      {"reason": "address", "failures": failures, "retry_after": wait}, channel="console")
    if spraying is not None:
        raise TooManyAttempts(too_many_attempts_text(spraying[1]), spraying[1])
    claimed = _claim_check(name, now)
    ok = passwords.verify_password(password or "", claimed.password_hash if claimed else passwords.DUMMY_HASH)
    with session_scope() as session:
        if claimed is None or not ok or not claimed.active:
            reason = ("unknown user" if claimed is None and not _exists(session, name) else "locked" if claimed is None
                      else "inactive" if not claimed.active else "password")
            audit.log(session, "anonymous", ip, rate_limit.LOGIN_FAILED, "staff", name, {"reason": reason},
                      channel="console")
        else:
            users = StaffUser.__table__
            session.execute(sa.update(users).where(users.c.id == claimed.id)
                            .values(failed_logins=0, locked_until=None, last_login_at=now))
            user = session.get(StaffUser, claimed.id)
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            session.add(StaffSession(token_hash=_token_hash(token), staff_id=user.id, csrf_token=csrf,
                                     created_at=now, last_seen_at=now,
                                     expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                                     ip=(ip or "")[:64] or None, user_agent=_clean(user_agent)[:300] or None))
            audit.log(session, "staff", StaffView.of(user).label, "staff_login", "staff", user.username,
                      channel="console")
            return SignedIn(StaffView.of(user), token, csrf)
    raise StaffError(WRONG)


@dataclass(frozen=True)
class _Claimed:
    id: int
    password_hash: str
    active: bool


def _claim_check(username: str, now: dt.datetime) -> _Claimed | None:
    """Count this attempt as a failure in advance (a right password clears the count), locking the
    account when it is the LOCK_AFTER-th; None when the account does not exist or is locked. Its
    own short transaction, committed before the slow password check so the lock is not held."""
    users = StaffUser.__table__
    counted = users.c.failed_logins + 1
    locking = counted >= LOCK_AFTER
    with session_scope() as session:
        claim = session.execute(
            sa.update(users)
            .where(users.c.username == username, sa.or_(users.c.locked_until.is_(None), users.c.locked_until <= now))
            .values(failed_logins=sa.case((locking, 0), else_=counted),
                    locked_until=sa.case((locking, now + dt.timedelta(minutes=LOCK_MINUTES)), else_=None)))
        if claim.rowcount != 1:
            return None
        row = session.execute(sa.select(users.c.id, users.c.password_hash, users.c.active)
                              .where(users.c.username == username)).one()
        return _Claimed(row.id, row.password_hash, bool(row.active))


def _exists(session, username: str) -> bool:
    return session.execute(sa.select(StaffUser.id).where(StaffUser.username == username)).first() is not None


def _clean(text: str | None) -> str:
    """A typed name or header without control characters (PostgreSQL refuses NUL in text)."""
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()


def session_of(token: str | None, now: dt.datetime | None = None) -> SessionView | None:
    """The live session for a cookie token (extending it), or None."""
    if not token:
        return None
    now = now or utcnow()
    with session_scope() as session:
        row = session.execute(sa.select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
                              ).scalar_one_or_none()
        if row is None:
            return None
        user = session.get(StaffUser, row.staff_id)
        if _aware(row.expires_at) <= now or user is None or not user.active:
            session.delete(row)
            return None
        if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at, row.expires_at = now, now + dt.timedelta(hours=SESSION_HOURS)
        return SessionView(StaffView.of(user), row.csrf_token, row.id)


def sign_out(token: str | None) -> None:
    if not token:
        return
    with session_scope() as session:
        row = session.execute(sa.select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
                              ).scalar_one_or_none()
        if row is not None:
            user = session.get(StaffUser, row.staff_id)
            session.delete(row)
            audit.log(session, "staff", StaffView.of(user).label if user else None, "staff_logout", "staff",
                      user.username if user else None, channel="console")
