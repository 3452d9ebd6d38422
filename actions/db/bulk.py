"""Bulk writes for imports and seeding: many rows per executemany, one transaction.

SQLAlchemy's per-row parameter bookkeeping costs as much as SQLite itself for plain inserts, so
on SQLite the INSERT is compiled once per (table, columns), each value goes through SQLAlchemy's
own bind processor for its column type (identical stored values), and the rows go to the driver's
executemany. PostgreSQL keeps Table.insert() with a list of dicts (psycopg2 batches it).
"""
from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

import sqlalchemy as sa

from actions.db.models import Base

SQLITE_BULK_CACHE_KIB = 262144  # page cache while indexes of a large database take random inserts
CHUNK = 900  # bound parameters per IN (…) and rows per executemany


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class BulkWriter:
    """prepare() needs only the dialect (a generating process can run it); execute() the connection."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.sqlite = dialect.name == "sqlite"
        self.plans: dict[tuple[str, tuple[str, ...]], tuple] = {}

    def _plan(self, table: sa.Table, keys: tuple[str, ...]):
        plan = self.plans.get((table.name, keys))
        if plan is None:
            compiled = table.insert().compile(dialect=self.dialect, column_keys=list(keys))
            names = list(compiled.positiontup)
            procs = []
            for i, name in enumerate(names):
                proc = table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                if proc is not None:
                    procs.append((i, proc))
            plan = self.plans[(table.name, keys)] = (str(compiled), names, procs)
        return plan

    def prepare(self, chunk: list[tuple[sa.Table, list[dict]]]) -> list[tuple[str, tuple, list]]:
        """Rows of one table must all carry the same keys (those of the first row). A None for a NOT
        NULL column with a plain default becomes that default, as if the key were left out (rows
        built from an all-None template of the table's columns, e.g. the demo generator's)."""
        out = []
        for table, rows in chunk:
            if not rows:
                continue
            keys = tuple(rows[0])
            _fill_defaults(table, keys, rows)
            if not self.sqlite:
                out.append((table.name, keys, rows))
                continue
            _, names, procs = self._plan(table, keys)
            params = []
            for row in rows:
                values = [row[n] for n in names]
                for i, proc in procs:
                    v = values[i]
                    if v is not None:
                        values[i] = proc(v)
                params.append(tuple(values))
            out.append((table.name, keys, params))
        return out

    def execute(self, conn, prepared: list[tuple[str, tuple, list]]) -> None:
        for name, keys, params in prepared:
            table = Base.metadata.tables[name]
            if self.sqlite:
                conn.exec_driver_sql(self._plan(table, keys)[0], params)
            else:
                conn.execute(table.insert(), params)

    def insert(self, conn, table: sa.Table, rows: list[dict]) -> None:
        self.execute(conn, self.prepare([(table, rows)]))


def _fill_defaults(table: sa.Table, keys: tuple[str, ...], rows: list[dict]) -> None:
    fills = [(c.name, c.default.arg) for c in table.columns
             if c.name in keys and not c.nullable and c.default is not None and c.default.is_scalar]
    for name, default in fills:
        for row in rows:
            if row[name] is None:
                row[name] = default


@contextlib.contextmanager
def bulk_session_settings(conn):
    """A larger SQLite page cache for the duration of a bulk write on this connection."""
    if conn.dialect.name != "sqlite":
        yield
        return
    old = int(conn.exec_driver_sql("PRAGMA cache_size").scalar())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={old}")


NAME_TRIGGER = "subjects_fts_ai"


@contextlib.contextmanager
def name_index_deferred(conn, enabled: bool = True):
    """On SQLite, index many new subject names in one statement instead of row by row.

    The FTS5 insert trigger costs about as much as the rest of a subject insert. Inside this block
    it is dropped; the caller passes the new subject ids to the yielded function, and the trigger
    is re-created from its own stored SQL before the block ends. All of it happens in the caller's
    transaction, so a failure rolls the trigger back in place. Yields None where there is nothing
    to defer (other dialects, no such trigger, or not enabled).
    """
    sql = None
    if enabled and conn.dialect.name == "sqlite":
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                   (NAME_TRIGGER,)).scalar()
    if not sql:
        yield None
        return
    conn.exec_driver_sql(f"DROP TRIGGER {NAME_TRIGGER}")

    def index(ids: list[int]) -> None:
        stmt = sa.text("INSERT INTO subjects_fts(rowid, name_norm) SELECT id, name_norm FROM subjects "
                       "WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
        for part in chunks(ids):
            conn.execute(stmt, {"ids": list(part)})

    try:
        yield index
    finally:
        conn.exec_driver_sql(sql)
