"""`xinyong serve` end to end: a real trained model, the real importer, the REST channel, signals."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import urllib.request

import pytest

from actions.services import codes
from tests.botserver import XY, Server, _alive, _children, _free_port

pytestmark = pytest.mark.slow
CODE = codes.make_uscc(random.Random(2026), "91", "230600")


@pytest.fixture
def server_env(trained_model_dir, tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'xy.db'}", RASA_PORT=str(_free_port()),
               ACTION_PORT=str(_free_port()), WEB_PORT=str(_free_port()), XINYONG_MODELS=str(trained_model_dir),
               XINYONG_HOTLINE="0459-12345")
    env.pop("TELEGRAM_TOKEN", None)
    csv = tmp_path / "penalties.csv"
    csv.write_text(
        "行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚类别,处罚决定日期,处罚机关\n"
        f"大庆市启明星石化设备有限公司,{CODE},庆市监罚字〔2026〕第15号,罚款,2026/05/06,大庆市市场监督管理局\n",
        encoding="utf-8")
    imp = subprocess.run([XY, "import", "penalties", str(csv), "--json"], env=env, capture_output=True, text=True)
    assert imp.returncode == 0, imp.stderr
    assert json.loads(imp.stdout.strip().splitlines()[-1])["imported"] == 1
    return env


def test_serve_answers_a_lookup_and_stops_every_child_on_sigterm(server_env):
    server = Server(server_env)
    try:
        server.wait_ready()
        with urllib.request.urlopen(f"http://127.0.0.1:{server_env['ACTION_PORT']}/health", timeout=5) as r:
            assert json.load(r)["status"] == "ok"
        reply = server.say(f"帮我查一下 {CODE.lower()}")
        assert "大庆市启明星石化设备有限公司" in reply and "庆市监罚字〔2026〕第15号" in reply
        # the banner says where to open the chat, and the web server answers there
        web = f"http://localhost:{server_env['WEB_PORT']}/"
        banner = "".join(server.lines)
        assert web in banner and web + "console/" in banner and "TELEGRAM_TOKEN" in banner
        with urllib.request.urlopen(web, timeout=5) as r:
            assert r.status == 200 and "信用助手" in r.read().decode("utf-8")
        # the chat page's API reaches the assistant through the web server
        req = urllib.request.Request(web + "api/chat", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": "serve0test0page", "message": f"查询{CODE}"}).encode())
        with urllib.request.urlopen(req, timeout=60) as r:
            assert "大庆市启明星石化设备有限公司" in json.load(r)["messages"][0]["text"]
        bad = CODE[:17] + ("0" if CODE[17] != "0" else "1")
        assert "校验位" in server.say(f"查询 {bad}")
        kids = _children(server.proc.pid)
        assert len(kids) >= 3
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0
        time.sleep(0.5)
        assert not [k for k in kids if _alive(k)], "children left running after SIGTERM"
    finally:
        server.stop()


def test_serve_restarts_a_child_that_dies(server_env):
    """kill -9 of the action server: serve starts it again on the same port, and the assistant
    answers lookups again; the others were not disturbed."""
    server = Server(server_env)
    try:
        server.wait_ready()
        kids = _children(server.proc.pid)
        action = [k for k in kids if "bot.action_server" in open(f"/proc/{k}/cmdline").read()]
        others = [k for k in kids if k not in action]
        assert action, "no action server child found"
        os.kill(action[0], signal.SIGKILL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("已恢复" in line for line in server.lines):
            time.sleep(0.5)
        assert any("action server 已退出" in line and "正在重启" in line for line in server.lines)
        assert any("action server 已恢复" in line for line in server.lines)
        assert server.proc.poll() is None
        assert "大庆市启明星石化设备有限公司" in server.say(f"查询 {CODE}")
        assert all(_alive(k) for k in others if "bot.action_server" not in open(f"/proc/{k}/cmdline").read())
    finally:
        server.stop()


def test_serve_stops_everything_when_a_child_cannot_start(server_env):
    """A web port that is taken: the web server cannot start, so nothing is left running."""
    import socket

    with socket.socket() as taken:
        taken.bind(("0.0.0.0", int(server_env["WEB_PORT"])))
        taken.listen()
        server = Server(server_env)
        try:
            assert server.proc.wait(timeout=300) == 1
            kids_gone_by = time.monotonic() + 20
            while time.monotonic() < kids_gone_by and "".join(server.lines).count("启动失败") == 0:
                time.sleep(0.2)
            assert any("web server 启动失败" in line for line in server.lines)
        finally:
            server.stop()


def test_replicas_need_postgresql_and_redis(tmp_path, trained_model_dir):
    env = dict(os.environ, XINYONG_MODELS=str(trained_model_dir), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    env.pop("REDIS_URL", None)
    proc = subprocess.run([XY, "serve", "--replicas", "2"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "PostgreSQL" in proc.stderr
    env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/postgres"
    proc = subprocess.run([XY, "serve", "--replicas", "2"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "REDIS_URL" in proc.stderr


def test_serve_without_a_model_says_what_to_do(tmp_path):
    env = dict(os.environ, XINYONG_MODELS=str(tmp_path / "none"), DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    proc = subprocess.run([XY, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "xinyong train" in proc.stderr


def test_train_is_skipped_when_nothing_changed(trained_model_dir, test_epochs):
    start = time.monotonic()
    proc = subprocess.run([XY, "train", "--out", str(trained_model_dir), "--epochs", str(test_epochs)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "无需训练" in proc.stdout
    assert time.monotonic() - start < 30


def test_serve_starts_the_telegram_bridge_when_a_token_is_set(server_env):
    """TELEGRAM_TOKEN set: `xinyong serve` runs the bridge too; a message in Telegram (a fake Bot API
    server on 127.0.0.1, in a thread of its own) is answered by the assistant."""
    import asyncio
    import threading

    from tests.fake_telegram import FakeTelegram, text_of

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    fake = asyncio.run_coroutine_threadsafe(FakeTelegram().start(), loop).result(10)
    server = Server(dict(server_env, TELEGRAM_TOKEN=fake.token, TELEGRAM_API_BASE=fake.base_url))
    try:
        server.wait_ready()
        assert any("已连接" in line for line in server.lines)
        kids = _children(server.proc.pid)
        assert any("bot.telegram_bridge" in open(f"/proc/{k}/cmdline").read().replace("\0", " ") for k in kids)
        loop.call_soon_threadsafe(fake.push_text, 5550001, f"查询{CODE}")
        sent = asyncio.run_coroutine_threadsafe(fake.wait_for_messages(5550001, 1, 90), loop).result(100)
        assert "大庆市启明星石化设备有限公司" in text_of(sent)
        assert fake.token not in "".join(server.lines)  # the token is not logged
    finally:
        server.stop()
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
