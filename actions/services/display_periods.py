"""How long a record may be displayed, and from when it may be repaired: one place for every read path.

A record is public while its status is public (公示中, 异议处理中) and today is on or before its end of
display: the earlier of its 公示截止期 and the end its tier gives under the rules table. Pure
functions over the rules table (services.workflow_rules); no database. Anything with the record's
fields works as input: a RecordView, an ORM Record, or a plain mapping in the demo generator.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from actions.services.dates import NO_EXPIRY, add_months
from actions.services.workflow_rules import TIERS, RuleSet, TierRow, WorkflowRules, rules

PUBLIC_STATUSES = ("公示中", "异议处理中")
_SEPARATORS = "、，,；;/ "


@dataclass(frozen=True)
class Facts:
    """The fields of a record the display rules read."""
    kind: str
    decision_date: dt.date
    category: str = ""
    fine_amount: Decimal | None = None
    severity_tier: str | None = None
    display_until: dt.date | None = None
    valid_to: dt.date | None = None
    agency: str = ""
    text: str = ""  # 违法行为类型, 处罚内容, 处罚依据: where a sector shows
    list_type: str | None = None
    region: str | None = None
    subject_type: str | None = None
    display_status: str = "公示中"


def _get(obj, name, default=None):
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def facts_of(record, region: str | None = None, subject_type: str | None = None) -> Facts:
    """Facts from a RecordView, an ORM Record or a dict (the demo generator's rows)."""
    kind = _get(record, "kind")
    category = _get(record, "category") or (_get(record, "penalty_category") if kind == "penalty" else None)
    text = " ".join(str(x) for x in (_get(record, "violation_type"), _get(record, "content"),
                                     _get(record, "penalty_content"), _get(record, "legal_basis")) if x)
    fine = _get(record, "fine_amount")
    return Facts(kind=kind, decision_date=_get(record, "decision_date"), category=category or "",
                 fine_amount=None if fine is None else Decimal(str(fine)),
                 severity_tier=_get(record, "severity_tier"), display_until=_get(record, "display_until"),
                 valid_to=_get(record, "valid_to"), agency=_get(record, "agency") or "", text=text,
                 list_type=_get(record, "list_type"), region=region or _get(record, "region"),
                 subject_type=subject_type or _get(record, "subject_type"),
                 display_status=_get(record, "display_status") or "公示中")


# ---------------------------------------------------------------- tiers

def _parts(category: str, table: WorkflowRules) -> list[str]:
    for old, new in table.tiers.rewrite.items():
        category = category.replace(old, new)
    for sep in _SEPARATORS:
        category = category.replace(sep, "|")
    return [p for p in category.replace("并处", "|").replace("和", "|").split("|") if p]


def _gravest(tiers) -> str | None:
    found = [t for t in tiers if t]
    return max(found, key=TIERS.index) if found else None


def _amount_row_matches(row: TierRow, f: Facts, parts: list[str]) -> bool:
    if f.fine_amount is None or row.max_fine_wan is None or not f.fine_amount < row.max_fine_wan:
        return False
    if row.region and not (f.region or "").startswith(row.region):
        return False
    if row.agency_contains and not any(a in f.agency for a in row.agency_contains):
        return False
    if row.subject_types and f.subject_type not in row.subject_types:
        return False
    return not row.categories_only or all(any(c in p for c in row.categories_only) for p in parts)


@dataclass(frozen=True)
class Tier:
    tier: str | None
    derived: bool  # 推定: the source did not state it
    source: str


def tier_of(f: Facts, table: WorkflowRules | None = None) -> Tier:
    """The record's 失信程度: as the source states it, else derived from its penalty types (the gravest
    wins; only warnings and 通报批评 are 轻微; an amount line only where a sector row gives one; an
    unknown type or amount is the default, 一般). List entries take their list's tier, if it has one."""
    table = table or rules()
    if f.severity_tier in TIERS:
        return Tier(f.severity_tier, False, "")
    if f.kind == "list":
        rule = table.lists.get(f.list_type or "")
        tier = rule.tier if rule else None
        return Tier(tier, False, rule.source if rule and tier else "")
    if f.kind != "penalty":
        return Tier(None, False, "")
    parts = _parts(f.category, table)
    for row in table.tiers.amount_rows:
        if _amount_row_matches(row, f, parts):
            return Tier(row.tier, True, row.source)
    by_type = _gravest(
        row.tier for row in table.tiers.rows if row.categories and any(c in p for p in parts for c in row.categories))
    only = [row.tier for row in table.tiers.rows
            if row.categories_only and parts and all(any(c in p for c in row.categories_only) for p in parts)]
    tier = _gravest([by_type, *only]) or table.tiers.default
    return Tier(tier, True, table.tiers.source)


# ---------------------------------------------------------------- terms

@dataclass(frozen=True)
class Term:
    """A record's display term. `ends` is the last day it may be shown (None: no end known);
    `repairable_from` the first day a repair application can succeed on the minimum period."""
    tier: str | None
    tier_derived: bool
    ends: dt.date | None
    end_by: str  # "record" (its 公示截止期 or 有效期至) or "rule" (the tier's maximum)
    law_end: dt.date | None  # the tier's maximum under the applicable rules
    repairable_from: dt.date | None
    rule_sets: tuple[RuleSet, ...]  # the rules the term was taken from (two for a transitional record)
    transitional: bool  # decided before the current rule: the more favourable of both applied
    restriction: str = ""  # the restriction row that extended the maximum (总局令第45号第十三条)
    tier_source: str = ""

    def public_on(self, day: dt.date) -> bool:
        return self.ends is None or day <= self.ends

    @property
    def rule_names(self) -> str:
        return "、".join(r.name for r in self.rule_sets)


def _sector_minimum(rule_set: RuleSet, f: Facts) -> int | None:
    haystack = f"{f.agency} {f.text} {f.category}"
    found = [m.min_months for m in rule_set.sector_minimums if any(k in haystack for k in m.keywords)]
    return max(found) if found else None


def _period(rule_set: RuleSet, tier: str, f: Facts) -> tuple[int, int]:
    p = rule_set.periods[tier]
    lo = _sector_minimum(rule_set, f)
    return max(p.min_months, lo) if lo is not None else p.min_months, p.max_months


def _restriction(f: Facts, table: WorkflowRules, law_end: dt.date) -> tuple[dt.date, str]:
    """A market-regulation 限制从业 longer than 3 years: displayed as long as the restriction (its 处罚有效期)."""
    for row in table.restriction_rows:
        if (any(a in f.agency for a in row.agency_contains) and any(c in f.category for c in row.categories)
                and f.valid_to and f.valid_to < NO_EXPIRY
                and f.valid_to > add_months(f.decision_date, row.longer_than_months)):
            return max(law_end, f.valid_to), row.id
    return law_end, ""


def _record_end(f: Facts) -> dt.date | None:
    if f.display_until:
        return f.display_until
    if f.kind == "list" and f.valid_to and f.valid_to < NO_EXPIRY:
        return f.valid_to
    return None


def term(f: Facts, table: WorkflowRules | None = None) -> Term:
    table = table or rules()
    t = tier_of(f, table)
    record_end = _record_end(f)
    if t.tier is None:  # licences, lists without a tier: the record's own end only
        return Term(None, False, record_end, "record", None, None, (), False)
    sets = table.rule_sets_for(f.decision_date)
    periods = [_period(s, t.tier, f) for s in sets]
    # The more favourable to the subject: the shorter minimum and the shorter maximum.
    lo, hi = min(p[0] for p in periods), min(p[1] for p in periods)
    if f.kind == "list":
        rule = table.lists.get(f.list_type or "")
        lo = rule.min_months if rule and rule.min_months else lo
    law_end, restriction = _restriction(f, table, add_months(f.decision_date, hi))
    if record_end and record_end <= law_end:
        ends, end_by = record_end, "record"
    else:
        ends, end_by = law_end, "rule"
    return Term(t.tier, t.derived, ends, end_by, law_end, add_months(f.decision_date, lo), sets, len(sets) > 1,
                restriction, t.source)


def derived_display_until(f: Facts, table: WorkflowRules | None = None) -> dt.date | None:
    """The 公示截止期 an imported record without one gets: its tier's maximum (None for licences)."""
    return term(f, table).law_end


def is_public(record, today: dt.date | None = None, table: WorkflowRules | None = None) -> bool:
    """The one display rule: a public status, and today on or before the end of display."""
    f = record if isinstance(record, Facts) else facts_of(record)
    if f.display_status not in PUBLIC_STATUSES:
        return False
    return term(f, table).public_on(today or dt.date.today())


def lapsed(record, today: dt.date | None = None, table: WorkflowRules | None = None) -> bool:
    """Public by status but past its end of display: `xinyong records expire` moves it to 已到期."""
    f = record if isinstance(record, Facts) else facts_of(record)
    return f.display_status in PUBLIC_STATUSES and not term(f, table).public_on(today or dt.date.today())
