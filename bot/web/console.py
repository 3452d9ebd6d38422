"""The hotline staff console under /console/: sign-in, the ticket and handoff queues, subjects with
all their records, assist mode for a caller on the phone, and the audit log.

Pages are rendered on the server (templates/); the few JSON APIs under /console/api/ serve the
pages' live parts (handoff transcript, assist mode) and scripts. An anonymous request to a page is
redirected to /console/login, to an API answered 401; every POST needs the session's CSRF token
(form field csrf_token or header X-CSRF-Token). Every lookup and change is audit-logged with the
staff member, through the same services as the CLI. Subject lookups are limited per staff member and
failed sign-ins per client address (actions/rules/limits.yml): both refusals are HTTP 429 with
Retry-After, a polite page or JSON, and audited.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import secrets
from pathlib import Path
from urllib.parse import quote

import jinja2
from aiohttp import web

from actions.services import assist, audit, handoff, outbox, staff, staff_lookup, tickets
from actions.services.codes import mask_ids_in_text
from actions.services.dates import add_working_days
from actions.services.rate_limit import TooManyLookups
from actions.settings import max_message_chars
from bot.rasa_client import RasaUnavailable
from bot.web.client_address import client_address
from bot.web.keys import RASA

COOKIE = "xinyong_console"
LOGIN_CSRF_COOKIE = "xinyong_login_csrf"
SESSION_KEY = "staff_session"
DUE_SOON_WORKING_DAYS = 2  # a deadline this close is highlighted before it passes
BEIJING = dt.timezone(dt.timedelta(hours=8))
DECISIONS = {"objection": ("更正", "撤销", "维持", tickets.RETURN), "repair": ("准予修复", "不予修复", tickets.RETURN)}
KIND_NAME = {"objection": "异议", "repair": "信用修复"}
HANDOFF_VIEW_AUDIT_SECONDS = 600  # a handoff kept open is audited once per ten minutes, not on every poll

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                          autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _local(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return str(value)


_env.filters["local"] = _local
_env.filters["masked"] = lambda v: mask_ids_in_text(v) if v else ""
_env.filters["jsontext"] = lambda v: json.dumps(v, ensure_ascii=False) if v else ""
_env.globals["KIND_NAME"] = KIND_NAME


def deadline(due: dt.date | None, open_: bool, today: dt.date | None = None) -> tuple[str, str]:
    """(css class, words) for a ticket's deadline: overdue, due within two working days, or neither."""
    if due is None or not open_:
        return "", ""
    today = today or dt.date.today()
    if due < today:
        return "overdue", f"已超期 {(today - due).days} 天"
    if due <= add_working_days(today, DUE_SOON_WORKING_DAYS):
        return "due-soon", "今天到期" if due == today else f"{(due - today).days} 天后到期"
    return "", ""


_env.globals["deadline"] = deadline


def render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    sess = request.get(SESSION_KEY)
    html = _env.get_template(template).render(me=sess.staff if sess else None,
                                              csrf=sess.csrf_token if sess else "", path=request.path, **context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _me(request: web.Request) -> staff.SessionView:
    return request[SESSION_KEY]


def _is_api(path: str) -> bool:
    return path.startswith("/console/api/")


def _wants_json(request: web.Request) -> bool:
    return _is_api(request.path) or "application/json" in request.headers.get("Accept", "")


def too_many_lookups_text(refused: TooManyLookups) -> str:
    w = refused.window
    per = {60: "每分钟", 3600: "每小时"}.get(w.seconds, f"每 {w.seconds} 秒")
    return (f"查询过于频繁：为防止信用信息被批量导出，每位工作人员{per}最多查询 {w.lookups} 次。"
            f"本次未执行查询，请在 {refused.retry_after} 秒后再试。")


def _too_many(request: web.Request, text: str, retry_after: int, page=None) -> web.Response:
    """HTTP 429 with Retry-After: JSON for the APIs, else a short page."""
    headers = {"Retry-After": str(retry_after)}
    if _wants_json(request):
        return web.json_response({"error": text, "retry_after": retry_after}, status=429, headers=headers)
    if page is not None:
        page.headers.update(headers)
        return page
    return web.Response(text=text, status=429, content_type="text/plain", charset="utf-8", headers=headers)


# ---------------------------------------------------------------- authentication

@web.middleware
async def auth_middleware(request: web.Request, handler):
    path = request.path
    if not (path == "/console" or path.startswith("/console/")) or path == "/console/login":
        return await handler(request)
    sess = await asyncio.to_thread(staff.session_of, request.cookies.get(COOKIE))
    if sess is None:
        if _is_api(path):
            return web.json_response({"error": "请先登录"}, status=401)
        raise web.HTTPFound("/console/login?next=" + quote(request.path_qs, safe=""))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = (await request.post()).get("csrf_token")
        if not sent or not hmac.compare_digest(str(sent), sess.csrf_token):
            if _is_api(path):
                return web.json_response({"error": "页面已过期，请刷新后重试（CSRF）"}, status=403)
            return web.Response(text="页面已过期，请返回并刷新后重试。", status=403, content_type="text/plain",
                                charset="utf-8")
    request[SESSION_KEY] = sess
    try:
        return await handler(request)
    except TooManyLookups as refused:  # nothing was looked up; the refusal is in the audit log
        return _too_many(request, too_many_lookups_text(refused), refused.retry_after)


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console/"


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto") == "https"


async def login_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    html = _env.get_template("login.html").render(login_csrf=token, error=error,
                                                  next=_safe_next(request.query.get("next")), me=None, path="")
    resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/console/login",
                    secure=_secure(request))
    return resp


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(str(form.get("csrf_token", "")), cookie):
        return await login_page(request, "页面已过期，请重新输入", status=403)
    try:
        signed = await asyncio.to_thread(staff.sign_in, str(form.get("username", "")), str(form.get("password", "")),
                                         client_address(request), request.headers.get("User-Agent"))
    except staff.TooManyAttempts as refused:
        return _too_many(request, str(refused), refused.retry_after,
                         None if _wants_json(request) else await login_page(request, str(refused), status=429))
    except staff.StaffError as refused:
        return await login_page(request, str(refused), status=401)
    resp = web.HTTPFound(_safe_next(str(form.get("next", ""))))
    resp.set_cookie(COOKIE, signed.token, httponly=True, samesite="Strict", path="/console",
                    secure=_secure(request), max_age=staff.SESSION_HOURS * 3600)
    resp.del_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    raise resp


async def logout(request: web.Request) -> web.Response:
    await asyncio.to_thread(staff.sign_out, request.cookies.get(COOKIE))
    resp = web.HTTPFound("/console/login")
    resp.del_cookie(COOKIE, path="/console")
    raise resp


async def me_api(request: web.Request) -> web.Response:
    s = _me(request).staff
    return web.json_response({"username": s.username, "display_name": s.display_name, "role": s.role,
                              "csrf_token": _me(request).csrf_token})


# ---------------------------------------------------------------- tickets

def _ticket_filters(request: web.Request) -> dict:
    kind = request.query.get("kind") or None
    status = request.query.get("status") or "open"
    due = request.query.get("due") or ""
    if kind not in (None, "objection", "repair"):
        kind = None
    if status not in ("open", "all") and status not in tickets.OPEN_STATUSES + ("已办结", tickets.RETURN):
        status = "open"
    due_by = None
    if due == "overdue":
        due_by = dt.date.today() - dt.timedelta(days=1)
    elif due == "soon":
        due_by = add_working_days(dt.date.today(), DUE_SOON_WORKING_DAYS)
    return {"kind": kind, "status": status, "due": due, "due_by": due_by}


async def _queue(request: web.Request) -> tuple[dict, list[tickets.TicketView]]:
    f = _ticket_filters(request)
    rows = await asyncio.to_thread(tickets.listing, None if f["status"] == "all" else f["status"], f["kind"], 200,
                                   f["due_by"])
    return f, rows


async def queue_page(request: web.Request) -> web.Response:
    f, rows = await _queue(request)
    handoffs = await asyncio.to_thread(handoff.queue, "open")
    return render(request, "queue.html", tickets=rows, handoffs=handoffs, f=f,
                  statuses=tickets.OPEN_STATUSES + ("已办结", tickets.RETURN))


def _ticket_json(t: tickets.TicketView) -> dict:
    cls, words = deadline(t.due_date, t.is_open)
    return {"ticket_no": t.ticket_no, "kind": t.kind, "status": t.status, "outcome": t.outcome,
            "subject": t.subject_name, "subject_id": t.subject_id, "record": t.record_doc,
            "record_status": t.record_status, "channel": t.channel, "assisted_by": t.assisted_by,
            "created_at": t.created_at.isoformat() if t.created_at else None,
            "due_date": t.due_date.isoformat() if t.due_date else None, "deadline": cls or None,
            "deadline_text": words or None}


async def tickets_api(request: web.Request) -> web.Response:
    _, rows = await _queue(request)
    return web.json_response({"tickets": [_ticket_json(t) for t in rows]})


async def _ticket(request: web.Request) -> tickets.TicketView:
    no = request.match_info["no"]
    t = await asyncio.to_thread(tickets.get, no)
    if t is None:
        raise web.HTTPNotFound(text=f"没有编号为 {no} 的申请", content_type="text/plain")
    await asyncio.to_thread(_audit_view, _me(request).staff.label, "staff_view_ticket", "ticket", t.ticket_no)
    return t


def _audit_view(actor: str, action: str, target_type: str, target_id) -> None:
    audit.record("staff", actor, action, target_type, target_id, channel="console")


async def ticket_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    t = await _ticket(request)
    return render(request, "ticket.html", status=status, t=t, decisions=DECISIONS[t.kind], error=error,
                  done=request.query.get("done"))


async def ticket_api(request: web.Request) -> web.Response:
    t = await _ticket(request)
    data = _ticket_json(t)
    data.update(ground=t.ground, description=mask_ids_in_text(t.description or ""), evidence=t.evidence,
                performance=t.performance, contact_name=t.contact_name, contact_phone=t.contact_phone,
                events=[{"at": e.at.isoformat(), "status": e.status, "outcome": e.outcome, "actor": e.actor,
                         "actor_type": e.actor_type, "note": e.note} for e in t.events])
    return web.json_response(data)


async def _change(request: web.Request, what: str, values: dict) -> tickets.TicketView:
    label = _me(request).staff.label
    no = request.match_info["no"]
    note = (values.get("note") or "").strip() or None
    if what == "accept":
        return await asyncio.to_thread(tickets.accept, no, label, note, "console")
    return await asyncio.to_thread(tickets.decide, no, (values.get("outcome") or "").strip(), label, note, "console")


async def ticket_post(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    form = await request.post()
    try:
        t = await _change(request, what, dict(form))
    except tickets.TicketError as refused:
        return await ticket_page(request, str(refused), status=400)
    raise web.HTTPFound(f"/console/tickets/{t.ticket_no}?done={what}")


async def ticket_post_api(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    try:
        values = await request.json()
    except ValueError:
        values = {}
    try:
        t = await _change(request, what, values if isinstance(values, dict) else {})
    except tickets.TicketError as refused:
        return web.json_response({"error": str(refused)}, status=400)
    return web.json_response(_ticket_json(t))


# ---------------------------------------------------------------- subjects

async def subjects_page(request: web.Request) -> web.Response:
    q = request.query.get("q", "").strip()
    found = await asyncio.to_thread(staff_lookup.search, q, _me(request).staff.label) if q else None
    if found and len(found.subjects) == 1 and not found.too_many:
        raise web.HTTPFound(f"/console/subjects/{found.subjects[0].id}")
    return render(request, "subjects.html", q=q, found=found)


async def subjects_api(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(staff_lookup.search, request.query.get("q", ""), _me(request).staff.label)
    return web.json_response({"subjects": [{"id": s.id, "name": s.name, "type": s.subject_type, "code": s.code,
                                            "region": s.region} for s in found.subjects],
                              "too_many": found.too_many, "too_short": found.too_short})


async def _subject_file(request: web.Request):
    try:
        subject_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    f = await asyncio.to_thread(staff_lookup.subject_file, subject_id, _me(request).staff.label)
    if f is None:
        raise web.HTTPNotFound(text="没有这个主体", content_type="text/plain")
    return f


async def subject_page(request: web.Request) -> web.Response:
    f = await _subject_file(request)
    its_tickets = await asyncio.to_thread(tickets.listing, None, None, 100, None, f.subject.id)
    return render(request, "subject.html", f=f, tickets=its_tickets)


async def subject_api(request: web.Request) -> web.Response:
    f = await _subject_file(request)
    s = f.subject
    return web.json_response({
        "subject": {"id": s.id, "name": s.name, "type": s.subject_type, "code": s.code, "region": s.region,
                    "legal_rep": s.legal_rep},
        "records": [{"kind": r.kind, "doc_number": r.doc_number, "decision_date": r.decision_date.isoformat(),
                     "agency": r.agency, "display_status": r.display_status, "list_type": r.list_type,
                     "severity_tier": r.severity_tier,
                     "display_until": r.display_until.isoformat() if r.display_until else None}
                    for r in f.records],
        "public": f.public})


# ---------------------------------------------------------------- handoffs

async def _handoff(request: web.Request) -> handoff.HandoffView:
    try:
        request_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    h = await asyncio.to_thread(handoff.get, request_id)
    if h is None:
        raise web.HTTPNotFound(text="没有这个转人工请求", content_type="text/plain")
    return h


def _handoff_json(h: handoff.HandoffView) -> dict:
    return {"id": h.id, "status": h.status, "channel": h.channel, "reason": h.reason,
            "assigned_to": h.assigned_to, "created_at": h.created_at.isoformat() if h.created_at else None,
            "waiting_for_reply": h.waiting_for_reply,
            "transcript": [{"role": t.get("role"), "text": t.get("text"), "by": t.get("by"),
                            "at": _local(t.get("at")) if isinstance(t.get("at"), (int, float)) else t.get("at")}
                           for t in h.transcript]}


async def handoff_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    h = await _handoff(request)
    await asyncio.to_thread(_audit_view, _me(request).staff.label, "staff_view_handoff", "handoff", h.id)
    return render(request, "handoff.html", status=status, h=h, error=error,
                  delivering=h.channel in outbox.DELIVERING_CHANNELS)


async def handoffs_api(request: web.Request) -> web.Response:
    status = request.query.get("status") or "open"
    rows = await asyncio.to_thread(handoff.queue, status)
    # Unlike the queue page, this returns every transcript: a lookup of what users said.
    await asyncio.to_thread(audit.record, "staff", _me(request).staff.label, "staff_view_handoffs", "handoff", None,
                            {"status": status, "ids": [h.id for h in rows][:100]}, "console")
    return web.json_response({"handoffs": [_handoff_json(h) for h in rows]})


async def handoff_api(request: web.Request) -> web.Response:
    h = await _handoff(request)
    # The handoff page polls this every few seconds for new turns: one entry per view, not per poll.
    await asyncio.to_thread(audit.record_unless_recent, "staff", _me(request).staff.label, "staff_view_handoff",
                            "handoff", h.id, HANDOFF_VIEW_AUDIT_SECONDS, "console")
    return web.json_response(_handoff_json(h))


async def _handoff_change(request: web.Request, what: str, text: str | None) -> handoff.HandoffView:
    me = _me(request).staff
    request_id = int(request.match_info["id"])
    if what == "take":
        return await asyncio.to_thread(handoff.take, request_id, me.id, me.label)
    if what == "close":
        return await asyncio.to_thread(handoff.close, request_id, me.id, me.label)
    return await asyncio.to_thread(handoff.reply, request_id, me.id, me.label, text or "")


async def handoff_post(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        h = await _handoff_change(request, request.match_info["what"], str(form.get("text", "")))
    except handoff.HandoffError as refused:
        return await handoff_page(request, str(refused), status=400)
    raise web.HTTPFound(f"/console/handoffs/{h.id}")


async def handoff_post_api(request: web.Request) -> web.Response:
    try:
        values = await request.json()
    except ValueError:
        values = {}
    text = values.get("text") if isinstance(values, dict) else None
    try:
        h = await _handoff_change(request, request.match_info["what"], text if isinstance(text, str) else "")
    except handoff.HandoffError as refused:
        return web.json_response({"error": str(refused)}, status=400)
    return web.json_response(_handoff_json(h))


# ---------------------------------------------------------------- assist mode

async def assist_page(request: web.Request) -> web.Response:
    return render(request, "assist.html")


async def assist_api(request: web.Request) -> web.Response:
    """One thing the caller said, typed by the operator: the assistant's reply and the next step."""
    me = _me(request).staff
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "请求格式不正确"}, status=400)
    text = (body.get("text") or "").strip() if isinstance(body.get("text"), str) else ""
    if not text:
        return web.json_response({"error": "请输入来电人说的话"}, status=400)
    if len(text) > max_message_chars():  # the limit of every channel (bot/channels/rest.py)
        return web.json_response({"error": "内容太长了，请分几次输入"}, status=400)
    conversation = body.get("conversation")
    if conversation:
        owner = await asyncio.to_thread(assist.owner, str(conversation))
        if owner != me.id:
            return web.json_response({"error": "这不是您的协助会话，请新开一个"}, status=403)
    else:
        caller = body.get("caller") if isinstance(body.get("caller"), str) else None
        conversation = await asyncio.to_thread(assist.start, me.id, me.label, caller)
    rasa = request.app[RASA]
    try:
        messages = await rasa.send(conversation, text, assist.CHANNEL, {"staff": me.username})
        state = await rasa.tracker(conversation)
    except RasaUnavailable:
        return web.json_response({"conversation": conversation, "error": "助手暂时无法回复，请稍后再试"}, status=503)
    await asyncio.to_thread(assist.record, me.label, conversation, text)
    return web.json_response({"conversation": conversation, "messages": messages,
                              "understood": assist.understood(state), "next_step": assist.next_step(state, messages)})


# ---------------------------------------------------------------- audit log

async def audit_page(request: web.Request) -> web.Response:
    q = request.query
    try:
        before = int(q.get("before", "")) if q.get("before") else None
    except ValueError:
        before = None
    rows = await asyncio.to_thread(audit.recent, q.get("actor") or None, q.get("action") or None,
                                   q.get("target") or None, q.get("actor_type") or None, before, 100)
    await _audit_audit(request)
    return render(request, "audit.html", rows=rows, q=q)


async def _audit_audit(request: web.Request) -> None:
    """Reading the log is a lookup too (it holds conversation ids and what was searched); written
    after the read, so the page shows what was there before."""
    wanted = {k: request.query[k][:100] for k in ("actor", "action", "target", "actor_type", "before")
              if request.query.get(k)}
    await asyncio.to_thread(audit.record, "staff", _me(request).staff.label, "staff_view_audit", "audit_log", None,
                            wanted or None, "console")


async def audit_api(request: web.Request) -> web.Response:
    q = request.query
    rows = await asyncio.to_thread(audit.recent, q.get("actor") or None, q.get("action") or None,
                                   q.get("target") or None, q.get("actor_type") or None, None, 100)
    await _audit_audit(request)
    return web.json_response({"entries": [{"id": r.id, "at": r.at.isoformat(), "actor_type": r.actor_type,
                                           "actor": r.actor, "channel": r.channel, "action": r.action,
                                           "target_type": r.target_type, "target_id": r.target_id,
                                           "detail": r.detail} for r in rows]})


async def to_queue(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console", to_queue)
    r.add_get("/console/login", login_page)
    r.add_post("/console/login", login_submit)
    r.add_post("/console/logout", logout)
    r.add_get("/console/", queue_page)
    r.add_get("/console/tickets/{no}", ticket_page)
    r.add_post("/console/tickets/{no}/{what:accept|decide}", ticket_post)
    r.add_get("/console/subjects", subjects_page)
    r.add_get("/console/subjects/{id}", subject_page)
    r.add_get("/console/handoffs/{id}", handoff_page)
    r.add_post("/console/handoffs/{id}/{what:take|reply|close}", handoff_post)
    r.add_get("/console/assist", assist_page)
    r.add_get("/console/audit", audit_page)
    r.add_get("/console/api/me", me_api)
    r.add_get("/console/api/tickets", tickets_api)
    r.add_get("/console/api/tickets/{no}", ticket_api)
    r.add_post("/console/api/tickets/{no}/{what:accept|decide}", ticket_post_api)
    r.add_get("/console/api/subjects", subjects_api)
    r.add_get("/console/api/subjects/{id}", subject_api)
    r.add_get("/console/api/handoffs", handoffs_api)
    r.add_get("/console/api/handoffs/{id}", handoff_api)
    r.add_post("/console/api/handoffs/{id}/{what:take|reply|close}", handoff_post_api)
    r.add_post("/console/api/assist/message", assist_api)
    r.add_get("/console/api/audit", audit_api)


