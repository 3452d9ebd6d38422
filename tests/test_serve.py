"""`xinyong serve` end to end: a real trained model, the real importer, the REST channel, signals."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from actions.services import codes

pytestmark = pytest.mark.slow
XY = str(Path(sys.executable).with_name("xinyong"))
CODE = codes.make_uscc(random.Random(2026), "91", "230600")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    """All descendants of pid, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Server:
    def __init__(self, env):
        self.env, self.lines = env, []
        self.proc = subprocess.Popen([XY, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("信用助手已启动" in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError("serve did not start:\n" + "".join(self.lines[-80:]))

    def say(self, text, sender="tester"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.env['RASA_PORT']}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return "\n".join(m.get("text", "") for m in json.load(resp))

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture
def server_env(trained_model_dir, tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'xy.db'}", RASA_PORT=str(_free_port()),
               ACTION_PORT=str(_free_port()), XINYONG_MODELS=str(trained_model_dir), XINYONG_HOTLINE="0459-12345")
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
        bad = CODE[:17] + ("0" if CODE[17] != "0" else "1")
        assert "校验位" in server.say(f"查询 {bad}")
        kids = _children(server.proc.pid)
        assert len(kids) >= 2
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0
        time.sleep(0.5)
        assert not [k for k in kids if _alive(k)], "children left running after SIGTERM"
    finally:
        server.stop()


def test_serve_stops_everything_when_a_child_dies(server_env):
    server = Server(server_env)
    try:
        server.wait_ready()
        kids = _children(server.proc.pid)
        action = [k for k in kids if "rasa_sdk" in open(f"/proc/{k}/cmdline").read()]
        assert action, "no action server child found"
        os.kill(action[0], signal.SIGKILL)
        assert server.proc.wait(timeout=60) == 1
        time.sleep(0.5)
        assert not [k for k in kids if _alive(k)]
        assert any("已退出" in line for line in server.lines)
    finally:
        server.stop()


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
