"""The workflows' rules table (actions/rules/workflow.yml) as citable clauses.

Display periods, time limits, the records that cannot be repaired early and the lists' exit
conditions answer many policy questions more precisely than the local plans do. Each becomes a
clause whose text is built from the table's numbers and whose citation is the table's own source,
so changing the table changes the answer. Ids are `rules-<name>`.
"""
from __future__ import annotations

import datetime as dt

from actions.services.policy_docs import Clause, Document
from actions.services.workflow_rules import RuleSet, WorkflowRules, rules as workflow_rules

_NATIONAL = "全国"
_LOCAL = "各地通行做法，以当地规定为准"


def _doc(region: str) -> Document:
    return Document(id="rules", title="异议与信用修复规则表", short_title="规则表", issuer=None, doc_number=None,
                    issued=None, published=None, region=region, region_known=True, script="simplified",
                    source_url=None, notes="")


def _months(n: int) -> str:
    return f"{n // 12}年" if n and n % 12 == 0 else f"{n}个月"


def _periods_text(rule_set: RuleSet, today_rule: bool) -> str:
    start = rule_set.effective_from
    when = (f"自{start.year}年{start.month}月{start.day}日起" if today_rule else
            f"{rule_set.effective_to.year}年{rule_set.effective_to.month}月{rule_set.effective_to.day}日前"
            f"作出的处罚决定适用{rule_set.name}")
    distinct = {(p.min_months, p.max_months) for p in rule_set.periods.values()}
    if len(distinct) == 1:
        lo, hi = distinct.pop()
        periods = f"行政处罚信息最短公示{_months(lo)}、最长公示{_months(hi)}"
    else:
        parts = []
        for tier, p in rule_set.periods.items():
            parts.append(f"{tier}的最长公示{_months(p.max_months)}" if p.min_months == 0 else
                         f"{tier}的最短公示{_months(p.min_months)}、最长公示{_months(p.max_months)}")
        periods = "行政处罚信息按失信程度确定公示期限：" + "；".join(parts)
    return (f"{when}，{periods}，自处罚决定日期起算。公示期满自动停止公示；"
            f"最短公示期满后，已纠正失信行为、履行处罚义务并作出信用承诺的，可以申请信用修复、提前停止公示。")


def rule_clauses(table: WorkflowRules | None = None) -> tuple[Clause, ...]:
    table = table or workflow_rules()
    out: list[Clause] = []

    def add(name: str, heading: str, text: str, source: str, region: str, effective: dt.date | None,
            superseded_by: str | None = None):
        out.append(Clause(id=f"rules-{name}", doc=_doc(region), label="", heading=heading, text=text,
                          norm=text, order=len(out), source=source, effective=effective,
                          superseded_by=superseded_by))

    current = max(table.rule_sets, key=lambda r: r.effective_from)
    add("display-periods", "行政处罚信息公示期限", _periods_text(current, True), current.name, _NATIONAL,
        current.effective_from)
    for older in sorted(table.rule_sets, key=lambda r: r.effective_from)[:-1]:
        add(f"display-periods-{older.id}", "此前的行政处罚信息公示期限", _periods_text(older, False), older.name,
            _NATIONAL, older.effective_from, superseded_by="rules-display-periods")

    o = table.objection_limits
    usual = "" if o.confirmed else "一般"
    add("objection-limits", "异议处理时限",
        f"对公示的信用信息有异议的，可以提出异议申请。{usual}在{o['mark_working_days']}个工作日内标注“异议处理中”，"
        f"{o['decide_working_days']}个工作日内作出处理决定，情况复杂的最长可延长至{o['extended_max_working_days']}个工作日。"
        f"{table.suspends_punishment.text}；{table.wrong_information.text}。",
        o.source, _NATIONAL if o.confirmed else _LOCAL, None)

    r = table.repair_limits
    usual = "" if r.confirmed else "一般"
    add("repair-limits", "信用修复办理时限",
        f"信用修复申请{usual}在{r['accept_working_days']}个工作日内决定是否受理，受理后{r['decide_working_days']}个工作日内"
        f"作出决定，情况复杂的可再延长{r['complex_extra_working_days']}个工作日。{table.after_repair.text}。",
        r.source, _NATIONAL if r.confirmed else _LOCAL, None)

    if table.repair_conditions:
        c = table.repair_conditions
        add("repair-conditions", "信用修复的条件和材料",
            f"{c.text}。需要提交的材料：{table.repair_materials}。", c.source, c.region or _NATIONAL,
            table.repair_conditions_effective)

    add("not-early", "不能提前修复的处罚",
        f"{'、'.join(table.not_early_categories)}的行政处罚信息不能提前信用修复，公示期满后自动停止公示。",
        table.not_early_source, _NATIONAL, None)

    for list_type, rule in table.lists.items():
        # The exit text names its list already; repeating the name would make this short entry
        # outrank the documents for any question that mentions the list.
        text = rule.exit if list_type in rule.exit else f"{list_type}：{rule.exit}"
        add(f"list-{list_type}", f"{list_type}的移出", f"{text}。", rule.source, rule.region, None)
    return tuple(out)
