"""Engines and sessions for DATABASE_URL (SQLite embedded by default, PostgreSQL in production)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from actions import settings

T = TypeVar("T")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the action server read while an import writes; busy_timeout waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def application_name(role: str | None = None) -> str:
    """How this process shows in PostgreSQL's pg_stat_activity: which server, which process id, so
    an operator (or a fault test) can tell whose connection holds a lock."""
    role = role or os.environ.get("XINYONG_ROLE") or os.path.basename(sys.argv[0] or "python")
    return f"xinyong-{role}-{os.getpid()}"[:63]


# The SQLite file holds ID numbers, phone numbers and every conversation: owner only. SQLite gives
# its -wal, -shm and -journal files the mode of the database file.
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _private_sqlite_file(path: Path) -> None:
    """Create the database file (and a missing folder) readable by its owner only, before SQLite
    would create it with the umask's mode (usually world-readable). The project's own var/ is made
    private too; another existing folder is the operator's to decide."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=PRIVATE_DIR, exist_ok=True)
    own_var = settings.PROJECT_ROOT / "var"
    if path.parent.resolve() == own_var.resolve():
        restrict(own_var, PRIVATE_DIR)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        pass  # an empty file is an empty SQLite database; an existing one is left as it is here


def restrict(path: Path, mode: int) -> bool:
    """chmod to `mode` when the permissions are wider; True when they were changed."""
    try:
        current = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return False
    if current & ~mode:
        os.chmod(path, current & mode)
        return True
    return False


def restrict_sqlite_files(url: str | None = None) -> list[Path]:
    """`xinyong db init`: make an existing SQLite database (and its -wal/-shm/-journal) owner-only,
    e.g. one created before this rule; the files whose permissions changed. Nothing for PostgreSQL."""
    u = make_url(url or settings.database_url())
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return []
    base = Path(u.database)
    return [p for p in (Path(f"{base}{suffix}") for suffix in SQLITE_COMPANIONS) if restrict(p, PRIVATE_FILE)]


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = url or settings.database_url()
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            _private_sqlite_file(Path(u.database))
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, future=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("connect_args", {}).setdefault("application_name", application_name())
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, future=True, **kwargs)


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """One engine (and pool) per URL per process; the URL is read from the environment each call."""
    url = url or settings.database_url()
    with _ENGINES_LOCK:
        if url not in _ENGINES:
            _ENGINES[url] = make_engine(url)
        return _ENGINES[url]


def dispose_engines() -> None:
    """Close every pool this process opened (tests; servers before they fork)."""
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False)


@contextlib.contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose work commits together at the end, or not at all."""
    engine = engine or get_engine()
    with session_factory(engine)() as session:
        with session.begin():
            yield session


async def run_db(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run blocking database work in a worker thread so the action server's event loop stays free."""
    return await asyncio.to_thread(fn, *args, **kwargs)
