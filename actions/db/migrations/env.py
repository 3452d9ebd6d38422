"""Alembic environment: `xinyong db init` passes a connection; plain `alembic` uses DATABASE_URL."""
from __future__ import annotations

from alembic import context

from actions.db.engine import make_engine
from actions.db.migrate import include_object
from actions.db.models import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        with make_engine(context.config.get_main_option("sqlalchemy.url") or None).connect() as conn:
            _run(conn)
            conn.commit()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite needs batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
