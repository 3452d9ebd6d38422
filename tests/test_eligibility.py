"""The repair eligibility engine and the rules table it reads (no database)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from actions.services import eligibility as elig
from actions.services.enquiry import RecordView
from actions.services.dates import add_months, add_working_days, format_both
from actions.services.workflow_rules import load, rules

TODAY = dt.date(2026, 11, 30)


def penalty(decided, category="罚款", fine=None, tier=None, status="公示中", display_until=None):
    return RecordView(kind="penalty", doc_number="庆测罚〔2026〕1号", decision_date=decided, agency="大庆市测试局",
                      display_status=status, punishment_suspended=False, severity_tier=tier,
                      display_until=display_until, category=category,
                      fine_amount=None if fine is None else Decimal(str(fine)))


def listed(list_type, decided, status="公示中"):
    return RecordView(kind="list", doc_number="庆测名〔2026〕1号", decision_date=decided, agency="大庆市测试局",
                      display_status=status, punishment_suspended=False, list_type=list_type)


def test_the_rules_table_cites_a_source_and_effective_date_for_every_rule_set():
    table = rules()
    assert [r.id for r in table.rule_sets] == ["ndrc-2023-58", "ndrc-2025-36"]
    assert table.rule_set_for(dt.date(2026, 3, 31)).id == "ndrc-2023-58"
    assert table.rule_set_for(dt.date(2026, 4, 1)).id == "ndrc-2025-36"
    assert "第36号" in table.rule_set_for(dt.date(2026, 4, 1)).name
    assert table.objection_limits.source and table.repair_limits.source


@pytest.mark.parametrize("category, fine, tier", [
    ("警告", None, "轻微"),
    ("通报批评", None, "轻微"),
    ("罚款", 0.3, "轻微"),
    ("罚款", 2.5, "一般"),
    ("罚款、没收违法所得", 0.3, "一般"),
    ("罚款", 150, "严重"),
    ("吊销许可证件", None, "严重"),
    ("罚款、责令停产停业", 1, "严重"),
])
def test_a_tier_is_derived_from_category_and_fine_when_the_record_has_none(category, fine, tier):
    got, derived = elig.tier_of(penalty(TODAY, category, fine))
    assert (got, derived) == (tier, True)


def test_a_stated_tier_wins_over_the_table():
    assert elig.tier_of(penalty(TODAY, "罚款", 500, tier="一般")) == ("一般", False)


def test_a_general_penalty_under_the_2025_rule_waits_three_months():
    decided = dt.date(2026, 9, 10)
    verdict = elig.assess(penalty(decided, fine=2), today=TODAY)
    assert not verdict.eligible and verdict.reason == elig.TOO_EARLY
    assert verdict.earliest == dt.date(2026, 12, 10)
    assert verdict.earliest_text == "2026年12月10日（2026-12-10）"
    assert verdict.tier == "一般" and verdict.tier_derived
    assert "第36号" in verdict.rule_set
    assert elig.assess(penalty(decided, fine=2), today=dt.date(2026, 12, 10)).eligible


def test_a_serious_penalty_under_the_2025_rule_waits_a_year():
    verdict = elig.assess(penalty(dt.date(2026, 5, 6), tier="严重"), today=TODAY)
    assert verdict.reason == elig.TOO_EARLY and verdict.earliest == dt.date(2027, 5, 6)
    assert verdict.display_ends == dt.date(2029, 5, 6)


def test_a_serious_penalty_before_april_2026_follows_the_earlier_rule():
    verdict = elig.assess(penalty(dt.date(2026, 2, 1), tier="严重"), today=TODAY)
    assert verdict.eligible and "第58号" in verdict.rule_set and verdict.earliest == dt.date(2026, 5, 1)


def test_a_minor_penalty_can_be_repaired_at_once_and_ends_after_three_months():
    verdict = elig.assess(penalty(dt.date(2026, 10, 12), "警告", tier="轻微"), today=TODAY)
    assert verdict.eligible and verdict.display_ends == dt.date(2027, 1, 12)


def test_past_the_maximum_period_the_answer_is_an_objection_not_a_repair():
    verdict = elig.assess(penalty(dt.date(2026, 5, 1), "警告", tier="轻微"), today=TODAY)
    assert verdict.reason == elig.PAST_MAXIMUM and not verdict.eligible


def test_a_revoked_licence_penalty_cannot_be_repaired_early():
    verdict = elig.assess(penalty(dt.date(2026, 1, 5), "吊销许可证件"), today=TODAY)
    assert verdict.reason == elig.NOT_EARLY
    assert verdict.earliest == verdict.display_ends == dt.date(2029, 1, 5)
    assert "总局令第45号" in verdict.source


@pytest.mark.parametrize("status, reason", [("异议处理中", elig.UNDER_OBJECTION), ("已修复停止公示", elig.NOT_DISPLAYED),
                                            ("已撤销", elig.NOT_DISPLAYED)])
def test_records_not_on_plain_display_are_not_repaired(status, reason):
    assert elig.assess(penalty(dt.date(2025, 1, 1), status=status), today=TODAY).reason == reason


def test_licences_need_no_repair():
    record = RecordView(kind="license", doc_number="x", decision_date=TODAY, agency="a", display_status="公示中",
                        punishment_suspended=False)
    assert elig.assess(record, today=TODAY).reason == elig.LICENCE


def test_list_entries_carry_their_exit_conditions():
    court = elig.assess(listed("失信被执行人", dt.date(2025, 1, 1)), today=TODAY)
    assert court.reason == elig.LIST_NOT_HERE and "人民法院" in court.exit_condition
    serious = elig.assess(listed("严重失信主体名单", dt.date(2026, 3, 1)), today=TODAY)
    assert serious.reason == elig.TOO_EARLY and serious.earliest == dt.date(2027, 3, 1) and serious.exit_condition
    abnormal = elig.assess(listed("经营异常名录", dt.date(2026, 11, 1)), today=TODAY)
    assert abnormal.eligible and "年度报告" in abnormal.exit_condition


def test_another_region_changes_the_table_not_the_code(tmp_path):
    text = (load.__globals__["RULES_FILE"]).read_text(encoding="utf-8")
    changed = tmp_path / "workflow.yml"
    changed.write_text(text.replace("一般: {min_months: 3, max_months: 12}", "一般: {min_months: 6, max_months: 12}"),
                       encoding="utf-8")
    table = load(changed)
    verdict = elig.assess(penalty(dt.date(2026, 9, 10), fine=2), today=TODAY, table=table)
    assert verdict.earliest == dt.date(2027, 3, 10)


def test_date_arithmetic():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)  # Friday → Monday
    assert add_working_days(dt.date(2026, 11, 30), 5) == dt.date(2026, 12, 7)
    assert format_both(dt.date(2026, 12, 10)) == "2026年12月10日（2026-12-10）"
