"""The SQLite database (ID numbers, phone numbers, every conversation) is its owner's alone: another
local user can neither read the file nor its -wal/-shm companions, nor list the project's var/."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess

import pytest

from tests.botserver import XY

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _as_nobody(*cmd: str) -> subprocess.CompletedProcess | None:
    """Run cmd as the unprivileged user `nobody` (None when this test cannot switch users)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd],
                          capture_output=True, text=True, timeout=30)


def test_db_init_creates_a_database_only_its_owner_can_read(tmp_path):
    os.chmod(tmp_path, 0o755)  # a folder other users may enter, as a server's data folder often is
    db = tmp_path / "data" / "xinyong.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}")
    proc = subprocess.run([XY, "db", "init"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700
    # while a server has it open in WAL mode, the write-ahead log and shared memory are private too
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE probe (x)")
    conn.execute("INSERT INTO probe VALUES (1)")
    conn.commit()
    try:
        for companion in ("-wal", "-shm"):
            assert _mode(f"{db}{companion}") == 0o600, companion
        refused = _as_nobody("cat", str(db))
        if refused is not None:
            assert refused.returncode != 0 and "Permission denied" in refused.stderr
    finally:
        conn.close()


def test_db_init_tightens_an_existing_world_readable_database(tmp_path):
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)  # as SQLite made it before
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}")
    proc = subprocess.run([XY, "db", "init"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _mode(db) == 0o600 and "owner only" in proc.stdout


def test_the_projects_var_folder_is_private(tmp_path):
    """The default database lives in the project's var/, which also holds the run folders: made
    owner-only even when something else created it first."""
    home = tmp_path / "home"
    (home / "var").mkdir(parents=True)
    os.chmod(home / "var", 0o755)
    env = dict(os.environ, XINYONG_HOME=str(home))
    env.pop("DATABASE_URL", None)
    proc = subprocess.run([XY, "db", "init"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert _mode(home / "var") == 0o700 and _mode(home / "var" / "xinyong.db") == 0o600


@pytest.mark.parametrize("existing", [False, True])
def test_an_engine_on_a_new_path_never_makes_a_readable_file(tmp_path, existing):
    from actions.db.engine import make_engine

    db = tmp_path / "e.db"
    if existing:
        db.touch(mode=0o640)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as c:
        c.exec_driver_sql("select 1")
    engine.dispose()
    # a new file is private; an existing one is the operator's (db init tightens it, above)
    assert _mode(db) == (0o640 if existing else 0o600)
