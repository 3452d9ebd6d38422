"""`python -m bot.action_server [--port N]`: the rasa-sdk action server, answering Rasa only.

Stock `python -m rasa_sdk` listens on every address and runs whatever action a caller names on
whatever conversation the caller sends: one forged POST to /webhook filed an objection. Here:

- it listens on 127.0.0.1 only (no option to change that): only processes on this host reach it;
- every request except `GET /health` must carry the shared secret XINYONG_ACTION_TOKEN in the
  X-Xinyong-Action-Token header (Rasa sends it, bot/endpoints.yml), so a local user or a process
  without the secret is refused too: 401 without the header, 403 with a wrong one, and no action runs;
- bodies are bounded (MAX_BODY_BYTES; Rasa sends the whole conversation, so generously);
- no CORS: only Rasa calls it, never a browser.

The secret comes from the environment only (never the command line, which every local user can
read in /proc); without it the server refuses to start.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import sys

from actions import settings

HOST = "127.0.0.1"
# Rasa posts the whole tracker of the conversation with every call; the balancer in front of
# replicated action servers allows the same (bot/nginx.py, client_max_body_size 8m).
MAX_BODY_BYTES = 8 * 1024 * 1024
OPEN = {("GET", "/health")}  # what serve and the balancer's health checks ask without the secret


def authorised(given: str | None, expected: str) -> int | None:
    """None when `given` is the secret, else the HTTP status to refuse with."""
    if not given:
        return 401
    # Constant time, and on bytes: a non-ASCII header must be a refusal, not a TypeError.
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
        return 403
    return None


def create_app(token: str, actions_module: str = "actions.actions"):
    """rasa-sdk's app with the secret checked before anything else runs."""
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response
    from sanic.exceptions import SanicException

    app = sdk_app(actions_module, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    async def require_token(request):
        if (request.method, request.path) in OPEN:
            return None
        refused = authorised(request.headers.get(settings.ACTION_TOKEN_HEADER), token)
        if refused == 401:
            return response.json({"error": "authentication required"}, status=401)
        if refused == 403:
            return response.json({"error": "forbidden"}, status=403)
        return None

    def put_first(app, _loop=None):
        # Before every other request middleware: sanic-cors puts its own first at server start and
        # would answer an OPTIONS request without asking for the secret.
        if require_token in app.request_middleware:
            app.request_middleware.remove(require_token)
        app.request_middleware.appendleft(require_token)

    put_first(app)
    app.register_listener(put_first, "before_server_start")  # runs after sanic-cors's listener

    @app.exception(SanicException)
    async def http_error(request, exception):
        # Not found, method not allowed, body too large: rasa-sdk's catch-all would answer 500 and
        # echo the request body.
        status = getattr(exception, "status_code", 500) or 500
        return response.json({"error": str(exception) or "error"}, status=status)

    return app


def main(argv: list[str] | None = None) -> None:
    from rasa_sdk import utils
    from rasa_sdk.plugin import plugin_manager

    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.action_port(), help="default ACTION_PORT or 5055")
    parser.add_argument("--actions", default="actions.actions", help="module with the actions")
    utils.add_logging_level_option_arguments(parser)
    args = parser.parse_args(argv)
    token = settings.action_token()
    if not token:
        raise SystemExit(f"{settings.ACTION_TOKEN_ENV} 未设置：动作服务器只接受带此密钥的请求 "
                         f"(set {settings.ACTION_TOKEN_ENV} to the secret Rasa sends; `xinyong serve` does this)")
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    app = create_app(token, args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logging.getLogger(__name__).info("Action server on http://%s:%s (secret required)", HOST, args.port)
    app.run(HOST, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    sys.exit(main())
