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
WRONG = "用户名或密码不正确"  # the same words whether the name exists or not


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


def add(username: str, password: str, role: str = "operator", display_name: str | None = None,
        actor: str = "cli", channel: str = "cli") -> tuple[StaffView, bool]:
    """Create the account, or set a new password (and role) on an existing one. Returns (staff, created)."""
    username = (username or "").strip()
    if not username or len(username) > 50 or any(c.isspace() for c in username):
        raise StaffError("用户名不能为空、不能含空格，且不超过 50 个字符")
    if role not in STAFF_ROLES:
        raise StaffError("角色只能是：" + "、".join(STAFF_ROLES))
    passwords.check_strength(password)
    with session_scope() as session:
        user = session.execute(sa.select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        created = user is None
        if created:
            user = StaffUser(username=username)
            session.add(user)
        user.password_hash = passwords.hash_password(password)
        user.role = role
        user.display_name = display_name or user.display_name or username
        user.active, user.failed_logins, user.locked_until = True, 0, None
        session.flush()
        if not created:  # a new password ends every session of the old one
            session.execute(sa.delete(StaffSession).where(StaffSession.staff_id == user.id))
        audit.log(session, "system", actor, "staff_add" if created else "staff_password", "staff", user.username,
                  {"role": role}, channel=channel)
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


def sign_in(username: str, password: str, ip: str | None = None, user_agent: str | None = None,
            now: dt.datetime | None = None) -> SignedIn:
    """A new session for the right password; StaffError (one message for every failure) otherwise,
    TooManyAttempts when the client address `ip` failed too often. A failure is committed (counter,
    lock, audit entry) before it is raised."""
    now = now or utcnow()
    refusal: str | None = None
    with session_scope() as session:
        spraying = rate_limit.login_wait(session, ip, now)
        if spraying is not None:  # refused before the password is looked at, so guessing goes no further
            failures, wait = spraying
            audit.log(session, "anonymous", ip, rate_limit.LOGIN_REFUSED, "staff", (username or "").strip()[:100],
                      {"reason": "address", "failures": failures, "retry_after": wait}, channel="console")
    if spraying is not None:
        raise TooManyAttempts(too_many_attempts_text(spraying[1]), spraying[1])
    with session_scope() as session:
        user = session.execute(sa.select(StaffUser).where(StaffUser.username == (username or "").strip())
                               .with_for_update()).scalar_one_or_none()
        if user is None:
            passwords.verify_password(password or "", passwords.DUMMY_HASH)
            audit.log(session, "anonymous", ip, "staff_login_failed", "staff", (username or "")[:100],
                      {"reason": "unknown user"}, channel="console")
            refusal = WRONG
        elif (_aware(user.locked_until) or now) > now:
            audit.log(session, "anonymous", ip, "staff_login_failed", "staff", user.username,
                      {"reason": "locked"}, channel="console")
            refusal = f"登录失败次数过多，账号已暂时锁定，请在 {LOCK_MINUTES} 分钟后再试或联系管理员"
        elif not user.active or not passwords.verify_password(password or "", user.password_hash):
            user.failed_logins = (user.failed_logins or 0) + 1
            if user.failed_logins >= LOCK_AFTER:
                user.locked_until, user.failed_logins = now + dt.timedelta(minutes=LOCK_MINUTES), 0
            audit.log(session, "anonymous", ip, "staff_login_failed", "staff", user.username,
                      {"reason": "inactive" if not user.active else "password"}, channel="console")
            refusal = WRONG
        else:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            session.add(StaffSession(token_hash=_token_hash(token), staff_id=user.id, csrf_token=csrf,
                                     created_at=now, last_seen_at=now,
                                     expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                                     ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:300] or None))
            audit.log(session, "staff", StaffView.of(user).label, "staff_login", "staff", user.username,
                      channel="console")
            signed = SignedIn(StaffView.of(user), token, csrf)
    if refusal:
        raise StaffError(refusal)
    return signed


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
