"""The schema is a migrated contract: Alembic head equals the models, on SQLite and PostgreSQL."""
import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from actions.db import engine as engine_mod
from actions.db.migrate import alembic_config, current_revision, head_revision, upgrade
from actions.db.migrate import include_object
from actions.db.models import Record, Subject, metadata


def test_migrated_database_matches_the_models(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_init_is_idempotent_and_reports(db_url, cli):
    code, out, _ = cli("db", "init")
    assert code == 0 and "最新" in out
    code, out, _ = cli("db", "init")
    assert code == 0 and head_revision() in out


def test_init_creates_a_fresh_sqlite_file(sqlite_url, cli, tmp_path):
    code, out, _ = cli("db", "init")
    assert code == 0 and "→" in out
    assert (tmp_path / "xinyong.db").exists()
    eng = engine_mod.get_engine(sqlite_url)
    names = set(sa.inspect(eng).get_table_names())
    assert {"subjects", "records", "tickets", "ticket_events", "staff_users", "handoff_requests",
            "audit_log", "import_batches", "ticket_counters", "subjects_fts"} <= names


def test_downgrade_and_upgrade_again(sqlite_url):
    from alembic import command

    eng = engine_mod.make_engine(sqlite_url)
    upgrade(eng)
    cfg = alembic_config(eng)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "subjects" not in sa.inspect(eng).get_table_names()
    upgrade(eng)
    assert current_revision(eng) == head_revision()
    eng.dispose()


def _subject(session, **kw):
    s = Subject(name="测试有限公司", name_norm="测试有限公司", subject_type="法人及非法人组织",
                uscc="91350100M000100Y43", **kw)
    session.add(s)
    session.flush()
    return s


def test_statuses_are_constrained(engine):
    with engine_mod.session_scope(engine) as session:
        s = _subject(session)
        sid = s.id
    with pytest.raises(IntegrityError):
        with engine_mod.session_scope(engine) as session:
            session.add(Record(kind="penalty", subject_id=sid, natural_key="k", doc_number="d",
                               decision_date=dt.date(2026, 1, 1), agency="a", display_status="已公示"))
    with pytest.raises(IntegrityError):
        with engine_mod.session_scope(engine) as session:
            session.add(Subject(name="x", name_norm="x", subject_type="公司"))


def test_natural_key_is_unique_per_kind(engine):
    with engine_mod.session_scope(engine) as session:
        sid = _subject(session).id
        for kind in ("penalty", "license"):
            session.add(Record(kind=kind, subject_id=sid, natural_key="same", doc_number="d",
                               decision_date=dt.date(2026, 1, 1), agency="a"))
    with pytest.raises(IntegrityError):
        with engine_mod.session_scope(engine) as session:
            session.add(Record(kind="penalty", subject_id=sid, natural_key="same", doc_number="d",
                               decision_date=dt.date(2026, 1, 1), agency="a"))


def test_name_index_follows_inserts_updates_and_deletes(engine):
    from actions.services.subjects import search_by_name

    with engine_mod.session_scope(engine) as session:
        s = _subject(session)
        sid = s.id
    with engine_mod.session_scope(engine) as session:
        assert [c.id for c in search_by_name(session, "测试有限").candidates] == [sid]
        session.execute(sa.update(Subject).where(Subject.id == sid).values(name="改名科技公司", name_norm="改名科技公司"))
    with engine_mod.session_scope(engine) as session:
        assert search_by_name(session, "测试有限").candidates == []
        assert [c.id for c in search_by_name(session, "改名科技").candidates] == [sid]
        session.execute(sa.delete(Subject).where(Subject.id == sid))
    with engine_mod.session_scope(engine) as session:
        assert search_by_name(session, "改名科技").candidates == []


def test_another_system_can_write_with_plain_sql(engine):
    """Writers outside xinyong get the documented defaults from the database itself."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO subjects (name, name_norm, subject_type) "
                             "VALUES ('外部写入有限公司', '外部写入有限公司', '法人及非法人组织')"))
        sid = conn.execute(sa.text("SELECT id FROM subjects WHERE name_norm = '外部写入有限公司'")).scalar_one()
        conn.execute(sa.text("INSERT INTO records (kind, subject_id, natural_key, doc_number, decision_date, agency) "
                             "VALUES ('penalty', :sid, 'k|a', 'k', '2026-01-02', 'a')"), {"sid": sid})
        row = conn.execute(sa.text("SELECT display_status, punishment_suspended, created_at, updated_at "
                                   "FROM records WHERE subject_id = :sid"), {"sid": sid}).one()
    assert row.display_status == "公示中" and not row.punishment_suspended
    assert row.created_at is not None and row.updated_at is not None
    from actions.services.subjects import records_of, search_by_name

    with engine_mod.session_scope(engine) as session:
        assert [c.id for c in search_by_name(session, "外部写入").candidates] == [sid]
        assert len(records_of(session, sid)) == 1
