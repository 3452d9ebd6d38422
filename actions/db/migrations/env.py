"""Alembic environment: `xinyong db init` passes a connection; plain `alembic` uses DATABASE_URL."""
from __future__ import annotations

from alembic import context

from actions.db.engine import make_engine
from actions.db.models import metadata

# SQLite's FTS5 shadow tables belong to the name index, not to the models.
def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name.startswith("subjects_fts"))


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
