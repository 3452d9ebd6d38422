"""The hotline staff console under /console/: sign-in, the ticket and handoff queues, subjects with
all their records, assist mode for a caller on the phone, and the audit log.

Pages are rendered on the server (templates/); the few JSON APIs under /console/api/ serve the
pages' live parts (handoff transcript, assist mode) and scripts. An anonymous request to a page is
redirected to /console/login, to an API answered 401; every POST needs the session's CSRF token
(form field csrf_token or header X-CSRF-Token). Every lookup and change is audit-logged with the
staff member, through the same services as the CLI. Subject lookups are limited per staff member and
failed sign-ins per client address (actions/rules/limits.yml): both refusals are HTTP 429 with
Retry-After, a polite page or JSON, and audited.

Roles matter for decisions (services.four_eyes): what changes a published record is proposed by
one staff member and approved by another, a supervisor or admin; a refusal is 403. Conversation ids
are shown shortened (services.conversation_ids), and every id, number and text a request names is
checked first, so bad parameters get a polite 400/404, never a 500.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import quote

import jinja2
from aiohttp import web

from actions.db.models import ACTOR_TYPES
from actions.services import (assist, audit, conversation_ids, four_eyes, handoff, outbox, staff, staff_lookup,
                              tickets)
from actions.services.codes import mask_ids_in_text
from actions.services.dates import add_working_days
from actions.services.limits_rules import rules
from actions.services.rate_limit import TooManyLookups
from actions.settings import max_message_chars
from bot.channels.guard import clean_message
from bot.rasa_client import RasaUnavailable
from bot.web import login_csrf
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
# Conversation ids (web-…, console-…, telegram-…) are bearer secrets: staff see them shortened.
_env.filters["conv"] = lambda v: conversation_ids.mask(v) if v else ""
_env.globals["KIND_NAME"] = KIND_NAME
_env.globals["ROLE_NAMES"] = four_eyes.ROLE_NAMES


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


# ---------------------------------------------------------------- parameters
# Every value a request names is checked before it reaches the database: a bad one is a polite
# 400 or 404, never an overflow or a PostgreSQL error (NUL in text) turned into a 500.

DB_MAX_ID = 2 ** 31 - 1  # an INTEGER key on PostgreSQL (and far beyond any row here)
TICKET_NO = re.compile(r"(YY|XF)-\d{8}-\d{4}", re.IGNORECASE)
NOTE_MAX_CHARS = 2000
QUERY_MAX_CHARS = 100


def _refuse(request: web.Request, status: int, text: str) -> web.HTTPException:
    """A 4xx to raise: JSON for the APIs, a short page otherwise."""
    cls = {400: web.HTTPBadRequest, 403: web.HTTPForbidden, 404: web.HTTPNotFound}[status]
    if _is_api(request.path):
        return cls(text=json.dumps({"error": text}, ensure_ascii=False), content_type="application/json")
    return cls(text=text, content_type="text/plain")


def _row_id(value: str | None) -> int | None:
    """A row id written in ASCII digits, within the database's range, else None."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= DB_MAX_ID else None


def _path_id(request: web.Request, missing: str) -> int:
    found = _row_id(request.match_info["id"])
    if found is None:
        raise _refuse(request, 404, missing)
    return found


def _ticket_no(request: web.Request) -> str:
    no = request.match_info["no"]
    if not TICKET_NO.fullmatch(no):
        raise _refuse(request, 404, f"没有编号为 {clean_message(no)[:30]} 的申请（编号形如 YY-20261130-0001）")
    return no.upper()


def _query_text(request: web.Request, name: str) -> str:
    """A text query parameter without control characters, at most QUERY_MAX_CHARS long."""
    return clean_message(request.query.get(name, "")).strip()[:QUERY_MAX_CHARS]


def _body_text(values: dict, name: str, limit: int = NOTE_MAX_CHARS) -> str | None:
    """A text field of a form or JSON body, cleaned; None when it is there but not text or too long."""
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    value = clean_message(value).strip()
    return value if len(value) <= limit else None


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
        if not login_csrf.same(sent, sess.csrf_token):
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
    # The cookie's token while it is still one of ours, so every answer to one browser is the same page.
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not await asyncio.to_thread(login_csrf.valid, token):
        token = await asyncio.to_thread(login_csrf.issue)
    html = _env.get_template("login.html").render(login_csrf=token, error=error,
                                                  next=_safe_next(request.query.get("next")), me=None, path="")
    resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/console/login",
                    secure=_secure(request))
    return resp


async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not login_csrf.same(form.get("csrf_token"), cookie) or not await asyncio.to_thread(login_csrf.valid, cookie):
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
    # Every waiting handoff request, a page at a time (?hpage=N; a bad number shows the first page).
    hpage = _row_id(request.query.get("hpage")) or 1
    handoffs = await asyncio.to_thread(handoff.queue_page, "open", hpage)
    return render(request, "queue.html", tickets=rows, handoffs=handoffs, f=f, burst=rules().address.burst,
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
    no = _ticket_no(request)
    t = await asyncio.to_thread(tickets.get, no)
    if t is None:
        raise _refuse(request, 404, f"没有编号为 {no} 的申请")
    await asyncio.to_thread(_audit_view, _me(request).staff.label, "staff_view_ticket", "ticket", t.ticket_no)
    return t


def _audit_view(actor: str, action: str, target_type: str, target_id) -> None:
    audit.record("staff", actor, action, target_type, target_id, channel="console")


async def ticket_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    t = await _ticket(request)
    me = _me(request).staff
    proposal = await asyncio.to_thread(tickets.pending_proposal, t.ticket_no)
    return render(request, "ticket.html", status=status, t=t, error=error, done=request.query.get("done"),
                  decisions=[d for d in DECISIONS[t.kind] if not four_eyes.needs_approval(d)],
                  proposable=[d for d in DECISIONS[t.kind] if four_eyes.needs_approval(d)], proposal=proposal,
                  approver=four_eyes.may_approve(me.role),
                  can_approve=bool(proposal and four_eyes.may_approve(me.role) and proposal.proposed_by_id != me.id))


def _proposal_json(p: four_eyes.ProposalView | None) -> dict | None:
    return None if p is None else {"outcome": p.outcome, "note": p.note, "status": p.status,
                                   "proposed_by": p.proposed_by, "proposed_at": p.proposed_at.isoformat()}


async def ticket_api(request: web.Request) -> web.Response:
    t = await _ticket(request)
    data = _ticket_json(t)
    data.update(ground=t.ground, description=mask_ids_in_text(t.description or ""), evidence=t.evidence,
                performance=t.performance, contact_name=t.contact_name, contact_phone=t.contact_phone,
                events=[{"at": e.at.isoformat(), "status": e.status, "outcome": e.outcome,
                         "actor": conversation_ids.mask(e.actor), "actor_type": e.actor_type, "note": e.note}
                        for e in t.events],
                proposal=_proposal_json(await asyncio.to_thread(tickets.pending_proposal, t.ticket_no)))
    return web.json_response(data)


async def _change(request: web.Request, what: str, values: dict) -> tickets.TicketView:
    """accept | decide | propose | approve | reject, as the signed-in staff member, whose role the
    ticket service checks (services.four_eyes); approving is deciding the proposed outcome."""
    me = _me(request).staff
    no = _ticket_no(request)
    note, outcome = _body_text(values, "note"), _body_text(values, "outcome", 10)
    if note is None or outcome is None:
        raise tickets.TicketError(f"说明最多 {NOTE_MAX_CHARS} 字；处理结果请从列表中选择")
    note = note or None
    if what == "accept":
        return await asyncio.to_thread(tickets.accept, no, me.label, note, "console")
    if what == "propose":
        return await asyncio.to_thread(tickets.propose, no, outcome, me.label, me.id, note, "console")
    if what == "reject":
        return await asyncio.to_thread(tickets.reject_proposal, no, me.label, me.id, note, "console")
    return await asyncio.to_thread(tickets.decide, no, outcome, me.label, note, "console", me.id)


async def ticket_post(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    form = await request.post()
    try:
        t = await _change(request, what, dict(form))
    except tickets.NotAllowed as refused:
        return await ticket_page(request, str(refused), status=403)
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
    except tickets.NotAllowed as refused:
        return web.json_response({"error": str(refused)}, status=403)
    except tickets.TicketError as refused:
        return web.json_response({"error": str(refused)}, status=400)
    return web.json_response(_ticket_json(t))


# ---------------------------------------------------------------- subjects

async def subjects_page(request: web.Request) -> web.Response:
    q = _query_text(request, "q")
    found = await asyncio.to_thread(staff_lookup.search, q, _me(request).staff.label) if q else None
    if found and len(found.subjects) == 1 and not found.too_many:
        raise web.HTTPFound(f"/console/subjects/{found.subjects[0].id}")
    return render(request, "subjects.html", q=q, found=found)


async def subjects_api(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(staff_lookup.search, _query_text(request, "q"), _me(request).staff.label)
    return web.json_response({"subjects": [{"id": s.id, "name": s.name, "type": s.subject_type, "code": s.code,
                                            "region": s.region} for s in found.subjects],
                              "too_many": found.too_many, "too_short": found.too_short})


async def _subject_file(request: web.Request):
    subject_id = _path_id(request, "没有这个主体")
    f = await asyncio.to_thread(staff_lookup.subject_file, subject_id, _me(request).staff.label)
    if f is None:
        raise _refuse(request, 404, "没有这个主体")
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
                     "severity_tier": r.severity_tier, "tier": r.tier, "tier_derived": r.tier_derived,
                     "display_until": r.display_until.isoformat() if r.display_until else None,
                     "display_until_derived": r.display_until_derived,
                     "display_ends": r.display_ends.isoformat() if r.display_ends else None,
                     "lapsed": f.is_lapsed(r)}
                    for r in f.records],
        "public": f.public})


# ---------------------------------------------------------------- handoffs

async def _handoff(request: web.Request) -> handoff.HandoffView:
    h = await asyncio.to_thread(handoff.get, _path_id(request, "没有这个转人工请求"))
    if h is None:
        raise _refuse(request, 404, "没有这个转人工请求")
    return h


# The handoff queue's pages: ?page=N (from 1) and, in the API, ?per_page=N.
HANDOFF_MAX_PER_PAGE = 200
HANDOFF_QUEUE_STATUSES = ("open", "all", handoff.WAITING, handoff.TAKEN, handoff.CLOSED)


def _handoff_json(h: handoff.HandoffView) -> dict:
    # The client address only masked (203.0.113.*): enough to see a flood from one place; an
    # operator has no need of a user's full address.
    burst = rules().address.burst
    return {"id": h.id, "status": h.status, "channel": h.channel, "reason": h.reason,
            "assigned_to": h.assigned_to, "created_at": h.created_at.isoformat() if h.created_at else None,
            "waiting_for_reply": h.waiting_for_reply, "source": h.source,
            "burst": {"count": h.burst, "seconds": burst.seconds} if h.burst else None,
            "transcript": [{"role": t.get("role"), "text": t.get("text"), "by": t.get("by"),
                            "at": _local(t.get("at")) if isinstance(t.get("at"), (int, float)) else t.get("at")}
                           for t in h.transcript]}


async def handoff_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    h = await _handoff(request)
    await asyncio.to_thread(_audit_view, _me(request).staff.label, "staff_view_handoff", "handoff", h.id)
    return render(request, "handoff.html", status=status, h=h, error=error,
                  delivering=h.channel in outbox.DELIVERING_CHANNELS)


async def handoffs_api(request: web.Request) -> web.Response:
    """?status=open (default; the longest waiting first) | all | 待处理 | 处理中 | 已关闭 (newest
    first), ?page=N from 1, ?per_page=N up to HANDOFF_MAX_PER_PAGE: a page of requests and the total."""
    status = request.query.get("status") or "open"
    page = _row_id(request.query.get("page", "1"))
    per_page = _row_id(request.query.get("per_page", str(handoff.PER_PAGE)))
    if status not in HANDOFF_QUEUE_STATUSES:
        raise _refuse(request, 400, "status 参数不正确，可用：" + "、".join(HANDOFF_QUEUE_STATUSES))
    if page is None or per_page is None or per_page > HANDOFF_MAX_PER_PAGE:
        raise _refuse(request, 400, f"page 应为从 1 起的整数，per_page 应为 1 到 {HANDOFF_MAX_PER_PAGE} 的整数")
    found = await asyncio.to_thread(handoff.queue_page, None if status == "all" else status, page, per_page)
    # Unlike the queue page, this returns every transcript: a lookup of what users said.
    await asyncio.to_thread(audit.record, "staff", _me(request).staff.label, "staff_view_handoffs", "handoff", None,
                            {"status": status, "page": page, "ids": [h.id for h in found.items]}, "console")
    return web.json_response({"handoffs": [_handoff_json(h) for h in found.items], "total": found.total,
                              "page": found.page, "per_page": found.per_page, "pages": found.pages})


async def handoff_api(request: web.Request) -> web.Response:
    h = await _handoff(request)
    # The handoff page polls this every few seconds for new turns: one entry per view, not per poll.
    await asyncio.to_thread(audit.record_unless_recent, "staff", _me(request).staff.label, "staff_view_handoff",
                            "handoff", h.id, HANDOFF_VIEW_AUDIT_SECONDS, "console")
    return web.json_response(_handoff_json(h))


async def _handoff_change(request: web.Request, what: str, text: str | None) -> handoff.HandoffView:
    me = _me(request).staff
    request_id = _path_id(request, "没有这个转人工请求")
    if what == "take":
        return await asyncio.to_thread(handoff.take, request_id, me.id, me.label)
    if what == "close":
        return await asyncio.to_thread(handoff.close, request_id, me.id, me.label)
    return await asyncio.to_thread(handoff.reply, request_id, me.id, me.label, clean_message(text or ""))


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


ASSIST_CONVERSATION = re.compile(r"console-[A-Za-z0-9_-]{1,64}")


async def assist_api(request: web.Request) -> web.Response:
    """One thing the caller said, typed by the operator: the assistant's reply and the next step."""
    me = _me(request).staff
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "请求格式不正确"}, status=400)
    text = clean_message(body.get("text")).strip() if isinstance(body.get("text"), str) else ""
    if not text:
        return web.json_response({"error": "请输入来电人说的话"}, status=400)
    if len(text) > max_message_chars():  # the limit of every channel (bot/channels/rest.py)
        return web.json_response({"error": "内容太长了，请分几次输入"}, status=400)
    conversation = body.get("conversation")
    if conversation:
        ours = isinstance(conversation, str) and ASSIST_CONVERSATION.fullmatch(conversation)
        owner = await asyncio.to_thread(assist.owner, conversation) if ours else None
        if owner != me.id:
            return web.json_response({"error": "这不是您的协助会话，请新开一个"}, status=403)
    else:
        caller = body.get("caller") if isinstance(body.get("caller"), str) else None
        caller = clean_message(caller).strip()[:100] or None if caller else None  # the column's length
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

AUDIT_PAGE = 100
AUDIT_FILTERS = ("actor", "action", "target", "actor_type", "before")


def _audit_filters(request: web.Request) -> dict:
    """The audit log's filters, checked: text without control characters, a known actor type, and
    `before` an entry id (the paging); a bad one is a polite 400."""
    wanted = {k: _query_text(request, k) for k in AUDIT_FILTERS if request.query.get(k)}
    if request.query.get("actor_type") and request.query["actor_type"] not in ACTOR_TYPES:
        raise _refuse(request, 400, "类型（actor_type）只能是：" + "、".join(ACTOR_TYPES))
    if request.query.get("before") and _row_id(request.query["before"]) is None:
        raise _refuse(request, 400, "参数 before 应为审计记录的编号（正整数）")
    return wanted


async def _audit_rows(request: web.Request) -> tuple[dict, list[audit.Entry]]:
    """The entries, newest first, each conversation id in them shortened (they are bearer
    secrets, services.conversation_ids); reading the log is audited too."""
    f = _audit_filters(request)
    rows = await asyncio.to_thread(audit.recent, f.get("actor") or None, f.get("action") or None,
                                   f.get("target") or None, f.get("actor_type") or None,
                                   _row_id(f.get("before")), AUDIT_PAGE)
    await _audit_audit(request, f)
    mask = conversation_ids.mask
    return f, [dataclasses.replace(r, actor=mask(r.actor), target_id=mask(r.target_id), detail=mask(r.detail))
               for r in rows]


async def audit_page(request: web.Request) -> web.Response:
    f, rows = await _audit_rows(request)
    return render(request, "audit.html", rows=rows, q=conversation_ids.mask(f))  # the form echoes it: short too


async def _audit_audit(request: web.Request, wanted: dict) -> None:
    """Reading the log is a lookup too (it holds conversation ids and what was searched); written
    after the read, so the page shows what was there before."""
    await asyncio.to_thread(audit.record, "staff", _me(request).staff.label, "staff_view_audit", "audit_log", None,
                            wanted or None, "console")


async def audit_api(request: web.Request) -> web.Response:
    """?actor, ?action (prefix), ?target, ?actor_type, ?before=<entry id>: the next page is
    ?before=<next_before> (null on the last page)."""
    _, rows = await _audit_rows(request)
    return web.json_response({"entries": [{"id": r.id, "at": r.at.isoformat(), "actor_type": r.actor_type,
                                           "actor": r.actor, "channel": r.channel, "action": r.action,
                                           "target_type": r.target_type, "target_id": r.target_id,
                                           "detail": r.detail} for r in rows],
                              "next_before": rows[-1].id if len(rows) == AUDIT_PAGE else None})


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
    r.add_post("/console/tickets/{no}/{what:accept|decide|propose|approve|reject}", ticket_post)
    r.add_get("/console/subjects", subjects_page)
    r.add_get("/console/subjects/{id}", subject_page)
    r.add_get("/console/handoffs/{id}", handoff_page)
    r.add_post("/console/handoffs/{id}/{what:take|reply|close}", handoff_post)
    r.add_get("/console/assist", assist_page)
    r.add_get("/console/audit", audit_page)
    r.add_get("/console/api/me", me_api)
    r.add_get("/console/api/tickets", tickets_api)
    r.add_get("/console/api/tickets/{no}", ticket_api)
    r.add_post("/console/api/tickets/{no}/{what:accept|decide|propose|approve|reject}", ticket_post_api)
    r.add_get("/console/api/subjects", subjects_api)
    r.add_get("/console/api/subjects/{id}", subject_api)
    r.add_get("/console/api/handoffs", handoffs_api)
    r.add_get("/console/api/handoffs/{id}", handoff_api)
    r.add_post("/console/api/handoffs/{id}/{what:take|reply|close}", handoff_post_api)
    r.add_post("/console/api/assist/message", assist_api)
    r.add_get("/console/api/audit", audit_api)


