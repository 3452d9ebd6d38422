"""The console sign-in form's CSRF token: one the server issued, not any value a client sets.

Before sign-in there is no session to keep a token in, so the form and a cookie (Path
/console/login) carry the same token, and the token itself proves it came from us:
`<issued at>.<random nonce>.<HMAC-SHA256 of both>` under a key kept in the database
(services.server_secrets), so every web server replica accepts every other's tokens. A made-up
cookie and form pair, or one signed with another key, is refused; a token expires after
VALID_SECONDS.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from actions.services import server_secrets

KEY_NAME = "console_login_csrf"
VALID_SECONDS = 12 * 3600  # a sign-in page left open over a working day still works


def _mac(key: bytes, issued: str, nonce: str) -> str:
    digest = hmac.new(key, f"login-csrf|{issued}|{nonce}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def issue(now: float | None = None, secret: bytes | None = None) -> str:
    issued, nonce = str(int(now if now is not None else time.time())), secrets.token_urlsafe(18)
    return f"{issued}.{nonce}.{_mac(secret or server_secrets.key(KEY_NAME), issued, nonce)}"


def valid(token: str | None, now: float | None = None) -> bool:
    """Issued by a server of this deployment, and not expired."""
    if not token or len(token) > 200 or not token.isascii():
        return False
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    issued, nonce, mac = parts
    age = (now if now is not None else time.time()) - int(issued)
    if not -300 <= age <= VALID_SECONDS:  # a few minutes' clock difference between replicas is fine
        return False
    return hmac.compare_digest(mac.encode("ascii"), _mac(server_secrets.key(KEY_NAME), issued, nonce).encode("ascii"))


def same(a, b) -> bool:
    """Two tokens are equal, in constant time; compared as bytes, so any text a client sends (non-ASCII
    too, which hmac.compare_digest refuses on str) is an answer, not an error."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode("utf-8"), str(b).encode("utf-8"))


def forget_key() -> None:
    server_secrets.forget()
