"""Configuration from the environment, with the defaults the README documents."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("XINYONG_HOME") or Path(__file__).resolve().parents[1])


def database_url() -> str:
    """DATABASE_URL, default the embedded SQLite file var/xinyong.db under the project."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Heroku-style URLs name the scheme 'postgres'; SQLAlchemy 1.4 wants 'postgresql'.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        return url
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'xinyong.db'}"


def redis_url() -> str | None:
    """REDIS_URL: Rasa's lock store when several Rasa servers share the conversations; None: in memory."""
    return os.environ.get("REDIS_URL", "").strip() or None


def rasa_token() -> str | None:
    """RASA_TOKEN: guards Rasa's HTTP API (trackers, events, models); `xinyong serve` makes one per
    start when unset. Without it anyone who reaches the Rasa port could set any slot by posting events.
    The channels (/webhooks/...) stay open: they are how users talk."""
    return os.environ.get("RASA_TOKEN", "").strip() or None


def port(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        p = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a port number, got {value!r}") from None
    if not 0 < p < 65536:
        raise SystemExit(f"{name} must be between 1 and 65535, got {p}")
    return p


def rasa_port() -> int:
    return port("RASA_PORT", 5005)


def action_port() -> int:
    return port("ACTION_PORT", 5055)


def web_port() -> int:
    return port("WEB_PORT", 8080)


def hotline() -> str:
    """The hotline number the assistant gives when it cannot help or a person should take over."""
    return os.environ.get("XINYONG_HOTLINE", "").strip() or "12345"


def hotline_hours(english: bool = False) -> str:
    if english:
        return os.environ.get("XINYONG_HOTLINE_HOURS_EN", "").strip() or "working days 8:30–17:00"
    return os.environ.get("XINYONG_HOTLINE_HOURS", "").strip() or "工作日 8:30—17:00"


def max_message_chars() -> int:
    """XINYONG_MAX_MESSAGE_CHARS: the longest user message any channel passes to the assistant
    (default 1000 characters); longer ones are answered politely without being read."""
    value = os.environ.get("XINYONG_MAX_MESSAGE_CHARS", "").strip()
    if not value:
        return 1000
    try:
        limit = int(value)
    except ValueError:
        raise SystemExit(f"XINYONG_MAX_MESSAGE_CHARS must be a number of characters, got {value!r}") from None
    if limit < 1:
        raise SystemExit(f"XINYONG_MAX_MESSAGE_CHARS must be at least 1, got {limit}")
    return limit


ACTION_TOKEN_ENV = "XINYONG_ACTION_TOKEN"
ACTION_TOKEN_HEADER = "X-Xinyong-Action-Token"
MIN_ACTION_TOKEN_CHARS = 16


def action_token() -> str | None:
    """XINYONG_ACTION_TOKEN: the secret Rasa sends with every call to the action server (header
    ACTION_TOKEN_HEADER, bot/endpoints.yml); `xinyong serve` makes one per start when unset. Without
    it anyone who reaches the action port could run any action on a forged conversation."""
    value = os.environ.get(ACTION_TOKEN_ENV, "").strip() or None
    if value is not None and len(value) < MIN_ACTION_TOKEN_CHARS:
        raise SystemExit(f"{ACTION_TOKEN_ENV} must be at least {MIN_ACTION_TOKEN_CHARS} characters "
                         "(or leave it unset: `xinyong serve` then makes a random one per start)")
    return value


def cors_origins() -> list[str]:
    """XINYONG_CORS_ORIGINS: web origins (https://host[:port], comma-separated) whose pages may read the
    Rasa server's answers from a browser; none by default. `*` is refused: it let any site do so."""
    origins = [o.strip().rstrip("/") for o in os.environ.get("XINYONG_CORS_ORIGINS", "").split(",") if o.strip()]
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not host or "/" in host or "*" in host:
            raise SystemExit(f"XINYONG_CORS_ORIGINS: {origin!r} is not an origin such as https://credit.example.gov.cn "
                             "(scheme and host, no path; * is not allowed)")
    return origins
