"""How the replies word the rules of the one rules table (services.workflow_rules), shared by the
lookup (enquiry_text), the filings (filing_text) and the policy answers (policy_rules).

Rules for replies: text in “ ” is verbatim from a document (a `quote`); our own wording is labelled
as the platform's with its source; a local rule is stated only for a record of its region.
Pure functions, no database.
"""
from __future__ import annotations

from actions.services.workflow_rules import Cited, Limits, rules

OURS = "本平台"  # a source that is the platform itself: its summary, reading or template


def stated(c: Cited) -> str:
    """A rule as the replies state it, with its source: a quote in “ ”, or our wording labelled as
    ours. A source that already names the platform (本平台解读…) is not prefixed a second time."""
    if c.quoted or not c.source.startswith(OURS):
        return c.worded
    since = f"；{c.effective.isoformat()}起施行" if c.effective else ""
    return f"{c.text}（{c.citation}{since}）"


def objection_measures(region: str | None, english: bool = False) -> str:
    """What happens to punishment measures while an objection is verified: 大庆's suspension only for
    a record of 大庆 (its quote and source); elsewhere, that no national rule says so and local rules
    apply, with the national objection channel."""
    table = rules()
    local = table.suspends_punishment
    if not local.is_national and local.holds_in(region):
        if english:
            return (f"Local rule of {local.region} (not national): joint punishment measures are not applied "
                    f"while the information is verified — {local.worded}.")
        return f"{local.region}的规定：{local.worded}。"
    if english:
        return ("No national rule was found that suspends punishment measures while an objection is verified; "
                "what applies meanwhile follows the local rules of the record's region (the platform's summary). "
                "Objections and complaints may also go through the Credit China website or the sector department "
                f"({table.national_channel.citation}).")
    return f"{stated(table.objection_elsewhere)}。"


def limit_parts(limits: Limits) -> list[str]:
    """Working-day limits of an objection, each as a short phrase ("5个工作日内作出处理决定")."""
    parts = []
    if limits.get("mark_working_days") is not None:
        parts.append(f"{limits['mark_working_days']}个工作日内标注为异议信息")
    if limits.get("decide_working_days") is not None:
        parts.append(f"{limits['decide_working_days']}个工作日内作出处理决定")
    if limits.get("other_unit_working_days") is not None:
        parts.append(f"需要其他单位核实的{limits['other_unit_working_days']}个工作日内")
    if limits.get("extended_max_working_days") is not None:
        parts.append(f"情况复杂的最长{limits['extended_max_working_days']}个工作日")
    return parts


def local_objection_limits(region: str | None) -> str:
    """A region's own objection limits, only for a record of that region ("" elsewhere)."""
    local = rules().local_limits(region)
    if local is None:
        return ""
    unchecked = "" if local.confirmed else "据公开资料，"
    return f"{local.region}的规定：{unchecked}{'，'.join(limit_parts(local))}（{local.source}）。"
