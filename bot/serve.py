"""`xinyong serve`: the action server, the Rasa server (REST + socket.io, API enabled), the web
server (chat page and staff console) and, when TELEGRAM_TOKEN is set, the Telegram bridge, as child
processes, against DATABASE_URL, on ACTION_PORT, RASA_PORT and WEB_PORT. Ctrl-C or SIGTERM stops
every child; if one child dies, the others are stopped too and serve exits non-zero."""
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
    health_url: str | None  # None: healthy once it has stayed up for NO_HEALTH_GRACE seconds
    proc: subprocess.Popen | None = None
    started_at: float = 0.0


NO_HEALTH_GRACE = 3.0


def children(model: Path, rasa_port: int, action_port: int, web_port: int | None = None,
             telegram: bool = False) -> list[Child]:
    py = sys.executable
    kids = [
        Child("action server", [py, "-m", "rasa_sdk", "--actions", "actions.actions",
                                "--port", str(action_port)],
              f"http://127.0.0.1:{action_port}/health"),
        Child("rasa server", [py, "-m", "rasa", "run", "--enable-api", "--cors", "*",
                              "--port", str(rasa_port), "--model", str(model),
                              "--credentials", str(paths.CREDENTIALS), "--endpoints", str(paths.ENDPOINTS)],
              f"http://127.0.0.1:{rasa_port}/"),
    ]
    if web_port is not None:
        kids.append(Child("web server", [py, "-m", "bot.web.app"], f"http://127.0.0.1:{web_port}/healthz"))
    if telegram:
        kids.append(Child("telegram bridge", [py, "-m", "bot.telegram_bridge"], None))
    return kids


def _healthy(kid: Child) -> bool:
    if kid.health_url is None:
        return time.monotonic() - kid.started_at >= NO_HEALTH_GRACE
    return _url_ok(kid.health_url)


def _url_ok(url: str) -> bool:
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
    rasa_port, action_port, web_port = settings.rasa_port(), settings.action_port(), settings.web_port()
    telegram = bool(os.environ.get("TELEGRAM_TOKEN", "").strip())
    env = dict(os.environ, DATABASE_URL=settings.database_url(), RASA_PORT=str(rasa_port),
               ACTION_PORT=str(action_port), WEB_PORT=str(web_port),
               ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook")
    kids = children(model, rasa_port, action_port, web_port, telegram)

    def on_signal(signum, _frame):
        raise _Stop(signum)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for kid in kids:
            # Each child leads its own process group, so a stop reaches its workers too.
            kid.proc = subprocess.Popen(kid.cmd, env=env, cwd=paths.CONFIG.parent, start_new_session=True)
            kid.started_at = time.monotonic()
        started = time.monotonic()
        pending = list(kids)
        while pending:
            for kid in list(pending):
                if kid.proc.poll() is not None:
                    print(f"{kid.name} 启动失败 (exited with {kid.proc.returncode})", file=sys.stderr)
                    return 1
                if _healthy(kid):
                    pending.remove(kid)
            if time.monotonic() - started > START_TIMEOUT:
                print("启动超时 (servers did not become healthy in time): "
                      + ", ".join(k.name for k in pending), file=sys.stderr)
                return 1
            time.sleep(0.5)
        print(_banner(rasa_port, action_port, web_port, telegram), flush=True)
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


def _banner(rasa_port: int, action_port: int, web_port: int, telegram: bool) -> str:
    db = settings.database_url()
    return "\n".join([
        "",
        "信用助手已启动 (xinyong is running)",
        f"  网页对话 (open the chat):     http://localhost:{web_port}/",
        f"  热线工作台 (staff console):   http://localhost:{web_port}/console/"
        "   (账号: xinyong staff add 用户名)",
        "  Telegram 机器人 (bridge):     " + ("已连接 (running)" if telegram else "未启用，设置 TELEGRAM_TOKEN 后启用 (off)"),
        f"  对话 REST 接口 (chat, REST):  POST http://localhost:{rasa_port}/webhooks/rest/webhook",
        f"      例如: curl -s localhost:{rasa_port}/webhooks/rest/webhook "
        "-d '{\"sender\":\"me\",\"message\":\"你好\"}'",
        f"  socket.io 通道 (socket.io):   http://localhost:{rasa_port}/socket.io",
        f"  动作服务器 (action server):   http://localhost:{action_port}/health",
        f"  数据库 (database):            {db}",
        "  按 Ctrl-C 停止 (Ctrl-C stops everything)",
        "",
    ])
