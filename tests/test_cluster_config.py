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
