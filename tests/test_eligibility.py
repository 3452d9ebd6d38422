"""The display and repair rules, table-driven (no database): each case names the record, the day it is
asked, whether the duties are performed, and what the law gives, with its dates and cited source.

Expected dates are written out by hand from ../shared/DOMAIN.md (36号 from 2026-04-01: 轻微 0–3 months,
一般 3–12, 严重 12–36; 58号 before: 3–36 months, 12 months minimum for 特种设备/安全生产/消防; for a
decision before 2026-04-01 the more favourable of the two, for the minimum and for the maximum), not
computed with the code under test.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from actions.services import display_periods as dp
from actions.services import eligibility as elig
from actions.services.dates import add_months, add_working_days, format_both
from actions.services.enquiry import RecordView
from actions.services.workflow_rules import RULES_FILE, load, rules

TODAY = dt.date(2026, 12, 5)
R36, R58, SAMR45, COURT = "第36号", "第58号", "总局令第45号", "法释〔2013〕17号"
D = dt.date


def penalty(decided, category="罚款", fine=None, tier=None, status="公示中", display_until=None,
            agency="大庆市测试局", valid_to=None, content=None):
    return RecordView(kind="penalty", doc_number="庆测罚〔2026〕1号", decision_date=decided, agency=agency,
                      display_status=status, punishment_suspended=False, severity_tier=tier,
                      display_until=display_until, category=category, content=content, valid_to=valid_to,
                      fine_amount=None if fine is None else Decimal(str(fine)))


def listed(list_type, decided, status="公示中", valid_to=None):
    return RecordView(kind="list", doc_number="庆测名〔2026〕1号", decision_date=decided, agency="大庆市测试局",
                      display_status=status, punishment_suspended=False, list_type=list_type, valid_to=valid_to)


@dataclass
class Case:
    name: str
    record: RecordView
    reason: str
    tier: str | None = None
    derived: bool = True
    earliest: dt.date | None = None
    ends: dt.date | None = None
    source: tuple[str, ...] = ()  # each must appear in the verdict's source or rule set
    today: dt.date = TODAY
    performed: str | None = None
    transitional: bool = False


MARKET = "大庆市市场监督管理局"
CASES = [
    # ---- decided on or after 2026-04-01: 36号 alone
    Case("warning-36-eligible-at-once", penalty(D(2026, 10, 12), "警告"), elig.ELIGIBLE, "轻微",
         earliest=D(2026, 10, 12), ends=D(2027, 1, 12), source=(R36,)),
    Case("warning-36-lapsed", penalty(D(2026, 8, 1), "警告"), elig.PAST_MAXIMUM, "轻微",
         ends=D(2026, 11, 1), source=(R36,)),
    Case("warning-36-not-performed", penalty(D(2026, 10, 12), "警告"), elig.NOT_PERFORMED, "轻微",
         earliest=D(2026, 10, 12), ends=D(2027, 1, 12), source=(R36,), performed=elig.NOT_YET),
    Case("criticism-36-last-day-shown", penalty(D(2026, 9, 5), "通报批评"), elig.ELIGIBLE, "轻微",
         earliest=D(2026, 9, 5), ends=D(2026, 12, 5), source=(R36,)),
    Case("criticism-36-day-after-end", penalty(D(2026, 9, 4), "通报批评"), elig.PAST_MAXIMUM, "轻微",
         ends=D(2026, 12, 4), source=(R36,)),
    Case("simple-procedure-36", penalty(D(2026, 11, 1), "简易程序警告"), elig.ELIGIBLE, "轻微",
         earliest=D(2026, 11, 1), ends=D(2027, 2, 1), source=(R36,)),
    Case("fine-unknown-amount-is-general", penalty(D(2026, 9, 10), "罚款"), elig.TOO_EARLY, "一般",
         earliest=D(2026, 12, 10), ends=D(2027, 9, 10), source=(R36,)),
    Case("small-fine-is-general-without-a-sector-row", penalty(D(2026, 6, 1), "罚款", fine=0.1), elig.ELIGIBLE,
         "一般", earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,)),
    Case("large-fine-is-general-no-national-line", penalty(D(2026, 6, 1), "罚款", fine=150), elig.ELIGIBLE, "一般",
         earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,)),
    Case("fine-instalments-running", penalty(D(2026, 6, 1), "罚款", fine=2), elig.NOT_PERFORMED, "一般",
         earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,), performed=elig.INSTALMENTS),
    Case("fine-performed", penalty(D(2026, 6, 1), "罚款", fine=2), elig.ELIGIBLE, "一般",
         earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,), performed=elig.PERFORMED),
    Case("warning-and-fine-takes-the-graver", penalty(D(2026, 6, 1), "警告、罚款", fine=0.2), elig.ELIGIBLE,
         "一般", earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,)),
    Case("suspend-or-revoke-reads-as-suspend", penalty(D(2026, 6, 1), "暂扣或者吊销许可证"), elig.ELIGIBLE, "一般",
         earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,)),
    Case("confiscation-is-general", penalty(D(2026, 5, 1), "没收违法所得"), elig.ELIGIBLE, "一般",
         earliest=D(2026, 8, 1), ends=D(2027, 5, 1), source=(R36,)),
    Case("revocation-36-too-early", penalty(D(2026, 6, 1), "吊销许可证件"), elig.TOO_EARLY, "严重",
         earliest=D(2027, 6, 1), ends=D(2029, 6, 1), source=(R36,)),
    Case("closure-on-the-first-day-of-36", penalty(D(2026, 4, 1), "罚款、责令停产停业", fine=1), elig.TOO_EARLY,
         "严重", earliest=D(2027, 4, 1), ends=D(2029, 4, 1), source=(R36,)),
    Case("stated-tier-wins", penalty(D(2026, 6, 1), "吊销许可证件", tier="一般"), elig.ELIGIBLE, "一般",
         derived=False, earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,)),
    Case("samr-restriction-over-3-years-displayed-as-long",
         penalty(D(2026, 6, 1), "限制从业", agency=MARKET, valid_to=D(2031, 6, 1)), elig.TOO_EARLY, "严重",
         earliest=D(2027, 6, 1), ends=D(2031, 6, 1), source=(R36,)),
    Case("restriction-elsewhere-ends-at-3-years",
         penalty(D(2026, 6, 1), "限制从业", agency="大庆市人力资源和社会保障局", valid_to=D(2031, 6, 1)),
         elig.TOO_EARLY, "严重", earliest=D(2027, 6, 1), ends=D(2029, 6, 1), source=(R36,)),
    Case("display-until-earlier-than-the-rule", penalty(D(2026, 6, 1), "罚款", display_until=D(2026, 12, 1)),
         elig.PAST_MAXIMUM, "一般", ends=D(2026, 12, 1), source=(R36,)),
    Case("display-until-later-than-the-rule-is-cut", penalty(D(2026, 6, 1), "罚款", display_until=D(2029, 6, 1)),
         elig.ELIGIBLE, "一般", earliest=D(2026, 9, 1), ends=D(2027, 6, 1), source=(R36,)),
    # ---- decided before 2026-04-01: the more favourable of 58号 and 36号, per record
    Case("fine-58-era-ends-by-36s-year", penalty(D(2026, 3, 2), "罚款"), elig.ELIGIBLE, "一般",
         earliest=D(2026, 6, 2), ends=D(2027, 3, 2), source=(R58, R36), transitional=True),
    Case("fine-last-day-of-58", penalty(D(2026, 3, 31), "罚款", fine=3), elig.ELIGIBLE, "一般",
         earliest=D(2026, 6, 30), ends=D(2027, 3, 31), source=(R58, R36), transitional=True),
    Case("warning-58-era-lapsed-by-36", penalty(D(2026, 3, 2), "警告"), elig.PAST_MAXIMUM, "轻微",
         ends=D(2026, 6, 2), source=(R58, R36), transitional=True),
    Case("fine-2025-lapsed-though-58-said-3-years", penalty(D(2025, 1, 15), "罚款"), elig.PAST_MAXIMUM, "一般",
         ends=D(2026, 1, 15), source=(R58, R36), transitional=True),
    Case("fine-58-era-not-performed", penalty(D(2025, 12, 31), "罚款"), elig.NOT_PERFORMED, "一般",
         earliest=D(2026, 3, 31), ends=D(2026, 12, 31), source=(R58, R36), performed=elig.NOT_YET,
         transitional=True),
    Case("revocation-58-era-minimum-of-58", penalty(D(2025, 6, 1), "吊销营业执照"), elig.ELIGIBLE, "严重",
         earliest=D(2025, 9, 1), ends=D(2028, 6, 1), source=(R58, R36), transitional=True),
    Case("revocation-58-era-special-equipment",
         penalty(D(2025, 6, 1), "吊销许可证件", agency=MARKET, content="特种设备使用单位未经检验使用"),
         elig.ELIGIBLE, "严重", earliest=D(2026, 6, 1), ends=D(2028, 6, 1), source=(R58, R36), transitional=True),
    Case("closure-58-era-work-safety", penalty(D(2025, 6, 1), "责令停产停业", agency="大庆市应急管理局"),
         elig.ELIGIBLE, "严重", earliest=D(2026, 6, 1), ends=D(2028, 6, 1), source=(R58, R36), transitional=True),
    Case("closure-58-era-fire-too-early", penalty(D(2026, 1, 10), "责令停产停业", agency="大庆市消防救援支队"),
         elig.TOO_EARLY, "严重", earliest=D(2027, 1, 10), ends=D(2029, 1, 10), source=(R58, R36),
         transitional=True),
    Case("fine-58-era-general-sector-minimum-not-worse-than-36",
         penalty(D(2026, 1, 10), "罚款", agency="大庆市应急管理局"), elig.ELIGIBLE, "一般",
         earliest=D(2026, 4, 10), ends=D(2027, 1, 10), source=(R58, R36), transitional=True),
    Case("before-58-took-effect", penalty(D(2023, 4, 30), "罚款"), elig.PAST_MAXIMUM, "一般",
         ends=D(2024, 4, 30), source=(R58, R36), transitional=True),
    # ---- lists
    Case("serious-list-36-too-early", listed("严重失信主体名单", D(2026, 5, 1)), elig.TOO_EARLY, "严重",
         derived=False, earliest=D(2027, 5, 1), ends=D(2029, 5, 1), source=(R36,)),
    Case("serious-list-58-era", listed("严重失信主体名单", D(2025, 3, 1)), elig.ELIGIBLE, "严重", derived=False,
         earliest=D(2025, 6, 1), ends=D(2028, 3, 1), source=(R36,), transitional=True),
    Case("serious-list-not-performed", listed("严重失信主体名单", D(2025, 3, 1)), elig.NOT_PERFORMED, "严重",
         derived=False, earliest=D(2025, 6, 1), ends=D(2028, 3, 1), source=(R36,), performed=elig.INSTALMENTS,
         transitional=True),
    Case("serious-list-past-3-years", listed("严重失信主体名单", D(2023, 6, 1)), elig.PAST_MAXIMUM, "严重",
         derived=False, ends=D(2026, 6, 1), transitional=True),
    Case("abnormal-operations-routed", listed("经营异常名录", D(2026, 11, 1)), elig.LIST_NOT_HERE, None,
         source=("国家企业信用信息公示系统",)),
    Case("abnormal-operations-lapsed", listed("经营异常名录", D(2026, 6, 1)), elig.PAST_MAXIMUM, "轻微",
         derived=False, ends=D(2026, 9, 1)),
    Case("court-list-routed", listed("失信被执行人", D(2025, 1, 1)), elig.LIST_NOT_HERE, None, source=(COURT,)),
    Case("court-list-past-its-end", listed("失信被执行人", D(2024, 1, 1), valid_to=D(2026, 11, 1)),
         elig.PAST_MAXIMUM, None, ends=D(2026, 11, 1)),
    Case("tax-list-routed", listed("重大税收违法失信主体", D(2026, 2, 1)), elig.LIST_NOT_HERE, None,
         source=("税务总局令第54号",)),
    Case("red-list-never-a-target", listed("守信红名单", D(2026, 2, 1)), elig.RED_LIST, None, source=("大庆",)),
    Case("red-list-even-when-not-displayed", listed("守信红名单", D(2026, 2, 1), status="已到期"), elig.RED_LIST,
         None, source=("大庆",)),
    Case("key-attention-list-daqing", listed("重点关注名单", D(2026, 10, 1)), elig.ELIGIBLE, None,
         earliest=D(2026, 10, 1), source=("大庆",)),
    Case("key-attention-list-not-performed", listed("重点关注名单", D(2026, 10, 1)), elig.NOT_PERFORMED, None,
         earliest=D(2026, 10, 1), source=("大庆",), performed=elig.NOT_YET),
    Case("big-data-warning-list", listed("大数据警示名单", D(2026, 10, 1)), elig.ELIGIBLE, None,
         earliest=D(2026, 10, 1), source=("大庆",)),
    # ---- statuses and kinds
    Case("under-objection", penalty(D(2026, 6, 1), status="异议处理中"), elig.UNDER_OBJECTION, None),
    Case("repaired", penalty(D(2026, 6, 1), status="已修复停止公示"), elig.NOT_DISPLAYED, None),
    Case("revoked", penalty(D(2026, 6, 1), status="已撤销"), elig.NOT_DISPLAYED, None),
    Case("expired", penalty(D(2026, 6, 1), status="已到期"), elig.NOT_DISPLAYED, None),
    Case("licence", RecordView(kind="license", doc_number="x", decision_date=TODAY, agency="a",
                               display_status="公示中", punishment_suspended=False), elig.LICENCE, None),
]


def test_the_table_has_at_least_forty_cases_over_every_tier_era_and_list():
    assert len(CASES) >= 40
    assert {c.tier for c in CASES} >= {"轻微", "一般", "严重"}
    assert any(c.transitional for c in CASES) and any(not c.transitional and c.tier for c in CASES)
    assert {c.record.list_type for c in CASES} >= set(rules().lists)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_display_and_repair_by_law(case: Case):
    verdict = elig.assess(case.record, today=case.today, performed=case.performed)
    assert verdict.reason == case.reason
    assert verdict.eligible == (case.reason == elig.ELIGIBLE)
    if case.tier:
        assert (verdict.tier, verdict.tier_derived) == (case.tier, case.derived)
    if case.earliest:
        assert verdict.earliest == case.earliest
    if case.ends:
        assert verdict.display_ends == case.ends
    cited = f"{verdict.source} {verdict.rule_set or ''} {verdict.exit_condition}"
    for needle in case.source:
        assert needle in cited, (needle, cited)
    assert verdict.transitional == case.transitional
    assert "总局令第45号" not in verdict.source  # 45号 is a display rule, never a repair rule


@pytest.mark.parametrize("case", [c for c in CASES if c.record.kind == "penalty" and c.ends], ids=lambda c: c.name)
def test_a_record_is_public_exactly_until_its_end(case: Case):
    record = case.record
    if record.display_status not in dp.PUBLIC_STATUSES:
        return
    assert dp.is_public(record, case.ends)
    assert not dp.is_public(record, case.ends + dt.timedelta(days=1))
    assert dp.lapsed(record, case.ends + dt.timedelta(days=1)) and not dp.lapsed(record, case.ends)


def test_the_transitional_record_of_the_issue_no_longer_shows_until_2029():
    verdict = elig.assess(penalty(D(2026, 3, 2), "罚款"), today=TODAY)
    assert verdict.display_ends == D(2027, 3, 2)  # 36号's year, not 58号's three years
    assert "失信行为纠正后的信用信息修复管理办法（试行）" in verdict.rule_set  # 58号's real title


def test_the_rules_table_cites_a_source_and_effective_date_everywhere():
    table = rules()
    assert [r.id for r in table.rule_sets] == ["ndrc-2023-58", "ndrc-2025-36"]
    assert table.rule_set_for(D(2026, 3, 31)).id == "ndrc-2023-58"
    assert table.rule_set_for(D(2026, 4, 1)).id == "ndrc-2025-36"
    for rule_set in table.rule_sets:
        assert rule_set.name and rule_set.effective_from
    assert table.tiers.source and table.tiers.effective
    for cited in (table.suspends_punishment, table.commitment, table.repair_conditions, table.after_repair,
                  table.transition, table.after_maximum, table.national_channel, table.performance):
        assert cited.source, cited
    for rule in table.lists.values():
        assert rule.source and rule.effective, rule.list_type
    assert "第45号" not in RULES_FILE.read_text(encoding="utf-8").split("restriction_rows")[0]


def test_a_local_rule_is_marked_with_its_region():
    table = rules()
    assert table.suspends_punishment.quoted and table.suspends_punishment.region == "黑龙江省大庆市"
    assert table.suspends_punishment.holds_in("黑龙江省大庆市萨尔图区")
    assert not table.suspends_punishment.holds_in("福建省福州市鼓楼区")
    assert not table.suspends_punishment.holds_in(None)
    assert table.objection_elsewhere.is_national and not table.objection_elsewhere.quoted
    assert table.local_limits("上海市浦东新区").region == "上海市"
    assert table.local_limits("福建省福州市") is None


def test_the_commitment_is_our_template_under_36_not_a_provincial_text():
    c = rules().commitment
    assert not c.quoted and "36号" in c.source and "陕西" not in c.citation
    assert "本平台归纳" in c.worded


def _table_with(tmp_path, old: str, new: str):
    text = RULES_FILE.read_text(encoding="utf-8")
    assert old in text
    changed = tmp_path / "workflow.yml"
    changed.write_text(text.replace(old, new), encoding="utf-8")
    return load(changed)


def test_another_rule_changes_the_table_not_the_code(tmp_path):
    table = _table_with(tmp_path, "一般: {min_months: 3, max_months: 12}", "一般: {min_months: 6, max_months: 12}")
    verdict = elig.assess(penalty(D(2026, 9, 10), fine=2), today=TODAY, table=table)
    assert verdict.earliest == D(2027, 3, 10)


def test_an_amount_line_is_a_sector_row_of_its_own_region_only(tmp_path):
    row = ("amount_rows:\n    - {tier: 轻微, region: 黑龙江省, agency_contains: [市场监督管理], max_fine_wan: 5,\n"
           "       categories_only: [罚款, 警告], source: 测试用的省级较小数额标准, effective: 2026-01-01}")
    table = _table_with(tmp_path, "amount_rows: []", row)
    small = dp.Facts(kind="penalty", decision_date=D(2026, 6, 1), category="罚款", fine_amount=Decimal("0.3"),
                     agency=MARKET, region="黑龙江省大庆市")
    assert dp.tier_of(small, table).tier == "轻微"
    assert dp.tier_of(small, table).source == "测试用的省级较小数额标准"
    elsewhere = dp.Facts(**{**small.__dict__, "region": "福建省福州市"})
    unknown = dp.Facts(**{**small.__dict__, "fine_amount": None})
    other_sector = dp.Facts(**{**small.__dict__, "agency": "大庆市生态环境局"})
    for facts in (elsewhere, unknown, other_sector):
        assert dp.tier_of(facts, table).tier == "一般"


def test_an_amount_row_without_its_own_source_is_refused(tmp_path):
    with pytest.raises(ValueError):
        _table_with(tmp_path, "amount_rows: []", "amount_rows:\n    - {tier: 轻微, max_fine_wan: 5}")


def test_an_imported_record_without_an_end_gets_its_tiers_maximum():
    facts = dp.Facts(kind="penalty", decision_date=D(2026, 5, 6), category="罚款")
    assert dp.derived_display_until(facts) == D(2027, 5, 6)
    licence = dp.Facts(kind="license", decision_date=D(2026, 5, 6))
    assert dp.derived_display_until(licence) is None


def test_date_arithmetic():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday → Monday
    assert add_working_days(D(2026, 11, 30), 5) == D(2026, 12, 7)
    assert format_both(D(2026, 12, 10)) == "2026年12月10日（2026-12-10）"
