"""The one rules table (actions/rules/workflow.yml), loaded once.

Tiers, display periods, time limits, list exits and the texts the replies state are data with their
source, region and effective date; this module only reads them. What a record's display term is
follows in services.display_periods; the date arithmetic is services.dates.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from actions.services.dates import as_date

RULES_FILE = Path(__file__).resolve().parents[1] / "rules" / "workflow.yml"
NATIONAL = "全国"
TIERS = ("轻微", "一般", "严重")  # gravest last


@dataclass(frozen=True)
class Cited:
    """A rule the replies state. `quoted`: `text` is verbatim from the source (replies may put it in
    “ ”); otherwise it is the platform's own summary and replies label it so."""
    text: str
    source: str
    clause: str = ""
    region: str = NATIONAL
    quoted: bool = False
    effective: dt.date | None = None
    policy_doc: str = ""
    # English replies: our own English of the rule (never a quote), and the source in English words.
    en: str = ""
    source_en: str = ""
    clause_en: str = ""

    @property
    def citation(self) -> str:
        place = "" if self.is_national else f"（{self.region}）"
        return f"{self.source}{self.clause}{place}"

    @property
    def citation_en(self) -> str:
        """The source for English replies: its English wording; a clause as the document numbers it,
        with our English of that number."""
        clause = f" {self.clause}" + (f" ({self.clause_en})" if self.clause_en else "") if self.clause else ""
        place = "" if self.is_national else f" ({self.region})"
        return f"{self.source_en or self.source}{clause}{place}"

    @property
    def is_national(self) -> bool:
        return not self.region or self.region == NATIONAL

    @property
    def worded(self) -> str:
        """The rule as a reply states it: a quote in “ ” with its source, or our summary labelled as ours."""
        since = f"，{self.effective.isoformat()}起施行" if self.effective and self.quoted else ""
        if self.quoted:
            return f"“{self.text}”（{self.citation}{since}）"
        since = f"；{self.effective.isoformat()}起施行" if self.effective else ""
        return f"{self.text}（本平台归纳，依据：{self.citation}{since}）"

    def holds_in(self, region: str | None) -> bool:
        """Whether a local rule holds for a record of `region` ('黑龙江省大庆市萨尔图区' holds
        '黑龙江省大庆市' rules). National rules hold everywhere."""
        if self.is_national:
            return True
        return bool(region) and (region.startswith(self.region) or _short(self.region) in region)


def _short(region: str) -> str:
    """'黑龙江省大庆市' -> '大庆市': a subject's region may be written without its province."""
    for mark in ("省", "自治区"):
        if mark in region:
            return region.split(mark, 1)[1] or region
    return region


@dataclass(frozen=True)
class Limits:
    """Working-day limits of one workflow; `confirmed` False means not checked against an official text."""
    values: dict
    confirmed: bool
    source: str
    region: str = NATIONAL
    source_en: str = ""

    def __getitem__(self, key: str) -> int:
        return int(self.values[key])

    def get(self, key: str) -> int | None:
        return int(self.values[key]) if key in self.values else None


@dataclass(frozen=True)
class Period:
    min_months: int
    max_months: int


@dataclass(frozen=True)
class SectorMinimum:
    sector: str
    keywords: tuple[str, ...]
    min_months: int


@dataclass(frozen=True)
class RuleSet:
    id: str
    name: str
    short: str
    effective_from: dt.date
    effective_to: dt.date | None
    periods: dict[str, Period]
    confirmed: bool = True
    sector_minimums: tuple[SectorMinimum, ...] = ()
    name_en: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class TierRow:
    tier: str
    categories: tuple[str, ...] = ()  # any part naming one of these gives the tier
    categories_only: tuple[str, ...] = ()  # every part names one of these
    # Amount rows (optional, per sector and region, each with its own source):
    max_fine_wan: Decimal | None = None  # a known fine strictly below it
    region: str = ""
    agency_contains: tuple[str, ...] = ()
    subject_types: tuple[str, ...] = ()
    source: str = ""
    effective: dt.date | None = None


@dataclass(frozen=True)
class Tiers:
    rows: tuple[TierRow, ...]
    amount_rows: tuple[TierRow, ...]
    default: str
    rewrite: dict
    source: str
    effective: dt.date | None


@dataclass(frozen=True)
class RestrictionRow:
    """总局令第45号 第十三条: a market-regulation restriction longer than `longer_than_months` is
    displayed for as long as it lasts."""
    id: str
    agency_contains: tuple[str, ...]
    categories: tuple[str, ...]
    longer_than_months: int
    rule: Cited


@dataclass(frozen=True)
class ListRule:
    list_type: str
    repairable: bool
    min_months: int
    exit: str
    source: str
    region: str = NATIONAL
    tier: str | None = None  # the display tier the list's entries take (36号), if any
    handled_by: str = ""  # the body that handles exit when this platform does not
    red: bool = False  # an incentive list: never a repair or objection target
    from_key_sectors: int | None = None
    effective: dt.date | None = None
    exit_en: str = ""
    source_en: str = ""
    handled_by_en: str = ""


@dataclass(frozen=True)
class WorkflowRules:
    grounds: tuple[str, ...]
    suspends_punishment: Cited
    objection_elsewhere: Cited
    wrong_information: Cited
    remedies: Cited
    national_channel: Cited
    objection_limits: Limits
    regional_limits: tuple[Limits, ...]
    repair_limits: Limits
    commitment: Cited
    repair_conditions: Cited
    performance: Cited
    repair_materials: str
    materials_source: str
    after_repair: Cited
    free: Cited
    tiers: Tiers
    rule_sets: tuple[RuleSet, ...]
    transition: Cited
    after_maximum: Cited
    restriction_rows: tuple[RestrictionRow, ...]
    lists: dict[str, ListRule]
    working_days_note: str
    grounds_en: tuple[str, ...] = ()  # grounds' English names, in the order of `grounds`

    @property
    def repair_conditions_effective(self) -> dt.date | None:
        return self.repair_conditions.effective

    @property
    def current(self) -> RuleSet:
        return max(self.rule_sets, key=lambda r: r.effective_from)

    def rule_set_for(self, day: dt.date) -> RuleSet:
        for rule_set in self.rule_sets:
            if rule_set.covers(day):
                return rule_set
        # Before the oldest rule in the table: the oldest one is the closest we know.
        return min(self.rule_sets, key=lambda r: r.effective_from)

    def rule_sets_for(self, day: dt.date) -> tuple[RuleSet, ...]:
        """The rule sets a decision of `day` is judged by: the one then in force and, for a decision
        made before the current rule took effect, the current one too (the more favourable applies)."""
        then = self.rule_set_for(day)
        return (then,) if then is self.current else (then, self.current)

    def local_limits(self, region: str | None) -> Limits | None:
        for limits in self.regional_limits:
            if region and (region.startswith(limits.region) or _short(limits.region) in region):
                return limits
        return None


def _text(value) -> str:
    # Folded YAML joins lines with spaces; Chinese text has none.
    return "".join(line.strip() for line in str(value).split())


def _english(value) -> str:
    # English keeps its spaces: folded lines are joined with one.
    return " ".join(str(value or "").split())


def _cited(d: dict, key: str | None = None) -> Cited:
    quoted = "quote" in d
    text = d.get("quote") or d.get("summary") or d.get("template") or d.get(key or "text")
    return Cited(_text(text), d["source"], d.get("clause", ""), d.get("region", NATIONAL), quoted,
                 as_date(d.get("effective")), str(d.get("policy_doc", "")),
                 _english(d.get("en")), _english(d.get("source_en")), _english(d.get("clause_en")))


def _limits(d: dict) -> Limits:
    values = {k: v for k, v in d.items() if k not in ("confirmed", "source", "effective", "region", "source_en")}
    return Limits(values, bool(d.get("confirmed", True)), d["source"], d.get("region", NATIONAL),
                  _english(d.get("source_en")))


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _tier_row(r: dict) -> TierRow:
    if r["tier"] not in TIERS:
        raise ValueError(f"unknown tier {r['tier']!r} in {RULES_FILE.name}")
    return TierRow(r["tier"], tuple(r.get("categories", ())), tuple(r.get("categories_only", ())),
                   _decimal(r.get("max_fine_wan")), r.get("region", ""), tuple(r.get("agency_contains", ())),
                   tuple(r.get("subject_types", ())), r.get("source", ""), as_date(r.get("effective")))


def _rule_set(r: dict) -> RuleSet:
    return RuleSet(
        r["id"], r["name"], r.get("short", r["name"]), as_date(r["effective_from"]), as_date(r.get("effective_to")),
        {tier: Period(int(p["min_months"]), int(p["max_months"])) for tier, p in r["periods"].items()},
        bool(r.get("confirmed", True)),
        tuple(SectorMinimum(m["sector"], tuple(m["keywords"]), int(m["min_months"]))
              for m in r.get("sector_minimums", ())), _english(r.get("name_en")))


def load(path: Path = RULES_FILE) -> WorkflowRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    objection, repair, tiers, display = data["objection"], data["repair"], data["tiers"], data["display"]
    for row in tiers.get("amount_rows") or ():
        if not row.get("source") or not row.get("region"):
            raise ValueError("an amount row needs its own source and region: no national amount line exists")
    lists = {name: ListRule(name, bool(r["repairable"]), int(r.get("min_months", 0)), _text(r["exit"]), r["source"],
                            r.get("region", NATIONAL), r.get("tier"), r.get("handled_by", ""), bool(r.get("red")),
                            r.get("from_key_sectors"), as_date(r.get("effective")), _english(r.get("exit_en")),
                            _english(r.get("source_en")), _english(r.get("handled_by_en")))
             for name, r in data["lists"].items()}
    conditions = repair["conditions"]
    return WorkflowRules(
        grounds=tuple(objection["grounds"]),
        suspends_punishment=_cited(objection["suspends_punishment"]),
        objection_elsewhere=_cited(objection["elsewhere"]),
        wrong_information=_cited(objection["wrong_information"]),
        remedies=_cited(objection["remedies"]),
        national_channel=_cited(objection["national_channel"]),
        objection_limits=_limits(objection["limits"]),
        regional_limits=tuple(_limits(r) for r in objection.get("regional_limits", ())),
        repair_limits=_limits(repair["limits"]),
        commitment=_cited(repair["commitment"]),
        repair_conditions=_cited(conditions),
        performance=_cited({**conditions["performance"], "source": conditions["source"],
                            "source_en": conditions.get("source_en"), "effective": conditions.get("effective")}),
        repair_materials=_text(conditions["materials"]),
        materials_source=conditions.get("materials_source", conditions["source"]),
        after_repair=_cited(repair["after_repair"]),
        free=_cited(repair["free"]),
        tiers=Tiers(tuple(_tier_row(r) for r in tiers["rows"]),
                    tuple(_tier_row(r) for r in tiers.get("amount_rows") or ()),
                    tiers.get("default", "一般"), dict(tiers.get("rewrite") or {}), tiers["source"],
                    as_date(tiers.get("effective"))),
        rule_sets=tuple(_rule_set(r) for r in display["rule_sets"]),
        transition=_cited(display["transition"]),
        after_maximum=_cited(display["after_maximum"]),
        restriction_rows=tuple(
            RestrictionRow(r["id"], tuple(r["agency_contains"]), tuple(r["categories"]), int(r["longer_than_months"]),
                           _cited(r)) for r in display.get("restriction_rows", ())),
        lists=lists,
        working_days_note=data["working_days"]["source"],
        grounds_en=tuple(objection.get("grounds_en") or ()),
    )


@functools.lru_cache(maxsize=1)
def rules() -> WorkflowRules:
    return load()
