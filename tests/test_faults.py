"""The production shape under faults: `xinyong serve --replicas 2` (two Rasa servers, two action
servers, two web servers behind nginx) on a PostgreSQL cluster and a Redis server of the test's own,
so they can be restarted. Every conversation here is an objection filing, the step where losing or
doubling something matters most; each test uses its own company and record.
"""
from __future__ import annotations

import concurrent.futures
import itertools
import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions.db.models import Record, Subject, Ticket
from tests.botserver import XY, Server, _free_port
from tests.private_services import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TICKET = re.compile(r"YY-\d{8}-\d{4}")
RETRY = "没有处理成功"
ARTIFACTS = Path(__file__).parent / "artifacts"  # the apology for an abandoned turn (bot/rasa_server.py)


@pytest.fixture(scope="module")
def cluster(trained_model_dir, tmp_path_factory):
    import subprocess

    pg = PrivatePostgres()
    root = tmp_path_factory.mktemp("cluster")
    redis = PrivateRedis(root / "redis")
    server = None
    try:
        url = pg.create_database("xinyong_faults")
        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis.url, RASA_PORT=str(_free_port()),
                   ACTION_PORT=str(_free_port()), WEB_PORT=str(_free_port()), XINYONG_MODELS=str(trained_model_dir),
                   XINYONG_RUN_DIR=str(root / "run"), XINYONG_HOTLINE="0459-12345")
        env.pop("TELEGRAM_TOKEN", None)
        for args in (["db", "init"], ["db", "seed-demo", "--subjects", "300"]):
            proc = subprocess.run([XY, *args], env=env, capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr[-2000:]
        server = Server(env, ("--replicas", "2"))
        server.wait_ready(timeout=400)
        server.pg, server.redis, server.db = pg, redis, sa.create_engine(url, future=True, pool_pre_ping=True)
        server.run_dir = Path(env["XINYONG_RUN_DIR"])
        server.targets = _objection_targets(server.db)
        yield server
    finally:
        if server is not None:
            server.stop()
            # the servers' log, for whoever reads a failure
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "faults-serve.log").write_text("".join(server.lines), encoding="utf-8")
            if getattr(server, "db", None) is not None:
                server.db.dispose()
        redis.stop()
        pg.stop()


def _objection_targets(db) -> list[tuple[str, str, int]]:
    """(USCC, document number, record id) of companies with exactly one public penalty."""
    with db.connect() as c:
        rows = c.execute(sa.text(
            "SELECT s.uscc, min(r.doc_number), min(r.id) FROM subjects s JOIN records r ON r.subject_id = s.id "
            "WHERE r.kind = 'penalty' AND r.display_status = '公示中' AND s.uscc IS NOT NULL "
            "AND s.subject_type <> '自然人' GROUP BY s.id, s.uscc HAVING count(*) = 1 ORDER BY s.id")).all()
    return [tuple(r) for r in rows]


@pytest.fixture
def target(cluster):
    assert cluster.targets, "the demo data has no company with a single public penalty"
    return cluster.targets.pop(0)


def _state(cluster) -> dict:
    return json.loads((cluster.run_dir / "cluster.json").read_text(encoding="utf-8"))


def _children(cluster, role: str) -> list[dict]:
    return [c for c in _state(cluster)["children"] if c["role"] == role]


def _wait_all_up(cluster, gone: tuple[int, ...] = (), timeout: float = 300) -> None:
    """Until serve has replaced the processes `gone` (killed by the test) and every server is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = _state(cluster)["children"]
        if all(c["up"] for c in children) and not {c["pid"] for c in children} & set(gone):
            if gone:  # nginx takes a failed server back after its fail_timeout (1 s)
                time.sleep(1.5)
            return
        time.sleep(0.3)
    raise AssertionError(f"not every server came back: {_state(cluster)}")


def _wait_replaced(cluster, pid: int, timeout: float = 60) -> None:
    """Until serve has seen `pid` exit (and started its successor)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid not in {c["pid"] for c in _state(cluster)["children"]}:
            return
        time.sleep(0.1)
    raise AssertionError(f"serve never noticed that {pid} died")


@pytest.fixture(autouse=True)
def _cluster_whole(request):
    """Each test starts with every server up, whatever the test before it killed."""
    if "cluster" in request.fixturenames:
        _wait_all_up(request.getfixturevalue("cluster"))


class Talk:
    """One user; each message goes to the next port of `ports` (replicas directly, or the balancer)."""

    def __init__(self, ports: list[int]):
        self.ports = itertools.cycle(ports)
        self.sender = f"fault-{uuid.uuid4().hex[:10]}"
        self.buttons: list[dict] = []

    def send(self, text: str, port: int | None = None) -> str:
        port = port or next(self.ports)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": self.sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            assert resp.status == 200
            messages = json.load(resp)
        assert messages, f"no reply to {text!r}"
        self.buttons = [b for m in messages for b in m.get("buttons") or []]
        return "\n".join(m.get("text", "") for m in messages)

    __call__ = send

    def click(self, title_part: str) -> str:
        button = next(b for b in self.buttons if title_part in b["title"])
        return self.send(button["payload"])


def _open_objection(talk: Talk, code: str, doc: str) -> None:
    reply = talk(f"我要对{code}的一条行政处罚提出异议")
    if any(doc in b["title"] for b in talk.buttons):
        reply = talk.click(doc)
    assert "异议理由" in reply or any("信息错误" in b["title"] for b in talk.buttons), reply


def _to_summary(talk: Talk, code: str, doc: str) -> str:
    _open_objection(talk, code, doc)
    assert "说明" in talk.click("信息错误")
    assert "材料" in talk("罚款金额登记错了，决定书上是2.5万元")
    assert "联系人" in talk("有处罚决定书原件")
    assert "电话" in talk("张伟")
    summary = talk("13912345678")
    assert "请核对" in summary and doc in summary
    return summary


def _tickets(cluster, sender: str) -> list:
    with cluster.db.connect() as c:
        return c.execute(sa.select(Ticket.ticket_no, Ticket.contact_name, Ticket.contact_phone, Ticket.description)
                         .where(Ticket.sender_id == sender)).all()


def _record_status(cluster, record_id: int) -> str:
    with cluster.db.connect() as c:
        return c.execute(sa.select(Record.display_status).where(Record.id == record_id)).scalar_one()


def test_one_users_messages_alternate_between_replicas(cluster, target):
    """Every message of the filing reaches the other Rasa server than the one before."""
    code, doc, record_id = target
    ports = [c["port"] for c in _children(cluster, "rasa")]
    assert len(ports) == 2 and ports[0] != ports[1]
    talk = Talk(ports)
    _to_summary(talk, code, doc)
    receipt = talk("确认")
    ticket_no = TICKET.search(receipt).group(0)
    assert [tuple(t) for t in _tickets(cluster, talk.sender)] == [
        (ticket_no, "张伟", "13912345678", "罚款金额登记错了，决定书上是2.5万元")]
    assert _record_status(cluster, record_id) == "异议处理中"
    # the follow-up question is understood on the other replica from the conversation's state
    assert ticket_no in talk("我的申请进度怎么样了")


def test_client_retries_of_the_confirmation_make_one_ticket(cluster, target):
    """The same "确认" sent three times at once, to both replicas and the balancer (a client that
    retried on a timeout), then once more: one ticket. The Redis lock makes the three wait in turn."""
    code, doc, _ = target
    ports = [c["port"] for c in _children(cluster, "rasa")] + [int(cluster.env["RASA_PORT"])]
    talk = Talk(ports)
    _to_summary(talk, code, doc)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda p: talk.send("确认", p), ports))
    assert all(r.strip() for r in replies)
    assert sum(bool(TICKET.search(r)) for r in replies) >= 1
    talk("确认")
    assert len(_tickets(cluster, talk.sender)) == 1


def _wait_for_lock_waiter(cluster, timeout: float = 60) -> int:
    """The pid of the action server whose database session waits on a row lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with cluster.db.connect() as c:
            names = c.execute(sa.text("SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                      "AND application_name LIKE 'xinyong-actions-%'")).scalars().all()
        if names:
            return int(names[0].rsplit("-", 1)[1])
        time.sleep(0.1)
    raise AssertionError("no action server ever waited on the record lock")


def test_action_server_killed_while_filing(cluster, target):
    """kill -9 of the action server that is writing the ticket: the user is told to send again,
    nothing is half-written, and sending again files exactly one ticket."""
    code, doc, record_id = target
    talk = Talk([int(cluster.env["RASA_PORT"])])
    _to_summary(talk, code, doc)
    # Hold the record's row lock so the filing is caught in the middle of its transaction.
    holder = cluster.db.connect()
    tx = holder.begin()
    holder.execute(sa.select(Record.id).where(Record.id == record_id).with_for_update())
    result: dict = {}
    sending = threading.Thread(target=lambda: result.setdefault("reply", talk("确认")))
    sending.start()
    try:
        victim = _wait_for_lock_waiter(cluster)
        assert victim in [c["pid"] for c in _children(cluster, "actions")]
        os.kill(victim, signal.SIGKILL)
        sending.join(120)
    finally:
        tx.rollback()
        holder.close()
    assert RETRY in result["reply"] and "0459-12345" in result["reply"]
    assert _tickets(cluster, talk.sender) == []  # the transaction died with the process
    assert _record_status(cluster, record_id) == "公示中"
    # the other action server answers at once; the conversation is still at the confirmation
    receipt = talk("确认")
    assert TICKET.search(receipt), receipt
    assert len(_tickets(cluster, talk.sender)) == 1 and _record_status(cluster, record_id) == "异议处理中"
    _wait_all_up(cluster, gone=(victim,))  # and the killed one was started again
    assert any("action server" in line and "正在重启" in line for line in cluster.lines)


def test_every_action_server_down_then_back(cluster, target):
    """With no action server at all, a message gets the retry answer (not silence), and the same
    message sent again after the restart continues the form where it was."""
    code, doc, _ = target
    talk = Talk([int(cluster.env["RASA_PORT"])])
    _open_objection(talk, code, doc)
    talk.click("信息错误")
    killed = tuple(c["pid"] for c in _children(cluster, "actions"))
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    assert RETRY in talk("罚款金额登记错了")
    _wait_all_up(cluster, gone=killed)
    assert "材料" in talk("罚款金额登记错了")


@pytest.mark.parametrize("service", ["postgresql", "redis"])
def test_a_restart_or_outage_of_a_backing_service_mid_form(cluster, target, service):
    """PostgreSQL (through the balancer) or Redis (each message on the other replica) restarted
    mid-form: nothing to notice. Stopped: the message is refused politely, not processed, and the
    same message after the restart continues the form; the ticket holds every answer."""
    code, doc, _ = target
    restart, down, up = ((cluster.pg.restart, cluster.pg.down, cluster.pg.up) if service == "postgresql"
                         else (cluster.redis.restart, cluster.redis.stop, cluster.redis.start))
    ports = ([int(cluster.env["RASA_PORT"])] if service == "postgresql"
             else [c["port"] for c in _children(cluster, "rasa")])
    talk = Talk(ports)
    _open_objection(talk, code, doc)
    assert "说明" in talk.click("信息错误")
    restart()  # every pooled connection is now dead
    assert "材料" in talk("罚款金额登记错了")
    down()
    try:
        assert RETRY in talk("有处罚决定书原件")
    finally:
        up()
    assert "联系人" in talk("有处罚决定书原件")
    assert "电话" in talk("张伟")
    assert "请核对" in talk("13912345678")
    assert TICKET.search(talk("确认"))
    assert [tuple(t)[1:] for t in _tickets(cluster, talk.sender)] == [
        ("张伟", "13912345678", "罚款金额登记错了")]


def test_rasa_restart_mid_form(cluster, target):
    """A Rasa server killed mid-form: the balancer sends the next message to the other one, and the
    restarted one continues the same conversation from the database."""
    code, doc, _ = target
    rasas = _children(cluster, "rasa")
    balancer = int(cluster.env["RASA_PORT"])
    talk = Talk([balancer])
    _open_objection(talk, code, doc)
    assert "说明" in talk.click("信息错误")
    os.kill(rasas[0]["pid"], signal.SIGKILL)
    # Once the process is gone (a 700 MB process takes a moment to exit; a message that meets it
    # dying gets the balancer's "send it again"), the balancer skips it.
    _wait_replaced(cluster, rasas[0]["pid"])
    assert "材料" in talk("罚款金额登记错了")
    assert "联系人" in talk("有处罚决定书原件")
    _wait_all_up(cluster, gone=(rasas[0]["pid"],))
    restarted = _children(cluster, "rasa")[0]
    assert restarted["pid"] != rasas[0]["pid"]
    assert "电话" in talk("张伟", restarted["port"])
    assert "请核对" in talk("13912345678", restarted["port"])
    assert TICKET.search(talk("确认"))
    assert [tuple(t)[1:] for t in _tickets(cluster, talk.sender)] == [
        ("张伟", "13912345678", "罚款金额登记错了")]


def test_the_web_page_api_goes_through_the_balancer(cluster, target):
    """The chat page's API on WEB_PORT (nginx → web servers → nginx → Rasa servers) answers, and
    every `/console` page still demands a login through the balancer."""
    code, _, _ = target
    web = f"http://127.0.0.1:{cluster.env['WEB_PORT']}"
    req = urllib.request.Request(web + "/api/chat", headers={"Content-Type": "application/json"},
                                 data=json.dumps({"sender": "balanced0page0" + uuid.uuid4().hex[:8],
                                                  "message": f"查询{code}"}).encode())
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert code in json.load(resp)["messages"][0]["text"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(web + "/console/api/tickets", timeout=10)
    assert refused.value.code == 401
    # nobody but the platform's channels may speak as one of their conversations
    borrowed = urllib.request.Request(f"http://127.0.0.1:{cluster.env['RASA_PORT']}/webhooks/rest/webhook",
                                      headers={"Content-Type": "application/json"},
                                      data=json.dumps({"sender": "telegram-5550001", "message": "我的申请"}).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(borrowed, timeout=30)
    assert refused.value.code == 403 and "平台渠道专用" in json.loads(refused.value.read())[0]["text"]
    # Rasa's HTTP API is not open: without the token, no tracker can be read or changed
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"http://127.0.0.1:{cluster.env['RASA_PORT']}/conversations/x/tracker", timeout=10)
    assert denied.value.code == 401
    with cluster.db.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Subject)).scalar_one() > 0


def test_the_cluster_exposes_only_the_balancers_chat_ports(cluster):
    """The production shape as another host or a local user probes it: every action, Rasa and web
    server listens on loopback only, nginx's action port too; the forged filing of the probe, sent
    to the balancer's action port without the secret, is refused and stores nothing; no secret is
    on any command line; Rasa's telemetry is off everywhere."""
    from tests import sockets
    from tests.test_action_server import FORGED_SENDER, HEADER, _forged_filing, _post, _serious_list_record

    public = {int(cluster.env["RASA_PORT"]), int(cluster.env["WEB_PORT"])}
    action_port = int(cluster.env["ACTION_PORT"])
    children = _state(cluster)["children"]
    assert {c["role"] for c in children} >= {"actions", "rasa", "web", "nginx"}
    secrets_seen = set()
    for child in children:
        bound = sockets.listening(child["pid"])
        assert bound, child
        exposed = {(a, p) for a, p in bound if not sockets.is_loopback(a)}
        assert not exposed if child["role"] != "nginx" else {p for _, p in exposed} <= public, (child, bound)
        if child["role"] == "nginx":
            continue  # nginx writes its process title over its environment block; it runs no Rasa
        with open(f"/proc/{child['pid']}/environ", "rb") as fh:
            env = dict(p.decode().partition("=")[::2] for p in fh.read().split(b"\0") if p)
        assert env.get("RASA_TELEMETRY_ENABLED") == "false", child
        secrets_seen |= {env[k] for k in ("RASA_TOKEN", "XINYONG_ACTION_TOKEN") if env.get(k)}
    assert len(secrets_seen) == 2
    for child in children:
        with open(f"/proc/{child['pid']}/cmdline", "rb") as fh:
            line = fh.read().decode("utf-8", "replace")
        assert not any(secret in line for secret in secrets_seen), child
    assert sockets.on_port(action_port) == {"127.0.0.1"}
    for addr in sockets.outside_addresses():
        for port in [action_port] + [c["port"] for c in children if c["role"] in ("actions", "rasa", "web")]:
            assert sockets.refused(addr, port), f"{addr}:{port} answers"

    record = _serious_list_record(cluster.db)
    assert record is not None
    for headers, status in (({}, 401), ({HEADER: "a-guess-of-the-secret-000"}, 403)):
        got, answer = _post(action_port, "/webhook", _forged_filing(record), headers)
        assert got == status and "events" not in answer
    with cluster.db.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Ticket)
                         .where(Ticket.sender_id == FORGED_SENDER)).scalar() == 0
        assert c.execute(sa.select(Record.display_status).where(Record.id == record.id)).scalar() == "公示中"
