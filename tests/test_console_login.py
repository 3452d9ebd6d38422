"""Console sign-in as an attacker tries it (issue 15, findings 6 and 9), on SQLite and PostgreSQL:
parallel wrong passwords against one account get at most the lockout's number of real password
checks; every failure (unknown name, wrong password, locked, disabled) answers with the same page
in about the same time; the login form's CSRF token must be one the server issued.

The per-address limit (20 failures in 15 minutes, actions/rules/limits.yml) would refuse a single
attacking address long before the account lock matters, so these attacks come from many addresses
(X-Forwarded-For from the test client, a trusted proxy on loopback), as a botnet's would."""
from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import threading
import time

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import AuditLog, utcnow
from actions.services import passwords, staff
from bot.web import login_csrf
from tests.console_client import CSRF_FIELD, console_client

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

PASSWORD = "lotus-pond-2026"


@pytest.fixture
def wang(engine):
    view, _ = staff.add("wangfang", PASSWORD, display_name="王芳")
    return view


@pytest.fixture
async def console(engine):
    c = await console_client()
    yield c
    await c.client.close()


@pytest.fixture
def real_checks(monkeypatch):
    """Counts password checks against a real account's hash (not the stand-in for unknown names)."""
    checked: list[str] = []
    verify = passwords.verify_password

    def counting(password, stored):
        if stored != passwords.DUMMY_HASH:
            checked.append(password)
        return verify(password, stored)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return checked


def _failures(reason: str | None = None) -> list[AuditLog]:
    with session_scope() as s:
        rows = s.execute(sa.select(AuditLog).where(AuditLog.action == "staff_login_failed")).scalars().all()
    return [r for r in rows if reason is None or (r.detail or {}).get("reason") == reason]


def _address(n: int) -> str:
    return f"198.51.{n // 200}.{n % 200 + 1}"


async def _token(console) -> str:
    return CSRF_FIELD.search(await (await console.client.get("/console/login")).text()).group(1)


async def _post_login(console, username: str, password: str, address: str, token: str | None = None):
    token = token or await _token(console)
    resp = await console.client.post("/console/login", allow_redirects=False, headers={"X-Forwarded-For": address},
                                     data={"username": username, "password": password, "csrf_token": token,
                                           "next": "/console/"})
    return resp.status, await resp.text()


# ---------------------------------------------------------------- the race

def test_sixty_parallel_wrong_passwords_get_at_most_five_real_checks(wang, real_checks):
    start = threading.Barrier(60)
    refused: list[BaseException] = []

    def attempt(n: int) -> None:
        start.wait()
        try:
            staff.sign_in("wangfang", f"guess-{n:04d}", ip=_address(n))
        except staff.StaffError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(60)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(refused) == 60 and {str(e) for e in refused} == {staff.WRONG}
    assert len(real_checks) <= staff.LOCK_AFTER, f"{len(real_checks)} real password checks"
    assert len(_failures("password")) == len(real_checks)
    assert len(_failures("locked")) == 60 - len(real_checks)
    # the right password is refused now, without a check, until the lock expires …
    with pytest.raises(staff.StaffError) as locked:
        staff.sign_in("wangfang", PASSWORD, ip=_address(100))
    assert str(locked.value) == staff.WRONG and len(real_checks) <= staff.LOCK_AFTER
    later = utcnow() + dt.timedelta(minutes=staff.LOCK_MINUTES, seconds=5)
    # … and accepted after it
    assert staff.sign_in("wangfang", PASSWORD, ip=_address(101), now=later).staff.username == "wangfang"


async def test_sixty_concurrent_wrong_logins_over_http_then_the_right_password_is_refused(console, wang, real_checks):
    token = await _token(console)
    answers = await asyncio.gather(*(_post_login(console, "wangfang", f"guess-{n:04d}", _address(n), token)
                                     for n in range(60)))
    assert {status for status, _ in answers} == {401}
    assert len(real_checks) <= staff.LOCK_AFTER, f"{len(real_checks)} real password checks"
    assert len(_failures("password")) == len(real_checks)
    status, body = await _post_login(console, "wangfang", PASSWORD, _address(150), token)
    assert status == 401 and body == answers[0][1]
    assert "xinyong_console" not in {c.key for c in console.client.session.cookie_jar}


# ---------------------------------------------------------------- one answer for every failure

async def test_unknown_wrong_locked_and_disabled_get_the_same_page(console, wang):
    staff.add("lisi", PASSWORD, display_name="李四")
    token = await _token(console)
    unknown = await _post_login(console, "no-such-user", "whatever-it-is", _address(1), token)
    wrong = await _post_login(console, "wangfang", "not-the-password", _address(2), token)
    for n in range(staff.LOCK_AFTER):
        await _post_login(console, "wangfang", f"still-wrong-{n}", _address(3 + n), token)
    locked = await _post_login(console, "wangfang", PASSWORD, _address(10), token)  # right password, locked
    staff.disable("lisi")
    disabled = await _post_login(console, "lisi", PASSWORD, _address(11), token)  # right password, disabled
    assert unknown[0] == wrong[0] == locked[0] == disabled[0] == 401
    assert unknown[1] == wrong[1] == locked[1] == disabled[1]
    assert staff.WRONG in unknown[1] and "锁定" in staff.WRONG  # the rule is told to everyone alike
    # the audit log still tells the administrator what happened
    assert {f.detail["reason"] for f in _failures()} == {"unknown user", "password", "locked", "inactive"}


async def test_failures_take_about_as_long_for_unknown_and_known_names(console, wang):
    staff.add("lisi", PASSWORD, display_name="李四")
    staff.disable("lisi")
    token = await _token(console)
    address = iter(range(1000))

    async def timed(username: str, password: str) -> float:
        t0 = time.perf_counter()
        status, _ = await _post_login(console, username, password, _address(next(address)), token)
        assert status == 401
        return time.perf_counter() - t0

    await timed("warm-up", "whatever-it-is")
    times = {"unknown": [], "wrong": [], "locked": [], "disabled": []}
    for n in range(staff.LOCK_AFTER):  # wrong passwords until the account locks, unknown names in between
        times["wrong"].append(await timed("wangfang", f"guess-{n}"))
        times["unknown"].append(await timed(f"nobody-{n}", f"guess-{n}"))
    for n in range(5):
        times["locked"].append(await timed("wangfang", f"guess-locked-{n}"))
        times["disabled"].append(await timed("lisi", PASSWORD))
        times["unknown"].append(await timed(f"nobody-else-{n}", f"guess-{n}"))
    median = {k: statistics.median(v) for k, v in times.items()}
    # a loose bound (the machine is shared): a check costs ~50 ms of scrypt; skipping it is ~10x faster
    for kind in ("wrong", "locked", "disabled"):
        ratio = median[kind] / median["unknown"]
        assert 1 / 3 < ratio < 3, (kind, median)


# ---------------------------------------------------------------- the login form's CSRF token

async def test_a_made_up_csrf_cookie_and_field_pair_is_refused(console, wang):
    made_up = "made-up-token-0123456789abcdef"
    console.client.session.cookie_jar.update_cookies({"xinyong_login_csrf": made_up})
    resp = await console.client.post("/console/login", allow_redirects=False,
                                     data={"username": "wangfang", "password": PASSWORD, "csrf_token": made_up})
    assert resp.status == 403 and "页面已过期" in await resp.text()
    assert not _failures() and "xinyong_console" not in {c.key for c in console.client.session.cookie_jar}
    # a token shaped like the server's, signed with another key, is refused too
    forged = login_csrf.issue(secret=b"not-the-server-secret")
    console.client.session.cookie_jar.update_cookies({"xinyong_login_csrf": forged})
    resp = await console.client.post("/console/login", allow_redirects=False,
                                     data={"username": "wangfang", "password": PASSWORD, "csrf_token": forged})
    assert resp.status == 403
    # the page then issues a real token, and signing in works with it
    status, _ = await _post_login(console, "wangfang", PASSWORD, _address(1))
    assert status == 302


async def test_the_login_token_is_the_servers_and_works_on_every_replica(console, wang):
    token = await _token(console)
    assert login_csrf.valid(token)
    # another web server process has no token cache of its own: the key is in the shared database
    login_csrf.forget_key()
    assert login_csrf.valid(token)
    # an old token has expired
    assert not login_csrf.valid(token, now=time.time() + login_csrf.VALID_SECONDS + 60)
    # the form's token must also be the cookie's
    other = login_csrf.issue()
    resp = await console.client.post("/console/login", allow_redirects=False,
                                     data={"username": "wangfang", "password": PASSWORD, "csrf_token": other})
    assert resp.status == 403
    status, _ = await _post_login(console, "wangfang", PASSWORD, _address(2), token)
    assert status == 302
