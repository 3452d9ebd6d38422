"""Limits against scraping and password guessing (actions/rules/limits.yml), on SQLite and PostgreSQL:
lookups per conversation (every chat lookup path), subject lookups per staff member in the console,
failed console sign-ins per client address (behind a trusted proxy or not). Counted from the audit
log in the database, so any replica sees the same count. One slow check through the real bot."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.db.engine import session_scope
from actions.db.models import AuditLog, utcnow
from actions.enquiry_actions import ActionQueryCredit
from actions.filing_actions import ValidateObjectionForm
from actions.services import demo_data, enquiry, limits_rules, rate_limit, staff, staff_lookup, tickets
from actions.services.rate_limit import TooManyLookups
from actions.status_actions import ActionCheckStatus
from bot.web.client_address import client_of, parse_networks
from tests.console_client import console_client
from tests.query_plans import plan_of_the_one

HONGTAI = "912306047LY7DWQT7J"
PASSWORD = "lotus-pond-2026"
LIMIT = limits_rules.rules().chat_lookups.windows[0]  # 20 in 60 s


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


@pytest.fixture
def limits_file(tmp_path, monkeypatch):
    """Write a limits file of the same shape with some numbers changed; XINYONG_LIMITS_FILE points at it."""
    def write(text: str):
        path = tmp_path / "limits.yml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv(limits_rules.ENV, str(path))
        limits_rules.rules.cache_clear()
        return path
    yield write
    monkeypatch.delenv(limits_rules.ENV, raising=False)
    limits_rules.rules.cache_clear()


def _past(actor: str, action: str, seconds_ago: float, n: int, actor_type: str = "anonymous") -> None:
    """n audit entries of `action` by `actor`, made `seconds_ago` (as earlier lookups would have)."""
    at = utcnow() - dt.timedelta(seconds=seconds_ago)
    with session_scope() as s:
        s.add_all(AuditLog(at=at, actor_type=actor_type, actor=actor, action=action, channel="web",
                           target_type="subject") for _ in range(n))


def _entries(actor: str, action: str | None = None) -> list[AuditLog]:
    with session_scope() as s:
        q = sa.select(AuditLog).where(AuditLog.actor == actor)
        if action:
            q = q.where(AuditLog.action == action)
        return list(s.execute(q.order_by(AuditLog.id)).scalars())


# Every chat lookup path, called as the actions call it: (audit action, call for a sender).
CHAT_PATHS = {
    "lookup_code": lambda sender: enquiry.by_code(HONGTAI, sender, channel="web"),
    "lookup_name": lambda sender: enquiry.by_name("大庆市鸿泰石油技术服务有限公司", sender, channel="web"),
    "lookup_focus": lambda sender: enquiry.by_id(1, sender, channel="web"),
    "lookup_doc": lambda sender: tickets.record_by_doc(demo_data.showcase_refs().docs["displayed"], None, sender,
                                                        "web"),
    "lookup_ticket": lambda sender: tickets.lookup(demo_data.showcase_refs().tickets["objection"], sender, "web"),
    "lookup_my_tickets": lambda sender: tickets.mine(sender, 5, "web"),
}


def test_every_chat_lookup_path_is_limited():
    assert set(CHAT_PATHS) == set(rate_limit.CHAT_LOOKUPS)


# ---------------------------------------------------------------- chat lookups per conversation

def test_the_limit_is_the_rules_file_with_its_source():
    r = limits_rules.rules()
    assert r.path == limits_rules.RULES_FILE
    assert (LIMIT.lookups, LIMIT.seconds) == (20, 60) and r.chat_lookups.source and r.chat_lookups.effective
    assert r.console_login.account_failures == staff.LOCK_AFTER == 5 and staff.LOCK_MINUTES == 15
    assert (r.console_login.address_failures, r.console_login.address_seconds) == (20, 900)


def test_twenty_lookups_a_minute_then_a_refusal_that_is_audited_and_looks_nothing_up(demo):
    for _ in range(LIMIT.lookups):
        assert enquiry.by_code(HONGTAI, "web-scraper01", channel="web").enquiry is not None
    with pytest.raises(TooManyLookups) as refused:
        enquiry.by_code(HONGTAI, "web-scraper01", channel="web")
    assert 55 <= refused.value.retry_after <= 60 and refused.value.window == LIMIT
    done = _entries("web-scraper01")
    assert [e.action for e in done] == ["lookup_code"] * LIMIT.lookups + ["lookup_refused"]
    last = done[-1]
    assert (last.actor_type, last.channel, last.target_type) == ("anonymous", "web", "subject")
    assert last.detail["attempted"] == "lookup_code" and last.detail["limit"] == "20/60s"
    assert last.detail["retry_after"] == refused.value.retry_after
    # another conversation, and code that looks up for no one (sender None), are not affected
    assert enquiry.by_code(HONGTAI, "web-someoneelse", channel="web").enquiry is not None
    assert enquiry.by_code(HONGTAI).enquiry is not None


@pytest.mark.parametrize("action", sorted(CHAT_PATHS))
def test_each_chat_lookup_path_is_refused_when_the_window_is_full(demo, action):
    sender = f"web-{action}"
    _past(sender, "lookup_code", 45, LIMIT.lookups - 1)
    CHAT_PATHS[action](sender)  # the 20th lookup in the minute still runs
    with pytest.raises(TooManyLookups) as refused:
        CHAT_PATHS[action](sender)
    assert 14 <= refused.value.retry_after <= 16  # the oldest lookup leaves the window 15 s from now
    actions = [e.action for e in _entries(sender)]
    assert actions[LIMIT.lookups - 1:] == [action, "lookup_refused"]  # after the 19 made before
    assert _entries(sender, "lookup_refused")[0].detail["attempted"] == action


def test_refusals_do_not_count_and_the_window_slides(demo):
    _past("web-slider001", "lookup_name", 61, LIMIT.lookups)  # a minute ago: out of the window
    assert enquiry.by_code(HONGTAI, "web-slider001").enquiry is not None
    _past("web-slider002", "lookup_name", 58, LIMIT.lookups)  # about to leave the window
    for _ in range(3):
        with pytest.raises(TooManyLookups) as refused:
            enquiry.by_code(HONGTAI, "web-slider002")
        assert refused.value.retry_after <= 2  # refused attempts did not push the time back
    assert len(_entries("web-slider002", "lookup_refused")) == 3


def test_the_hour_window_stops_a_script_pacing_itself(demo):
    hour = limits_rules.rules().chat_lookups.windows[1]
    _past("web-pacer0001", "lookup_code", 1800, hour.lookups)  # 300 half an hour ago, none this minute
    with pytest.raises(TooManyLookups) as refused:
        enquiry.by_name("鸿泰石油", "web-pacer0001")
    assert refused.value.window == hour and 1795 <= refused.value.retry_after <= 1800


def test_a_benchmark_can_switch_the_limit_off_or_change_it(demo, limits_file):
    text = limits_rules.RULES_FILE.read_text(encoding="utf-8")
    limits_file(text.replace("lookups: 20, seconds: 60", "lookups: 2, seconds: 60"))
    enquiry.by_code(HONGTAI, "web-bench0001")
    enquiry.by_code(HONGTAI, "web-bench0001")
    with pytest.raises(TooManyLookups):
        enquiry.by_code(HONGTAI, "web-bench0001")
    limits_file(text.replace("enabled: true\n  windows:\n    - {lookups: 20", "enabled: false\n  windows:\n    - {lookups: 20"))
    assert not limits_rules.rules().chat_lookups.active
    _past("web-bench0002", "lookup_code", 1, 500)
    assert enquiry.by_code(HONGTAI, "web-bench0002").enquiry is not None


def test_the_count_uses_the_actor_index(demo, engine):
    plan = plan_of_the_one(engine, lambda sql: "count(" in sql.lower() and "audit_log" in sql,
                           lambda: enquiry.by_code(HONGTAI, "web-indexed01"))
    assert "ix_audit_log_actor_at" in plan, plan


# ---------------------------------------------------------------- what the user is told

def _tracker(text, entities=(), slots=None, intent="query_credit", sender="web-talker01", channel="web",
             activated=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": [dict(entity=k, value=v) for k, v in entities]}
    events = [{"event": "user", "text": text, "input_channel": channel}]
    if activated:
        events.append({"event": "active_loop", "name": activated})
    return Tracker(sender, dict(slots or {}), latest, events, False, None,
                   {"name": activated} if activated else {}, "action_listen")


async def _run(action, t):
    d = CollectingDispatcher()
    events = await action.run(d, t, {})
    return "\n".join(m.get("text") or "" for m in d.messages), {e["name"]: e["value"] for e in events
                                                                  if e.get("event") == "slot"}


async def test_the_user_is_told_when_to_try_again_with_the_hotline_in_their_script(demo, monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")
    monkeypatch.setenv("XINYONG_HOTLINE_HOURS", "工作日 8:30—17:00")
    _past("web-talker01", "lookup_code", 30, LIMIT.lookups)
    text, slots = await _run(ActionQueryCredit(), _tracker(HONGTAI, [("credit_code", HONGTAI)]))
    assert text.startswith("抱歉，您查询得太频繁了。为防止公示信息被批量抓取，每个对话每分钟最多查询 20 次，请在 ")
    assert "秒后再试。如需帮助，请拨打信用服务热线 0459-12345（工作日 8:30—17:00）。" in text
    assert "鸿泰" not in text and not slots  # nothing looked up, the focus unchanged
    text, _ = await _run(ActionQueryCredit(), _tracker(HONGTAI, [("credit_code", HONGTAI)], {"script": "traditional"}))
    assert "您查詢得太頻繁了" in text and "秒後再試" in text and "0459-12345" in text
    text, _ = await _run(ActionQueryCredit(), _tracker(HONGTAI, [("credit_code", HONGTAI)], {"language": "en"}))
    assert text.startswith("Sorry, you have asked too often.") and "try again in" in text and "0459-12345" in text
    text, _ = await _run(ActionQueryCredit(), _tracker("有没有行政许可", slots={"focus_subject": "1"}))
    assert "太频繁" in text
    text, _ = await _run(ActionCheckStatus(), _tracker("YY-20261117-0001", [("ticket_id", "YY-20261117-0001")],
                                                       intent="check_status"))
    assert "太频繁" in text and "YY-20261117-0001" not in text
    text, _ = await _run(ActionCheckStatus(), _tracker("我的申请", intent="check_status"))
    assert "太频繁" in text
    refused = _entries("web-talker01", "lookup_refused")
    assert [e.detail["attempted"] for e in refused] == ["lookup_code"] * 3 + ["lookup_focus", "lookup_ticket",
                                                                               "lookup_my_tickets"]
    assert all(e.channel == "web" for e in refused)


async def test_a_form_says_so_and_asks_again_without_choosing_a_subject(demo):
    _past("web-former01", "lookup_code", 10, LIMIT.lookups)
    text, slots = await _run(ValidateObjectionForm(), _tracker(
        f"{HONGTAI}的处罚有误", [("credit_code", HONGTAI)], intent="file_objection", sender="web-former01",
        activated="objection_form"))
    assert "太频繁" in text and re.search(r"请在 (49|50|51) 秒后再试", text), text
    assert slots.get("filing_subject") is None and slots["requested_slot"] == "filing_subject"
    midway = {"filing_kind": "objection", "filing_id": "f1", "requested_slot": "filing_subject"}
    text, slots = await _run(ValidateObjectionForm(), _tracker("大庆市鸿泰石油技术服务有限公司", [], midway, "inform",
                                                               sender="web-former01"))
    assert "太频繁" in text and slots.get("filing_subject") is None
    text, slots = await _run(ValidateObjectionForm(), _tracker("文号是庆应急罚〔2026〕21号", [("doc_number", "庆应急罚〔2026〕21号")],
                                                               {**midway, "requested_slot": "filing_record"}, "inform",
                                                               sender="web-former01"))
    assert "太频繁" in text and slots.get("filing_record") is None
    assert [e.detail["attempted"] for e in _entries("web-former01", "lookup_refused")] == [
        "lookup_code", "lookup_name", "lookup_doc"]


# ---------------------------------------------------------------- staff lookups in the console

@pytest.fixture
async def console(demo):
    staff.add("wangfang", PASSWORD, display_name="王芳")
    c = await console_client()
    yield c
    await c.client.close()


async def test_staff_subject_lookups_are_limited_with_a_429(console):
    resp, _ = await console.login("wangfang", PASSWORD)
    assert resp.status == 200
    window = limits_rules.rules().staff_lookups.windows[0]
    _past("王芳（wangfang）", "staff_lookup_name", 20, window.lookups, actor_type="staff")
    resp = await console.get("/console/subjects", params={"q": HONGTAI})
    assert resp.status == 429 and 38 <= int(resp.headers["Retry-After"]) <= 40
    text = await resp.text()
    assert "查询过于频繁" in text and f"每分钟最多查询 {window.lookups} 次" in text and "秒后再试" in text
    status, body = await console.api("GET", f"/console/api/subjects?q={HONGTAI}")
    assert status == 429 and "查询过于频繁" in body["error"] and body["retry_after"] >= 1
    assert (await console.get("/console/subjects/1")).status == 429
    refused = _entries("王芳（wangfang）", "staff_lookup_refused")
    assert [e.detail["attempted"] for e in refused] == ["staff_lookup_code", "staff_lookup_code", "staff_view_subject"]
    assert all(e.channel == "console" and e.actor_type == "staff" for e in refused)
    assert not _entries("王芳（wangfang）", "staff_lookup_code")  # nothing looked up
    assert (await console.get("/console/")).status == 200  # the queue still works


def test_staff_lookups_below_the_limit_run(demo):
    assert staff_lookup.search(HONGTAI, "李四").subjects
    assert staff_lookup.subject_file(1, "李四") is not None


# ---------------------------------------------------------------- console sign-in per client address

def test_the_client_address_trusts_forwarded_for_only_from_a_trusted_proxy():
    loopback = parse_networks("127.0.0.0/8,::1")
    assert client_of("127.0.0.1", ["198.51.100.7"], loopback) == "198.51.100.7"
    assert client_of("127.0.0.1", ["203.0.113.9, 198.51.100.7"], loopback) == "198.51.100.7"  # nginx appends
    assert client_of("127.0.0.1", ["198.51.100.7, 127.0.0.1"], loopback) == "198.51.100.7"  # two local proxies
    assert client_of("198.51.100.7", ["10.9.9.9"], loopback) == "198.51.100.7"  # not a proxy: header ignored
    assert client_of("::ffff:198.51.100.7", [], loopback) == "198.51.100.7"
    assert client_of("127.0.0.1", [], loopback) == "127.0.0.1"
    assert client_of("127.0.0.1", ["not-an-address"], loopback) == "127.0.0.1"
    assert client_of("127.0.0.1", ["198.51.100.7"], parse_networks("none")) == "127.0.0.1"
    assert client_of("10.0.0.5", ["198.51.100.7"], parse_networks("10.0.0.0/8")) == "198.51.100.7"
    assert client_of(None, ["198.51.100.7"], loopback) is None


async def _login_from(console, address: str, username: str, password: str):
    page = await console.client.get("/console/login")
    token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    return await console.client.post("/console/login", headers={"X-Forwarded-For": address}, allow_redirects=False,
                                      data={"username": username, "password": password, "csrf_token": token})


async def test_password_spraying_from_one_address_is_refused_with_a_429(console):
    address = "203.0.113.7"
    failures = limits_rules.rules().console_login.address_failures
    _past(address, "staff_login_failed", 120, failures - 1)  # 19 failures on other accounts
    resp = await _login_from(console, address, "zhangsan", "guess-number-20")  # the 20th, a real one
    assert resp.status == 401
    failed = _entries(address, "staff_login_failed")[-1]
    assert (failed.actor_type, failed.channel, failed.target_id) == ("anonymous", "console", "zhangsan")
    resp = await _login_from(console, address, "wangfang", PASSWORD)  # right password, refused anyway
    html = await resp.text()
    assert resp.status == 429 and "此网络地址登录失败次数过多" in html and "分钟" in html
    assert 775 <= int(resp.headers["Retry-After"]) <= 780  # 15 min after the 19 made 2 min ago
    assert "xinyong_console" not in resp.cookies
    refused = _entries(address, "staff_login_refused")
    assert len(refused) == 1 and refused[0].target_id == "wangfang" and refused[0].detail["reason"] == "address"
    assert refused[0].channel == "console" and refused[0].detail["failures"] == failures
    # JSON for a client that asks for it
    page = await console.client.get("/console/login")
    token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    resp = await console.client.post("/console/login", data={"username": "wangfang", "password": PASSWORD,
                                                             "csrf_token": token},
                                     headers={"X-Forwarded-For": address, "Accept": "application/json"})
    body = await resp.json()
    assert resp.status == 429 and "登录失败次数过多" in body["error"] and body["retry_after"] > 0
    # the account was never touched: another address signs in with it at once
    assert (await _login_from(console, "198.51.100.20", "wangfang", PASSWORD)).status == 302


async def test_a_forwarded_for_from_an_untrusted_peer_is_ignored(console, monkeypatch):
    monkeypatch.setenv("XINYONG_TRUSTED_PROXIES", "none")
    resp = await _login_from(console, "203.0.113.8", "nobody", "whatever-it-is")
    assert resp.status == 401
    assert not _entries("203.0.113.8") and _entries("127.0.0.1", "staff_login_failed")


def test_sign_in_counts_failures_per_address_across_accounts(demo, limits_file):
    text = limits_rules.RULES_FILE.read_text(encoding="utf-8")
    limits_file(text.replace("    failures: 20\n    seconds: 900", "    failures: 3\n    seconds: 900"))
    staff.add("lisi", PASSWORD)
    for name in ("a", "b", "c"):
        with pytest.raises(staff.StaffError) as wrong:
            staff.sign_in(name, "wrong-password-x", ip="192.0.2.1")
        assert not isinstance(wrong.value, staff.TooManyAttempts)
    with pytest.raises(staff.TooManyAttempts) as refused:
        staff.sign_in("lisi", PASSWORD, ip="192.0.2.1")
    assert 895 <= refused.value.retry_after <= 900 and "15 分钟" in str(refused.value)
    assert staff.sign_in("lisi", PASSWORD, ip="192.0.2.2").staff.username == "lisi"


# ---------------------------------------------------------------- through the real bot

@pytest.mark.slow
def test_too_many_lookups_in_a_conversation_get_a_clear_reply(demo_bot):
    from tests.botserver import Chat

    chat = Chat(demo_bot)
    assert "鴻泰石油" in chat("請幫我查一下大慶市鴻泰石油技術服務有限公司")  # Traditional: remembered
    for _ in range(LIMIT.lookups - 1):
        assert "異議處理中" in chat(HONGTAI)
    reply = chat(HONGTAI)
    assert "您查詢得太頻繁了" in reply and "秒後再試" in reply and "0459-12345" in reply, reply
    assert "鴻泰石油" not in reply
    engine = sa.create_engine(demo_bot.database_url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(AuditLog.action, AuditLog.channel).where(AuditLog.actor == chat.sender)
                                .order_by(AuditLog.id)).all()
    finally:
        engine.dispose()
    assert [a for a, _ in rows] == ["lookup_name"] + ["lookup_code"] * (LIMIT.lookups - 1) + ["lookup_refused"]
    assert len({c for _, c in rows}) == 1 and rows[0][1]  # the channel the user wrote on, on every entry
