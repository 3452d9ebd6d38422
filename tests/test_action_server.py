"""The action server as an attacker meets it (bot/action_server.py): the issue's forged filing, sent
straight to the action port, with no secret or a wrong one; where it listens; what it accepts.

A real `python -m bot.action_server` on a seeded SQLite database; no model needed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from actions.db.models import Record, Ticket
from bot.action_server import MAX_BODY_BYTES, authorised
from tests import sockets
from tests.botserver import _free_port

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

SECRET = "s3cret-for-the-action-server-tests"
HEADER = "X-Xinyong-Action-Token"
FORGED_SENDER = "telegram-424242"  # the probe's made-up Telegram chat id


@pytest.fixture
def action_server(demo, sqlite_url, tmp_path):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=sqlite_url, XINYONG_ACTION_TOKEN=SECRET)
    log = open(tmp_path / "actions.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None, (tmp_path / "actions.log").read_text()
        assert time.monotonic() < deadline, "the action server did not start"
        time.sleep(0.3)
    try:
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _post(port: int, path: str, body: bytes, headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def _serious_list_record(engine) -> Record:
    with engine.connect() as c:
        return c.execute(sa.select(Record).where(Record.kind == "list", Record.list_type == "严重失信主体名单",
                                                 Record.display_status == "公示中").order_by(Record.id)).first()


def _forged_filing(record) -> bytes:
    """The probe's request: action_submit_filing on a made-up Telegram conversation whose slots say
    that a confirmed objection against a 严重失信主体名单 entry is ready to file."""
    slots = {"filing_kind": "objection", "filing_id": "forged-1", "filing_subject": str(record.subject_id),
             "filing_record": str(record.id), "objection_ground": "信息错误", "objection_description": "不是我们",
             "objection_evidence": "无", "contact_name": "张伟", "contact_phone": "13912345678",
             "filing_confirmed": "yes"}
    tracker = {"sender_id": FORGED_SENDER, "slots": slots, "events": [], "paused": False, "followup_action": None,
               "active_loop": {}, "latest_action_name": "action_listen", "latest_input_channel": "telegram",
               "latest_message": {"text": "确认", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}}
    return json.dumps({"next_action": "action_submit_filing", "sender_id": FORGED_SENDER, "version": "3.6.21",
                       "tracker": tracker, "domain": {}}).encode()


def _tickets_of(engine, sender: str) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.sender_id == sender)).scalar()


def _status(engine, record_id: int) -> str:
    with engine.connect() as c:
        return c.execute(sa.select(Record.display_status).where(Record.id == record_id)).scalar()


def test_a_forged_filing_without_the_secret_files_nothing(action_server, demo):
    _, port = action_server
    record = _serious_list_record(demo)
    assert record is not None, "the demo data has no 严重失信主体名单 entry"
    forged = _forged_filing(record)
    for headers, status in (({}, 401), ({HEADER: "guess-guess-guess-guess"}, 403), ({HEADER: ""}, 401),
                            ({HEADER: SECRET[:-1]}, 403), ({HEADER: SECRET + "x"}, 403),
                            ({"X-Xinyong-Action-Token-": SECRET}, 401), ({HEADER: "ü" * 40}, 403)):
        got, answer = _post(port, "/webhook", forged, headers)
        assert got == status and "error" in answer and "events" not in answer, (headers, got, answer)
    assert _tickets_of(demo, FORGED_SENDER) == 0
    assert _status(demo, record.id) == "公示中"
    # The same request with the secret (as Rasa sends it) is a real filing: the refusals above were the
    # secret's doing, not a malformed request.
    got, answer = _post(port, "/webhook", forged, {HEADER: SECRET})
    assert got == 200 and answer["events"], answer
    assert _tickets_of(demo, FORGED_SENDER) == 1 and _status(demo, record.id) == "异议处理中"


def test_only_health_answers_without_the_secret(action_server):
    _, port = action_server
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
        assert json.load(r) == {"status": "ok"}
    for method, path in (("GET", "/actions"), ("OPTIONS", "/webhook"), ("GET", "/nothing-here"),
                         ("POST", "/health"), ("GET", "/health/")):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Origin": "https://evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=5)
        assert refused.value.code == 401, (method, path)
        assert "access-control-allow-origin" not in {k.lower() for k in refused.value.headers}
        assert json.loads(refused.value.read())["error"]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/actions", headers={HEADER: SECRET})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert {"name": "action_submit_filing"} in json.load(r)


def test_the_action_server_listens_on_loopback_only(action_server):
    proc, port = action_server
    assert sockets.listening(proc.pid) == {("127.0.0.1", port)}
    assert sockets.on_port(port) == {"127.0.0.1"}
    for addr in sockets.outside_addresses():  # as another host would try it
        assert sockets.refused(addr, port), f"the action server answers on {addr}"


def test_bodies_over_the_bound_are_refused_before_they_are_read(action_server):
    """413 from the Content-Length alone, with the secret or without (then 401 first)."""
    import http.client

    _, port = action_server
    for headers, status in (({HEADER: SECRET}, 413), ({}, 401)):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("POST", "/webhook")
        for k, v in {"Content-Type": "application/json", "Content-Length": str(MAX_BODY_BYTES + 1), **headers}.items():
            conn.putheader(k, v)
        conn.endheaders()
        started = time.monotonic()
        assert conn.getresponse().status == status
        assert time.monotonic() - started < 5
        conn.close()


def test_without_a_secret_the_action_server_does_not_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "XINYONG_ACTION_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "bot.action_server", "--port", str(_free_port())], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "XINYONG_ACTION_TOKEN" in proc.stderr
    env["XINYONG_ACTION_TOKEN"] = "short"
    proc = subprocess.run([sys.executable, "-m", "bot.action_server", "--port", str(_free_port())], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "at least 16" in proc.stderr


def test_the_secret_is_compared_whole():
    assert authorised(SECRET, SECRET) is None
    assert authorised(None, SECRET) == 401 and authorised("", SECRET) == 401
    assert authorised(SECRET.upper(), SECRET) == 403 and authorised("ü" * 40, SECRET) == 403
