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
