"""The web server's application: chat page and API, staff console, static files, security headers.

`xinyong web` runs it alone; `xinyong serve` starts it next to Rasa and the action server.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

from aiohttp import web

from actions import settings
from bot.web import chat, console
from bot.rasa_client import RasaClient
from bot.web.keys import RASA

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

# Everything is served from here: no CDN, no inline script, no framing by other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/console", "/api/")):
        response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException) and response.status >= 300:
        raise response
    return response


@web.middleware
async def polite_errors(request: web.Request, handler):
    """A failure is a short Chinese message, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        text = f"抱歉，系统暂时出现问题，请稍后再试，或拨打信用服务热线 {settings.hotline()}。"
        if request.path.startswith("/api/") or request.path.startswith("/console/api/"):
            return web.json_response({"error": text}, status=500)
        return web.Response(text=text, status=500, content_type="text/plain", charset="utf-8")


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-cache",
                                                           "Content-Type": "text/html; charset=utf-8"})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def make_app(rasa_url: str | None = None) -> web.Application:
    app = web.Application(middlewares=[security_headers, polite_errors, console.auth_middleware],
                          client_max_size=64 * 1024)
    app[RASA] = RasaClient(rasa_url or f"http://127.0.0.1:{settings.rasa_port()}")

    async def close_rasa(app):
        await app[RASA].close()

    app.on_cleanup.append(close_rasa)
    app.router.add_get("/", index)
    app.router.add_get("/healthz", health)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    chat.add_routes(app)
    console.add_routes(app)
    return app


def main() -> int:
    logging.basicConfig(level=os.environ.get("XINYONG_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    port = settings.web_port()
    host = os.environ.get("WEB_HOST", "0.0.0.0")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:  # the port is taken, or the address is not this machine's: one clear line
        print(f"Web 服务无法监听 {host}:{port}（{exc.strerror or exc}），请换一个 WEB_PORT。", file=sys.stderr)
        sock.close()
        return 1
    web.run_app(make_app(), sock=sock, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
