"""An enquiry result in words: a header, counts per kind, then one page of records.

Chinese for everyone; English labels for English-speaking users (the record contents themselves
are Chinese data and stay as published). Dates are written 2026年3月5日 / 2026-03-05.

Each penalty shows its 失信程度 (推定 where the platform derived it) and 公示截止期, each list entry its
有效期至, so "挂多久" is answered by the lookup itself. Rules come from the one rules table
(services.workflow_rules), worded by services.legal_words: with their source, a local rule (大庆's
suspension of measures during an objection) only for records of its region. Text in “ ” is verbatim
from a document; words on buttons are written 【…】.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from actions.services import display_periods
from actions.services.dates import NO_EXPIRY
from actions.services.enquiry import KINDS, Enquiry, RecordView
from actions.services.legal_words import objection_measures, stated
from actions.services.workflow_rules import rules

PAGE_SIZE = 5

KIND_NAMES = {"penalty": "行政处罚", "license": "行政许可", "list": "名单信息"}
KIND_NAMES_EN = {"penalty": "administrative penalties", "license": "administrative licences",
                 "list": "list entries"}
STATUS_EN = {"公示中": "displayed", "异议处理中": "under objection"}


@dataclass
class Page:
    text: str
    shown: int  # records on this page
    next_offset: int | None  # where the next page starts, None when this was the last


# ---------------------------------------------------------------- display terms

@dataclass(frozen=True)
class Shown:
    """What the lookup shows of a record's display term."""
    tier: str | None
    derived: bool
    ends: dt.date | None
    transitional: bool


def shown_term(r: RecordView, region: str | None = None) -> Shown:
    """The record's tier and end of display, from the one display rule (services.display_periods).
    The read path puts them on the RecordView (tier, tier_derived, display_ends); a view built
    without them (tests, older callers) gets them computed here the same way."""
    region = region or getattr(r, "region", None)
    term = display_periods.term(display_periods.facts_of(r, region=region))
    if getattr(r, "tier", None) or getattr(r, "display_ends", None):
        return Shown(r.tier, bool(r.tier_derived), r.display_ends, term.transitional)
    return Shown(term.tier, term.tier_derived, term.ends, term.transitional)


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return f"，罚款{text}万元"


def _until(r: RecordView) -> str:
    if r.valid_to and r.valid_to >= NO_EXPIRY:
        return "长期有效"
    return _d(r.valid_to)


def _tier_zh(s: Shown) -> str:
    return f"失信程度：{s.tier}（推定）" if s.derived else f"失信程度：{s.tier}"


def _term_zh(r: RecordView, s: Shown) -> str:
    """The second line of a penalty or list entry: how grave, and until when it is shown."""
    parts = [_tier_zh(s)] if s.tier else []
    if r.kind == "list" and r.valid_to:
        parts.append(f"有效期至 {_until(r)}")
        if s.ends and s.ends < r.valid_to:  # its tier ends display first (经营异常名录: 轻微, 3 months)
            parts.append(f"公示截止期 {_d(s.ends)}")
    elif s.ends:
        parts.append(f"公示截止期 {_d(s.ends)}")
    elif r.kind == "list":
        parts.append("有效期以认定部门的规定为准")
    return "  " + "｜".join(parts) if parts else ""


def _term_en(r: RecordView, s: Shown) -> str:
    parts = [f"severity {s.tier}" + (" (derived)" if s.derived else "")] if s.tier else []
    if r.kind == "list" and r.valid_to:
        parts.append(f"valid until {_until(r) if r.valid_to < NO_EXPIRY else 'no expiry'}")
        if s.ends and s.ends < r.valid_to:
            parts.append(f"displayed until {_d(s.ends)}")
    elif s.ends:
        parts.append(f"displayed until {_d(s.ends)}")
    elif r.kind == "list":
        parts.append("validity as the listing authority decides")
    return "  " + " | ".join(parts) if parts else ""


def _record_zh(r: RecordView, region: str | None) -> str:
    status = r.display_status
    if r.kind == "penalty":
        what = "；".join(x for x in (r.category, r.content) if x) or r.violation_type or ""
        amount = "" if "罚款" in (r.content or "") else _amount(r.fine_amount)  # content usually states it
        lines = [f"· 【行政处罚】{r.doc_number}｜{_d(r.decision_date)}｜{r.agency}｜{what}{amount}｜{status}",
                 _term_zh(r, shown_term(r, region))]
    elif r.kind == "license":
        name = r.license_name or "行政许可"
        number = f"（编号 {r.license_number}）" if r.license_number else ""
        lines = [f"· 【行政许可】{name}{number}｜{r.doc_number}｜{r.agency}｜"
                 f"有效期 {_d(r.valid_from or r.decision_date)} 至 {_until(r)}"]
    else:
        reason = f"｜列入事由：{r.list_reason}" if r.list_reason else ""
        lines = [f"· 【{r.list_type}】{r.doc_number}｜认定部门：{r.agency}｜列入日期 {_d(r.decision_date)}{reason}｜{status}",
                 _term_zh(r, shown_term(r, region))]
    if r.under_objection:
        lines.append(f"  该信息正在异议核实中。{objection_measures(region)}")
    return "\n".join(line for line in lines if line)


def _record_en(r: RecordView, region: str | None) -> str:
    status = STATUS_EN.get(r.display_status, r.display_status)
    if r.kind == "penalty":
        what = "; ".join(x for x in (r.category, r.content) if x) or ""
        lines = [f"- Penalty {r.doc_number} | {_d(r.decision_date)} | {r.agency} | {what} | {status}",
                 _term_en(r, shown_term(r, region))]
    elif r.kind == "license":
        lines = [f"- Licence {r.license_name or ''} {r.doc_number} | {r.agency} | "
                 f"valid {_d(r.valid_from or r.decision_date)} to {_until(r) if r.valid_to else '—'}"]
    else:
        lines = [f"- List: {r.list_type} {r.doc_number} | {r.agency} | since {_d(r.decision_date)} | {status}",
                 _term_en(r, shown_term(r, region))]
    if r.under_objection:
        lines.append(f"  Under objection. {objection_measures(region, english=True)}")
    return "\n".join(line for line in lines if line)


def _notes(records: list[RecordView], region: str | None, english: bool) -> list[str]:
    """Once per page: what 推定 means, and the platform's reading for decisions before the current rule."""
    terms = [shown_term(r, region) for r in records if r.kind != "license"]
    table, out = rules(), []
    if any(s.tier and s.derived for s in terms):
        out.append("(derived): the platform's reading of the penalty type; the record states no severity "
                   f"({table.tiers.source})." if english else
                   f"注：标（推定）的失信程度是本平台根据处罚类别推定的，原记录未标注（依据：{table.tiers.source}）。")
    if any(s.transitional for s in terms):
        current = table.current
        out.append(f"Decided before {current.effective_from.isoformat()}: the platform applies whichever of the old and "
                   f"the new rule is more favourable — its own reading, no transitional clause was found "
                   f"({table.transition.source})." if english else f"注：{stated(table.transition)}。")
    return out


# ---------------------------------------------------------------- the page

def header(e: Enquiry, english: bool = False) -> str:
    s = e.subject
    if english:
        region = f", {s.region}" if s.region else ""
        return f"{s.name} ({s.subject_type}{region})\nCode: {s.code}"
    region = s.region or "地区未登记"
    return f"{s.name}（{s.subject_type}，{region}）\n代码：{s.code}"


def _summary_zh(e: Enquiry) -> str:
    if e.is_person:
        n = e.counts.get("list", 0)
        base = (f"公开信息：失信被执行人等法院名单 {n} 条。" if n else "没有公开的失信被执行人信息。")
        return base + "自然人只公开法院公布的名单信息，身份证号已遮挡。"
    if not any(e.counts.values()):
        return "目前没有公示中的行政处罚、行政许可或名单信息。"
    parts = [f"{KIND_NAMES[k]} {e.counts[k]} 条" for k in KINDS if e.counts.get(k)]
    return "公示信息：" + "，".join(parts) + "。"


def render(e: Enquiry, offset: int = 0, english: bool = False, page_size: int | None = None) -> Page:
    """The page of the enquiry that starts at `offset` (0 = first page, with the header)."""
    page_size = page_size or PAGE_SIZE
    region = e.subject.region
    lines: list[str] = []
    if offset == 0:
        lines.append(header(e, english))
        if english:
            parts = [f"{e.counts[k]} {KIND_NAMES_EN[k]}" for k in KINDS if e.counts.get(k)]
            lines.append("Public records: " + (", ".join(parts) if parts else "none") + ".")
        else:
            lines.append(_summary_zh(e))
        if e.hidden:
            lines.append(f"另有 {e.hidden} 条已修复、撤销或到期的信息不再公示（仅工作人员可见此数）。")
    asked = e.kinds != KINDS
    if asked and not e.records:
        names = "、".join(KIND_NAMES_EN[k] if english else KIND_NAMES[k] for k in e.kinds)
        lines.append(f"No public {names}." if english else f"没有公示中的{names}。")
        return Page("\n".join(lines), 0, None)
    page = e.records[offset:offset + page_size]
    if offset and not page:
        lines.append("No more records." if english else "没有更多记录了。")
        return Page("\n".join(lines), 0, None)
    current = None
    for r in page:
        if r.kind != current and not english:
            current = r.kind
            total = sum(1 for x in e.records if x.kind == r.kind)
            lines.append(f"{KIND_NAMES[r.kind]}（{total} 条）：")
        lines.append(_record_en(r, region) if english else _record_zh(r, region))
    lines += _notes(page, region, english)
    end = offset + len(page)
    remaining = len(e.records) - end
    if remaining > 0:
        lines.append(f"{end} of {len(e.records)} shown; say \"more\" for the next page." if english
                     else f"已显示第 {offset + 1}–{end} 条，共 {len(e.records)} 条。还有 {remaining} 条，可以点【查看更多】。")
        return Page("\n".join(lines), len(page), end)
    return Page("\n".join(lines), len(page), None)
