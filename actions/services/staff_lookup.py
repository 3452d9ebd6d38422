"""What the staff console shows about a subject: every record, also those no longer on public
display, and the tickets on them. Each lookup is written to the audit log with the staff member,
and limited per staff member (actions/rules/limits.yml: staff_lookups; rate_limit.TooManyLookups,
nothing looked up) so that a stolen session cannot export the register quickly.

People are found by their ID number only, as in the chat (no enumeration of people by name), and
their ID number is shown masked here too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from actions.db.engine import session_scope
from actions.db.models import Subject
from actions.services import audit, codes, rate_limit, subjects
from actions.services.enquiry import RecordView

LIMIT = 20


@dataclass
class Found:
    query: str
    subjects: list[subjects.SubjectView] = field(default_factory=list)
    too_many: bool = False
    too_short: bool = False


@dataclass
class SubjectFile:
    subject: subjects.SubjectView
    records: list[RecordView]
    public: int  # records on public display today (display_periods.is_public)
    lapsed: frozenset[int] = frozenset()  # ids of records public by status but past their end of display
    today: dt.date | None = None

    def is_lapsed(self, record: RecordView) -> bool:
        return record.id in self.lapsed


def search(query: str, staff: str) -> Found:
    query = (query or "").strip()
    found = Found(query)
    if not query:
        return found
    check = codes.check_code(query)
    if not check.valid and len(query) < 2:
        found.too_short = True
        return found
    action = "staff_lookup_code" if check.valid else "staff_lookup_name"
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, "staff", staff, action, "subject",
                                          {"query": codes.mask_ids_in_text(query)[:100]}, "console")
        if refused is None:
            return _search(session, found, check, staff)
    raise refused


def _search(session, found: Found, check: codes.CodeCheck, staff: str) -> Found:
    if check.valid:
        subject = subjects.find_by_code(session, check.normalized)
        found.subjects = [subject] if subject else []
        shown = codes.mask_id_number(check.normalized) if check.kind == "id_number" else check.normalized
        audit.log(session, "staff", staff, "staff_lookup_code", "subject", subject.id if subject else None,
                  {"code": shown, "found": subject is not None}, channel="console")
        return found
    result = subjects.search_by_name(session, found.query, limit=LIMIT)
    found.subjects = result.candidates
    found.too_many = result.too_many or result.total > LIMIT
    audit.log(session, "staff", staff, "staff_lookup_name", "subject", None,
              {"query": codes.mask_ids_in_text(found.query), "matches": result.total}, channel="console")
    return found


def subject_file(subject_id: int, staff: str, today: dt.date | None = None) -> SubjectFile | None:
    """Every record of the subject; those past their end of display on `today` (default: the real
    today) counted as not public and listed in `lapsed`, so the console marks them."""
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, "staff", staff, "staff_view_subject", "subject",
                                          {"subject_id": subject_id}, "console")
        if refused is None:
            return _subject_file(session, subject_id, staff, today or dt.date.today())
    raise refused


def _subject_file(session, subject_id: int, staff: str, today: dt.date) -> SubjectFile | None:
    row = session.get(Subject, subject_id)
    audit.log(session, "staff", staff, "staff_view_subject", "subject", subject_id,
              {"found": row is not None}, channel="console")
    if row is None:
        return None
    records = [RecordView.of(r, region=row.region_name, subject_type=row.subject_type)
               for r in subjects.records_of(session, subject_id, include_hidden=True)]
    public = sum(r.public_on(today) for r in records)
    lapsed = frozenset(r.id for r in records if r.display_status in subjects.PUBLIC_STATUSES and not r.public_on(today))
    return SubjectFile(subjects.SubjectView.of(row), records, public, lapsed, today)
