"""A PostgreSQL cluster and a Redis server of the test's own, on free loopback ports, so fault tests
can restart them without disturbing the machine's servers or other tests."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.botserver import _free_port


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and the server refuse to run as root; the distribution's postgres user runs them.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PrivatePostgres:
    def __init__(self):
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        # Directly under /tmp: the postgres user must be able to reach it, and pytest's tmp_path is
        # private to root.
        root = self.root = Path(tempfile.mkdtemp(prefix="xinyong-pg-"))
        self.dir = root / "pgdata"
        self.sock = root / "pgsock"
        self.port = _free_port()
        self.sock.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(self.sock, "postgres")
        subprocess.run(_as_postgres([self.initdb, "-D", str(self.dir), "-U", "postgres", "--auth=trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True, timeout=120)
        self.log = root / "pg.log"
        if os.geteuid() == 0:
            self.log.touch()
            shutil.chown(self.log, "postgres")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(_as_postgres([self.pg_ctl, "-D", str(self.dir), "-l", str(self.log), "-o", opts, "-w", *args]),
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """A fast restart: every connection is cut, as when the database server is restarted."""
        self._ctl("-m", "fast", "restart")

    def down(self) -> None:
        """The server stops (fast shutdown: sessions are cut) and stays down until up()."""
        self._ctl("-m", "fast", "stop")

    def up(self) -> None:
        self.start()

    def stop(self) -> None:
        """Gone for good, files removed."""
        subprocess.run(_as_postgres([self.pg_ctl, "-D", str(self.dir), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        admin = sa.create_engine(self.url, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


class PrivateRedis:
    def __init__(self, root: Path):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.skip("redis-server is not installed")
        self.port, self.root, self.proc = _free_port(), root, None
        root.mkdir(parents=True, exist_ok=True)
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.root)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("private redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def restart(self) -> None:
        self.stop()
        self.start()
