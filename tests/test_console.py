"""The staff console over HTTP, against a real database: sign-in, sessions, CSRF, the queues,
subjects with hidden records, ticket decisions, handoffs answered into the conversation, the
audit log. Assist mode, which needs the Rasa server, is in test_console_assist.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import AuditLog, Record, StaffSession, Subject
from actions.services import demo_data, enquiry, handoff, outbox, staff, tickets
from bot.web.app import make_app
from tests.console_client import console_client

HONGTAI = "912306047LY7DWQT7J"  # showcase: one penalty displayed, one under objection, one expired
ZHAO_ID = "230602197810070431"  # showcase natural person on 失信被执行人
PASSWORD = "lotus-pond-2026"


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


@pytest.fixture
def wang(demo):
    view, _ = staff.add("wangfang", PASSWORD, display_name="王芳")
    return view


@pytest.fixture
async def console(demo):
    c = await console_client()
    yield c
    await c.client.close()


@pytest.fixture
async def signed_in(console, wang):
    resp, html = await console.login("wangfang", PASSWORD)
    assert resp.status == 200 and "王芳" in html, html[:500]
    return console


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.execute(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars())


def _displayed_penalty(code=HONGTAI):
    found = enquiry.by_code(code)
    return next(r for r in found.enquiry.records if r.kind == "penalty" and r.display_status == "公示中")


def _file(record_id, key, sender="web-abcdef123456", channel="web", today=None):
    return tickets.file(tickets.Filing(kind="objection", record_id=record_id, idempotency_key=key, sender_id=sender,
                                       channel=channel, ground="信息错误", description="罚款金额登记有误",
                                       contact_name="张伟", contact_phone="13912345678"),
                        today=today).ticket


# ---------------------------------------------------------------- anonymous access

def _example_path(resource) -> str:
    info = resource.get_info()
    if "path" in info:
        return info["path"]
    formatter = info.get("formatter") or info.get("prefix", "")
    values = {"no": "YY-20261130-0001", "id": "1", "what": "reply"}
    for name, value in values.items():
        formatter = formatter.replace("{" + name + "}", value)
    return formatter


async def test_anonymous_requests_are_redirected_to_login_or_refused(console):
    app = make_app("http://127.0.0.1:9")
    checked = 0
    for route in app.router.routes():
        path = _example_path(route.resource)
        if not path.startswith("/console") or path == "/console/login" or route.method == "HEAD":
            continue
        resp = await console.client.request(route.method, path, allow_redirects=False)
        if path.startswith("/console/api/"):
            assert resp.status == 401, (route.method, path, resp.status)
            assert "登录" in (await resp.json())["error"]
        else:
            assert resp.status == 302, (route.method, path, resp.status)
            assert resp.headers["Location"].startswith("/console/login?next="), path
        checked += 1
    assert checked >= 20
    # a page that does not exist is not a way to learn what does: also redirected
    resp = await console.client.get("/console/no-such-page", allow_redirects=False)
    assert resp.status == 302


# ---------------------------------------------------------------- sign-in, sessions, CSRF

async def test_wrong_password_is_refused_and_logged_then_the_account_locks(console, wang):
    resp, html = await console.login("wangfang", "not-the-password")
    assert resp.status == 401 and "用户名或密码不正确" in html
    resp, html = await console.login("nobody", "whatever-it-is")
    assert resp.status == 401 and "用户名或密码不正确" in html  # same words: no hint which names exist
    for _ in range(staff.LOCK_AFTER - 1):
        await console.login("wangfang", "still-wrong-1")
    resp, html = await console.login("wangfang", PASSWORD)  # right password, but locked now
    assert resp.status == 401 and "锁定" in html
    assert len(_audit("staff_login_failed")) == staff.LOCK_AFTER + 2


async def test_login_form_needs_its_csrf_token(console, wang):
    resp = await console.client.post("/console/login", data={"username": "wangfang", "password": PASSWORD})
    assert resp.status == 403
    assert (await console.client.get("/console/", allow_redirects=False)).status == 302


async def test_password_is_stored_as_a_scrypt_hash_and_sessions_as_digests(signed_in):
    with session_scope() as s:
        from actions.db.models import StaffUser

        user = s.execute(sa.select(StaffUser).where(StaffUser.username == "wangfang")).scalar_one()
        assert user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
        sess = s.execute(sa.select(StaffSession)).scalar_one()
    cookie = next(c for c in signed_in.client.session.cookie_jar if c.key == "xinyong_console")
    assert cookie.value != sess.token_hash and len(sess.token_hash) == 64
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


async def test_posts_without_the_csrf_token_are_refused(signed_in):
    no = _file(_displayed_penalty().id, "k-csrf").ticket_no
    resp = await signed_in.post(f"/console/tickets/{no}/accept", csrf=False)
    assert resp.status == 403
    status, body = await signed_in.api("POST", f"/console/api/tickets/{no}/accept", {}, csrf=False)
    assert status == 403 and "CSRF" in body["error"]
    assert tickets.get(no).status == "已提交"  # nothing changed


async def test_logout_ends_the_session_for_good(signed_in):
    old = next(c for c in signed_in.client.session.cookie_jar if c.key == "xinyong_console").value
    resp = await signed_in.post("/console/logout", allow_redirects=False)
    assert resp.status == 302
    assert (await signed_in.get("/console/", allow_redirects=False)).status == 302
    # the old cookie, replayed, does not work either
    signed_in.client.session.cookie_jar.update_cookies({"xinyong_console": old})
    assert (await signed_in.client.get("/console/api/me")).status == 401
    assert _audit("staff_logout")


async def test_a_disabled_account_loses_its_session(signed_in):
    assert (await signed_in.client.get("/console/api/me")).status == 200
    staff.disable("wangfang")
    assert (await signed_in.client.get("/console/api/me")).status == 401


# ---------------------------------------------------------------- subjects

async def test_subject_shows_records_no_longer_on_public_display(signed_in):
    resp = await signed_in.get("/console/subjects", params={"q": HONGTAI})
    html = await resp.text()  # one match: straight to the subject
    assert "大庆市鸿泰石油技术服务有限公司" in html and "全部记录" in html
    public = enquiry.by_code(HONGTAI).enquiry
    with session_scope() as s:
        subject_id = s.execute(sa.select(Subject.id).where(Subject.uscc == HONGTAI)).scalar_one()
        all_docs = s.execute(sa.select(Record.doc_number, Record.display_status)
                             .where(Record.subject_id == subject_id)).all()
    hidden = [d for d, status in all_docs if status not in ("公示中", "异议处理中")]
    assert hidden and len(all_docs) > len(public.records)
    for doc, _ in all_docs:
        assert doc in html
    assert "公众不可见" in html
    assert demo_data.showcase_refs().tickets["objection"] in html  # the demo objection, under 申请
    assert [e.actor for e in _audit("staff_lookup_code")] == ["王芳（wangfang）"]
    assert _audit("staff_view_subject")[-1].actor == "王芳（wangfang）"


async def test_people_are_found_by_id_number_only_and_shown_masked(signed_in):
    html = await (await signed_in.get("/console/subjects", params={"q": ZHAO_ID})).text()
    assert "赵文强" in html and "失信被执行人" in html
    assert ZHAO_ID not in html and "2306**********0431" in html
    html = await (await signed_in.get("/console/subjects", params={"q": "赵文强"})).text()
    assert "没有找到" in html
    # the audit log keeps the ID number masked too
    assert ZHAO_ID not in str([e.detail for e in _audit("staff_lookup_code")])


async def test_subject_search_by_name_lists_candidates(signed_in):
    html = await (await signed_in.get("/console/subjects", params={"q": "大庆市"})).text()
    assert html.count("/console/subjects/") >= 3


# ---------------------------------------------------------------- tickets

async def test_queue_highlights_overdue_and_soon_due_tickets(signed_in):
    records = [r for r in enquiry.by_code(HONGTAI).enquiry.records if r.kind == "penalty" and r.display_status == "公示中"]
    late = _file(records[0].id, "k-late", today=dt.date.today() - dt.timedelta(days=30))
    fresh = _file(_displayed_penalty("91230603M99CYUPG8N").id, "k-fresh").ticket_no  # due in 5 working days
    html = await (await signed_in.get("/console/")).text()
    row = re.search(r'<tr class="([^"]*)">\s*<td><a href="/console/tickets/' + late.ticket_no, html)
    assert row and row.group(1) == "overdue", html
    assert "已超期" in html
    # the overdue filter shows it; a ticket due later is not in it
    html = await (await signed_in.get("/console/", params={"due": "overdue"})).text()
    assert late.ticket_no in html and fresh not in html
    status, body = await signed_in.api("GET", "/console/api/tickets?due=overdue")
    assert status == 200 and late.ticket_no in [t["ticket_no"] for t in body["tickets"]]
    assert {t["deadline"] for t in body["tickets"]} == {"overdue"}
    status, body = await signed_in.api("GET", "/console/api/tickets")
    assert {t["ticket_no"]: t["deadline"] for t in body["tickets"]}[fresh] is None


async def test_accept_and_decide_from_the_console_change_the_record_and_are_audited(signed_in):
    record = _displayed_penalty()
    no = _file(record.id, "k-decide").ticket_no
    resp = await signed_in.post(f"/console/tickets/{no}/accept", {"note": "材料齐全"})
    assert resp.status == 200 and "已保存" in await resp.text()
    assert tickets.get(no).status == "已受理"
    resp = await signed_in.post(f"/console/tickets/{no}/decide", {"outcome": "准予修复"})
    assert resp.status == 400 and "异议的处理结果只能是" in await resp.text()
    # 撤销 takes the record down: an operator alone cannot (four-eyes), only propose it …
    resp = await signed_in.post(f"/console/tickets/{no}/decide", {"outcome": "撤销", "note": "核实为录入错误"})
    assert resp.status == 403 and "主管" in await resp.text() and tickets.get(no).status == "已受理"
    resp = await signed_in.post(f"/console/tickets/{no}/propose", {"outcome": "撤销", "note": "核实为录入错误"})
    assert resp.status == 200 and tickets.get(no).status == "已受理"
    # … and a supervisor approves it
    staff.add("lisi", PASSWORD, role="supervisor", display_name="李四")
    supervisor = await console_client()
    try:
        await supervisor.login("lisi", PASSWORD)
        resp = await supervisor.post(f"/console/tickets/{no}/approve", {"outcome": "撤销"})
        assert resp.status == 200
    finally:
        await supervisor.client.close()
    t = tickets.get(no)
    assert t.status == "已办结" and t.outcome == "撤销" and t.record_status == "已撤销"
    assert [e.actor for e in t.events][1:] == ["王芳（wangfang）", "李四（lisi）"]
    assert record.doc_number not in [r.doc_number for r in enquiry.by_code(HONGTAI).enquiry.records]
    decided = _audit("ticket_decide")
    assert decided[-1].actor == "李四（lisi）" and decided[-1].channel == "console"
    assert decided[-1].detail["proposed_by"] == "王芳（wangfang）"
    # a decided ticket cannot be decided again
    status, body = await signed_in.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": "维持"})
    assert status == 400 and "不能再作决定" in body["error"]


async def test_the_user_who_filed_on_the_web_is_told_of_each_change(signed_in):
    record = _displayed_penalty()
    no = _file(record.id, "k-notice", sender="web-notice0001").ticket_no
    await signed_in.api("POST", f"/console/api/tickets/{no}/accept", {})
    await signed_in.api("POST", f"/console/api/tickets/{no}/decide", {"outcome": "维持"})
    texts = [m.text for m in outbox.for_sender("web-notice0001")]
    assert len(texts) == 2 and all(no in t for t in texts)
    assert "已受理" in texts[0] and "维持" in texts[1]
    # a REST caller has nowhere to receive it: nothing is queued
    rest_no = _file(_displayed_penalty("91230603M99CYUPG8N").id, "k-rest", sender="rest-user", channel="rest").ticket_no
    await signed_in.api("POST", f"/console/api/tickets/{rest_no}/accept", {})
    assert outbox.for_sender("rest-user") == []


async def test_unknown_ticket_is_a_polite_404(signed_in):
    resp = await signed_in.get("/console/tickets/YY-20990101-0001")
    assert resp.status == 404 and "没有编号为" in await resp.text()


# ---------------------------------------------------------------- handoffs

async def test_operator_answers_a_handed_over_conversation(signed_in, wang):
    sender = "web-handoff00001"
    events = [{"event": "user", "text": f"我的身份证号是{ZHAO_ID}，帮我转人工", "timestamp": 1.0},
              {"event": "bot", "text": "好的，已为您转人工服务", "timestamp": 2.0}]
    request_id = handoff.request_handoff(sender, "web", "用户要求人工服务", events)
    html = await (await signed_in.get("/console/")).text()
    assert f"/console/handoffs/{request_id}" in html
    html = await (await signed_in.get(f"/console/handoffs/{request_id}")).text()
    assert "帮我转人工" in html and ZHAO_ID not in html  # the transcript keeps ID numbers masked
    assert "收不到在线回复" not in html
    rest_request = handoff.request_handoff("rest-caller", "rest", "用户要求人工服务", [])
    html = await (await signed_in.get(f"/console/handoffs/{rest_request}")).text()
    assert "收不到在线回复" in html  # a REST caller cannot be answered here: the operator is told
    # while waiting, the assistant still answers and the user's words are in the transcript
    assert handoff.user_said(sender, "还要等多久") == handoff.WAITING
    resp = await signed_in.post(f"/console/handoffs/{request_id}/reply", {"text": "您好，我是王芳，请讲"})
    assert resp.status == 200
    assert handoff.get(request_id).status == handoff.TAKEN
    delivered = outbox.for_sender(sender)
    assert [m.kind for m in delivered] == ["staff_reply", "staff_reply"]
    assert delivered[-1].text == "您好，我是王芳，请讲"
    # taken: the user's messages are for the operator now
    assert handoff.user_said(sender, "我想问异议的事") == handoff.TAKEN
    status, body = await signed_in.api("GET", f"/console/api/handoffs/{request_id}")
    assert body["waiting_for_reply"] and body["transcript"][-1]["text"] == "我想问异议的事"
    status, body = await signed_in.api("POST", f"/console/api/handoffs/{request_id}/reply", {"text": "  "})
    assert status == 400 and "不能为空" in body["error"]
    await signed_in.post(f"/console/handoffs/{request_id}/close")
    assert handoff.state_of(sender) is None
    assert outbox.for_sender(sender, delivered[-1].id)[-1].kind == "handoff_closed"
    assert {e.action for e in _audit("handoff_reply") + _audit("handoff_close")} == {"handoff_reply", "handoff_close"}
    assert all(e.actor == "王芳（wangfang）" for e in _audit("handoff_reply"))


# ---------------------------------------------------------------- audit log

async def test_audit_log_shows_who_did_what(signed_in):
    await signed_in.get("/console/subjects", params={"q": HONGTAI})
    html = await (await signed_in.get("/console/audit", params={"actor": "wangfang"})).text()
    assert "staff_lookup_code" in html and "staff_login" in html and HONGTAI in html
    html = await (await signed_in.get("/console/audit", params={"action": "staff_login_failed"})).text()
    assert "staff_lookup_code" not in html
    status, body = await signed_in.api("GET", "/console/api/audit?action=staff_view")
    assert status == 200 and body["entries"] and all(e["action"].startswith("staff_view") for e in body["entries"])


async def test_pages_carry_security_headers(signed_in):
    resp = await signed_in.get("/console/")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["Cache-Control"] == "no-store"


def test_only_a_registered_assist_conversation_makes_a_filing_staff_assisted(wang):
    from actions.services import assist

    record = _displayed_penalty()
    # a conversation id that merely looks like the console's is an ordinary filing
    forged = _file(record.id, "k-forged", sender="console-" + "0" * 32, channel="console")
    assert forged.assisted_by is None and forged.events[0].actor_type == "subject"
    tickets.decide(forged.ticket_no, "维持", "测试")
    registered = assist.start(wang.id, wang.label, "来电 139****5678")
    assert assist.owner(registered) == wang.id
    t = _file(record.id, "k-assisted", sender=registered, channel="console")
    assert t.assisted_by == "王芳（wangfang）" and "王芳" in t.events[0].note


def test_staff_command_adds_resets_lists_and_disables_accounts(db_url, cli, monkeypatch):
    import io
    import json

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, out, err = cli("staff", "add", "zhaolei")
    assert code == 2 and "至少需要 8 个字符" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("river-stone-88\n"))
    code, out, err = cli("staff", "add", "zhaolei", "--display-name", "赵磊", "--role", "supervisor")
    assert code == 0 and "已创建" in out and "赵磊" in out
    first = staff.sign_in("zhaolei", "river-stone-88")
    assert staff.session_of(first.token).staff.role == "supervisor"
    monkeypatch.setattr("sys.stdin", io.StringIO("new-river-stone-99\n"))
    code, out, err = cli("staff", "add", "zhaolei")
    assert code == 0 and "已更新密码" in out
    assert staff.session_of(first.token) is None  # a new password ends the old sessions
    with pytest.raises(staff.StaffError):
        staff.sign_in("zhaolei", "river-stone-88")
    code, out, err = cli("staff", "list", "--json")
    assert [s["username"] for s in json.loads(out)] == ["zhaolei"]
    code, out, err = cli("staff", "disable", "zhaolei")
    assert code == 0
    with pytest.raises(staff.StaffError):
        staff.sign_in("zhaolei", "new-river-stone-99")
    code, out, err = cli("staff", "disable", "nobody")
    assert code == 1 and "没有用户名为 nobody" in err


def test_an_idle_session_expires(wang):
    signed = staff.sign_in("wangfang", PASSWORD)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=staff.SESSION_HOURS, minutes=1)
    assert staff.session_of(signed.token, now=later) is None
    assert staff.session_of(signed.token) is None  # and it is gone for good
