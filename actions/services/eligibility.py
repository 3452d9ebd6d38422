"""Credit repair eligibility: may this record be repaired now, and if not, from when?

Pure functions over a RecordView and the rules table (services.workflow_rules); no database.
The rule set is chosen by the record's decision date (令2023年第58号 before 2026-04-01, 令2025年
第36号 from then on); periods are counted from the decision date.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from actions.services.enquiry import RecordView
from actions.services.dates import add_months, format_both
from actions.services.workflow_rules import WorkflowRules, rules

# Why a record is or is not repairable; the reply words each one (repair_text).
ELIGIBLE = "eligible"
LICENCE = "licence"  # nothing to repair
NOT_DISPLAYED = "not_displayed"  # already repaired, revoked or expired
UNDER_OBJECTION = "under_objection"
TOO_EARLY = "too_early"  # the minimum display period has not passed
NOT_EARLY = "not_early"  # this kind of penalty cannot be repaired early: display ends at the maximum
PAST_MAXIMUM = "past_maximum"  # display should have ended: object (超过公示期限) rather than repair
LIST_NOT_HERE = "list_not_here"  # a list whose exit is not handled by the credit platform


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    tier: str | None = None
    tier_derived: bool = False
    rule_set: str | None = None  # the rule set's name, for the citation
    earliest: dt.date | None = None  # the first day an application can succeed
    display_ends: dt.date | None = None  # the maximum display period's last day
    source: str = ""  # where the deciding rule comes from
    exit_condition: str = ""  # list entries

    @property
    def earliest_text(self) -> str:
        return format_both(self.earliest) if self.earliest else ""

    @property
    def display_ends_text(self) -> str:
        return format_both(self.display_ends) if self.display_ends else ""


def tier_of(record: RecordView, table: WorkflowRules | None = None) -> tuple[str, bool]:
    """The record's severity tier, and whether it was derived (the source gave none)."""
    table = table or rules()
    if record.severity_tier:
        return record.severity_tier, False
    return table.derive_tier(record.category, record.fine_amount), True


def _penalty(record: RecordView, today: dt.date, table: WorkflowRules) -> Eligibility:
    tier, derived = tier_of(record, table)
    rule_set = table.rule_set_for(record.decision_date)
    period = rule_set.periods[tier]
    earliest = add_months(record.decision_date, period.min_months)
    display_ends = record.display_until or add_months(record.decision_date, period.max_months)
    common = dict(tier=tier, tier_derived=derived, rule_set=rule_set.name, display_ends=display_ends)
    if today > display_ends:
        return Eligibility(False, PAST_MAXIMUM, earliest=None, source=rule_set.name, **common)
    category = record.category or ""
    if any(c in category for c in table.not_early_categories):
        return Eligibility(False, NOT_EARLY, earliest=display_ends, source=table.not_early_source, **common)
    if today < earliest:
        return Eligibility(False, TOO_EARLY, earliest=earliest, source=rule_set.name, **common)
    return Eligibility(True, ELIGIBLE, earliest=earliest, source=rule_set.name, **common)


def _list_entry(record: RecordView, today: dt.date, table: WorkflowRules) -> Eligibility:
    rule = table.lists.get(record.list_type or "")
    if rule is None:
        return Eligibility(False, LIST_NOT_HERE, exit_condition="请向认定部门咨询移出条件", source="")
    if not rule.repairable:
        return Eligibility(False, LIST_NOT_HERE, exit_condition=rule.exit, source=rule.source)
    earliest = add_months(record.decision_date, rule.min_months)
    if today < earliest:
        return Eligibility(False, TOO_EARLY, earliest=earliest, exit_condition=rule.exit, source=rule.source)
    return Eligibility(True, ELIGIBLE, earliest=earliest, exit_condition=rule.exit, source=rule.source)


def assess(record: RecordView, today: dt.date | None = None, table: WorkflowRules | None = None) -> Eligibility:
    """Whether the record may be repaired on `today` (default: the real today)."""
    today = today or dt.date.today()
    table = table or rules()
    if record.kind == "license":
        return Eligibility(False, LICENCE)
    if record.display_status not in ("公示中", "异议处理中"):
        return Eligibility(False, NOT_DISPLAYED)
    if record.display_status == "异议处理中":
        return Eligibility(False, UNDER_OBJECTION)
    if record.kind == "list":
        return _list_entry(record, today, table)
    return _penalty(record, today, table)
