"""How the replies word the rules of the one rules table (services.workflow_rules), shared by the
lookup (enquiry_text), the filings (filing_text) and the policy answers (policy_rules).

Rules for replies: text in “ ” is verbatim from a document (a `quote`); our own wording is labelled
as the platform's with its source; a local rule is stated only for a record of its region. English
replies state a rule in our own English (the table's `en`), labelled as our summary; a quoted rule
keeps its Chinese quote beside the English, never an English "quote". Pure functions, no database.
"""
from __future__ import annotations

from actions.services.workflow_rules import Cited, Limits, rules

OURS = "本平台"  # a source that is the platform itself: its summary, reading or template


def stated(c: Cited, english: bool = False) -> str:
    """A rule as the replies state it, with its source: a quote in “ ”, or our wording labelled as
    ours. A source that already names the platform (本平台解读…) is not prefixed a second time."""
    if english:
        return stated_en(c)
    if c.quoted or not c.source.startswith(OURS):
        return c.worded
    since = f"；{c.effective.isoformat()}起施行" if c.effective else ""
    return f"{c.text}（{c.citation}{since}）"


def stated_en(c: Cited) -> str:
    """A rule in English: our English, labelled as our summary with its source; a quoted rule with its
    Chinese text in “ ” (that is the quote, not the English). Lower-case first, to go inside a sentence."""
    since = f", in force from {c.effective.isoformat()}" if c.effective else ""
    if not c.en:  # no English in the table: say so, never an unlabelled translation
        return (f"(the rule in Chinese: “{c.text}”, {c.citation_en}{since})" if c.quoted
                else f"(no English wording yet; the platform's summary in Chinese: {c.text}; {c.citation_en}{since})")
    if c.quoted:
        return f"{c.en} (our English summary; the rule in Chinese: “{c.text}”, {c.citation_en}{since})"
    if c.source.startswith(OURS):  # the English source already names the platform
        return f"{c.en} ({c.citation_en}{since})"
    return f"{c.en} (the platform's summary; source: {c.citation_en}{since})"


def sentence(text: str) -> str:
    """An English clause as a sentence: capitalised, with a full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def objection_measures(region: str | None, english: bool = False) -> str:
    """What happens to punishment measures while an objection is verified: 大庆's suspension only for
    a record of 大庆 (its quote and source); elsewhere, that no national rule says so and local rules
    apply, with the national objection channel."""
    table = rules()
    local = table.suspends_punishment
    if not local.is_national and local.holds_in(region):
        if english:
            return f"Local rule of {local.region} (not national): {stated_en(local)}."
        return f"{local.region}的规定：{local.worded}。"
    if english:
        return f"{sentence(stated_en(table.objection_elsewhere))} {sentence(stated_en(table.national_channel))}"
    return f"{stated(table.objection_elsewhere)}。"


# Each limit of an objection: (Chinese, English) phrase with the number of working days.
_LIMIT_PHRASES = (
    ("mark_working_days", "{n}个工作日内标注为异议信息", "marked as under objection within {days}"),
    ("decide_working_days", "{n}个工作日内作出处理决定", "decided within {days}"),
    ("other_unit_working_days", "需要其他单位核实的{n}个工作日内", "within {days} where another body must verify"),
    ("extended_max_working_days", "情况复杂的最长{n}个工作日", "at most {days} in complex cases"),
)


def working_days(n: int) -> str:
    return f"{n} working day" + ("" if n == 1 else "s")


def limit_parts(limits: Limits, english: bool = False) -> list[str]:
    """Working-day limits of an objection, each as a short phrase ("5个工作日内作出处理决定")."""
    return [(en if english else zh).format(n=limits[key], days=working_days(limits[key]))
            for key, zh, en in _LIMIT_PHRASES if limits.get(key) is not None]


def local_objection_limits(region: str | None, english: bool = False) -> str:
    """A region's own objection limits, only for a record of that region ("" elsewhere)."""
    local = rules().local_limits(region)
    if local is None:
        return ""
    if english:
        return (f"Local rule of {local.region}: {', '.join(limit_parts(local, english=True))} "
                f"({local.source_en or local.source}).")
    unchecked = "" if local.confirmed else "据公开资料，"
    return f"{local.region}的规定：{unchecked}{'，'.join(limit_parts(local))}（{local.source}）。"
