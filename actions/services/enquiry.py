"""The credit enquiry: what the assistant may tell an anonymous user about a subject.

Lookups by code, by id (the subject in focus) and by name, each in its own transaction and each
written to the audit log with the sender and channel. A sender who asked too often is refused
before anything is looked up (services.rate_limit raises TooManyLookups). Results are plain data
(`Enquiry`); `enquiry_text` turns them into words.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from actions.db.engine import session_scope
from actions.db.models import Subject
from actions.services import audit, codes, display_periods, rate_limit, subjects
from actions.services.display_rules import rules
from actions.services.textnorm import normalize_name, without_place_prefix

KINDS = ("penalty", "license", "list")
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class RecordView:
    """One public record, with only the fields the enquiry shows."""

    kind: str
    doc_number: str
    decision_date: date
    agency: str
    display_status: str
    punishment_suspended: bool
    severity_tier: str | None = None
    display_until: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    category: str | None = None  # 处罚类别 / 许可类别
    content: str | None = None  # 处罚内容 / 许可内容
    violation_type: str | None = None
    fine_amount: Decimal | None = None  # 万元
    license_name: str | None = None  # 许可证书名称 or 许可决定文书名称
    license_number: str | None = None
    list_type: str | None = None
    list_reason: str | None = None
    id: int | None = None  # internal: forms refer to a record by it, never shown
    subject_id: int | None = None  # internal, as above
    # The display term (services.display_periods), computed once by `of` so that replies show
    # 失信程度 (推定 where derived) and 公示截止期 without recomputing them.
    tier: str | None = None  # 轻微 / 一般 / 严重; None for licences and lists without one
    tier_derived: bool = False  # 推定: the source did not state the tier
    display_ends: date | None = None  # the last day the record may be shown (None: no end known)
    display_until_derived: bool = False  # its 公示截止期 was derived on import, not in the source
    region: str | None = None  # the subject's region: local rules hold for it (display_periods.facts_of)
    subject_type: str | None = None
    legal_basis: str | None = None  # 处罚依据: a sector minimum may show only there

    @classmethod
    def of(cls, r, region: str | None = None, subject_type: str | None = None) -> "RecordView":
        """The view of an ORM Record; `region`, `subject_type`: its subject's, for the display term."""
        view = cls(
            kind=r.kind, doc_number=r.doc_number, decision_date=r.decision_date, agency=r.agency,
            display_status=r.display_status, punishment_suspended=bool(r.punishment_suspended),
            severity_tier=r.severity_tier, display_until=r.display_until, valid_from=r.valid_from,
            valid_to=r.valid_to,
            category=r.penalty_category if r.kind == "penalty" else r.license_category,
            content=r.penalty_content if r.kind == "penalty" else r.license_content,
            violation_type=r.violation_type, fine_amount=r.fine_amount,
            license_name=r.certificate_name or r.license_doc_name, license_number=r.license_number,
            list_type=r.list_type, list_reason=r.list_reason, id=r.id, subject_id=r.subject_id,
            display_until_derived=bool(getattr(r, "display_until_derived", False)), region=region,
            subject_type=subject_type, legal_basis=getattr(r, "legal_basis", None))
        t = display_periods.term(display_periods.facts_of(r, region=region, subject_type=subject_type))
        return dataclasses.replace(view, tier=t.tier, tier_derived=t.tier_derived, display_ends=t.ends)

    def public_on(self, day: date | None = None) -> bool:
        """Whether the public may see it on `day` (default today): display_periods.is_public."""
        return display_periods.is_public(self, day)

    @property
    def tier_text(self) -> str:
        """失信程度 as a reply or the console shows it: 一般, or 一般（推定）."""
        return f"{self.tier}（推定）" if self.tier and self.tier_derived else (self.tier or "")

    @property
    def under_objection(self) -> bool:
        return self.display_status == "异议处理中"


@dataclass
class Enquiry:
    subject: subjects.SubjectView
    records: list[RecordView]  # the kinds asked for, in display order
    kinds: tuple[str, ...]  # the kinds asked for
    counts: dict[str, int] = field(default_factory=dict)  # public records per kind, all kinds
    hidden: int | None = None  # records no longer displayed; None where the audience may not know

    @property
    def is_person(self) -> bool:
        return self.subject.subject_type == "自然人"


@dataclass
class CodeLookup:
    check: codes.CodeCheck
    enquiry: Enquiry | None = None


@dataclass
class NameLookup:
    query: str
    too_short: bool = False
    exact: Enquiry | None = None
    candidates: list[subjects.SubjectView] = field(default_factory=list)
    too_many: bool = False


MIN_NAME_CHARS = subjects.TRIGRAM  # shorter fragments match too much and cannot use the name index


def _enquiry(session, subject: subjects.SubjectView, kinds: tuple[str, ...], audience: str,
             today: date | None = None) -> Enquiry:
    """What `audience` may see of the subject on `today` (default: the real today): only records
    display_periods.is_public holds for (subjects.records_of), a natural person's only on the
    lists the display rules name."""
    kinds = kinds or KINDS
    today = today or date.today()
    public = subjects.records_of(session, subject.id, today=today, subject=subject)
    if subject.subject_type == "自然人":
        allowed = rules().person_public_lists
        public = [r for r in public if r.kind == "list" and r.list_type in allowed]
    counts = Counter(r.kind for r in public)
    order = {k: i for i, k in enumerate(KINDS)}
    chosen = sorted((r for r in public if r.kind in kinds), key=lambda r: order[r.kind])  # stable: newest first
    hidden = (subjects.hidden_count(session, subject.id, today=today, subject=subject)
              if audience in rules().hidden_count_audiences else None)
    views = [RecordView.of(r, region=subject.region, subject_type=subject.subject_type) for r in chosen]
    return Enquiry(subject, views, tuple(k for k in KINDS if k in kinds), {k: counts.get(k, 0) for k in KINDS}, hidden)


def _masked(check: codes.CodeCheck) -> str:
    return codes.mask_id_number(check.normalized) if check.kind == "id_number" else check.normalized


def by_code(code_text: str, sender_id: str | None = None, kinds: tuple[str, ...] = (),
            audience: str = ANONYMOUS, channel: str | None = None, today: date | None = None) -> CodeLookup:
    """Raises rate_limit.TooManyLookups, looking nothing up, when the sender asked too often."""
    check = codes.check_code(code_text)
    if not check.valid:
        return CodeLookup(check)
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, audience, sender_id, "lookup_code", "subject",
                                          {"code": _masked(check)}, channel)
        if refused is None:
            subject = subjects.find_by_code(session, check.normalized)
            audit.log(session, audience, sender_id, "lookup_code", "subject", subject.id if subject else None,
                      {"code": _masked(check), "found": subject is not None}, channel=channel)
            return CodeLookup(check, _enquiry(session, subject, kinds, audience, today) if subject else None)
    raise refused  # after the refusal's audit entry has committed


def by_id(subject_id: int, sender_id: str | None = None, kinds: tuple[str, ...] = (),
          audience: str = ANONYMOUS, channel: str | None = None, today: date | None = None) -> Enquiry | None:
    """The subject in focus again (a follow-up question); None if it has gone from the database.
    Raises rate_limit.TooManyLookups when the sender asked too often."""
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, audience, sender_id, "lookup_focus", "subject",
                                          {"subject_id": int(subject_id)}, channel)
        if refused is None:
            row = session.get(Subject, int(subject_id))
            audit.log(session, audience, sender_id, "lookup_focus", "subject", subject_id,
                      {"kinds": list(kinds), "found": row is not None}, channel=channel)
            return _enquiry(session, subjects.SubjectView.of(row), kinds, audience, today) if row else None
    raise refused


def by_name(name: str, sender_id: str | None = None, kinds: tuple[str, ...] = (),
            audience: str = ANONYMOUS, limit: int = 5, channel: str | None = None,
            today: date | None = None) -> NameLookup:
    """Raises rate_limit.TooManyLookups when the sender asked too often (a too short name is no lookup)."""
    result = NameLookup(query=name)
    if len(normalize_name(name)) < MIN_NAME_CHARS:
        result.too_short = True
        return result
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, audience, sender_id, "lookup_name", "subject",
                                          {"query": codes.mask_ids_in_text(name)}, channel)
        if refused is None:
            return _name_lookup(session, result, sender_id, kinds, audience, limit, channel, today)
    raise refused


def _name_lookup(session, result: NameLookup, sender_id: str | None, kinds: tuple[str, ...], audience: str,
                 limit: int, channel: str | None, today: date | None = None) -> NameLookup:
    name = result.query
    found = subjects.search_by_name(session, name, limit=limit)
    if not found.candidates:  # '哈尔滨北辰物流' for '哈尔滨市北辰物流有限公司': try the part after the place
        rest = without_place_prefix(name)
        if rest != name and len(normalize_name(rest)) >= MIN_NAME_CHARS:
            found = subjects.search_by_name(session, rest, limit=limit)
    audit.log(session, audience, sender_id, "lookup_name", "subject",
              found.exact.id if found.exact else None,
              {"query": name, "matches": found.total, "too_many": found.too_many}, channel=channel)
    if found.exact:
        result.exact = _enquiry(session, found.exact, kinds, audience, today)
    elif len(found.candidates) == 1 and not found.too_many:
        # One subject contains the fragment: answering directly saves the user a click.
        result.exact = _enquiry(session, found.candidates[0], kinds, audience, today)
    else:
        result.candidates = found.candidates
        result.too_many = found.too_many
    return result
