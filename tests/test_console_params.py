"""What an operator, or a stolen console session, can get out of the console by asking oddly
(issue 15, finding 9), on SQLite and PostgreSQL:

- conversation ids (`web-<page id>`, `console-…`, `telegram-…`) are bearer secrets: no console page
  or API answer contains one whole, and the audit log's filters cannot be used to guess one;
- every console route, enumerated from the web application itself, answers bad parameters (ids
  that are not numbers or overflow the database, malformed ticket numbers, NUL and other control
  characters, wrong JSON types, bad paging) with a polite 4xx, never a 500.
"""
from __future__ import annotations

import json
import re
import secrets

import pytest

from actions.services import assist, demo_data, enquiry, handoff, staff, tickets
from tests.console_client import console_client
from tests.test_audit_coverage import _fake_rasa

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"
PASSWORD = "lotus-pond-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


@pytest.fixture
async def console(demo):
    staff.add("wangfang", PASSWORD, display_name="王芳")
    rasa, rasa_url = await _fake_rasa()
    c = await console_client(rasa_url)
    resp, _ = await c.login("wangfang", PASSWORD)
    assert resp.status == 200
    yield c
    await c.client.close()
    await rasa.cleanup()


def _console_routes(c) -> set[tuple[str, str]]:
    return {(r.method, r.resource.canonical) for r in c.client.server.app.router.routes()
            if r.method in ("GET", "POST") and r.resource is not None and r.resource.canonical.startswith("/console")}


# ---------------------------------------------------------------- conversation ids stay hidden

def _conversations() -> dict[str, str]:
    """A web page, a Telegram chat and another operator's assist conversation, each of which looks
    things up, files, asks for a person: their ids end up in the audit log, tickets and handoffs."""
    web = "web-" + secrets.token_hex(16)
    telegram = "telegram-" + str(700000000 + secrets.randbelow(99999999))
    other, _ = staff.add("zhangmin", PASSWORD, display_name="张敏")
    console_id = assist.start(other.id, other.label, "来电 139****5678")
    records = [r for r in enquiry.by_code(HONGTAI).enquiry.records if r.display_status == "公示中"]
    for n, (sender, channel) in enumerate(((web, "web"), (telegram, "telegram"), (console_id, "console"))):
        enquiry.by_code(HONGTAI, sender, channel=channel)
        tickets.mine(sender, 5, channel)
        handoff.request_handoff(sender, channel, "用户要求人工服务",
                                [{"event": "user", "text": "帮我转人工", "timestamp": 1.0}])
    tickets.file(tickets.Filing(kind="objection", record_id=records[0].id, idempotency_key=f"{web}:form",
                                sender_id=web, channel="web", ground="信息错误", description="金额有误",
                                contact_name="张伟", contact_phone="13912345678"))
    return {"web": web, "telegram": telegram, "console": console_id}


async def test_no_console_page_or_api_shows_a_whole_conversation_id(console):
    ids = _conversations()
    numbers = [t.ticket_no for t in tickets.listing(None, limit=200)]
    assert any(t.sender_id == ids["web"] for t in tickets.listing(None, limit=200))
    handoffs = [h.id for h in handoff.queue("open")]
    subject_id = enquiry.by_code(HONGTAI).enquiry.subject.id
    gets = ["/console/", "/console/api/tickets", "/console/api/tickets?status=all",
            *[f"/console/tickets/{no}" for no in numbers], *[f"/console/api/tickets/{no}" for no in numbers],
            f"/console/subjects/{subject_id}", f"/console/api/subjects/{subject_id}", "/console/api/handoffs",
            "/console/api/handoffs?status=all", "/console/audit", "/console/api/audit", "/console/api/me",
            "/console/assist", "/console/subjects?q=" + HONGTAI]
    gets += [f"/console/handoffs/{h}" for h in handoffs] + [f"/console/api/handoffs/{h}" for h in handoffs]
    for whole in ids.values():  # filtering the audit log by the whole id shows only the short form
        gets += [f"/console/audit?actor={whole}", f"/console/api/audit?actor={whole}",
                 f"/console/api/audit?target={whole}"]
    shown = set()
    for path in gets:
        resp = await console.get(path)
        body = await resp.text()
        assert resp.status == 200, (path, resp.status, body[:200])
        for kind, whole in ids.items():
            assert whole not in body, (path, kind)
            if f"{whole[:len(kind) + 5]}…" in body:
                shown.add(kind)
    assert shown == {"web", "telegram", "console"}  # the audit log does show who, shortened


async def test_the_audit_filters_cannot_be_used_to_guess_a_hidden_id(console):
    web = _conversations()["web"]
    shown = web[:8]  # "web-3f2a", as the log shows it

    async def found(actor: str) -> list[int]:
        status, body = await console.api("GET", f"/console/api/audit?actor={actor}")
        assert status == 200
        return [e["id"] for e in body["entries"]]

    entries = await found(shown)
    assert entries, "the shortened form, as shown, finds the conversation's entries"
    wrong_ninth = web[:8] + ("0" if web[8] != "0" else "1")
    # a right or a wrong ninth character, or the whole id, change nothing: no one-character oracle
    for guess in (web[:9], wrong_ninth, web, web + "…"):
        assert await found(guess) == entries, guess
    # and a part of the hidden middle finds nothing
    assert await found(web[6:14]) == []


# ---------------------------------------------------------------- bad parameters: 4xx, never 500

HUGE = "99999999999999999999"
BAD_IDS = ["abc", HUGE, "-1", "0", "1.5", "%00", "1%00", "١٢", "1_0", "9" * 300, "2147483648"]
BAD_NOS = ["abc", "YY-99999999999999999999-0001", "%00", "YY-20261130-0001%00", "x" * 300, "YY-20261130-00001"]


async def _check(console, method: str, path: str, expected=(400, 404), **kw) -> None:
    resp = await console.client.request(method, path, allow_redirects=False, **kw)
    body = await resp.text()
    if resp.content_type == "application/json":
        body = json.dumps(json.loads(body), ensure_ascii=False)
    assert resp.status in expected, (method, path, kw, resp.status, body[:300])
    assert "Traceback" not in body and (resp.status < 400 or CJK.search(body)), (method, path, body[:300])


async def test_every_console_route_answers_bad_parameters_politely(console):
    _conversations()
    no = tickets.listing("open", limit=50)[0].ticket_no
    h = handoff.queue("open")[0].id
    csrf = {"X-CSRF-Token": console.csrf}
    form = {"csrf_token": console.csrf}

    async def ids(method, template, **kw):
        for bad in BAD_IDS:
            await _check(console, method, template.format(bad), **kw)

    async def nos(method, template, **kw):
        for bad in BAD_NOS:
            await _check(console, method, template.format(bad), **kw)

    async def queries(path, params, expected=(400,)):
        for name, bad in params:
            await _check(console, "GET", f"{path}?{name}={bad}", expected=expected)

    text_params = [("q", "%00"), ("q", "x" * 3000), ("q", "%ff%fe")]
    cases = {
        ("GET", "/console"): lambda: _check(console, "GET", "/console?x=%00", expected=(302,)),
        ("GET", "/console/login"): lambda: _check(console, "GET", "/console/login?next=%00//evil", expected=(200,)),
        ("POST", "/console/login"): lambda: _bad_logins(console),
        ("POST", "/console/logout"): lambda: _check(console, "POST", "/console/logout",
                                                     headers={"X-CSRF-Token": "令牌"}, expected=(403,)),
        ("GET", "/console/"): lambda: queries("/console/", [("kind", "%00"), ("status", "%00"), ("due", "%00"),
                                                             ("hpage", HUGE), ("hpage", "abc")], expected=(200, 400)),
        ("GET", "/console/api/tickets"): lambda: queries("/console/api/tickets", [("status", "%00"), ("kind", "x")],
                                                         expected=(200, 400)),
        ("GET", "/console/tickets/{no}"): lambda: nos("GET", "/console/tickets/{}"),
        ("GET", "/console/api/tickets/{no}"): lambda: nos("GET", "/console/api/tickets/{}"),
        ("POST", "/console/tickets/{no}/{what}"): lambda: _bad_ticket_posts(console, no, nos, form),
        ("POST", "/console/api/tickets/{no}/{what}"): lambda: _bad_ticket_api(console, no, nos, csrf),
        ("GET", "/console/subjects"): lambda: queries("/console/subjects", text_params, expected=(200,)),
        ("GET", "/console/api/subjects"): lambda: queries("/console/api/subjects", text_params, expected=(200,)),
        ("GET", "/console/subjects/{id}"): lambda: ids("GET", "/console/subjects/{}"),
        ("GET", "/console/api/subjects/{id}"): lambda: ids("GET", "/console/api/subjects/{}"),
        ("GET", "/console/handoffs/{id}"): lambda: ids("GET", "/console/handoffs/{}"),
        ("GET", "/console/api/handoffs/{id}"): lambda: ids("GET", "/console/api/handoffs/{}"),
        ("GET", "/console/api/handoffs"): lambda: queries("/console/api/handoffs", [
            ("status", "%00"), ("status", "bogus"), ("page", "abc"), ("page", HUGE), ("page", "0"),
            ("per_page", "-1"), ("per_page", HUGE)]),
        ("POST", "/console/handoffs/{id}/{what}"): lambda: _bad_handoff_posts(console, h, ids, form),
        ("POST", "/console/api/handoffs/{id}/{what}"): lambda: _bad_handoff_api(console, h, ids, csrf),
        ("POST", "/console/api/assist/message"): lambda: _bad_assist(console, csrf),
        ("GET", "/console/assist"): lambda: _check(console, "GET", "/console/assist?x=%00", expected=(200,)),
        ("GET", "/console/audit"): lambda: _bad_audit(console, "/console/audit"),
        ("GET", "/console/api/audit"): lambda: _bad_audit(console, "/console/api/audit"),
        ("GET", "/console/api/me"): lambda: _check(console, "GET", "/console/api/me?x=%00", expected=(200,)),
    }
    assert _console_routes(console) == set(cases), "a console route has no bad-parameter case here"
    for route, run in cases.items():
        await run()
    # and nothing above broke the session or the data
    assert (await console.client.get("/console/api/me")).status == 200
    assert tickets.get(no).is_open


async def _bad_logins(console) -> None:
    page = await console.client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', await page.text()).group(1)
    for data in ({"username": "\x00", "password": "x"}, {"username": "wangfang", "password": "\x00"},
                 {"username": "名" * 5000, "password": "x"}):
        await _check(console, "POST", "/console/login", data={**data, "csrf_token": token}, expected=(401,),
                     headers={"X-Forwarded-For": f"192.0.2.{len(data['username']) % 250}"})
    # bytes that are not UTF-8
    await _check(console, "POST", "/console/login", data=f"username=%ff%fe&password=%c0&csrf_token={token}".encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "192.0.2.99"},
                 expected=(401,))
    await _check(console, "POST", "/console/login", data={"username": "a", "password": "b", "csrf_token": "令牌"},
                 expected=(403,))


async def _bad_ticket_posts(console, no, nos, form) -> None:
    for what in ("accept", "decide", "propose", "approve", "reject"):
        await nos("POST", "/console/tickets/{}/" + what, data=form)
    for data in ({"outcome": "\x00"}, {"outcome": "撤销" * 50}, {"note": "x" * 5000}, {"note": "\x00"}):
        await _check(console, "POST", f"/console/tickets/{no}/decide", data={**form, **data}, expected=(400,))


async def _bad_ticket_api(console, no, nos, csrf) -> None:
    for what in ("accept", "decide", "propose", "approve", "reject"):
        await nos("POST", "/console/api/tickets/{}/" + what, headers=csrf, json={})
    for body in ({"outcome": 1}, {"outcome": ["撤销"]}, {"note": {"a": 1}, "outcome": "维持"}, {"outcome": None},
                 [1, 2], "撤销", {"outcome": "\x00"}):
        await _check(console, "POST", f"/console/api/tickets/{no}/decide", headers=csrf, json=body)
    await _check(console, "POST", f"/console/api/tickets/{no}/decide", data=b"{not json",
                 headers={**csrf, "Content-Type": "application/json"})


async def _bad_handoff_posts(console, h, ids, form) -> None:
    for what in ("take", "reply", "close"):
        await ids("POST", "/console/handoffs/{}/" + what, data={**form, "text": "您好"})
    await _check(console, "POST", f"/console/handoffs/{h}/reply", data={**form, "text": "\x00\x01"})
    await _check(console, "POST", f"/console/handoffs/{h}/reply", data={**form, "text": "长" * 5000})


async def _bad_handoff_api(console, h, ids, csrf) -> None:
    for what in ("take", "reply", "close"):
        await ids("POST", "/console/api/handoffs/{}/" + what, headers=csrf, json={"text": "您好"})
    for body in ({"text": 5}, {"text": "\x00"}, [1]):
        await _check(console, "POST", f"/console/api/handoffs/{h}/reply", headers=csrf, json=body)


async def _bad_assist(console, csrf) -> None:
    for body, expected in (({"text": 1}, (400,)), ({"text": "\x00"}, (400,)), ([1], (400,)),
                           ({"text": "查一下", "conversation": 5}, (403,)),
                           ({"text": "查一下", "conversation": "console-\x00"}, (403,)),
                           ({"text": "查一下", "conversation": "x" * 500}, (403,)),
                           ({"text": "查一下", "caller": "来" * 500}, (200,)),
                           ({"text": "查一下", "caller": "\x00"}, (200,))):
        await _check(console, "POST", "/console/api/assist/message", headers=csrf, json=body, expected=expected)


async def _bad_audit(console, path) -> None:
    for name, bad in (("before", "abc"), ("before", HUGE), ("before", "-5"), ("before", "%00"),
                      ("actor_type", "bogus"), ("actor_type", "%00")):
        await _check(console, "GET", f"{path}?{name}={bad}", expected=(400,))
    for name in ("actor", "action", "target"):
        await _check(console, "GET", f"{path}?{name}=%00x", expected=(200,))
        await _check(console, "GET", f"{path}?{name}={'y' * 3000}", expected=(200,))


async def test_the_audit_log_pages_through_its_entries(console):
    from actions.services import audit

    for n in range(150):
        audit.record("system", "pager", "page_test", "x", n)
    status, first = await console.api("GET", "/console/api/audit?action=page_test")
    assert status == 200 and len(first["entries"]) == 100 and first["next_before"]
    status, second = await console.api("GET", f"/console/api/audit?action=page_test&before={first['next_before']}")
    assert len(second["entries"]) == 50 and second["next_before"] is None
    assert {e["id"] for e in first["entries"]}.isdisjoint(e["id"] for e in second["entries"])
    html = await (await console.get(f"/console/audit?action=page_test&before={first['next_before']}")).text()
    assert html.count("page_test") >= 50
