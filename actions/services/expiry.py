"""Moving lapsed records to 已到期: `xinyong records expire` and the daily run of `xinyong serve`.

The read paths already hide a record past its end of display (services.display_periods); this
writes it down, so that other systems on the shared database, which read `display_status`, see it
too. The register is read in batches by id (only the candidates' few columns), then the lapsed
ones are moved in ONE transaction, in chunks; every record moved gets an audit entry
(record_expire) and the run one more (records_expire) with its counts, committed with the moves.

A record under objection (异议处理中) that lapses is moved too: it is no longer displayed whatever
the objection finds. Its ticket stays open; deciding it later (维持/更正) leaves it 已到期
(services.tickets), 撤销 still revokes it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from actions.db.bulk import chunks
from actions.db.models import AuditLog, Record, Subject, utcnow
from actions.services import audit, display_periods
from actions.services.dates import add_months
from actions.services.workflow_rules import rules

BATCH = 5000  # records read per query, and moved per step of the writing transaction
SAMPLE = 100  # records listed in the report (all are counted and audited)
EXPIRED = "已到期"

_T = Record.__table__
_S = Subject.__table__
# The columns display_periods.facts_of reads, and the subject's region and type for local rows.
_COLUMNS = (_T.c.id, _T.c.kind, _T.c.doc_number, _T.c.decision_date, _T.c.agency, _T.c.display_status,
            _T.c.severity_tier, _T.c.display_until, _T.c.valid_to, _T.c.penalty_category, _T.c.penalty_content,
            _T.c.violation_type, _T.c.legal_basis, _T.c.fine_amount, _T.c.list_type,
            _S.c.region_name.label("region"), _S.c.subject_type)


@dataclass(frozen=True)
class Lapsed:
    id: int
    kind: str
    doc_number: str
    display_status: str  # before the move
    display_ends: dt.date | None
    end_by: str  # "record" (its 公示截止期 / 有效期至) or "rule" (its tier's maximum)

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "doc_number": self.doc_number, "from_status": self.display_status,
                "display_ends": self.display_ends.isoformat() if self.display_ends else None,
                "end_by": self.end_by}


@dataclass
class Result:
    today: dt.date
    dry_run: bool
    checked: int = 0  # records read (public status, possibly past their end)
    expired: int = 0  # moved (or, dry run, that would be)
    by_status: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    sample: list[Lapsed] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"today": self.today.isoformat(), "dry_run": self.dry_run, "checked": self.checked,
                "expired": self.expired, "by_status": dict(self.by_status), "by_kind": dict(self.by_kind),
                "records": [r.as_json() for r in self.sample], "records_truncated": self.expired > len(self.sample)}

    def summary(self) -> str:
        statuses = "，".join(f"{k} {v}" for k, v in sorted(self.by_status.items())) or "无"
        if self.dry_run:
            head = (f"试运行，未作任何更改：{self.expired} 条记录已过公示期，将转为已到期（原状态：{statuses}）"
                    f" (dry run, nothing changed: {self.expired} of {self.checked} checked would expire)")
        else:
            head = (f"已将 {self.expired} 条过了公示期的记录转为已到期（原状态：{statuses}）"
                    f" (expired {self.expired} of {self.checked} checked)")
        lines = [head + f"；日期 {self.today.isoformat()}"]
        for r in self.sample[:20]:
            lines.append(f"  {r.doc_number}  {r.kind}  {r.display_status} → {EXPIRED}  公示截止 {r.display_ends}"
                         f"{'（按失信程度的最长公示期限）' if r.end_by == 'rule' else ''}")
        if self.expired > 20:
            lines.append(f"  ……共 {self.expired} 条")
        return "\n".join(lines)


def _earliest_possible_end_cutoff(today: dt.date) -> dt.date:
    """Records decided on or after this day cannot have passed their tier's maximum by `today`:
    the shortest maximum of any tier in any rule set (a restriction row only lengthens it). A
    week of margin covers month-end arithmetic."""
    shortest = min(p.max_months for s in rules().rule_sets for p in s.periods.values())
    return add_months(today, -shortest) + dt.timedelta(days=7)


def _candidates(today: dt.date):
    """SQL prefilter: a public status and some way to be past its end (display_periods decides)."""
    return sa.and_(
        _T.c.display_status.in_(display_periods.PUBLIC_STATUSES),
        sa.or_(_T.c.display_until < today,
               _T.c.decision_date < _earliest_possible_end_cutoff(today),
               sa.and_(_T.c.kind == "list", _T.c.valid_to < today)))


def _lapsed_in(rows, today: dt.date) -> list[Lapsed]:
    out = []
    for row in rows:
        m = dict(row._mapping)
        facts = display_periods.facts_of(m, region=m["region"], subject_type=m["subject_type"])
        if facts.display_status not in display_periods.PUBLIC_STATUSES:
            continue
        term = display_periods.term(facts)
        if not term.public_on(today):
            out.append(Lapsed(m["id"], m["kind"], m["doc_number"], m["display_status"], term.ends, term.end_by))
    return out


def _move(conn: Connection, found: list[Lapsed], now: dt.datetime, actor: str, channel: str,
          today: dt.date) -> set[int]:
    """Move them, each only if its status is still the one read (a filing in between wins), audit
    each one moved, and return their ids."""
    moved: set[int] = set()
    for status in {r.display_status for r in found}:
        for ids in chunks([r.id for r in found if r.display_status == status]):
            moved |= _move_ids(conn, list(ids), status, now)
    entries = [dict(at=now, actor_type="system", actor=actor, channel=channel, action="record_expire",
                    target_type="record", target_id=str(r.id),
                    detail=audit.masked({"from": r.display_status, "to": EXPIRED, "doc_number": r.doc_number,
                            "display_ends": r.display_ends.isoformat() if r.display_ends else None,
                            "end_by": r.end_by, "today": today.isoformat()}))
               for r in found if r.id in moved]
    if entries:
        conn.execute(sa.insert(AuditLog.__table__), entries)
    return moved


def _move_ids(conn: Connection, ids: list[int], status: str, now: dt.datetime) -> set[int]:
    """Those of `ids` still in `status`, moved to 已到期."""
    still = sa.and_(_T.c.id.in_(ids), _T.c.display_status == status)
    change = dict(display_status=EXPIRED, status_changed_at=now, updated_at=now)
    if conn.dialect.name == "postgresql":  # the WHERE is re-checked on the row it updates
        return set(conn.execute(sa.update(_T).where(still).values(**change).returning(_T.c.id)).scalars())
    # SQLite: one writer at a time, so what this transaction reads is what it updates
    done = set(conn.execute(sa.select(_T.c.id).where(still)).scalars())
    if done:
        conn.execute(sa.update(_T).where(_T.c.id.in_(done)).values(**change))
    return done


def _scan(engine: Engine, today: dt.date, batch: int, result: Result) -> list[Lapsed]:
    """Every record past its end on `today`, read in batches by id outside the writing transaction
    (SQLite in WAL mode: lookups and their audit entries go on meanwhile)."""
    found: list[Lapsed] = []
    last = 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(sa.select(*_COLUMNS).select_from(_T.join(_S, _S.c.id == _T.c.subject_id))
                                .where(_T.c.id > last, _candidates(today)).order_by(_T.c.id).limit(batch)).all()
            if not rows:
                return found
            last = rows[-1]._mapping["id"]
            result.checked += len(rows)
            found.extend(_lapsed_in(rows, today))


def expire(engine: Engine, today: dt.date | None = None, dry_run: bool = False, actor: str = "system",
           channel: str = "cli", batch: int = BATCH) -> Result:
    """Move every record public by status but past its end of display on `today` (default: the real
    today) to 已到期, in one transaction with its audit entries. `dry_run`: read and report only.

    Read first, in batches; then one short writing transaction, in chunks, each record moved only
    if its status is still the one read (a filing or decision in between wins: not moved, not counted)."""
    today = today or dt.date.today()
    result = Result(today, dry_run)
    found = _scan(engine, today, batch, result)
    if not dry_run:
        now = utcnow()
        moved: set[int] = set()
        with engine.begin() as conn:
            for i in range(0, len(found), batch):
                moved |= _move(conn, found[i:i + batch], now, actor, channel, today)
            found = [r for r in found if r.id in moved]
            _count(result, found)
            conn.execute(sa.insert(AuditLog.__table__).values(
                at=now, actor_type="system", actor=actor, channel=channel, action="records_expire",
                target_type="records", target_id=None,
                detail={"today": today.isoformat(), "checked": result.checked, "expired": result.expired,
                        "by_status": dict(result.by_status), "by_kind": dict(result.by_kind)}))
    else:
        _count(result, found)
    return result


def _count(result: Result, found: list[Lapsed]) -> None:
    for r in found:
        result.by_status[r.display_status] += 1
        result.by_kind[r.kind] += 1
    result.expired = len(found)
    result.sample = found[:SAMPLE]
