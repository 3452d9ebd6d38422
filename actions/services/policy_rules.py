"""The one rules table (actions/rules/workflow.yml) as citable clauses for the policy answers.

Display periods per tier, the tiers by penalty type, the transition reading, the 45号 restriction
row, repair conditions, materials, time limits, the objection channel, each region's own limits and
the lists' exits answer many policy questions more precisely than the local plans do. Each becomes a
clause whose text is built from the table and whose citation is the table's own source, so changing
the table changes the answer. Ids are `rules-<name>`.

The clauses are the platform's wording (policy_answer labels them so, never in “ ”); only a table
`quote` is put in “ ”. A clause's region is 全国, the platform itself (its service target or its
reading: PLATFORM) or the one region its rule holds for; `stated_for` keeps a region's own rule
out of answers that do not ask about that region.
"""
from __future__ import annotations

import datetime as dt

from actions.services.legal_words import limit_parts, stated
from actions.services.policy_docs import Clause, Document
from actions.services.textnorm import to_simplified
from actions.services.workflow_rules import NATIONAL, Cited, RuleSet, WorkflowRules, rules as workflow_rules

PLATFORM = "本平台"  # the platform's own service target or reading: neither national nor any region's
_LIST = "rules-list-"  # a list's exit: the list is named where a question is about it

def _doc(region: str) -> Document:
    return Document(id="rules", title="异议与信用修复规则表", short_title="规则表", issuer=None, doc_number=None,
                    issued=None, published=None, region=region, region_known=True, script="simplified",
                    source_url=None, notes="")


def _months(n: int) -> str:
    return f"{n // 12}年" if n and n % 12 == 0 else f"{n}个月"


def _day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _tier_periods(rule_set: RuleSet) -> str:
    parts = []
    for tier, p in rule_set.periods.items():
        parts.append(f"{tier}的最长公示{_months(p.max_months)}" if p.min_months == 0 else
                     f"{tier}的最短公示{_months(p.min_months)}、最长公示{_months(p.max_months)}")
    return "；".join(parts)


def _current_periods(rule_set: RuleSet, table: WorkflowRules) -> str:
    # The rule's name is in the citation, and what happens at the maximum is a clause of its own:
    # a longer text would rank below the local plans for the plain "要挂多久".
    return (f"自{_day(rule_set.effective_from)}起，行政处罚信息按失信程度确定公示期限：{_tier_periods(rule_set)}，"
            f"自处罚决定日期起算。公示期满自动停止公示；最短公示期满后，已纠正失信行为、全面履行法定义务"
            f"并公开作出信用承诺的，可以申请信用修复、提前停止公示。")


def _older_periods(rule_set: RuleSet, table: WorkflowRules) -> str:
    """A superseded rule set: when it applied, its periods (据公开解读 where unchecked) and the reading."""
    until = f"施行至{_day(rule_set.effective_to)}" if rule_set.effective_to else "已被取代"
    distinct = {(p.min_months, p.max_months) for p in rule_set.periods.values()}
    if len(distinct) == 1:
        lo, hi = next(iter(distinct))
        periods = f"行政处罚信息最短公示{_months(lo)}、最长公示{_months(hi)}"
    else:
        periods = f"行政处罚信息按失信程度确定公示期限：{_tier_periods(rule_set)}"
    sectors = "、".join(m.sector for m in rule_set.sector_minimums)
    minimum = {m.min_months for m in rule_set.sector_minimums}
    if sectors and len(minimum) == 1:
        periods += f"；{sectors}领域最短公示{_months(minimum.pop())}"
    unchecked = "" if rule_set.confirmed else "据公开解读（各地执行口径），"
    return (f"{rule_set.name}自{_day(rule_set.effective_from)}起施行，{until}，已由{table.current.name}取代。"
            f"{unchecked}按该办法，{periods}，自处罚决定日期起算；公示期满自动停止公示，最短公示期满后，"
            f"已纠正失信行为、履行处罚义务并作出信用承诺的，可以申请信用修复、提前停止公示。"
            f"{_day(rule_set.effective_to or table.current.effective_from)}前作出的处罚决定，本平台按两部办法中"
            f"对当事人更有利的规定确定公示期限（本平台的理解，见过渡规则）。")


def _tiers_text(table: WorkflowRules) -> str:
    t = table.tiers
    parts = []
    for row in t.rows:
        if row.categories:
            parts.append(f"含{'、'.join(row.categories)}的为{row.tier}")
        if row.categories_only:
            parts.append(f"只有{'、'.join(row.categories_only)}的为{row.tier}")
    rewrite = "；".join(f"写作{old}的按{new}处理" for old, new in list(t.rewrite.items())[:1])
    gravest = table.current.periods.get("严重")
    after = (f"严重的最短公示{_months(gravest.min_months)}；任何处罚类别都可以在最短公示期满后申请信用修复。"
             if gravest else "")
    return (f"行政处罚的失信程度按处罚类别确定（一条处罚有几种类别的，按最重的）：{'；'.join(parts)}。"
            f"全国没有统一的罚款金额标准，金额标准只在行业或者地方有规定时适用，金额不明的不算轻微；"
            f"类别无法判断的按{t.default}处理；{rewrite}。记录没有标注失信程度的，本平台按上述规则推定，"
            f"并在答复中注明推定。{after}")


def _regional_limits_text(limits) -> str:
    unchecked = "" if limits.confirmed else "据公开资料（未核对原文），"
    return (f"{limits.region}的公共信用信息异议处理时限：{unchecked}{'，'.join(limit_parts(limits))}。"
            f"这是{limits.region}的规定，只适用于{limits.region}的信用信息；其他地区以当地规定为准。")


def _list_text(list_type: str, rule) -> str:
    # The exit text names its list already; repeating the name would make this short entry
    # outrank the documents for any question that mentions the list.
    text = rule.exit if list_type in rule.exit else f"{list_type}：{rule.exit}"
    body = f"办理机关：{rule.handled_by}。" if rule.handled_by and rule.handled_by not in rule.exit else ""
    return f"{text}。{body}"


def rule_clauses(table: WorkflowRules | None = None, region: str | None = None) -> tuple[Clause, ...]:
    """The table's clauses; with `region`, only those that hold for a record of that region (the
    national ones, the platform's own, and that region's)."""
    table = table or workflow_rules()
    out: list[Clause] = []

    def add(name: str, heading: str, text: str, source: str, where: str, effective: dt.date | None,
            superseded_by: str | None = None):
        where = where or NATIONAL
        if region is not None and where not in (NATIONAL, PLATFORM) and not Cited("", "", region=where).holds_in(region):
            return
        out.append(Clause(id=f"rules-{name}", doc=_doc(where), label="", heading=heading, text=text,
                          norm=text, order=len(out), source=source, effective=effective,
                          superseded_by=superseded_by))

    # ---- display periods and tiers
    current = table.current
    add("display-periods", "行政处罚信息公示期限", _current_periods(current, table), current.name, NATIONAL,
        current.effective_from)
    for older in sorted(table.rule_sets, key=lambda r: r.effective_from):
        if older is not current:
            add(f"display-periods-{older.id}", "此前的行政处罚信息公示期限", _older_periods(older, table), older.name,
                NATIONAL, older.effective_from, superseded_by="rules-display-periods")
    am = table.after_maximum
    add("display-after-maximum", "公示期满以后", f"{am.text}。", am.source, am.region, am.effective)
    tr = table.transition
    add("display-transition", "2026年4月1日前作出的处罚按哪部办法公示",
        f"{tr.text}。", tr.source, PLATFORM, tr.effective)
    for row in table.restriction_rows:
        r = row.rule
        add(f"display-{row.id}", "限制从业等限制期限超过3年的公示期",
            f"{'、'.join(row.agency_contains)}部门作出的{r.text}。", f"{r.source}{r.clause}", r.region, r.effective)
    add("tiers", "失信程度怎么确定，哪些处罚可以信用修复", _tiers_text(table), table.tiers.source, NATIONAL,
        table.tiers.effective)

    # ---- repair
    c = table.repair_conditions
    # The conditions name performance (罚款缴清、分期缴完) already: table.performance is their part.
    add("repair-conditions", "信用修复的条件", f"{c.text}。", c.source, c.region, c.effective)
    add("repair-materials", "信用修复需要提交的材料", f"申请信用修复需要提交的材料：{table.repair_materials}。",
        table.materials_source, NATIONAL, None)
    r = table.repair_limits
    unchecked = "" if r.confirmed else "据公开解读，"
    add("repair-limits", "信用修复办理时限",
        f"{unchecked}信用修复申请一般在{r['accept_working_days']}个工作日内决定是否受理，受理后"
        f"{r['decide_working_days']}个工作日内作出决定，情况复杂的可再延长{r['complex_extra_working_days']}个工作日。"
        f"准予修复后：{stated(table.after_repair)}。",
        r.source, NATIONAL, table.repair_conditions.effective)
    # The heading does not repeat 信用修复: the short text says it twice already.
    add("repair-free", "收费吗，谨防代办", f"{table.free.text}。", table.free.source, table.free.region, table.free.effective)

    # ---- objections
    o = table.objection_limits
    add("objection-limits", "异议处理时限",
        f"对本平台公示的信用信息有异议的，可以提出异议申请。本平台的办理目标（不是法定时限）："
        f"{'，'.join(limit_parts(o))}。{stated(table.objection_elsewhere)}。",
        o.source, PLATFORM, None)
    ch = table.national_channel
    add("objection-channel", "对信用信息有异议向谁提出",
        f"{ch.text}。{stated(table.wrong_information)}。{stated(table.remedies)}。", ch.source, ch.region, ch.effective)
    for limits in table.regional_limits:
        add(f"objection-limits-{limits.region}", f"{limits.region}的异议处理时限", _regional_limits_text(limits),
            limits.source, limits.region, None)

    # ---- lists
    for list_type, rule in table.lists.items():
        add(f"list-{list_type}", f"{list_type}的移出", _list_text(list_type, rule), rule.source, rule.region,
            rule.effective)
    return tuple(out)


def _names(region: str) -> tuple[str, ...]:
    """'黑龙江省大庆市' → ('黑龙江省大庆市', '大庆市', '大庆'): how a question may name the region."""
    names = [region]
    for mark in ("自治区", "省"):
        if mark in region and region.split(mark, 1)[1]:
            names.append(region.split(mark, 1)[1])
    names += [n[:-1] for n in list(names) if n[-1:] in "省市" and len(n) > 2]
    return tuple(dict.fromkeys(names))


_GENERIC = {"名单", "名录", "主体", "失信", "信用"}  # words every list name has: they ask about none in particular


def stated_for(clause: Clause, question: str, words: set[str] | frozenset[str] = frozenset(),
               terms=None) -> bool:
    """Whether a policy answer to `question` may state this clause. A rules-table clause of one region
    only when the question asks about it: a local list's exit when the question names the list (`words`:
    the question's index terms with their synonyms; `terms`: the index's tokenizer), any other local
    rule when it names the region."""
    if not clause.source or clause.doc.region in (NATIONAL, PLATFORM):
        return True
    asked = to_simplified(question or "").lower()
    if clause.id.startswith(_LIST):
        name = clause.id[len(_LIST):]
        own = set(terms(name)) - _GENERIC if terms else set()
        return name in asked or name[:4] in asked or bool(own & set(words))
    return any(name in asked for name in _names(clause.doc.region))
