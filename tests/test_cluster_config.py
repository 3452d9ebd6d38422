"""The pieces of the production configuration that need no running cluster: the nginx config, the
lock store chosen from REDIS_URL, and the answer for an abandoned turn."""
from __future__ import annotations

import subprocess

import pytest

from bot.lock_store import ConfiguredLockStore, redis_options
from bot.nginx import Balancer, nginx_binary
from bot.rasa_server import retry_text


def test_the_balancer_config_is_valid_nginx(tmp_path):
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (make test installs it)")
    b = Balancer(tmp_path, 5005, 5055, 8080, rasa=[7001, 7002], actions=[7101, 7102], web=[7201, 7202])
    conf = b.write().read_text(encoding="utf-8")
    proc = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(b.conf_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # every replica is in its pool, the action servers are only reachable on loopback, and the
    # chat page's API is limited per client address
    for port in (7001, 7002, 7101, 7102, 7201, 7202):
        assert f"server 127.0.0.1:{port} " in conf
    assert "listen 127.0.0.1:5055;" in conf and "limit_req zone=chat" in conf
    assert "hash $remote_addr consistent" in conf  # socket.io handshakes stay on one server


def test_redis_url_becomes_lock_store_options():
    assert redis_options("redis://:s%40cret@cache.internal:6380/2") == {
        "host": "cache.internal", "port": 6380, "db": 2, "username": None, "password": "s@cret",
        "use_ssl": False, "key_prefix": "xinyong"}
    assert redis_options("rediss://u:p@h")["use_ssl"] is True
    with pytest.raises(SystemExit, match="redis://"):
        redis_options("http://127.0.0.1:6379")
    with pytest.raises(SystemExit, match="number"):
        redis_options("redis://127.0.0.1:6379/abc")


def test_the_lock_store_follows_redis_url(monkeypatch):
    from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(ConfiguredLockStore(endpoint_config=None), InMemoryLockStore)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    store = ConfiguredLockStore(endpoint_config=None)
    assert isinstance(store, RedisLockStore) and store.key_prefix.startswith("xinyong")


def test_an_abandoned_turn_is_answered_in_the_users_script(monkeypatch):
    monkeypatch.setenv("XINYONG_HOTLINE", "0459-12345")
    simplified = retry_text("我要查询这家公司")
    assert "没有处理成功" in simplified and "重新发送" in simplified and "0459-12345" in simplified
    assert "沒有處理成功" in retry_text("我要查詢這家公司的處罰記錄")
    assert "send it again" in retry_text("I want to check the credit record of a company")
    assert "没有处理成功" in retry_text("") and "没有处理成功" in retry_text('/affirm{"x":1}')


def test_action_answers_are_checked_for_their_shape():
    from bot.rasa_server import well_formed

    assert well_formed({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "好"}]})
    assert well_formed({})
    for bad in ([], {"events": {"event": "slot"}}, {"events": [{"name": "x"}]}, {"events": ["slot"]},
                {"responses": "hi"}, {"responses": [None]}):
        assert not well_formed(bad)


def test_a_malformed_action_answer_still_gets_rasas_full_validation():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from bot.rasa_server import install

    install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [{"event": 5}]})


def test_platform_conversation_ids_need_the_channel_token():
    """Without the token, a REST caller cannot speak as a Telegram chat, a web page or an assist
    conversation, nor claim those channels; the platform's own channel processes present it."""
    from bot.channels.guard import Refusal, check_reserved

    for body in ({"sender": "telegram-12345678", "message": "我的申请"}, {"sender": "web-0a1b2c3d4e5f", "message": "x"},
                 {"sender": "console-" + "0" * 32, "message": "x"},
                 {"sender": "someone", "message": "查詢", "input_channel": "telegram"}):
        with pytest.raises(Refusal) as refused:
            check_reserved(body, None, "secret-token")
        assert refused.value.status == 403
        with pytest.raises(Refusal):
            check_reserved(body, "wrong-token", "secret-token")
        check_reserved(body, "secret-token", "secret-token")  # the channel itself
        check_reserved(body, None, None)  # a bare development Rasa: nothing reserved
    assert "會話" in _refusal_text({"sender": "telegram-1", "message": "我的申請進度"})
    check_reserved({"sender": "integration-7", "message": "查询", "input_channel": "rest"}, None, "secret-token")


def _refusal_text(body):
    from bot.channels.guard import Refusal, check_reserved

    try:
        check_reserved(body, None, "t")
    except Refusal as refused:
        return refused.text
    raise AssertionError("not refused")


def test_no_secret_is_on_a_childs_command_line_and_cors_is_off(tmp_path, monkeypatch):
    """Command lines are readable by every local user (ps, /proc/<pid>/cmdline): the Rasa token and
    the action secret travel in the children's environment; no `--cors *`."""
    from bot.serve import children, replicated

    monkeypatch.setenv("RASA_TOKEN", "rasa-token-0123456789")
    monkeypatch.delenv("XINYONG_CORS_ORIGINS", raising=False)
    single = children(tmp_path / "m.tar.gz", 5005, 5055, "action-secret-0123456789", 8080, telegram=True)
    many, _ = replicated(tmp_path / "m.tar.gz", 2, 5005, 5055, "action-secret-0123456789", 8080, True, tmp_path)
    for kid in single + many:
        line = " ".join(kid.cmd)
        assert "rasa-token" not in line and "action-secret" not in line and "--auth-token" not in line, line
        assert "--cors" not in line and "rasa_sdk" not in line
        if kid.role in ("actions", "rasa"):
            assert kid.env["XINYONG_ACTION_TOKEN"] == "action-secret-0123456789"
        else:
            assert "XINYONG_ACTION_TOKEN" not in kid.env
    assert [k.cmd[1:3] for k in single if k.role == "actions"] == [["-m", "bot.action_server"]]
    monkeypatch.setenv("XINYONG_CORS_ORIGINS", "https://credit.example.gov.cn, http://localhost:3000/")
    rasa = next(k for k in children(tmp_path / "m.tar.gz", 5005, 5055, "s" * 20) if k.role == "rasa")
    assert rasa.cmd[rasa.cmd.index("--cors") + 1:][:2] == ["https://credit.example.gov.cn", "http://localhost:3000"]
    for bad in ("*", "https://*.example.com", "credit.example.gov.cn", "https://a.example/path"):
        monkeypatch.setenv("XINYONG_CORS_ORIGINS", bad)
        with pytest.raises(SystemExit, match="XINYONG_CORS_ORIGINS"):
            children(tmp_path / "m.tar.gz", 5005, 5055, "s" * 20)


def test_rasa_gets_its_token_from_the_environment():
    from bot.rasa_server import rasa_argv

    env = {"RASA_TOKEN": "tok-0123456789"}
    assert rasa_argv(["run", "--enable-api"], env) == ["rasa", "run", "--enable-api", "--auth-token=tok-0123456789"]
    assert rasa_argv(["run", "--auth-token", "given"], env) == ["rasa", "run", "--auth-token", "given"]
    assert rasa_argv(["run"], {}) == ["rasa", "run"]
    assert rasa_argv(["train"], env) == ["rasa", "train"]
    assert rasa_argv(["run", "actions"], env) == ["rasa", "run", "actions"]


def test_the_balancer_passes_the_action_secret_to_the_action_servers(tmp_path):
    """nginx in front of a real action server: the secret Rasa sends reaches it, and a request
    without it (or with a wrong one) is refused by the action server behind nginx too."""
    import json
    import os
    import sys
    import time
    import urllib.error
    import urllib.request

    from tests.botserver import _free_port

    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (make test installs it)")
    secret, backend, front = "balancer-secret-0123456789", _free_port(), _free_port()
    env = dict(os.environ, XINYONG_ACTION_TOKEN=secret, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    actions = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--port", str(backend)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    b = Balancer(tmp_path, _free_port(), front, _free_port(), rasa=[_free_port()], actions=[backend], web=[_free_port()])
    b.write()
    balancer = subprocess.Popen(b.command(nginx), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path, headers):
        req = urllib.request.Request(f"http://127.0.0.1:{front}{path}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, None
        except OSError:  # not listening yet
            return 0, None

    try:
        deadline = time.monotonic() + 90
        while get("/health", {})[0] != 200:
            assert time.monotonic() < deadline and actions.poll() is None and balancer.poll() is None
            time.sleep(0.3)
        status, listed = get("/actions", {"X-Xinyong-Action-Token": secret})
        assert status == 200 and {"name": "action_submit_filing"} in listed
        assert get("/actions", {})[0] == 401
        assert get("/actions", {"X-Xinyong-Action-Token": "wrong-wrong-wrong-wrong"})[0] == 403
    finally:
        for proc in (balancer, actions):
            proc.terminate()
            proc.wait(15)


async def test_rasas_app_caps_bodies_and_allows_only_the_origins_it_is_given(monkeypatch):
    """The Rasa app as `xinyong serve` has it made: the origins of XINYONG_CORS_ORIGINS through Rasa's
    own `--cors` parsing (none by default), and bodies over 1 MB refused from their declared size."""
    import argparse
    import asyncio
    import http.client
    import urllib.request

    import rasa.core.run
    from rasa.cli.arguments.run import add_server_arguments
    from sanic import Sanic

    from bot.rasa_server import MAX_BODY_BYTES, limit_bodies
    from tests.botserver import _free_port

    monkeypatch.setattr(Sanic, "test_mode", True)  # Rasa names every app it makes "rasa_server"
    monkeypatch.setattr(rasa.core.run, "configure_app", rasa.core.run.configure_app)  # undone after the test
    limit_bodies()
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)

    async def serve(cors_args):
        args = parser.parse_args(cors_args)
        app = rasa.core.run.configure_app([], args.cors, "api-token", True)
        assert app.config.REQUEST_MAX_SIZE == MAX_BODY_BYTES == 1024 * 1024
        port = _free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        await server.before_start()  # as app.run does: sanic-cors installs itself here
        return server, port

    async def ask(cors_args: list[str], origin: str):
        server, port = await serve(cors_args)
        try:
            def get():
                req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Origin": origin})
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.headers.get("Access-Control-Allow-Origin")

            def big():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.putrequest("POST", "/model/parse")  # the HTTP API (no channel in this app)
                conn.putheader("Content-Length", str(2 * 1024 * 1024))
                conn.endheaders()
                return conn.getresponse().status

            return await asyncio.to_thread(get), await asyncio.to_thread(big)
        finally:
            server.close()
            await server.wait_closed()

    assert await ask([], "https://evil.example") == (None, 413)
    allowed = ["--cors", "https://credit.example.gov.cn"]
    assert await ask(allowed, "https://credit.example.gov.cn") == ("https://credit.example.gov.cn", 413)
    assert (await ask(allowed, "https://evil.example"))[0] is None
