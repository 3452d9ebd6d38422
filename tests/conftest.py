"""Shared fixtures: a migrated database on SQLite and on the local PostgreSQL server, and the CLI.

PostgreSQL: the suite creates its own database on XINYONG_TEST_PG_ADMIN_URL (default the local
server), starts the server first if it is installed but stopped, and drops the database at the end.
Only where no server can be reached are the PostgreSQL variants skipped, with the reason shown.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sys
import subprocess
import time
import uuid

# Imported before anything else: hypothesis checks numpy while it loads, and once a fresh-venv
# collection saw numpy half-imported by another thread (AttributeError: partially initialized
# module 'numpy'); loading both here, in the main thread and first, removes that race.
import numpy  # noqa: F401
import hypothesis  # noqa: F401
import pytest
import sqlalchemy as sa
from sanic import Sanic  # noqa: F401 - registers the methods TouchUp rewrites, before any app starts
from sanic.touchup import TouchUp

from actions.db import engine as engine_mod
from actions.db.migrate import upgrade
from actions.db.models import metadata

# Sanic 21.12 rewrites some of its HTTP methods in place for the first app that starts (TouchUp,
# dropping the signals that app does not use) and cannot rewrite them a second time: every Sanic app
# a test starts in this process starts from the methods as they were before any app ran.
_UNTOUCHED_SANIC = {(target, name): getattr(target, name) for target, name in TouchUp._registry}


@pytest.fixture
def untouched_sanic(monkeypatch):
    """For a test that starts a Sanic app (a Rasa channel) in the test process."""
    for (target, name), method in _UNTOUCHED_SANIC.items():
        monkeypatch.setattr(target, name, method)


PG_ADMIN_URL = os.environ.get("XINYONG_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        eng = sa.create_engine(PG_ADMIN_URL, future=True, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def _start_local_pg() -> None:
    """Start the distribution's PostgreSQL cluster if it is installed and stopped."""
    if not shutil.which("pg_ctlcluster"):
        return
    for version_dir in sorted(glob.glob("/etc/postgresql/*")):
        version = os.path.basename(version_dir)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       capture_output=True, timeout=60)
    time.sleep(1)


def _pg_available() -> None:
    why = _pg_reachable()
    if why:
        _start_local_pg()
        why = _pg_reachable()
    if why:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({why}); PostgreSQL variants skipped")


@contextlib.contextmanager
def pg_database(prefix: str = "xinyong_test"):
    """A new, migrated database on the PostgreSQL server, dropped afterwards; yields its URL."""
    _pg_available()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    eng = engine_mod.make_engine(url)
    upgrade(eng)
    eng.dispose()
    try:
        yield url
    finally:
        engine_mod.dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server_url():
    with pg_database() as url:
        yield url


def _truncate_pg(url: str) -> None:
    eng = engine_mod.make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with eng.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch):
    """A migrated, empty database; DATABASE_URL points at it for code that reads the environment."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'xinyong.db'}"
        eng = engine_mod.make_engine(url)
        upgrade(eng)
        eng.dispose()
    else:
        url = request.getfixturevalue("pg_server_url")
        _truncate_pg(url)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    engine_mod.dispose_engines()


@pytest.fixture
def engine(db_url):
    return engine_mod.get_engine(db_url)


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    """SQLite only, for tests of SQLite-specific behaviour."""
    url = f"sqlite:///{tmp_path / 'xinyong.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    engine_mod.dispose_engines()


@pytest.fixture
def demo(sqlite_url):
    """A migrated SQLite database with a small demo seed (the 12 showcase subjects among 60)."""
    from actions.services import demo_data

    engine = engine_mod.get_engine(sqlite_url)
    upgrade(engine)
    demo_data.seed(engine, subjects=60, seed=7)
    return engine


@pytest.fixture
def cli(capsys):
    """Run `xinyong ARGS…` in-process against DATABASE_URL; returns (exit code, stdout, stderr)."""
    from bot.cli import main

    def run(*args: str):
        with contextlib.suppress(SystemExit):
            code = main(list(args))
            out, err = capsys.readouterr()
            return code, out, err
        out, err = capsys.readouterr()
        return 2, out, err

    return run


# ------------------------------------------------------------------ a real trained model, once
TEST_EPOCHS = int(os.environ.get("XINYONG_TEST_EPOCHS", "40"))


@pytest.fixture(scope="session")
def test_epochs() -> int:
    return TEST_EPOCHS


@pytest.fixture(scope="session")
def trained_model_dir():
    """`xinyong train` with fewer epochs into var/test-model (kept between local runs: training
    is skipped when its inputs did not change). Returns the folder holding xinyong.tar.gz."""
    from bot.paths import PROJECT_ROOT

    out = PROJECT_ROOT / "var" / "test-model"
    xy = os.path.join(os.path.dirname(sys.executable), "xinyong")  # this venv's, never another on PATH
    proc = subprocess.run([xy, "train", "--out", str(out), "--epochs", str(TEST_EPOCHS)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / "xinyong.tar.gz").exists()
    return out


def _loopback_exempt_limits(folder):
    """The shipped limits with this machine's loopback exempt from the limits per client address:
    every test's conversations come from 127.0.0.1, as if from one address, and would share one
    count. The tests of those limits speak from other addresses (X-Forwarded-For through the
    trusted loopback proxy, or the machine's own non-loopback address); every other limit is the
    shipped one."""
    import yaml
    from actions.services.limits_rules import RULES_FILE

    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data["address_exempt"]["networks"] = ["127.0.0.0/8", "::1"]
    path = folder / "limits.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_bot(trained_model_dir, tmp_path_factory):
    """One `xinyong serve` for the conversation tests: the test model, the demo data on PostgreSQL
    (the production database; SQLite when no server can be reached), the real REST channel, and
    the web server (chat page, staff console) on env["WEB_PORT"].
    Each test talks as its own sender, so conversations do not share state."""
    from tests.botserver import PAGED_CODE, PAGED_NAME, XY, Server, _free_port

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(pg_database("xinyong_conv"))
        except pytest.skip.Exception:
            url = f"sqlite:///{tmp_path_factory.mktemp('conv') / 'xy.db'}"
        # The channel token: in-process channels of the tests (the console's assist mode, the
        # Telegram bridge) speak as platform conversations to this server, as the real ones do.
        os.environ.setdefault("RASA_TOKEN", uuid.uuid4().hex)
        env = dict(os.environ, DATABASE_URL=url, RASA_PORT=str(_free_port()), ACTION_PORT=str(_free_port()),
                   WEB_PORT=str(_free_port()),
                   XINYONG_MODELS=str(trained_model_dir), XINYONG_HOTLINE="0459-12345",
                   XINYONG_HOTLINE_HOURS="工作日 8:30—17:00",
                   XINYONG_LIMITS_FILE=str(_loopback_exempt_limits(tmp_path_factory.mktemp("limits"))))
        # A company with more penalties than one page shows, through the real importer.
        csv = tmp_path_factory.mktemp("conv-import") / "penalties.csv"
        rows = [f"{PAGED_NAME},{PAGED_CODE},庆市监罚字〔2026〕第{300 + i}号,罚款,2026/0{1 + i}/1{i},大庆市市场监督管理局"
                for i in range(7)]
        csv.write_text("行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚类别,处罚决定日期,处罚机关\n"
                       + "\n".join(rows) + "\n", encoding="utf-8")
        for args in (["db", "init"], ["db", "seed-demo", "--subjects", "300"],
                     ["import", "penalties", str(csv), "--json"]):
            proc = subprocess.run([XY, *args], env=env, capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, proc.stderr[-2000:]
        assert '"imported": 7' in proc.stdout, proc.stdout
        server = Server(env)
        stack.callback(server.stop)
        server.wait_ready()
        server.database_url = url
        yield server


@pytest.fixture
def chat(demo_bot):
    """One user of the conversation tests' bot (its own sender)."""
    from tests.botserver import Chat

    return Chat(demo_bot)


@pytest.fixture
def db(demo_bot):
    """An engine on the conversation tests' database, to check what the bot stored."""
    engine = sa.create_engine(demo_bot.database_url, future=True)
    yield engine
    engine.dispose()
