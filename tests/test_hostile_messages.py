"""Hostile, malformed and forged messages.

Fast: the REST channel's guard (bot/channels/rest.py) on its own and behind a real Sanic server, the
payload guard (actions/services/payload_guard.py) and the record checks of services.tickets, and the
form and lookup actions given forged payloads, on a seeded SQLite database.

Slow (`demo_bot`, the real `xinyong serve`): a thousand generated messages (empty, huge, control
characters, emoji, SQL and template injection, fake `/intent{...}` payloads, mixed scripts) from a few
dozen conversations, every reply checked, the database compared before and after, the server log
read for tracebacks; then forged payloads inside real conversations.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.db.models import Record, StaffUser, Subject, Ticket, TicketEvent
from actions.enquiry_actions import ActionQueryCredit
from actions.filing_actions import NOT_OFFERED, ValidateObjectionForm, ValidateRepairForm
from actions.latest import latest_entity
from actions.services import codes, demo_data, filing_text, payload_guard, tickets
from actions.status_actions import ActionCheckStatus
from bot.channels import guard
from bot.rasa_server import MAX_BODY_BYTES
from bot.channels.rest import HOW_CAN_I_HELP, GuardedRestInput

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"
SHOWCASE = demo_data.showcase_refs()  # the demo is seeded today (docs/demo_data.md)
JINHE_HIDDEN_DOC = SHOWCASE.docs["repaired"]  # 金禾餐饮: 已修复停止公示
DEMO_OBJECTION = SHOWCASE.tickets["objection"]  # 鸿泰's, 核实中
PERSON_DOC = "测试公罚〔2026〕第9号"  # a natural person's penalty the tests add: never public
VALID_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


# ================================================================ the channel guard, on its own

@pytest.mark.parametrize("raw, cleaned", [
    ("你好\x00", "你好"),
    ("查\u200b一下\u202e鸿泰\u202c石油", "查一下鸿泰石油"),
    ("\x1b[31m红色\x1b[0m", "[31m红色[0m"),
    ("第一行\r\n第二行\r第三行\t完", "第一行\n第二行\n第三行\t完"),
    ("\ufeff\u2066abc\u2069\ud83d", "abc"),
    ("👨‍👩‍👧 家庭", "👨‍👩‍👧 家庭"),  # the zero-width joiner inside an emoji stays
])
def test_control_and_invisible_characters_are_removed(raw, cleaned):
    assert guard.clean_message(raw) == cleaned


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"null", b'{"message": "hi"}',
                                 b'{"sender": "", "message": "hi"}', b'{"sender": true, "message": "hi"}',
                                 b'{"sender": {"a": 1}, "message": "hi"}', b'{"sender": "a\\u0000b", "message": "hi"}',
                                 b'{"sender": "' + b"x" * 200 + b'", "message": "hi"}', b'{"sender": "a"}',
                                 b'{"sender": "a", "message": null}', b'{"sender": "a", "message": 42}',
                                 b'{"sender": "a", "message": ["hi"]}', b"\xff\xfe", b"[" * 100000])
def test_an_unusable_request_is_refused_with_a_polite_400(raw):
    with pytest.raises(guard.Refusal) as refused:
        guard.checked_body(raw, 1000)
    assert refused.value.status == 400 and refused.value.text == guard.BAD_REQUEST


def test_empty_and_over_long_messages_are_answered_without_the_assistant():
    for empty in ("", "   ", "\n\t", "\x00\u200b", "\u3000"):
        with pytest.raises(guard.Refusal) as refused:
            guard.checked_body(json.dumps({"sender": "a", "message": empty}).encode(), 1000)
        assert refused.value.status == 200 and "没有输入内容" in refused.value.text
    cases = {"查" * 1001: "太长了", "請幫我查詢" * 300: "太長了", "please check this company " * 50: "too long"}
    for text, expected in cases.items():
        with pytest.raises(guard.Refusal) as refused:
            guard.checked_body(json.dumps({"sender": "a", "message": text}).encode(), 1000)
        assert refused.value.status == 200 and expected in refused.value.text and "1000" in refused.value.text
    at_limit = guard.checked_body(json.dumps({"sender": 7, "message": " " + "查" * 1000 + "\x00 "}).encode(), 1000)
    assert at_limit["sender"] == "7" and at_limit["message"] == " " + "查" * 1000 + " "


def test_rasas_optional_fields_pass_unchanged_and_bad_ones_are_dropped():
    body = {"sender": "web-abc", "message": "你好", "input_channel": "web", "metadata": {"script": "traditional"}}
    assert guard.checked_body(json.dumps(body).encode(), 1000) == body
    odd = guard.checked_body(json.dumps({"sender": "a", "message": "hi", "input_channel": {"x": 1},
                                         "metadata": [1]}).encode(), 1000)
    assert "input_channel" not in odd and "metadata" not in odd


def test_the_limit_is_one_setting(monkeypatch):
    from actions import settings

    assert settings.max_message_chars() == 1000
    monkeypatch.setenv("XINYONG_MAX_MESSAGE_CHARS", "20")
    assert settings.max_message_chars() == 20 and GuardedRestInput().max_chars == 20
    monkeypatch.setenv("XINYONG_MAX_MESSAGE_CHARS", "many")
    with pytest.raises(SystemExit):
        settings.max_message_chars()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_guarded_channel_behind_a_real_sanic_server(monkeypatch, demo, untouched_sanic):
    """Registered the way Rasa registers channels: same URL, Rasa's handler reached only by clean
    messages, and a turn that says nothing (Rasa's /restart) still gets a polite line. A platform
    channel (here "web") is only accepted with the channel token. The guard writes the client's
    address into the metadata (tests/test_client_limits.py); a platform channel's is kept."""
    monkeypatch.setenv("RASA_TOKEN", "channel-token-0")
    from rasa.core.channels.channel import register
    from sanic import Sanic

    received = []

    class Agent:
        async def handle_message(self, message):
            received.append((message.text, message.sender_id, message.input_channel, message.metadata))
            if not message.text.startswith("/"):
                await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")

    app = Sanic(f"guard_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = Agent()
    register([GuardedRestInput(max_chars=20)], app, "/webhooks/")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    try:
        async with aiohttp.ClientSession() as http:
            async def post(data, headers=None):
                async with http.post(url, data=data, headers=headers) as resp:
                    return resp.status, await resp.json(content_type=None)

            assert await post(json.dumps({"sender": "u1", "message": "你好\x00\u202e!"})) == \
                (200, [{"recipient_id": "u1", "text": "收到：你好!"}])
            status, answer = await post(b"{broken")
            assert status == 400 and answer[0]["text"] == guard.BAD_REQUEST
            status, answer = await post(json.dumps({"sender": "u1", "message": "請" * 21}))
            assert status == 200 and "太長了" in answer[0]["text"]
            status, answer = await post(json.dumps({"sender": "u1", "message": "/restart"}))
            assert status == 200 and "重新开始" in answer[0]["text"]
            status, answer = await post(json.dumps({"sender": "u1", "message": "/session_start"}))
            assert status == 200 and answer[0]["text"] == HOW_CAN_I_HELP[0]
            status, answer = await post(json.dumps({"sender": "u1", "message": "/greet"}))  # silent: a failure
            assert status == 200 and "暂时无法回复" in answer[0]["text"] and "12345" in answer[0]["text"]
            web = json.dumps({"sender": "u2", "message": "hi", "input_channel": "web", "metadata": {"a": 1}})
            status, answer = await post(web)
            assert status == 403 and "reserved" in answer[0]["text"]  # English message: not received below
            await post(web, {guard.CHANNEL_TOKEN_HEADER: "channel-token-0"})
            async with http.get(f"http://127.0.0.1:{port}/webhooks/rest/") as resp:
                assert resp.status == 200 and (await resp.json())["status"] == "ok"
    finally:
        server.close()
        await server.wait_closed()
    here = {"client_address": "127.0.0.1"}
    assert received == [("你好!", "u1", "rest", here), ("/restart", "u1", "rest", here),
                        ("/session_start", "u1", "rest", here), ("/greet", "u1", "rest", here),
                        ("hi", "u2", "web", {"a": 1})]


# ================================================================ the payload guard, on its own

@pytest.mark.parametrize("entity, value, usable", [
    ("choice", "r12", "r12"), ("choice", "g3", "g3"), ("choice", "cancel", "cancel"),
    ("choice", "r²", None), ("choice", "r-1", None), ("choice", "r1 OR 1=1", None), ("choice", "x", None),
    ("choice", ["r1"], None), ("choice", {"r": 1}, None), ("choice", None, None), ("choice", True, None),
    ("page", "5", "5"), ("page", 5, "5"), ("page", "-1", None), ("page", "²", None), ("page", "9" * 30, None),
    ("page", 5.5, None),
    ("ticket_id", "YY-20261117-0001", "YY-20261117-0001"), ("ticket_id", "{{7*7}}", None),
    ("ticket_id", "YY-20261117-0001' OR 1=1", None),
    ("credit_code", HONGTAI, HONGTAI), ("credit_code", "9123 0604 7ly7-dwqt7j", "9123 0604 7ly7-dwqt7j"),
    ("credit_code", "{'a': 1}", None), ("credit_code", "x" * 40, None),
    ("phone", "0459-4567890", "0459-4567890"), ("phone", "{{7*7}}", None),
    ("subject_name", "大庆市鸿泰石油", "大庆市鸿泰石油"), ("subject_name", "{{7*7}}有限公司", None),
    ("subject_name", "<script>alert(1)</script>", None), ("subject_name", "${7*7}", None),
    ("subject_name", "鸿泰\x00石油", None), ("subject_name", "名" * 101, None),
    ("doc_number", "庆环罚〔2026〕37号", "庆环罚〔2026〕37号"), ("doc_number", "{% raw %}", None),
    ("person_name", "张伟", "张伟"),
])
def test_entity_values_of_the_wrong_type_or_shape_count_as_absent(entity, value, usable):
    assert payload_guard.entity_value(entity, value) == usable


def test_choices_are_read_strictly():
    assert payload_guard.record_choice("r15") == 15 and payload_guard.record_choice("g1") is None
    assert payload_guard.record_choice("r0") is None and payload_guard.record_choice("r99999999999") is None
    assert payload_guard.ground_choice("g2") == "2" and payload_guard.ground_choice("r2") is None
    assert payload_guard.record_choice(None) is None and payload_guard.ground_choice("") is None


def _tracker(text, intent="inform", entities=(), slots=None, activated=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": [dict(entity=k, value=v) for k, v in entities]}
    events = [{"event": "user", "text": text}] + ([{"event": "active_loop", "name": activated}] if activated else [])
    return Tracker("forger-1", dict(slots or {}), latest, events, False, None,
                   {"name": activated} if activated else {}, "action_listen")


async def _run(action, tracker):
    d = CollectingDispatcher()
    events = await action.run(d, tracker, {})
    return ({e["name"]: e["value"] for e in events if e.get("event") == "slot"},
            "\n".join(m.get("text") or "" for m in d.messages))


def test_latest_entity_skips_forged_values():
    t = _tracker("/inform", entities=[("choice", {"x": 1}), ("choice", "r7"), ("page", "²")])
    assert latest_entity(t, "choice") == "r7" and latest_entity(t, "page") is None


@pytest.fixture
def person_record(demo):
    """A natural person's penalty: stored, but never public (display rules: lists only)."""
    with demo.begin() as c:
        person = c.execute(sa.select(Subject.id).where(Subject.subject_type == "自然人").order_by(Subject.id)).scalar()
        c.execute(sa.insert(Record).values(kind="penalty", subject_id=person, natural_key=f"{PERSON_DOC}|某局",
                                           doc_number=PERSON_DOC, decision_date=dt.date(2026, 5, 1),
                                           agency="大庆市某局", display_status="公示中", penalty_category="罚款",
                                           penalty_content="罚款500元"))
        record = c.execute(sa.select(Record.id).where(Record.doc_number == PERSON_DOC)).scalar()
    return person, record


def _ids(engine, **where):
    with engine.connect() as c:
        q = sa.select(Record.id, Record.subject_id).join(Subject, Subject.id == Record.subject_id)
        for column, value in where.items():
            q = q.where(getattr(Record, column) == value) if hasattr(Record, column) else \
                q.where(getattr(Subject, column) == value)
        return c.execute(q.order_by(Record.id)).all()


def test_only_records_the_filing_offers_can_be_chosen(demo, person_record):
    hongtai = _ids(demo, uscc=HONGTAI, display_status="公示中", kind="penalty")[0]
    assert tickets.offered_record(hongtai.id, "objection", hongtai.subject_id).id == hongtai.id
    assert tickets.offered_record(hongtai.id, "objection", None) is None
    other = _ids(demo, display_status="公示中")
    other = next(r for r in other if r.subject_id != hongtai.subject_id)
    assert tickets.offered_record(other.id, "objection", hongtai.subject_id) is None
    hidden = _ids(demo, doc_number=JINHE_HIDDEN_DOC)[0]
    assert tickets.offered_record(hidden.id, "repair", hidden.subject_id) is None
    person, record = person_record
    assert tickets.offered_record(record, "objection", person) is None
    assert all(r.kind == "list" for r in tickets.records_for(person, "objection"))
    licence = _ids(demo, uscc=HONGTAI, kind="license")[0]
    assert tickets.offered_record(licence.id, "repair", licence.subject_id) is None  # repairs take no licences
    assert tickets.offered_record(2**31 - 1, "objection", hongtai.subject_id) is None


def test_a_persons_non_public_record_is_not_found_by_its_document_number(demo, person_record):
    assert tickets.record_by_doc(PERSON_DOC) == [] and tickets.record_by_doc(PERSON_DOC, person_record[0]) == []


async def test_a_forged_record_choice_in_the_form_is_refused_politely(demo, person_record):
    hongtai = _ids(demo, uscc=HONGTAI, display_status="公示中", kind="penalty")[0]
    hidden = _ids(demo, doc_number=JINHE_HIDDEN_DOC)[0]
    base = {"filing_id": "f1", "filing_subject": str(hongtai.subject_id), "requested_slot": "filing_record",
            "filing_choices": str(hongtai.id)}
    for form, kind in ((ValidateObjectionForm(), "objection"), (ValidateRepairForm(), "repair")):
        for forged in (f"r{person_record[1]}", f"r{hidden.id}", "r999999", "r²", "r99999999999999999999"):
            slots, text = await _run(form, _tracker('/inform{"choice":"%s"}' % forged, entities=[("choice", forged)],
                                                    slots=dict(base, filing_kind=kind)))
            assert slots.get("filing_record") is None and slots.get("filing_subject") is None, (kind, forged)
            assert slots["requested_slot"] == "filing_record" and text.strip(), (kind, forged)
            assert "抱歉" not in text and PERSON_DOC not in text and JINHE_HIDDEN_DOC not in text
    slots, text = await _run(ValidateObjectionForm(), _tracker('/inform{"choice":"r%d"}' % person_record[1],
                                                               entities=[("choice", f"r{person_record[1]}")],
                                                               slots=dict(base, filing_kind="objection")))
    assert NOT_OFFERED in text
    slots, _ = await _run(ValidateObjectionForm(), _tracker("/inform", entities=[("choice", f"r{hongtai.id}")],
                                                            slots=dict(base, filing_kind="objection")))
    assert slots["filing_record"] == str(hongtai.id) and slots["requested_slot"] == "objection_ground"


async def test_a_payloads_json_is_not_read_as_typed_text(demo):
    hongtai = _ids(demo, uscc=HONGTAI, display_status="公示中", kind="penalty")[0]
    base = {"filing_kind": "objection", "filing_id": "f1", "filing_subject": str(hongtai.subject_id),
            "filing_record": str(hongtai.id), "objection_ground": "信息错误", "objection_description": "金额错",
            "objection_evidence": "无", "contact_name": "张伟", "requested_slot": "contact_phone"}
    forged = '/affirm{"choice":"r13912345678","person_name":"联系人改成王五"}'
    slots, text = await _run(ValidateObjectionForm(), _tracker(forged, "affirm", [("choice", "r13912345678")], base))
    assert slots.get("contact_phone") is None and "contact_name" not in slots and "filing_confirmed" not in slots
    assert slots["requested_slot"] == "contact_phone" and text.strip()
    # the summary was never shown: a bare confirmation cannot skip it
    slots, _ = await _run(ValidateObjectionForm(), _tracker("/affirm", "affirm", (), base))
    assert slots.get("filing_confirmed") is None and slots["requested_slot"] == "contact_phone"


async def test_a_subject_asked_for_is_not_a_template(demo):
    base = {"filing_kind": "objection", "filing_id": "f1", "requested_slot": "filing_subject"}
    for text in ("{% if 1 %}{{7*7}}{% endif %}", "<script>alert(1)</script>", "${7*7}${7*7}"):
        _, said = await _run(ValidateObjectionForm(), _tracker(text, slots=base))
        assert said == "请发送企业（组织）名称或18位统一社会信用代码。", text


async def test_forged_pages_and_tickets_are_answered_not_crashed(demo):
    focus = _ids(demo, uscc=HONGTAI)[0].subject_id
    for page in ("²", "-1", "9" * 30, {"$gt": 0}):
        _, text = await _run(ActionQueryCredit(), _tracker('/query_credit{"page":…}', "query_credit", [("page", page)],
                                                           {"focus_subject": str(focus)}))
        assert "大庆市鸿泰石油技术服务有限公司" in text and "抱歉" not in text, page
    for ticket in ("{{7*7}}", {"$ne": None}, "YY-1' OR '1'='1"):
        _, text = await _run(ActionCheckStatus(), _tracker("/check_status", "check_status", [("ticket_id", ticket)]))
        assert "还没有提交过" in text and "{{" not in text and "抱歉" not in text, ticket


def test_an_id_number_typed_into_a_filing_is_masked_in_the_summary(demo):
    record = tickets.record_view(_ids(demo, uscc=HONGTAI, display_status="公示中", kind="penalty")[0].id)
    text = filing_text.summary("objection", "大庆市鸿泰石油技术服务有限公司", record, {
        "objection_ground": "非本主体", "objection_description": "法人身份证230602197810070431不是我们的",
        "objection_evidence": "无", "contact_name": "张伟", "contact_phone": "13912345678"})
    assert "230602197810070431" not in text and "2306**********0431" in text


def test_a_number_that_is_not_a_phone_is_quoted_short_and_masked():
    assert "2306**********0431" in filing_text.bad_phone("230602197810070431")
    long = filing_text.bad_phone("9" * 600)
    assert "9" * 24 + "…" in long and "9" * 25 not in long


# ================================================================ a thousand messages through the real bot

SEED = 20261130
N_MESSAGES = 1000
N_SENDERS = 32
WORKERS = 4


def _id_number(rng: random.Random, valid: bool = True) -> str:
    number = codes.make_id_number(rng, region=rng.choice(["230602", "110105", "440305"]))
    if valid:
        return number
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def hostile_messages(n: int = N_MESSAGES, seed: int = SEED) -> list[tuple[str, str]]:
    """(category, text): a deterministic mix of everything a user, a bot or a fuzzer might send."""
    rng = random.Random(seed)
    r = lambda: rng.randint(1, 400)  # noqa: E731 - record ids of all kinds of subjects
    fixed = {
        "empty": ["", " ", "\n\t  ", "\u3000\u3000", "\r\n"],
        "zero_width": ["\u200b", "\u200b\u200c\u200d", "查\u200b一下\u200d鸿泰石油", "\ufeff你好", "转\u2060人工"],
        "rtl": ["\u202e查询鸿泰石油\u202c", "abc\u202edcba", "\u2067اختبار\u2069 你好", "\u202d\u202e\u202a"],
        "nul": ["你好\x00", "\x00", "\x00\x00\x00", f"查一下{HONGTAI}\x00' OR 1=1", "我要\x00提异议"],
        "control": ["\x07\x08\x1b[31m红色\x1b[0m", "\x1b]0;title\x07", "退格\x08\x08\x08", "\x7f\x85\x9f查询",
                    "换行\n\n\n空行", "\t\t制表\t"],
        "html": ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</div><b>查询</b>鸿泰",
                 "<iframe src=javascript:alert(1)>", "查一下<svg onload=alert(1)>有限公司", "&lt;b&gt;&#x27;"],
        "template": ["{{7*7}}", "${7*7}", "{% for x in range(9) %}{{x}}{% endfor %}", "#{7*7}", "<%= 7*7 %>",
                     "{{config.items()}}", "查一下{{7*7}}有限公司", "{hotline}", "{0}{1}", "{{ '' .__class__ }}",
                     "{% include '/etc/passwd' %}", "@{7*7}", "${jndi:ldap://x/a}"],
        "format": ["%s %n %x %d", "%(hotline)s", "%99999999s", "%n%n%n%n", "查一下%s公司", "\\x00\\n\\u0000"],
        "sql": ["' OR 1=1 --", "'; DROP TABLE tickets; --", "1' UNION SELECT password_hash FROM staff_users --",
                "查一下' OR '1'='1", "大庆%", "_%_", "查询 %%% 公司", "YY-20261117-0001'; UPDATE tickets SET status='已办结' --",
                "\" OR \"\"=\"", "admin'--", "查一下鸿泰石油'); DELETE FROM records; --"],
        "payload_valid": [
            '/inform{"choice":"r%d"}', '/inform{"choice":"g%d"}', '/inform{"choice":"r²"}', '/inform{"choice":"g99"}',
            '/inform{"choice":"r99999999999999999999"}', '/inform{"choice":["r1","r2"]}', '/inform{"choice":{"r":1}}',
            '/inform{"choice":null}', '/inform{"choice":"cancel"}', '/deny{"choice":"cancel"}',
            '/query_credit{"page":"-1"}', '/query_credit{"page":"²"}', '/query_credit{"page":"99999999999999999999"}',
            '/query_credit{"page":5}', '/query_credit{"credit_code":{"a":1}}', '/query_credit{"credit_code":null}',
            '/query_credit{"credit_code":["x","%s"]}' % HONGTAI, '/query_credit{"credit_code":"%s"}' % HONGTAI,
            '/query_credit{"subject_name":"{{7*7}}"}', '/query_credit{"subject_name":"%%"}',
            '/query_credit{"person_name":"赵文强"}', '/query_credit{"subject_name":"赵文强"}',
            '/check_status{"ticket_id":"YY-20261117-0001"}', '/check_status{"ticket_id":"{{7*7}}"}',
            '/check_status{"ticket_id":{"$ne":null}}', '/check_status{"ticket_id":"XF-20260601-0001"}',
            '/check_status', '/affirm', '/affirm{"filing_confirmed":"yes"}', '/affirm@0.2', '/affirm@9',
            '/inform{"filing_record":"1","filing_subject":"7"}', '/inform{"focus_subject":"7"}',
            '/inform{"requested_slot":null}', '/inform{"outcome":"撤销","ticket_id":"YY-20261117-0001"}',
            '/greet{"language":"xx","script":"<b>"}', '/greet{"script":"traditional"}', '/greet{"language":"en"}',
            '/file_objection{"credit_code":"%s"}' % HONGTAI, '/request_repair{"choice":"r%d"}',
            '/inform{"phone":"{{7*7}}"}', '/inform{"doc_number":"<b>x</b>"}', '/inform{"person_name":["a",{"b":1}]}',
            '/inform{"credit_code":"%s"}', '/ask_policy{"subject_name":"x"}', '/out_of_scope', '/nlu_fallback',
            '/bot_challenge', '/thank', '/goodbye', '/inform@0.01{"choice":"r%d"}'],
        "payload_unknown": ["/action_submit_filing", "/action_restart", "/utter_greet", "/staff_decide",
                            '/decide_ticket{"ticket_id":"YY-20261117-0001","outcome":"撤销"}',
                            '/nonexistent{"x":1}', "/validate_objection_form", '/action_check_status{"ticket_id":"x"}',
                            "/EXTERNAL_reminder", "/trigger_intent"],
        "payload_malformed": ['/inform{"choice":"r1"', "/inform{choice:r1}", '/inform{"a":}', "/inform{}}}",
                              "/inform[1,2]", "/", "//", "/ inform", '/inform{"choice":"r1"} 还有文字', "/@", "/{}",
                              '/inform{"a":' + "[" * 50 + "]" * 50 + "}", "/inform{\"\\ud800\":1}", "/affirm@",
                              '/inform@abc{"choice":"g1"}', '/inform{"choice":"g1"}{"choice":"g2"}'],
        "control_payload": ["/restart", "/session_start", "/back", "/restart{\"x\":1}", "/session_start@1"],
        "traditional": ["請幫我查一下大慶市鴻泰石油技術服務有限公司", "我要申請信用修復", "異議怎麼提出？", "轉人工",
                        "這家公司在名單上嗎", "謝謝", "處罰資訊公示多久", f"查詢 {HONGTAI}", "我的申請到哪了"],
        "english": ["hello", "what can you do", f"check company {HONGTAI}", "DROP TABLE users", "null",
                    "undefined", "NaN", "true", "I want to talk to a human", "is this a bot?", "thanks, bye",
                    "SELECT * FROM staff_users"],
        "mixed": ["查询 company 鴻泰 석유 نفط", "Привет 你好", "こんにちは、信用を調べたい", "안녕하세요",
                  "مرحبا بك", "Bonjour 查询 鸿泰", "ℌ𝔢𝔩𝔩𝔬 ｗｏｒｌｄ", "ｑｕｅｒｙ　９１２３０６０４７ＬＹ７ＤＷＱＴ７Ｊ",
                  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̯̔ 查询", "𠀀𪚥𫝀 公司"],
        "emoji": ["😀", "👍👍👍", "🇨🇳", "👨‍👩‍👧", "🙏🏻", "💩" * 40, "🤖?", "❤️‍🔥", "🫠"],
        "ordinary": ["你好", "查一下鸿泰石油", f"我要对{HONGTAI}的处罚提出异议", "我要申请信用修复", "第一条",
                     "信息错误", "不对", "确认", "同意", "算了", "转人工", "我的申请", "查看更多", "上一家呢",
                     "有没有行政许可", "行政处罚公示多久", "老赖能坐高铁吗", "你是机器人吗", "谢谢", "再见",
                     "张伟", "没有", "金额写错了", "赵文强是不是老赖"],
    }
    generated = {
        "huge": lambda: rng.choice(["查", "a", "9", "鴻", "😀", "' OR 1=1 --", "{{7*7}}", "\x00"]) *
        rng.choice([1001, 1500, 4097, 20000, 200000]),
        "at_limit": lambda: ("查一下" + "鸿泰石油" * 250)[:1000],
        "digits": lambda: "".join(rng.choice("0123456789") for _ in range(rng.choice([19, 25, 40, 100, 600]))),
        "id_like": lambda: rng.choice([
            _id_number(rng), f"查一下{_id_number(rng)}", f"身份证 {_id_number(rng, valid=False)}",
            _id_number(rng)[:17], " ".join(_id_number(rng)[i:i + 6] for i in (0, 6, 12)), _id_number(rng) + "0",
            f"我要对{_id_number(rng)}提出异议", "230602197810070431", "查一下身份证230602197810070431"]),
        "control_random": lambda: "".join(chr(rng.choice(list(range(0, 32)) + [127] + list(range(128, 160))))
                                          for _ in range(rng.randint(1, 12))) + rng.choice(["", "你好", "查询"]),
    }
    weights = {"empty": 4, "zero_width": 4, "rtl": 4, "nul": 4, "control": 4, "html": 5, "template": 7,
               "format": 4, "sql": 7, "payload_valid": 16, "payload_unknown": 5, "payload_malformed": 7,
               "control_payload": 3, "traditional": 5, "english": 5, "mixed": 5, "emoji": 5, "ordinary": 14,
               "huge": 3, "at_limit": 0.3, "digits": 3, "id_like": 5, "control_random": 3}
    names = list(weights)
    out = []
    for _ in range(n):
        category = rng.choices(names, [weights[c] for c in names])[0]
        if category in generated:
            text = generated[category]()
        else:
            text = rng.choice(fixed[category])
            if "%d" in text and text.startswith("/"):
                text = text % r()
            elif "%s" in text and text.startswith("/"):
                text = text % _id_number(rng)
        out.append((category, text))
    return out


def test_the_generator_is_deterministic_and_covers_every_category():
    first, again = hostile_messages(), hostile_messages()
    assert first == again and len(first) == N_MESSAGES
    categories = {c for c, _ in first}
    assert len(categories) >= 22, sorted(categories)
    # no valid phone number: random messages must never be able to complete a filing
    from actions.services.form_input import phone_in

    def has_phone(text: str) -> bool:
        found = phone_in(text[:2000])
        return bool(found and found.valid)

    assert not [t for _, t in first if has_phone(t)]


def _post(port: int, body: dict) -> tuple[int, object]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    except OSError as err:  # refused, reset, timed out: reported with the message that caused it
        return 0, f"{type(err).__name__}: {err}"
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


FORBIDDEN = ("Traceback", "Exception", "sqlalchemy", "Error", "{{", "None")
RAW_JSON = re.compile(r"\{\s*\"|\"\s*:\s*[\[{\"\d]|\[\s*\{")
POLITE = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{3,}")
# A turn that failed: abandoned by bot/rasa_server.py, an action's apology, or silence the channel covered.
FAILED = ("没有处理成功", "was not processed", "暂时无法回复", "cannot answer right now", "暂时无法完成")
CONTROL = re.compile(r"^\s*/(restart|session_start|back)(?![A-Za-z0-9_])")


def _problems(text_sent: str, status: int, answer, typed_before: str) -> list[str]:
    # A body over Rasa's cap is refused unread (bot/rasa_server.py): 413, still a polite line.
    oversized = len(json.dumps({"message": text_sent}).encode()) > MAX_BODY_BYTES
    if status != (413 if oversized else 200):
        return [f"HTTP {status}"]
    if not isinstance(answer, list) or not answer or not all(isinstance(m, dict) for m in answer):
        return [f"not a list of messages: {answer!r:.200}"]
    texts = [m.get("text") or "" for m in answer]
    if not any(t.strip() for t in texts):
        return ["no text"]
    problems = []
    for text in texts:
        if text and not POLITE.search(text):
            problems.append(f"not words: {text!r:.100}")
        for word in FORBIDDEN:
            # the user's own words shown back (a filing's summary quotes them) are theirs, not a leak
            if word in text and word not in typed_before:
                problems.append(f"{word!r} in {text!r:.300}")
        if RAW_JSON.search(text):
            problems.append(f"raw JSON in {text!r:.300}")
        for found in VALID_ID.findall(text):
            if codes.is_valid_id_number(found):
                problems.append(f"unmasked ID number in {text!r:.300}")
        if any(a in text for a in FAILED):
            problems.append(f"turn failed: {text!r:.200}")
        if text == HOW_CAN_I_HELP[0] and not CONTROL.match(text_sent):
            problems.append("the assistant said nothing")
    return problems


def _snapshot(url: str) -> dict:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as c:
            return {
                "tickets": c.execute(sa.select(Ticket.ticket_no, Ticket.status, Ticket.outcome, Ticket.decided_at,
                                               Ticket.record_id, Ticket.contact_phone, Ticket.sender_id)
                                     .order_by(Ticket.id)).all(),
                "events": c.execute(sa.select(TicketEvent.ticket_id, TicketEvent.status, TicketEvent.outcome)
                                    .order_by(TicketEvent.id)).all(),
                "records": c.execute(sa.select(Record.id, Record.display_status, Record.punishment_suspended,
                                               Record.punishment_ended_at, Record.remark).order_by(Record.id)).all(),
                "subjects": c.execute(sa.select(Subject.id, Subject.name, Subject.uscc, Subject.id_number)
                                      .order_by(Subject.id)).all(),
                "staff": c.execute(sa.select(StaffUser.id, StaffUser.username, StaffUser.role, StaffUser.active,
                                             StaffUser.password_hash).order_by(StaffUser.id)).all(),
            }
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_thousand_hostile_messages_get_polite_answers_and_change_nothing(demo_bot):
    messages = hostile_messages()
    port = int(demo_bot.env["RASA_PORT"])
    run = uuid.uuid4().hex[:6]
    by_sender: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for i, (category, text) in enumerate(messages):
        by_sender[f"hostile-{run}-{i % N_SENDERS:02d}"].append((i, category, text))
    status, hello = _post(port, {"sender": f"hostile-{run}-hello", "message": "你好"})
    assert status == 200 and "信用助手" in str(hello), "the bot does not answer:\n" + "".join(demo_bot.lines[-60:])
    before = _snapshot(demo_bot.database_url)
    log_from = len(demo_bot.lines)

    def converse(sender: str) -> list[str]:
        problems, typed = [], ""
        for i, category, text in by_sender[sender]:
            status, answer = _post(port, {"sender": sender, "message": text})
            if not text.lstrip().startswith("/"):
                typed += text
            problems += [f"#{i} {category} {text[:60]!r}: {p}" for p in _problems(text, status, answer, typed)]
        return problems

    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        problems = [p for found in pool.map(converse, sorted(by_sender)) for p in found]
    elapsed = time.monotonic() - started
    time.sleep(1)  # the servers' last log lines
    log = "".join(demo_bot.lines[log_from:])
    print(f"{len(messages)} messages in {elapsed:.0f} s ({len(messages) / elapsed:.1f}/s)")
    assert not problems, (f"{len(problems)} bad replies:\n" + "\n".join(problems[:40])
                          + "\n--- server log ---\n" + log[-6000:])
    assert "Traceback" not in log, log[log.index("Traceback") - 2000:log.index("Traceback") + 3000]
    after = _snapshot(demo_bot.database_url)
    for table in ("tickets", "events", "records", "subjects", "staff"):
        assert after[table] == before[table], f"{table} changed by hostile messages"


# ================================================================ forged payloads in real conversations

@pytest.fixture
def persons_penalty(db):
    """A natural person's penalty in the conversation database for one test, then removed."""
    with db.begin() as c:
        person = c.execute(sa.select(Subject.id).where(Subject.subject_type == "自然人").order_by(Subject.id)).scalar()
        name = c.execute(sa.select(Subject.name).where(Subject.id == person)).scalar()
        c.execute(sa.insert(Record).values(kind="penalty", subject_id=person, natural_key=f"{PERSON_DOC}|某局",
                                           doc_number=PERSON_DOC, decision_date=dt.date(2026, 5, 1),
                                           agency="大庆市某局", display_status="公示中", penalty_category="罚款",
                                           penalty_content="罚款500元"))
        record = c.execute(sa.select(Record.id).where(Record.doc_number == PERSON_DOC)).scalar()
    yield name, record
    with db.begin() as c:
        c.execute(sa.delete(Record).where(Record.id == record))


def _record_id(db, doc: str) -> int:
    with db.connect() as c:
        return c.execute(sa.select(Record.id).where(Record.doc_number == doc)).scalar_one()


def _status(db, record_id: int) -> str:
    with db.connect() as c:
        return c.execute(sa.select(Record.display_status).where(Record.id == record_id)).scalar_one()


_USED: set[int] = set()


def _fresh_penalty(db) -> tuple[str, str]:
    """(code, document number) of a displayed penalty with no ticket on its subject, from the end
    of the demo data (tests/test_workflows.py takes them from the start)."""
    with db.connect() as c:
        ticketed = set(c.execute(sa.select(Ticket.subject_id)).scalars())
        rows = c.execute(sa.select(Record.subject_id, Subject.uscc, Record.doc_number)
                         .join(Subject, Subject.id == Record.subject_id)
                         .where(Record.kind == "penalty", Record.display_status == "公示中", Subject.uscc.is_not(None))
                         .order_by(Record.id.desc())).all()
    for row in rows:
        if row.subject_id not in _USED and row.subject_id not in ticketed:
            _USED.add(row.subject_id)
            return row.uscc, row.doc_number
    pytest.fail("no unused displayed penalty left in the demo data")


def _tickets_of(db, sender) -> list:
    with db.connect() as c:
        return c.execute(sa.select(Ticket.ticket_no).where(Ticket.sender_id == sender)).all()


@pytest.mark.slow
def test_forged_record_choices_in_an_objection_are_refused(chat, db, persons_penalty):
    person_name, person_record = persons_penalty
    hidden = _record_id(db, JINHE_HIDDEN_DOC)
    reply = chat(f"我要对{HONGTAI}的处罚提出异议")
    offered = [b for b in chat.buttons if b["payload"].startswith('/inform{"choice":"r')]
    assert offered, reply
    for forged in (person_record, hidden, 2**31 - 1):
        reply = chat('/inform{"choice":"r%d"}' % forged)
        assert "请从上面列出的记录中选择" in reply, reply
        assert person_name not in reply and PERSON_DOC not in reply and JINHE_HIDDEN_DOC not in reply
        assert [b["payload"] for b in chat.buttons] == [b["payload"] for b in offered]  # offered again
    for malformed in ('/inform{"choice":"r-1"}', '/inform{"choice":{"r":1}}', '/inform{"choice":"r1 OR 1=1"}'):
        reply = chat(malformed)  # not a record id at all: the question again
        assert "请点选" in reply and "抱歉" not in reply, malformed
    assert _status(db, person_record) == "公示中" and _status(db, hidden) == "已修复停止公示"
    # typed, the person's document number finds nothing either
    assert PERSON_DOC not in chat(PERSON_DOC).replace(f"【{PERSON_DOC}】", "")


@pytest.mark.slow
def test_the_offered_buttons_still_work_after_a_forged_one(chat, db):
    code, doc = _fresh_penalty(db)
    chat(f"我要对{code}的处罚提出异议")
    reply = chat('/inform{"choice":"r%d"}' % _record_id(db, JINHE_HIDDEN_DOC))
    assert "请从上面列出的记录中选择" in reply
    if any(doc in b["title"] for b in chat.buttons):  # several records: the list again, and it works
        reply = chat.click(doc)
    assert "异议理由" in reply  # (one record: it was taken, and the form asks on)


@pytest.mark.slow
def test_a_repair_cannot_be_pointed_at_a_hidden_record(chat, db):
    hidden = _record_id(db, JINHE_HIDDEN_DOC)
    reply = chat('/request_repair{"choice":"r%d"}' % hidden)
    assert JINHE_HIDDEN_DOC not in reply and "已不再公示" not in reply and reply.strip()


@pytest.mark.slow
def test_a_forged_confirmation_does_not_skip_the_summary(chat, db):
    code, doc = _fresh_penalty(db)
    reply = chat(f"我要对{code}的一条行政处罚提出异议")
    if any(doc in b["title"] for b in chat.buttons):
        reply = chat.click(doc)
    assert "异议理由" in reply, reply
    for forged in ("/affirm", '/affirm{"filing_confirmed":"yes"}', '/inform{"requested_slot":"filing_confirmed"}'):
        assert "请核对" not in chat(forged)
    chat.click("信息错误")
    chat("罚款金额登记错了，公示多写了一个零")
    chat("/affirm")  # at the evidence question: not an answer
    chat("有处罚决定书")
    chat("张伟")
    assert "请核对" not in chat('/affirm{"phone":"{{7*7}}"}')
    assert _tickets_of(db, chat.sender) == []
    summary = chat("13912345678")
    assert "请核对" in summary and "张伟" in summary
    assert re.search(r"YY-\d{8}-\d{4}", chat("/affirm"))  # the button, after the summary
    assert len(_tickets_of(db, chat.sender)) == 1


@pytest.mark.slow
def test_forged_ticket_numbers_show_progress_only(chat, db):
    reply = chat('/check_status{"ticket_id":"%s"}' % DEMO_OBJECTION)
    assert DEMO_OBJECTION in reply and "刘志刚" not in reply and "13600008215" not in reply
    for forged in ('/check_status{"ticket_id":"{{7*7}}"}', '/check_status{"ticket_id":{"$ne":null}}',
                   '/check_status{"ticket_id":"%s\' OR \'1\'=\'1"}' % DEMO_OBJECTION):
        reply = chat(forged)
        assert "还没有提交过" in reply and "{{" not in reply and "刘志刚" not in reply, forged
    with db.connect() as c:
        status = c.execute(sa.select(Ticket.status).where(Ticket.ticket_no == DEMO_OBJECTION)).scalar_one()
    chat('/inform{"ticket_id":"%s","outcome":"撤销","status":"已办结"}' % DEMO_OBJECTION)
    with db.connect() as c:
        assert c.execute(sa.select(Ticket.status).where(Ticket.ticket_no == DEMO_OBJECTION)).scalar_one() == status


@pytest.mark.slow
def test_forged_pages_and_codes_are_answered(chat):
    chat(f"查一下{HONGTAI}")
    for forged in ('/query_credit{"page":"²"}', '/query_credit{"page":"-5"}', '/query_credit{"page":"%s"}' % ("9" * 30),
                   '/query_credit{"credit_code":{"a":1}}', '/query_credit{"subject_name":"{{7*7}}"}'):
        reply = chat(forged)
        assert reply.strip() and "抱歉，系统" not in reply and "{{" not in reply, forged


@pytest.mark.slow
def test_the_rest_channel_answers_bad_requests_politely(demo_bot):
    port = int(demo_bot.env["RASA_PORT"])
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    for body in (b"", b"{not json", b"[]", json.dumps({"message": "hi"}).encode(),
                 json.dumps({"sender": "x", "message": 5}).encode()):
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 400 and json.loads(err.value.read())[0]["text"] == guard.BAD_REQUEST
    status, answer = _post(port, {"sender": f"long-{uuid.uuid4().hex[:6]}", "message": "查" * 1001})
    assert status == 200 and "太长了" in answer[0]["text"]
    status, answer = _post(port, {"sender": f"long-{uuid.uuid4().hex[:6]}", "message": "請" * 1001})
    assert status == 200 and "太長了" in answer[0]["text"]
