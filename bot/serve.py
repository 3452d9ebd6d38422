"""`xinyong serve`: the action server and the Rasa server (REST + socket.io, API enabled) as child
processes, against DATABASE_URL, on ACTION_PORT and RASA_PORT. Ctrl-C or SIGTERM stops every child;
if one child dies, the others are stopped too and serve exits non-zero."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from actions import settings
from bot import paths
from bot.training import model_path

STOP_GRACE = 15  # seconds a child gets to exit after SIGTERM before SIGKILL
START_TIMEOUT = float(os.environ.get("XINYONG_START_TIMEOUT", "240"))


@dataclass
class Child:
    name: str
    cmd: list[str]
    health_url: str
    proc: subprocess.Popen | None = None


def children(model: Path, rasa_port: int, action_port: int) -> list[Child]:
    py = sys.executable
    return [
        Child("action server", [py, "-m", "rasa_sdk", "--actions", "actions.actions",
                                "--port", str(action_port)],
              f"http://127.0.0.1:{action_port}/health"),
        Child("rasa server", [py, "-m", "rasa", "run", "--enable-api", "--cors", "*",
                              "--port", str(rasa_port), "--model", str(model),
                              "--credentials", str(paths.CREDENTIALS), "--endpoints", str(paths.ENDPOINTS)],
              f"http://127.0.0.1:{rasa_port}/"),
    ]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _stop(kids: list[Child]) -> None:
    for kid in kids:
        if kid.proc and kid.proc.poll() is None:
            try:
                os.killpg(kid.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_GRACE
    for kid in kids:
        if not kid.proc:
            continue
        try:
            kid.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(kid.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            kid.proc.wait()


class _Stop(Exception):
    pass


def serve() -> int:
    model = model_path(paths.MODELS)
    if not model.exists():
        print(f"没有找到模型 {model}，请先运行 `xinyong train` 或 `make run`", file=sys.stderr)
        return 1
    rasa_port, action_port = settings.rasa_port(), settings.action_port()
    env = dict(os.environ, DATABASE_URL=settings.database_url(),
               ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook")
    kids = children(model, rasa_port, action_port)

    def on_signal(signum, _frame):
        raise _Stop(signum)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for kid in kids:
            # Each child leads its own process group, so a stop reaches its workers too.
            kid.proc = subprocess.Popen(kid.cmd, env=env, cwd=paths.CONFIG.parent, start_new_session=True)
        started = time.monotonic()
        pending = list(kids)
        while pending:
            for kid in list(pending):
                if kid.proc.poll() is not None:
                    print(f"{kid.name} 启动失败 (exited with {kid.proc.returncode})", file=sys.stderr)
                    return 1
                if _healthy(kid.health_url):
                    pending.remove(kid)
            if time.monotonic() - started > START_TIMEOUT:
                print("启动超时 (servers did not become healthy in time): "
                      + ", ".join(k.name for k in pending), file=sys.stderr)
                return 1
            time.sleep(0.5)
        print(_banner(rasa_port, action_port), flush=True)
        while True:
            for kid in kids:
                if kid.proc.poll() is not None:
                    print(f"{kid.name} 已退出 (exited with {kid.proc.returncode})，正在停止其余服务",
                          file=sys.stderr)
                    return 1
            time.sleep(0.5)
    except _Stop:
        print("正在停止所有服务 (stopping) …", file=sys.stderr, flush=True)
        return 0
    finally:
        _stop(kids)
        for s, handler in old.items():
            signal.signal(s, handler)


def _banner(rasa_port: int, action_port: int) -> str:
    db = settings.database_url()
    return "\n".join([
        "",
        "信用助手已启动 (xinyong is running)",
        f"  对话 REST 接口 (chat, REST):  POST http://localhost:{rasa_port}/webhooks/rest/webhook",
        f"      例如: curl -s localhost:{rasa_port}/webhooks/rest/webhook "
        "-d '{\"sender\":\"me\",\"message\":\"你好\"}'",
        f"  socket.io 通道 (web chat):    http://localhost:{rasa_port}/socket.io",
        f"  动作服务器 (action server):   http://localhost:{action_port}/health",
        f"  数据库 (database):            {db}",
        "  按 Ctrl-C 停止 (Ctrl-C stops everything)",
        "",
    ])
