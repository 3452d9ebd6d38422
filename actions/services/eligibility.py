"""Credit repair eligibility: may this record be repaired now, and if not, why and from when?

Pure functions over a RecordView and the rules table; no database. The display term (tier, minimum,
maximum, the rule sets applied) comes from services.display_periods, the one place that decides
what is displayed. 36号 applies from 2026-04-01; an earlier decision gets, per record, whichever of
58号 and 36号 is more favourable to the subject (the platform's reading; replies say so).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from actions.services import display_periods
from actions.services.dates import format_both
from actions.services.enquiry import RecordView
from actions.services.workflow_rules import WorkflowRules, rules

# Why a record is or is not repairable; the reply words each one (filing_text).
ELIGIBLE = "eligible"
LICENCE = "licence"  # nothing to repair
NOT_DISPLAYED = "not_displayed"  # already repaired, revoked or expired
UNDER_OBJECTION = "under_objection"
TOO_EARLY = "too_early"  # the minimum display period has not passed
PAST_MAXIMUM = "past_maximum"  # display has ended by law: nothing to repair
LIST_NOT_HERE = "list_not_here"  # a list whose exit another body handles (routed, with that body)
RED_LIST = "red_list"  # an incentive list: never a repair target
NOT_PERFORMED = "not_performed"  # the fine is not paid in full or the rectification is not done

# The answers to "罚款是否已缴清、整改是否完成".
PERFORMED, NOT_YET, INSTALMENTS = "yes", "no", "instalments"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    tier: str | None = None
    tier_derived: bool = False
    rule_set: str | None = None  # the rule set(s) applied, for the citation
    transitional: bool = False  # decided before 36号: the more favourable of 58号 and 36号 applied
    earliest: dt.date | None = None  # the first day an application can succeed
    display_ends: dt.date | None = None  # the last day of display
    source: str = ""  # where the deciding rule comes from
    exit_condition: str = ""  # list entries
    handled_by: str = ""  # the body that handles a list this platform does not
    restriction: str = ""  # 总局令第45号第十三条 extended the display

    @property
    def earliest_text(self) -> str:
        return format_both(self.earliest) if self.earliest else ""

    @property
    def display_ends_text(self) -> str:
        return format_both(self.display_ends) if self.display_ends else ""


def tier_of(record: RecordView, table: WorkflowRules | None = None) -> tuple[str | None, bool]:
    """The record's severity tier, and whether it was derived (推定: the source gave none)."""
    t = display_periods.tier_of(display_periods.facts_of(record), table)
    return t.tier, t.derived


def _common(term: display_periods.Term) -> dict:
    return dict(tier=term.tier, tier_derived=term.tier_derived, rule_set=term.rule_names or None,
                transitional=term.transitional, display_ends=term.ends, restriction=term.restriction)


def _list_entry(record: RecordView, term: display_periods.Term, today: dt.date, table: WorkflowRules,
                performed: str | None) -> Eligibility:
    rule = table.lists.get(record.list_type or "")
    if rule is None:
        return Eligibility(False, LIST_NOT_HERE, exit_condition="移出条件请向认定部门咨询", handled_by="认定部门")
    if rule.red:
        return Eligibility(False, RED_LIST, exit_condition=rule.exit, source=rule.source)
    if not rule.repairable:
        return Eligibility(False, LIST_NOT_HERE, exit_condition=rule.exit, source=rule.source,
                           handled_by=rule.handled_by)
    earliest = term.repairable_from or record.decision_date
    common = dict(_common(term), exit_condition=rule.exit, source=rule.source, earliest=earliest)
    if today < earliest:
        return Eligibility(False, TOO_EARLY, **common)
    if performed not in (None, PERFORMED):
        return Eligibility(False, NOT_PERFORMED, **common)
    return Eligibility(True, ELIGIBLE, **common)


def _penalty(term: display_periods.Term, today: dt.date, performed: str | None) -> Eligibility:
    common = dict(_common(term), source=term.rule_names)
    if today < term.repairable_from:
        return Eligibility(False, TOO_EARLY, earliest=term.repairable_from, **common)
    if performed not in (None, PERFORMED):
        return Eligibility(False, NOT_PERFORMED, earliest=term.repairable_from, **common)
    return Eligibility(True, ELIGIBLE, earliest=term.repairable_from, **common)


def assess(record: RecordView, today: dt.date | None = None, table: WorkflowRules | None = None,
           performed: str | None = None, region: str | None = None) -> Eligibility:
    """Whether the record may be repaired on `today` (default: the real today). `performed` is the
    applicant's answer to whether the duties are fully performed (None: not asked yet)."""
    today = today or dt.date.today()
    table = table or rules()
    if record.kind == "license":
        return Eligibility(False, LICENCE)
    rule = table.lists.get(record.list_type or "") if record.kind == "list" else None
    if rule is not None and rule.red:  # before anything else: never offered, whatever its status
        return Eligibility(False, RED_LIST, exit_condition=rule.exit, source=rule.source)
    if record.display_status not in display_periods.PUBLIC_STATUSES:
        return Eligibility(False, NOT_DISPLAYED)
    if record.display_status == "异议处理中":
        return Eligibility(False, UNDER_OBJECTION)
    term = display_periods.term(display_periods.facts_of(record, region=region), table)
    if not term.public_on(today):
        return Eligibility(False, PAST_MAXIMUM, source=term.rule_names, **_common(term))
    if record.kind == "list":
        return _list_entry(record, term, today, table, performed)
    return _penalty(term, today, performed)
