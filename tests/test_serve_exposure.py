"""What a running `xinyong serve` exposes, checked as a local user or another host would probe it:
which addresses its children listen on, what their command lines and environments show, what the
action port does with the issue's forged filing, CORS, body sizes, the token on Rasa's HTTP API.

The shared `demo_bot` server (single mode; the replicated mode is checked in tests/test_faults.py).
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from actions.db.models import Record, Ticket
from tests import sockets
from tests.botserver import _children
from tests.test_action_server import FORGED_SENDER, HEADER, _forged_filing, _post, _serious_list_record

pytestmark = [pytest.mark.slow, pytest.mark.probe]  # docs/security.md
HONGTAI = "912306047LY7DWQT7J"  # docs/demo_data.md


def _cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")


def _environ(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as fh:
        pairs = [p.decode("utf-8", "replace").partition("=") for p in fh.read().split(b"\0") if p]
    return {k: v for k, _, v in pairs}


def _kids(server) -> dict[int, str]:
    """Every live descendant of serve: pid → command line."""
    out = {}
    for pid in _children(server.proc.pid):
        try:
            out[pid] = _cmdline(pid)
        except OSError:
            pass
    return out


def _one(server, module: str) -> int:
    pids = [pid for pid, line in _kids(server).items() if f"-m {module} " in line + " "]
    assert pids, f"no {module} child"
    return min(pids)


def _secrets(server) -> tuple[str, str]:
    """The Rasa token and the action secret, as the Rasa server's environment holds them."""
    env = _environ(_one(server, "bot.rasa_server"))
    return env["RASA_TOKEN"], env["XINYONG_ACTION_TOKEN"]


def test_the_action_port_is_loopback_only_and_refuses_the_forged_filing(demo_bot, db):
    port = int(demo_bot.env["ACTION_PORT"])
    actions = _one(demo_bot, "bot.action_server")
    assert sockets.listening(actions) == {("127.0.0.1", port)}
    assert sockets.on_port(port) == {"127.0.0.1"}
    for addr in sockets.outside_addresses():
        assert sockets.refused(addr, port), f"the action server answers on {addr}"
    # the only ports open beyond this host are the chat's: Rasa's channels and the web server
    public = {p for pid in _kids(demo_bot) for addr, p in sockets.listening(pid) if not sockets.is_loopback(addr)}
    assert public <= {int(demo_bot.env["RASA_PORT"]), int(demo_bot.env["WEB_PORT"])}, public

    record = _serious_list_record(db)
    with db.connect() as c:
        tickets_before = c.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar()
    for headers, status in (({}, 401), ({HEADER: "a-guess-of-the-secret-000"}, 403)):
        got, answer = _post(port, "/webhook", _forged_filing(record), headers)
        assert got == status and "events" not in answer
    with db.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar() == tickets_before
        assert c.execute(sa.select(sa.func.count()).select_from(Ticket)
                         .where(Ticket.sender_id == FORGED_SENDER)).scalar() == 0
        assert c.execute(sa.select(Record.display_status).where(Record.id == record.id)).scalar() == "公示中"
    # real conversations still reach their actions, with the secret Rasa sends
    assert "大庆市鸿泰石油技术服务有限公司" in demo_bot.say(f"查询 {HONGTAI}", sender="exposure-lookup")


def test_no_secret_is_on_any_command_line_or_in_the_log(demo_bot):
    rasa_token, action_secret = _secrets(demo_bot)
    assert len(action_secret) >= 16 and action_secret != rasa_token
    lines = {demo_bot.proc.pid: _cmdline(demo_bot.proc.pid), **_kids(demo_bot)}
    assert len(lines) >= 4
    for pid, line in lines.items():
        assert rasa_token not in line and action_secret not in line and "--auth-token" not in line, (pid, line)
    assert rasa_token not in "".join(demo_bot.lines) and action_secret not in "".join(demo_bot.lines)
    # the action secret is given only to the servers that use it
    web = _environ(_one(demo_bot, "bot.web.app"))
    assert "XINYONG_ACTION_TOKEN" not in web
    assert _environ(_one(demo_bot, "bot.action_server"))["XINYONG_ACTION_TOKEN"] == action_secret


def test_another_local_user_cannot_read_the_secrets(demo_bot):
    """Run as `nobody`: command lines are readable (and hold no secret), environments are not."""
    import shutil
    import subprocess

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to act as another user")
    rasa = _one(demo_bot, "bot.rasa_server")
    rasa_token, action_secret = _secrets(demo_bot)
    as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat"]
    cmdline = subprocess.run([*as_nobody, f"/proc/{rasa}/cmdline"], capture_output=True, timeout=30)
    environ = subprocess.run([*as_nobody, f"/proc/{rasa}/environ"], capture_output=True, timeout=30)
    assert cmdline.returncode == 0 and b"bot.rasa_server" in cmdline.stdout
    assert rasa_token.encode() not in cmdline.stdout and action_secret.encode() not in cmdline.stdout
    assert environ.returncode != 0 and b"Permission denied" in environ.stderr
    assert rasa_token.encode() not in environ.stdout


def test_every_child_runs_without_rasa_telemetry(demo_bot):
    kids = _kids(demo_bot)
    assert any("-m bot.rasa_server" in line for line in kids.values())
    for pid, line in kids.items():
        assert _environ(pid).get("RASA_TELEMETRY_ENABLED") == "false", line


def test_rasas_http_api_needs_the_token(demo_bot):
    rasa_token, _ = _secrets(demo_bot)
    url = f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}/conversations/exposure-probe/tracker"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{url}?token={rasa_token}", timeout=10) as r:
        assert r.status == 200 and json.load(r)["sender_id"] == "exposure-probe"


def test_another_site_cannot_read_rest_answers(demo_bot):
    """CORS is off: a page on https://evil.example gets no Access-Control-Allow-Origin, so the
    visitor's browser does not let it read what the assistant answered."""
    base = f"http://127.0.0.1:{demo_bot.env['RASA_PORT']}/webhooks/rest/webhook"
    evil = {"Origin": "https://evil.example"}
    pre = urllib.request.Request(base, method="OPTIONS", headers={**evil, "Access-Control-Request-Method": "POST",
                                                                   "Access-Control-Request-Headers": "content-type"})
    try:
        with urllib.request.urlopen(pre, timeout=10) as r:
            headers = r.headers
    except urllib.error.HTTPError as e:
        headers = e.headers
    assert "access-control-allow-origin" not in {k.lower() for k in headers}
    req = urllib.request.Request(base, data=json.dumps({"sender": "exposure-cors", "message": "你好"}).encode(),
                                 headers={**evil, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200 and json.load(r)
        assert "access-control-allow-origin" not in {k.lower() for k in r.headers}


def test_a_2_mb_body_is_refused_at_once_and_the_server_stays_up(demo_bot):
    port = int(demo_bot.env["RASA_PORT"])
    for path in ("/webhooks/rest/webhook", "/model/parse"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(2 * 1024 * 1024))
        conn.endheaders()
        started = time.monotonic()  # the size alone is enough to refuse it: no byte of the body is read
        resp = conn.getresponse()
        assert resp.status == 413, path
        assert time.monotonic() - started < 3
        answer = json.loads(resp.read())  # a polite line in the path's own format, not an error page
        text = answer[0]["text"] if path.startswith("/webhooks/") else answer["message"]
        assert "消息太长了" in text and "too long" in text, answer
        conn.close()
    # a whole 2 MB body sent at once, as a careless client would: refused, nothing else disturbed
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        body = b'{"sender": "exposure-big", "message": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        s.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        try:
            s.sendall(body)
            answer = s.recv(64)
        except ConnectionResetError:  # refused and closed while the rest was still on its way
            answer = b"HTTP/1.1 413 (connection reset)"
        assert answer.startswith(b"HTTP/1.1 413"), answer
    assert "大庆市鸿泰石油技术服务有限公司" in demo_bot.say(f"查询 {HONGTAI}", sender="exposure-after-big")
