"""Writing validated rows: subjects and records upserted by their natural keys in ONE transaction."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from actions.db.bulk import BulkWriter, bulk_session_settings, chunks, name_index_deferred
from actions.db.models import AuditLog, ImportBatch, Record, Subject, utcnow
from actions.importer.rows import ParsedRow
from actions.services import display_periods

DEFER_NAME_INDEX_FROM = 1000  # new subjects from which names are indexed in one statement (SQLite)

SUBJECT_COLS = [c.name for c in Subject.__table__.columns if c.name not in ("id", "created_at", "updated_at")]
RECORD_SOURCE_COLS = [
    "doc_number", "decision_date", "agency", "agency_code", "data_source", "data_source_code",
    "severity_tier", "display_until", "valid_from", "valid_to", "remark",
    "violation_type", "violation_facts", "legal_basis", "penalty_category", "penalty_content",
    "fine_amount", "confiscation_amount", "license_revoked",
    "license_doc_name", "license_category", "certificate_name", "license_number", "license_content",
    "current_status", "list_type", "list_reason",
]


@dataclass
class WriteCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0


def write_rows(engine: Engine, kind: str, rows: list[ParsedRow], batch: dict, today: dt.date,
               tick=lambda n: None) -> tuple[WriteCounts, int]:
    """Upsert all rows; returns the counts and the import batch id. Raises on any database error,
    in which case nothing of this file was written."""
    counts = WriteCounts()
    with engine.begin() as conn, bulk_session_settings(conn):
        bulk = BulkWriter(conn.dialect)
        batch_id = conn.execute(sa.insert(ImportBatch.__table__).values(**batch)).inserted_primary_key[0]
        subject_ids = _upsert_subjects(conn, bulk, rows)
        _upsert_records(conn, bulk, kind, rows, subject_ids, batch_id, today, counts, tick)
        conn.execute(sa.update(ImportBatch.__table__).where(ImportBatch.id == batch_id).values(
            imported=counts.imported, updated=counts.updated, unchanged=counts.unchanged,
            finished_at=utcnow()))
        # An import is a staff action, audited in the import's transaction: logged if and only if it happened.
        conn.execute(sa.insert(AuditLog.__table__).values(
            actor_type="system", actor=f"cli:{batch.get('actor') or 'unknown'}", channel="cli",
            action=f"import_{kind}", target_type="import_batch", target_id=str(batch_id),
            detail={"file": batch.get("file_name"), "imported": counts.imported, "updated": counts.updated,
                    "unchanged": counts.unchanged, "rejected": batch.get("rejected", 0)}))
    return counts, batch_id


def _select_in(conn: Connection, cols, column, values: Iterable, *where) -> list:
    out = []
    values = list(values)
    for part in chunks(values):
        out.extend(conn.execute(sa.select(*cols).where(column.in_(part), *where)).all())
    return out


def _upsert_subjects(conn: Connection, bulk: BulkWriter, rows: list[ParsedRow]) -> dict[tuple[str, str], int]:
    """Subject id for every subject key in the file; new subjects inserted, changed ones updated.

    A later row's values win over an earlier row's for the same subject; a value the file leaves
    empty keeps what the database has.
    """
    wanted: dict[tuple[str, str], dict] = {}
    for r in rows:
        wanted.setdefault(r.subject_key, {}).update(r.subject)
    t = Subject.__table__
    existing: dict[tuple[str, str], dict] = {}
    for key_col in ("uscc", "id_number", "reg_no"):
        values = [k[1] for k in wanted if k[0] == key_col]
        if not values:
            continue
        where = (t.c.uscc.is_(None),) if key_col == "reg_no" else ()
        for row in _select_in(conn, [t], t.c[key_col], values, *where):
            existing[(key_col, row._mapping[key_col])] = dict(row._mapping)

    new, changed = [], []
    for key, attrs in wanted.items():
        old = existing.get(key)
        if old is None:
            new.append({c: attrs.get(c) for c in SUBJECT_COLS})
        else:
            merged = {c: (attrs[c] if attrs.get(c) not in (None, "") else old[c]) for c in SUBJECT_COLS}
            if any(merged[c] != old[c] for c in SUBJECT_COLS):
                merged["_id"] = old["id"]
                changed.append(merged)
    now = utcnow()
    ids = {k: v["id"] for k, v in existing.items()}
    with name_index_deferred(conn, enabled=len(new) >= DEFER_NAME_INDEX_FROM) as index_names:
        for part in chunks(new, 5000):
            bulk.insert(conn, t, [dict(d, created_at=now, updated_at=now) for d in part])
        for key_col in ("uscc", "id_number", "reg_no"):
            values = [d[key_col] for d in new if (key_col, d[key_col]) in wanted]
            if values:
                for row in _select_in(conn, [t.c.id, t.c[key_col]], t.c[key_col], values):
                    ids[(key_col, row[1])] = row[0]
        if index_names:
            index_names([ids[k] for k, attrs in wanted.items() if k not in existing])
    if changed:
        stmt = sa.update(t).where(t.c.id == sa.bindparam("_id")).values(
            {c: sa.bindparam(c) for c in SUBJECT_COLS} | {"updated_at": now})
        for part in chunks(changed):
            conn.execute(stmt, list(part))
    return ids


def _upsert_records(conn: Connection, bulk: BulkWriter, kind: str, rows: list[ParsedRow], subject_ids: dict,
                    batch_id: int, today: dt.date, counts: WriteCounts, tick) -> None:
    t = Record.__table__
    existing = {
        r.natural_key: (r.id, r.content_hash)
        for r in _select_in(conn, [t.c.id, t.c.natural_key, t.c.content_hash], t.c.natural_key,
                            [r.natural_key for r in rows], t.c.kind == kind)
    }
    now = utcnow()
    inserts, updates = [], []
    for r in rows:
        source = {c: r.record.get(c) for c in RECORD_SOURCE_COLS}
        found = existing.get(r.natural_key)
        if found is None:
            expired = _with_display_end(source, kind, r.subject, today)
            inserts.append(dict(
                source, kind=kind, natural_key=r.natural_key, subject_id=subject_ids[r.subject_key],
                content_hash=r.content_hash, batch_id=batch_id, punishment_suspended=False,
                display_status="已到期" if expired else "公示中", status_changed_at=now,
                created_at=now, updated_at=now))
        elif found[1] != r.content_hash:
            # Display status belongs to the workflows (objection, repair): an update of the source
            # fields never resets it (`xinyong records expire` moves it once it has lapsed).
            _with_display_end(source, kind, r.subject, today)
            updates.append(dict(source, _id=found[0], subject_id=subject_ids[r.subject_key],
                                content_hash=r.content_hash, batch_id=batch_id))
        else:
            counts.unchanged += 1
    tick(counts.unchanged)
    for part in chunks(inserts, 5000):
        bulk.insert(conn, t, list(part))
        counts.imported += len(part)
        tick(len(part))
    if updates:
        cols = RECORD_SOURCE_COLS + ["display_until_derived", "subject_id", "content_hash", "batch_id"]
        stmt = sa.update(t).where(t.c.id == sa.bindparam("_id")).values(
            {c: sa.bindparam(c) for c in cols} | {"updated_at": now})
        for part in chunks(updates):
            conn.execute(stmt, list(part))
            counts.updated += len(part)
            tick(len(part))


def _with_display_end(source: dict, kind: str, subject: dict, today: dt.date) -> bool:
    """Give a record without 公示截止期 the one its tier gives under the rules table, marked derived,
    and say whether it is already past its end of display on `today` (display_periods decides, so
    a tier's maximum earlier than the source's 公示截止期 counts too). A list entry whose 有效期至
    ends it earlier keeps that end and gets nothing derived."""
    facts = display_periods.facts_of(dict(source, kind=kind), region=subject.get("region_name"),
                                     subject_type=subject.get("subject_type"))
    term = display_periods.term(facts)
    source["display_until_derived"] = False
    if facts.display_until is None and term.end_by == "rule" and term.ends is not None:
        source["display_until"] = display_periods.derived_display_until(facts)
        source["display_until_derived"] = True
    return not term.public_on(today)
