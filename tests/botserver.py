"""A real `xinyong serve` for end-to-end tests: start it, wait for its banner, talk over REST."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

XY = str(Path(sys.executable).with_name("xinyong"))
# A company the conversation fixture imports with more penalties than one page shows.
PAGED_NAME, PAGED_CODE = "大庆市百川页码测试商贸有限公司", "91230602UYD40KCC9A"


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
    def __init__(self, env, args: tuple[str, ...] = ()):
        self.env, self.lines, self.args = env, [], tuple(args)
        self.proc = subprocess.Popen([XY, "serve", *self.args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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
        # TensorFlow's multi-line type-inference warnings would push the real cause out of view.
        noise = ("TFT_", "type_id", "args {", "type_inference", "while inferring")
        kept = [line for line in self.lines if not any(n in line for n in noise) and line.strip() not in ("{", "}")]
        raise AssertionError("serve did not start:\n" + "".join(kept[-80:]))

    def send(self, text, sender="tester") -> list[dict]:
        """The bot's messages (text, buttons) for one user message."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.env['RASA_PORT']}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)

    def say(self, text, sender="tester") -> str:
        """The bot's reply texts for one user message, joined."""
        return "\n".join(m.get("text", "") for m in self.send(text, sender))

    def restart(self):
        """Stop every process and start them again on the same ports and database."""
        self.stop()
        self.lines = []
        self.proc = subprocess.Popen([XY, "serve", *self.args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_ready()

    def stop(self):
        """SIGTERM first, so serve stops its children (each in its own process group); whatever is
        left after 30 s is killed, children included, so no server outlives the tests."""
        if self.proc.poll() is None:
            kids = _children(self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
            for kid in kids:
                try:
                    os.kill(kid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


class Chat:
    """One user talking to the bot; remembers the last reply's buttons."""

    def __init__(self, bot):
        self.bot, self.sender, self.buttons = bot, f"user-{uuid.uuid4().hex[:8]}", []

    def __call__(self, text: str) -> str:
        messages = self.bot.send(text, self.sender)
        assert messages, f"no reply to {text!r}"
        self.buttons = [b for m in messages for b in m.get("buttons") or []]
        return "\n".join(m.get("text", "") for m in messages)

    def click(self, title_part: str) -> str:
        from actions.services.textnorm import to_simplified  # Traditional users see Traditional titles
        button = next(b for b in self.buttons
                      if title_part in b["title"] or to_simplified(title_part) in to_simplified(b["title"]))
        return self(button["payload"])
