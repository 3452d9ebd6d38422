"""Finding subjects by code or by a fragment of their name, and reading their public records.

Everything returned here is safe to show to an anonymous user: ID numbers are masked, natural
persons are never found by a name search (no enumeration of people), and only records on public
display are returned unless the caller is staff (`include_hidden`). "On public display" is
services.display_periods.is_public, the one display rule: a public status and today on or before
the record's end of display (its 公示截止期, or its tier's maximum under the rule in force).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.models import Record, Subject
from actions.services import codes, display_periods
from actions.services.textnorm import normalize_name

PUBLIC_STATUSES = display_periods.PUBLIC_STATUSES
CANDIDATE_CAP = 200  # name matches read before ranking; more than this means "be more specific"
TRIGRAM = 3  # both name indexes need at least three characters to be used


@dataclass(frozen=True)
class SubjectView:
    id: int
    name: str
    subject_type: str
    code: str  # USCC, or the masked ID number of a natural person, or the registration number
    region: str | None
    legal_rep: str | None

    @classmethod
    def of(cls, s) -> "SubjectView":
        if s.subject_type == "自然人":
            code = codes.mask_id_number(s.id_number)
            legal_rep = None
        else:
            code = s.uscc or s.reg_no or s.org_code or ""
            legal_rep = s.legal_rep
        return cls(s.id, s.name, s.subject_type, code, s.region_name, legal_rep)


@dataclass
class NameSearch:
    query: str
    exact: SubjectView | None = None
    candidates: list[SubjectView] = field(default_factory=list)
    total: int = 0  # matches read, capped at CANDIDATE_CAP
    too_many: bool = False


_VIEW_COLS = (Subject.id, Subject.name, Subject.name_norm, Subject.subject_type, Subject.uscc,
              Subject.reg_no, Subject.org_code, Subject.id_number, Subject.region_name, Subject.legal_rep)


def find_by_code(session: Session, text: str) -> SubjectView | None:
    """A subject by its USCC, organisation code, registration number or (exact) ID number."""
    code = codes.normalize_code(text)
    if not code:
        return None
    check = codes.check_code(code)
    if check.kind == "id_number" and check.valid:
        column = Subject.id_number
    elif len(code) == 18:
        column = Subject.uscc
    elif len(code) == 9:
        column = Subject.org_code
    else:
        column = Subject.reg_no
    row = session.execute(sa.select(*_VIEW_COLS).where(column == code).limit(1)).first()
    return SubjectView.of(row) if row else None


_FTS = sa.table("subjects_fts", sa.column("rowid"))


def _name_matches(session: Session, norm: str):
    """A SELECT of the view columns for names containing `norm`, through the dialect's name index.

    SQLite: a join from the FTS5 trigram table, so FTS5 streams matches and LIMIT stops it early
    (an `id IN (subquery)` would first collect every match of a common fragment such as 有限公司).
    PostgreSQL: LIKE, which the pg_trgm GIN index serves. Fragments under three characters have no
    trigram and fall back to a bounded scan.
    """
    q = sa.select(*_VIEW_COLS)
    if session.get_bind().dialect.name == "sqlite" and len(norm) >= TRIGRAM:
        phrase = '"' + norm.replace('"', '""') + '"'
        return (q.select_from(_FTS.join(Subject.__table__, Subject.id == _FTS.c.rowid))
                .where(sa.text("subjects_fts MATCH :phrase").bindparams(phrase=phrase)))
    like = "%" + norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return q.where(Subject.name_norm.like(like, escape="\\"))


def search_by_name(session: Session, fragment: str, limit: int = 5) -> NameSearch:
    """Organisations and businesses whose name contains the fragment; the exact name first."""
    norm = normalize_name(fragment)
    result = NameSearch(query=fragment)
    if not norm:
        return result
    not_person = Subject.subject_type != "自然人"
    exact = session.execute(sa.select(*_VIEW_COLS).where(Subject.name_norm == norm, not_person)
                            .order_by(Subject.id).limit(limit)).all()
    rows = session.execute(_name_matches(session, norm).where(not_person).limit(CANDIDATE_CAP)).all()
    result.total = len(rows)
    result.too_many = len(rows) >= CANDIDATE_CAP
    if len(exact) == 1:
        result.exact = SubjectView.of(exact[0])
    # Exact names, then names starting with the fragment, then shorter names.
    rows.sort(key=lambda r: (r.name_norm != norm, not r.name_norm.startswith(norm), len(r.name_norm), r.id))
    result.candidates = [SubjectView.of(r) for r in rows[:limit]]
    return result


def may_show(day: dt.date):
    """SQL prefilter for records the public may see on `day`: a public status and no 公示截止期 before
    it. Only a prefilter: the tier's maximum may end display earlier (display_periods decides)."""
    return sa.and_(Record.display_status.in_(PUBLIC_STATUSES),
                   sa.or_(Record.display_until.is_(None), Record.display_until >= day))


def _subject_facts(session: Session, subject_id: int, subject=None) -> tuple[str | None, str | None]:
    """(region, subject_type) of the subject, for the display term; read only when not given."""
    if subject is None:
        subject = session.get(Subject, subject_id)
    if subject is None:
        return None, None
    return getattr(subject, "region", None) or getattr(subject, "region_name", None), subject.subject_type


def is_public(record: Record, region: str | None, subject_type: str | None, today: dt.date) -> bool:
    facts = display_periods.facts_of(record, region=region, subject_type=subject_type)
    return display_periods.is_public(facts, today)


def records_of(session: Session, subject_id: int, kinds: tuple[str, ...] = ("penalty", "license", "list"),
               include_hidden: bool = False, today: dt.date | None = None, subject=None) -> list[Record]:
    """The subject's records, newest first; only those on public display on `today` (default: the
    real today) unless include_hidden. `subject`: its SubjectView or row, if the caller has it."""
    q = sa.select(Record).where(Record.subject_id == subject_id, Record.kind.in_(kinds))
    if not include_hidden:
        today = today or dt.date.today()
        q = q.where(may_show(today))
    rows = list(session.execute(q.order_by(Record.decision_date.desc(), Record.id.desc())).scalars())
    if include_hidden or not rows:
        return rows
    region, subject_type = _subject_facts(session, subject_id, subject)
    return [r for r in rows if is_public(r, region, subject_type, today)]


def hidden_count(session: Session, subject_id: int, today: dt.date | None = None, subject=None) -> int:
    """How many of the subject's records are no longer displayed (repaired, revoked, expired, or
    past their end of display on `today` though not yet moved to 已到期)."""
    today = today or dt.date.today()
    not_prefiltered = session.execute(sa.select(sa.func.count()).select_from(Record).where(
        Record.subject_id == subject_id, sa.not_(may_show(today)))).scalar_one()
    candidates = session.execute(sa.select(Record).where(Record.subject_id == subject_id, may_show(today))).scalars()
    candidates = list(candidates)
    if not candidates:
        return not_prefiltered
    region, subject_type = _subject_facts(session, subject_id, subject)
    return not_prefiltered + sum(not is_public(r, region, subject_type, today) for r in candidates)
