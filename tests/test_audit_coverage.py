"""Every lookup and every staff action is in the audit log with who (actor), what (action), on what
(target) and where (channel), on SQLite and PostgreSQL:

- every chat lookup path, run as the action server runs it (by code, by name, follow-ups on the
  subject in focus, a ticket's progress, 我的申请, a filing form's subject and document number);
- every console route, enumerated from the web application itself, so a new route fails this test
  until it is audited or listed below as showing nothing to audit;
- the staff commands: `xinyong tickets accept|decide|show`, `xinyong staff add|disable`, `xinyong import`.
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.db.engine import session_scope
from actions.db.models import AuditLog
from actions.enquiry_actions import ActionQueryCredit
from actions.filing_actions import ValidateObjectionForm
from actions.services import demo_data, enquiry, handoff, rate_limit, staff, tickets
from actions.status_actions import ActionCheckStatus
from tests.console_client import console_client

HONGTAI = "912306047LY7DWQT7J"
HONGTAI_NAME = "大庆市鸿泰石油技术服务有限公司"
JINHE = "91230602YTR8FXXX1E"
PASSWORD = "lotus-pond-2026"
ME = "王芳（wangfang）"

# Console routes that show no subject, record, ticket detail or conversation, so there is nothing to
# audit: the sign-in page, the redirect, the assist page's empty frame, one's own name, and the
# queues (ticket numbers, statuses, deadlines; what is behind them is audited when opened).
NOTHING_TO_AUDIT = {
    ("GET", "/console"), ("GET", "/console/login"), ("GET", "/console/assist"), ("GET", "/console/api/me"),
    ("GET", "/console/"), ("GET", "/console/api/tickets"),
}


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


def _last_id() -> int:
    with session_scope() as s:
        return s.execute(sa.select(sa.func.coalesce(sa.func.max(AuditLog.id), 0))).scalar_one()


def _since(after: int) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.execute(sa.select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id)).scalars())


def _complete(e: AuditLog, actor=None, channel=None) -> None:
    where = f"{e.action} by {e.actor!r}"
    assert e.actor and e.actor_type and e.target_type and e.channel, where
    if actor is not None:
        assert e.actor == actor, where
    if channel is not None:
        assert e.channel == channel, where


# ---------------------------------------------------------------- chat lookups

def _tracker(sender, text, entities=(), slots=None, intent="query_credit", activated=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": [dict(entity=k, value=v) for k, v in entities]}
    events = [{"event": "user", "text": text, "input_channel": "telegram"}]
    if activated:
        events.append({"event": "active_loop", "name": activated})
    return Tracker(sender, dict(slots or {}), latest, events, False, None,
                   {"name": activated} if activated else {}, "action_listen")


async def test_every_chat_lookup_path_is_audited_with_sender_target_and_channel(demo):
    hongtai = str(enquiry.by_code(HONGTAI).enquiry.subject.id)
    jinhe = str(enquiry.by_code(JINHE).enquiry.subject.id)
    record = next(r for r in enquiry.by_code(HONGTAI).enquiry.records if r.display_status == "公示中")
    ticket_no = (tickets.listing(None, limit=1) or [None])[0]
    ticket_no = ticket_no.ticket_no if ticket_no else demo_data.showcase_refs().tickets["objection"]
    midway = {"filing_kind": "objection", "filing_id": "f1", "requested_slot": "filing_subject"}
    paths = [
        ("lookup_code", ActionQueryCredit(), HONGTAI, [("credit_code", HONGTAI)], {}, "query_credit", None),
        ("lookup_name", ActionQueryCredit(), f"查{HONGTAI_NAME}", [("subject_name", HONGTAI_NAME)], {},
         "query_credit", None),
        ("lookup_focus", ActionQueryCredit(), "有没有行政许可", [], {"focus_subject": hongtai}, "query_credit", None),
        ("lookup_focus", ActionQueryCredit(), "上一家呢", [], {"focus_subject": hongtai, "previous_subject": jinhe},
         "query_credit", None),
        ("lookup_focus", ActionQueryCredit(), "查看更多", [], {"focus_subject": hongtai}, "query_credit", None),
        ("lookup_ticket", ActionCheckStatus(), f"{ticket_no} 办到哪了", [("ticket_id", ticket_no)], {},
         "check_status", None),
        ("lookup_my_tickets", ActionCheckStatus(), "我的申请", [], {}, "check_status", None),
        ("lookup_code", ValidateObjectionForm(), f"{HONGTAI}的处罚有误", [("credit_code", HONGTAI)], {},
         "file_objection", "objection_form"),
        ("lookup_name", ValidateObjectionForm(), HONGTAI_NAME, [], midway, "inform", None),
        ("lookup_doc", ValidateObjectionForm(), f"文号{record.doc_number}", [("doc_number", record.doc_number)],
         {**midway, "requested_slot": "filing_record", "filing_subject": hongtai}, "inform", None),
    ]
    covered = set()
    for n, (action, runner, text, entities, slots, intent, activated) in enumerate(paths):
        sender = f"tg-{n}-{action}"
        before = _last_id()
        await runner.run(CollectingDispatcher(), _tracker(sender, text, entities, slots, intent, activated), {})
        entries = [e for e in _since(before) if e.action == action]
        assert len(entries) == 1, (action, text, [e.action for e in _since(before)])
        _complete(entries[0], actor=sender, channel="telegram")
        assert entries[0].actor_type == "anonymous"
        covered.add(action)
    # every action the limit counts is produced by some chat path here, and nothing else is
    assert covered == set(rate_limit.CHAT_LOOKUPS)


# ---------------------------------------------------------------- the console

async def _fake_rasa():
    async def webhook(request):
        return web.json_response([{"text": "好的，请问要查询哪家企业？"}])

    async def tracker(request):
        return web.json_response({"latest_message": {"intent": {"name": "query_credit", "confidence": 0.9}},
                                  "slots": {}, "active_loop": {}})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/conversations/{id}/tracker", tracker)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"


def _objection(record_id: int, key: str) -> str:
    return tickets.file(tickets.Filing(kind="objection", record_id=record_id, idempotency_key=key,
                                       sender_id="web-audited0001", channel="web", ground="信息错误",
                                       description="金额有误", contact_name="张伟",
                                       contact_phone="13912345678")).ticket.ticket_no


async def test_every_console_route_that_shows_or_changes_something_is_audited(demo):
    staff.add("wangfang", PASSWORD, display_name="王芳")
    records = [r for r in enquiry.by_code(HONGTAI).enquiry.records if r.display_status == "公示中"]
    records += [r for r in enquiry.by_code(JINHE).enquiry.records if r.display_status == "公示中"]
    form_ticket, api_ticket = _objection(records[0].id, "audit:1"), _objection(records[1].id, "audit:2")
    page_handoff = handoff.request_handoff("web-audited0002", "web", "用户要求人工服务", [])
    api_handoff = handoff.request_handoff("web-audited0003", "web", "用户要求人工服务", [])
    subject_id = enquiry.by_code(HONGTAI).enquiry.subject.id
    rasa, rasa_url = await _fake_rasa()
    c = await console_client(rasa_url)
    try:
        async def sign_in_wrong():
            await c.login("wangfang", "not-the-password")

        async def sign_in():
            resp, _ = await c.login("wangfang", PASSWORD)
            assert resp.status == 200

        def get(path, **params):
            async def run():
                resp = await c.get(path, params=params)
                assert resp.status == 200, (path, resp.status)
            return run

        def post(path, **data):
            async def run():
                resp = await c.post(path, data, allow_redirects=False)
                assert resp.status in (200, 302), (path, resp.status, await resp.text())
            return run

        def api(method, path, body=None):
            async def run():
                status, answer = await c.api(method, path, body)
                assert status == 200, (path, status, answer)
            return run

        def refused(path, body):
            async def run():
                status, answer = await c.api("POST", path, body)
                assert status == 403, (path, status, answer)
            return run

        # (method, route as the router names it): [(request, audit action, actor), …]
        cases = {
            ("POST", "/console/login"): [(sign_in_wrong, "staff_login_failed", "127.0.0.1"),
                                         (sign_in, "staff_login", ME)],
            ("GET", "/console/subjects"): [(get("/console/subjects", q=HONGTAI), "staff_lookup_code", ME),
                                           (get("/console/subjects", q="鸿泰石油"), "staff_lookup_name", ME)],
            ("GET", "/console/subjects/{id}"): [(get(f"/console/subjects/{subject_id}"), "staff_view_subject", ME)],
            ("GET", "/console/api/subjects"): [(api("GET", f"/console/api/subjects?q={HONGTAI}"),
                                                "staff_lookup_code", ME)],
            ("GET", "/console/api/subjects/{id}"): [(api("GET", f"/console/api/subjects/{subject_id}"),
                                                     "staff_view_subject", ME)],
            ("GET", "/console/tickets/{no}"): [(get(f"/console/tickets/{form_ticket}"), "staff_view_ticket", ME)],
            ("POST", "/console/tickets/{no}/{what}"): [
                (post(f"/console/tickets/{form_ticket}/accept"), "ticket_accept", ME),
                (post(f"/console/tickets/{form_ticket}/propose", outcome="撤销"), "ticket_propose", ME),
                (post(f"/console/tickets/{form_ticket}/decide", outcome="维持"), "ticket_decide", ME)],
            ("GET", "/console/api/tickets/{no}"): [(api("GET", f"/console/api/tickets/{api_ticket}"),
                                                    "staff_view_ticket", ME)],
            ("POST", "/console/api/tickets/{no}/{what}"): [
                (api("POST", f"/console/api/tickets/{api_ticket}/accept", {}), "ticket_accept", ME),
                # an operator alone may not 更正 (four-eyes): refused, and the refusal is audited
                (refused(f"/console/api/tickets/{api_ticket}/decide", {"outcome": "更正"}), "ticket_decide_refused",
                 ME),
                (api("POST", f"/console/api/tickets/{api_ticket}/propose", {"outcome": "更正"}), "ticket_propose", ME),
                (api("POST", f"/console/api/tickets/{api_ticket}/decide", {"outcome": "维持"}), "ticket_decide", ME)],
            ("GET", "/console/api/handoffs"): [(api("GET", "/console/api/handoffs"), "staff_view_handoffs", ME)],
            ("GET", "/console/api/handoffs/{id}"): [(api("GET", f"/console/api/handoffs/{api_handoff}"),
                                                     "staff_view_handoff", ME)],
            ("POST", "/console/api/handoffs/{id}/{what}"): [
                (api("POST", f"/console/api/handoffs/{api_handoff}/take"), "handoff_take", ME),
                (api("POST", f"/console/api/handoffs/{api_handoff}/reply", {"text": "您好"}), "handoff_reply", ME),
                (api("POST", f"/console/api/handoffs/{api_handoff}/close"), "handoff_close", ME)],
            ("GET", "/console/handoffs/{id}"): [(get(f"/console/handoffs/{page_handoff}"), "staff_view_handoff", ME)],
            ("POST", "/console/handoffs/{id}/{what}"): [
                (post(f"/console/handoffs/{page_handoff}/take"), "handoff_take", ME),
                (post(f"/console/handoffs/{page_handoff}/reply", text="请稍等"), "handoff_reply", ME),
                (post(f"/console/handoffs/{page_handoff}/close"), "handoff_close", ME)],
            ("POST", "/console/api/assist/message"): [
                (api("POST", "/console/api/assist/message", {"text": "我想查鸿泰石油"}), "assist_message", ME)],
            ("GET", "/console/audit"): [(get("/console/audit", action="staff_"), "staff_view_audit", ME)],
            ("GET", "/console/api/audit"): [(api("GET", "/console/api/audit?actor=wangfang"), "staff_view_audit", ME)],
            ("POST", "/console/logout"): [(post("/console/logout"), "staff_logout", ME)],
        }
        routes = {(r.method, r.resource.canonical) for r in c.client.server.app.router.routes()
                  if r.method in ("GET", "POST") and r.resource is not None
                  and r.resource.canonical.startswith("/console")}
        assert routes - NOTHING_TO_AUDIT == set(cases), "a console route is neither audited here nor exempt"
        for route, steps in cases.items():
            for request, action, actor in steps:
                before = _last_id()
                await request()
                entries = [e for e in _since(before) if e.action == action]
                assert len(entries) == 1, (route, action, [e.action for e in _since(before)])
                _complete(entries[0], actor=actor, channel="console")
        assert [e.action for e in _since(0) if e.action == "assist_start"]  # the new assist conversation too
    finally:
        await c.client.close()
        await rasa.cleanup()


async def test_polling_a_handoff_is_one_audit_entry_not_one_per_poll(demo):
    staff.add("wangfang", PASSWORD, display_name="王芳")
    request_id = handoff.request_handoff("web-polled0001", "web", "用户要求人工服务", [])
    c = await console_client()
    try:
        await c.login("wangfang", PASSWORD)
        for _ in range(5):
            status, _ = await c.api("GET", f"/console/api/handoffs/{request_id}")
            assert status == 200
    finally:
        await c.client.close()
    assert len([e for e in _since(0) if e.action == "staff_view_handoff"]) == 1


# ---------------------------------------------------------------- staff commands

def test_every_staff_command_is_audited(demo, cli, tmp_path, monkeypatch):
    staff.add("wangfang", PASSWORD, display_name="王芳")  # --staff names a console account
    record = next(r for r in enquiry.by_code(HONGTAI).enquiry.records if r.display_status == "公示中")
    no = _objection(record.id, "audit:cli")
    csv = tmp_path / "penalties.csv"
    csv.write_text("行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚类别,处罚决定日期,处罚机关\n"
                   "大庆市审计测试商贸有限公司,91230602UYD40KCC9A,庆市监罚字〔2026〕第901号,罚款,2026/03/01,"
                   "大庆市市场监督管理局\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    commands = [
        (("tickets", "accept", no, "--staff", "wangfang"), "ticket_accept", no),
        (("tickets", "propose", no, "撤销", "--staff", "wangfang"), "ticket_propose", no),
        (("tickets", "decide", no, "维持", "--staff", "wangfang", "--note", "经核实无误"), "ticket_decide", no),
        (("tickets", "show", no, "--staff", "wangfang"), "staff_view_ticket", no),
        (("staff", "add", "zhaoliu", "--display-name", "赵六"), "staff_add", "zhaoliu"),
        (("staff", "disable", "zhaoliu"), "staff_disable", "zhaoliu"),
        (("import", "penalties", str(csv), "--json"), "import_penalty", None),
    ]
    for args, action, target in commands:
        before = _last_id()
        code, out, err = cli(*args)
        assert code == 0, (args, out, err)
        entries = [e for e in _since(before) if e.action == action]
        assert len(entries) == 1, (args, [e.action for e in _since(before)])
        _complete(entries[0], channel="cli")
        if target:
            assert entries[0].target_id == target
        if args[0] == "tickets":
            assert entries[0].actor.startswith("王芳") and entries[0].actor_type == "staff"
        else:
            assert entries[0].actor.startswith("cli:") and entries[0].actor_type == "system"
