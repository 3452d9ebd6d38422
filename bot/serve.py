"""`xinyong serve [--replicas N]`: every server as a child process, against DATABASE_URL.

One replica (the default, `make run`): an action server on 127.0.0.1:ACTION_PORT, a Rasa server on
RASA_PORT, the web server (chat page, staff console) on WEB_PORT and, when TELEGRAM_TOKEN is set, the
Telegram bridge. N replicas (production shape, PostgreSQL and REDIS_URL required): N of each server on
loopback ports of their own, and the distribution's nginx on ACTION_PORT, RASA_PORT and WEB_PORT
balancing over them (bot/nginx.py); one Telegram bridge.

Secrets (RASA_TOKEN for Rasa's HTTP API, XINYONG_ACTION_TOKEN between Rasa and the action servers;
one random value per start when unset) reach the children in their environment only, never on a
command line; every child runs with Rasa's telemetry off (bot/telemetry.py).

Supervision: a child that dies after it was up is started again with the same command and port
(at most RESTART_LIMIT times in RESTART_WINDOW seconds, then everything stops and serve exits 1);
a child that fails to start stops everything. Ctrl-C or SIGTERM stops every child.
The run folder (XINYONG_RUN_DIR, default var/run/serve-RASA_PORT) holds cluster.json, naming each
child's role, port and pid, and the nginx config.

Records past their end of display are moved to 已到期 (services.expiry, as `xinyong records expire`)
once the servers are up and then daily at EXPIRE_AT, in a thread of this supervising process: once
per serve, however many replicas. A failed run is logged and tried again the next day.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from actions import settings
from bot import paths
from bot.nginx import Balancer, nginx_binary
from bot.telemetry import without_telemetry
from bot.training import model_path

STOP_GRACE = 15  # seconds a child gets to exit after SIGTERM before SIGKILL
START_TIMEOUT = float(os.environ.get("XINYONG_START_TIMEOUT", "240"))
NO_HEALTH_GRACE = 3.0
RESTART_LIMIT, RESTART_WINDOW = 5, 300.0
EXPIRE_AT = dt.time(0, 5)  # local time of the daily expiry run: just after the day changes


@dataclass
class Child:
    name: str
    cmd: list[str]
    health_url: str | None  # None: healthy once it has stayed up for NO_HEALTH_GRACE seconds
    role: str = ""
    port: int | None = None
    env: dict[str, str] = field(default_factory=dict)  # on top of the common environment
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    up: bool = False
    restarts: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _action(port: int, action_token: str, name: str = "action server") -> Child:
    # Loopback only, and only requests that carry the secret (bot/action_server.py).
    return Child(name, [sys.executable, "-m", "bot.action_server", "--port", str(port)],
                 f"http://127.0.0.1:{port}/health", role="actions", port=port,
                 env={settings.ACTION_TOKEN_ENV: action_token})


def _rasa(model: Path, port: int, action_url: str, action_token: str, name: str = "rasa server",
          loopback: bool = False) -> Child:
    # RASA_TOKEN reaches it in the environment (bot/rasa_server.py), never on the command line,
    # which any local user can read in /proc; so does the action secret (bot/endpoints.yml).
    cmd = [sys.executable, "-m", "bot.rasa_server", "run", "--enable-api",
           "--port", str(port), "--model", str(model),
           "--credentials", str(paths.CREDENTIALS), "--endpoints", str(paths.ENDPOINTS)]
    if loopback:
        cmd += ["--interface", "127.0.0.1"]
    origins = settings.cors_origins()  # none unless XINYONG_CORS_ORIGINS names them
    if origins:
        cmd += ["--cors", *origins]
    return Child(name, cmd, f"http://127.0.0.1:{port}/", role="rasa", port=port,
                 env={"ACTION_ENDPOINT_URL": action_url, settings.ACTION_TOKEN_ENV: action_token})


def _web(port: int, name: str = "web server", host: str | None = None) -> Child:
    env = {"WEB_PORT": str(port)}
    if host:
        env["WEB_HOST"] = host
    return Child(name, [sys.executable, "-m", "bot.web.app"], f"http://127.0.0.1:{port}/healthz",
                 role="web", port=port, env=env)


def _telegram() -> Child:
    return Child("telegram bridge", [sys.executable, "-m", "bot.telegram_bridge"], None, role="telegram")


def children(model: Path, rasa_port: int, action_port: int, action_token: str, web_port: int | None = None,
             telegram: bool = False) -> list[Child]:
    """One of each server, on the public ports."""
    kids = [_action(action_port, action_token),
            _rasa(model, rasa_port, f"http://127.0.0.1:{action_port}/webhook", action_token)]
    if web_port is not None:
        kids.append(_web(web_port))
    if telegram:
        kids.append(_telegram())
    return kids


def replicated(model: Path, replicas: int, rasa_port: int, action_port: int, action_token: str, web_port: int,
               telegram: bool, run_dir: Path) -> tuple[list[Child], Balancer]:
    """N of each server on free loopback ports, then nginx on the public ports."""
    actions = [_action(_free_port(), action_token, f"action server {i + 1}") for i in range(replicas)]
    # Rasa servers reach the action servers through the balancer, so a dead one is skipped.
    rasas = [_rasa(model, _free_port(), f"http://127.0.0.1:{action_port}/webhook", action_token,
                   f"rasa server {i + 1}", loopback=True) for i in range(replicas)]
    webs = [_web(_free_port(), f"web server {i + 1}", host="127.0.0.1") for i in range(replicas)]
    balancer = Balancer(run_dir, rasa_port, action_port, web_port, [k.port for k in rasas],
                        [k.port for k in actions], [k.port for k in webs],
                        web_host=os.environ.get("WEB_HOST", "0.0.0.0"))
    kids = actions + rasas + webs + ([_telegram()] if telegram else [])
    return kids, balancer


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


def _start(kid: Child, env: dict[str, str]) -> None:
    # Each child leads its own process group, so a stop reaches its workers too.
    kid.proc = subprocess.Popen(kid.cmd, env={**env, "XINYONG_ROLE": kid.role, **kid.env},
                                cwd=paths.CONFIG.parent, start_new_session=True)
    kid.started_at = time.monotonic()
    kid.up = False


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


def _write_state(run_dir: Path, kids: list[Child], public: dict) -> None:
    state = {"public": public, "children": [
        {"name": k.name, "role": k.role, "port": k.port, "pid": k.proc.pid if k.proc else None, "up": k.up,
         "restarts": len(k.restarts)} for k in kids]}
    tmp = run_dir / "cluster.json.tmp"
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(run_dir / "cluster.json")


class _Stop(Exception):
    pass


def _log(line: str) -> None:
    print(f"{dt.datetime.now().isoformat(timespec='seconds')} {line}", file=sys.stderr, flush=True)


def _expire_records() -> str:
    from actions.db.engine import get_engine
    from actions.services import expiry

    result = expiry.expire(get_engine(settings.database_url()), actor="serve:daily", channel="serve")
    return (f"已到期处理 (records expire): {result.expired} 条过了公示期的记录转为已到期，"
            f"检查 {result.checked} 条 (expired {result.expired} of {result.checked} checked)")


def seconds_until(at: dt.time, now: dt.datetime) -> float:
    """Seconds from `now` to the next `at` (tomorrow's when today's has passed)."""
    target = dt.datetime.combine(now.date(), at)
    if target <= now:
        target = dt.datetime.combine(now.date() + dt.timedelta(days=1), at)
    return (target - now).total_seconds()


class DailyExpiry:
    """Runs `job` now and then daily at `at`, in a daemon thread, so serve's start and its
    supervision loop never wait for it; a failure is logged, and the next day's run tries again."""

    def __init__(self, job=_expire_records, at: dt.time = EXPIRE_AT, log=_log, clock=dt.datetime.now):
        self.job, self.at, self.log, self.clock = job, at, log, clock
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="daily-expiry", daemon=True)

    def run_once(self) -> bool:
        try:
            self.log(self.job())
            return True
        except Exception as exc:  # noqa: BLE001 - anything: the servers keep running, tomorrow retries
            self.log(f"已到期处理失败，明天 {self.at.strftime('%H:%M')} 重试 (records expire failed, retried "
                     f"tomorrow): {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
            return False

    def _loop(self) -> None:
        self.run_once()
        while not self.stopped.wait(seconds_until(self.at, self.clock())):
            self.run_once()

    def start(self) -> "DailyExpiry":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()


def _refuse_replicas(replicas: int) -> str | None:
    """Why N replicas cannot run here, or None."""
    if replicas < 1:
        return "--replicas 至少为 1"
    if replicas == 1:
        return None
    if make_url(settings.database_url()).get_backend_name() != "postgresql":
        return ("多副本运行需要 PostgreSQL：请把 DATABASE_URL 设为 postgresql://…"
                "（SQLite 只适合单个服务器）")
    if not settings.redis_url():
        return "多副本运行需要 Redis 会话锁：请设置 REDIS_URL，例如 redis://127.0.0.1:6379/1"
    if not nginx_binary():
        return "多副本运行需要 nginx 做负载均衡：sudo apt-get install nginx-light"
    return None


def serve(replicas: int = 1) -> int:
    model = model_path(paths.MODELS)
    if not model.exists():
        print(f"没有找到模型 {model}，请先运行 `xinyong train` 或 `make run`", file=sys.stderr)
        return 1
    refused = _refuse_replicas(replicas)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    rasa_port, action_port, web_port = settings.rasa_port(), settings.action_port(), settings.web_port()
    telegram = bool(os.environ.get("TELEGRAM_TOKEN", "").strip())
    # One token per start guards Rasa's HTTP API; the web servers get it to read trackers.
    token = settings.rasa_token() or secrets.token_hex(24)
    os.environ["RASA_TOKEN"] = token
    # One secret per start between Rasa and the action servers; only those two get it.
    action_token = settings.action_token() or secrets.token_hex(24)
    settings.cors_origins()  # a bad XINYONG_CORS_ORIGINS stops serve here, with the reason
    run_dir = Path(os.environ.get("XINYONG_RUN_DIR") or paths.PROJECT_ROOT / "var" / "run" / f"serve-{rasa_port}")
    run_dir.mkdir(parents=True, exist_ok=True)
    env = without_telemetry(dict(os.environ, DATABASE_URL=settings.database_url(), RASA_PORT=str(rasa_port),
                                 ACTION_PORT=str(action_port), WEB_PORT=str(web_port), RASA_TOKEN=token,
                                 ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook"))
    env.pop(settings.ACTION_TOKEN_ENV, None)  # the web server and the bridge have no use for it
    if replicas == 1:
        kids, balancer = children(model, rasa_port, action_port, action_token, web_port, telegram), None
    else:
        kids, balancer = replicated(model, replicas, rasa_port, action_port, action_token, web_port, telegram,
                                    run_dir)
        balancer.write()
        kids.append(Child("load balancer (nginx)", balancer.command(nginx_binary()),
                          f"http://127.0.0.1:{web_port}/healthz", role="nginx", port=web_port))
    public = {"rasa": rasa_port, "actions": action_port, "web": web_port, "replicas": replicas,
              "run_dir": str(run_dir)}

    def on_signal(signum, _frame):
        raise _Stop(signum)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    daily = None
    try:
        for kid in kids:
            _start(kid, env)
        _write_state(run_dir, kids, public)
        started = time.monotonic()
        pending = list(kids)
        while pending:
            for kid in list(pending):
                if kid.proc.poll() is not None:
                    print(f"{kid.name} 启动失败 (exited with {kid.proc.returncode})", file=sys.stderr)
                    return 1
                if _healthy(kid):
                    kid.up = True
                    pending.remove(kid)
            if time.monotonic() - started > START_TIMEOUT:
                print("启动超时 (servers did not become healthy in time): "
                      + ", ".join(k.name for k in pending), file=sys.stderr)
                return 1
            time.sleep(0.5)
        _write_state(run_dir, kids, public)
        print(_banner(rasa_port, action_port, web_port, telegram, replicas, run_dir), flush=True)
        daily = DailyExpiry().start()  # here, not per child: one run per serve whatever the replicas
        return _supervise(kids, env, run_dir, public)
    except _Stop:
        print("正在停止所有服务 (stopping) …", file=sys.stderr, flush=True)
        return 0
    finally:
        if daily is not None:
            daily.stop()
        _stop(kids)
        for s, handler in old.items():
            signal.signal(s, handler)


def _supervise(kids: list[Child], env: dict[str, str], run_dir: Path, public: dict) -> int:
    """Restart children that die; give up (exit 1) on one that keeps dying or cannot come back."""
    while True:
        changed = False
        for kid in kids:
            if kid.proc.poll() is not None:
                now = time.monotonic()
                kid.restarts = [t for t in kid.restarts if now - t < RESTART_WINDOW] + [now]
                if not kid.up or len(kid.restarts) > RESTART_LIMIT:
                    print(f"{kid.name} 已退出 (exited with {kid.proc.returncode})，无法恢复，正在停止其余服务",
                          file=sys.stderr, flush=True)
                    return 1
                print(f"{kid.name} 已退出 (exited with {kid.proc.returncode})，正在重启 (restarting)",
                      file=sys.stderr, flush=True)
                _start(kid, env)
                changed = True
            elif not kid.up and _healthy(kid):
                kid.up = True
                print(f"{kid.name} 已恢复 (back up)", file=sys.stderr, flush=True)
                changed = True
            elif not kid.up and time.monotonic() - kid.started_at > START_TIMEOUT:
                print(f"{kid.name} 重启超时，正在停止其余服务", file=sys.stderr, flush=True)
                return 1
        if changed:
            _write_state(run_dir, kids, public)
        time.sleep(0.5)


def _banner(rasa_port: int, action_port: int, web_port: int, telegram: bool, replicas: int = 1,
            run_dir: Path | None = None) -> str:
    db = make_url(settings.database_url()).render_as_string(hide_password=True)
    lines = [
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
    ]
    if replicas > 1:
        lines += [f"  副本 (replicas):              {replicas} × (Rasa, 动作服务器, 网页服务器), nginx 负载均衡",
                  f"  会话锁 (lock store):          Redis {_hide_password(settings.redis_url() or '')}",
                  f"  运行目录 (run folder):        {run_dir}"]
    lines += ["  按 Ctrl-C 停止 (Ctrl-C stops everything)", ""]
    return "\n".join(lines)


def _hide_password(url: str) -> str:
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)
