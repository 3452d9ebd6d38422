"""The query plan of a statement a service runs: for tests that a count or lookup uses its index."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa


def plan_of_the_one(engine, matches: Callable[[str], bool], run: Callable[[], object]) -> str:
    """Runs `run()`, asserts it executed exactly one statement for which `matches(sql)` holds, and
    returns that statement's plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN with sequential scans
    discouraged on PostgreSQL) as one line."""
    statements = []

    def on(conn, cursor, statement, parameters, context, executemany):
        if matches(statement):
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", on)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", on)
    assert len(statements) == 1, statements
    statement, parameters = statements[0]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        else:
            cur.execute("SET enable_seqscan = off")
            cur.execute("EXPLAIN " + statement, parameters)
        return " / ".join(str(r[-1]) for r in cur.fetchall())
    finally:
        raw.close()
