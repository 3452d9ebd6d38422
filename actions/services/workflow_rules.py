"""The rules table of the objection and repair workflows (actions/rules/workflow.yml), loaded once.

Periods, time limits, severity tiers and list exit conditions are data with their source and
effective date; this module only reads them (the date arithmetic is services.dates).
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


@dataclass(frozen=True)
class Cited:
    text: str
    source: str
    clause: str = ""
    region: str = ""

    @property
    def citation(self) -> str:
        place = f"（{self.region}）" if self.region else ""
        return f"{self.source}{self.clause}{place}"


@dataclass(frozen=True)
class Limits:
    """Working-day limits of one workflow; `confirmed` False means typical local practice."""
    values: dict
    confirmed: bool
    source: str

    def __getitem__(self, key: str) -> int:
        return int(self.values[key])


@dataclass(frozen=True)
class Period:
    min_months: int
    max_months: int


@dataclass(frozen=True)
class RuleSet:
    id: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    periods: dict[str, Period]

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class SeverityRow:
    tier: str
    categories: tuple[str, ...] = ()
    categories_only: tuple[str, ...] = ()
    min_fine: Decimal | None = None
    max_fine: Decimal | None = None

    def matches(self, category: str, fine: Decimal | None) -> bool:
        if self.categories and not any(c in category for c in self.categories):
            return False
        if self.categories_only:
            parts = [p for p in _split_categories(category) if p]
            if not parts or not all(any(c in p for c in self.categories_only) for p in parts):
                return False
        if self.min_fine is not None and (fine is None or fine < self.min_fine):
            return False
        if self.max_fine is not None and fine is not None and fine > self.max_fine:
            return False
        return True


@dataclass(frozen=True)
class ListRule:
    list_type: str
    repairable: bool
    min_months: int
    exit: str
    source: str
    region: str = "全国"


@dataclass(frozen=True)
class WorkflowRules:
    grounds: tuple[str, ...]
    suspends_punishment: Cited
    wrong_information: Cited
    remedies: Cited
    objection_limits: Limits
    repair_limits: Limits
    commitment: Cited
    after_repair: Cited
    rule_sets: tuple[RuleSet, ...]
    severity_rows: tuple[SeverityRow, ...]
    severity_source: str
    not_early_categories: tuple[str, ...]
    not_early_source: str
    lists: dict[str, ListRule]
    working_days_note: str
    repair_conditions: Cited | None = None
    repair_materials: str = ""
    repair_conditions_effective: dt.date | None = None

    def rule_set_for(self, day: dt.date) -> RuleSet:
        for rule_set in self.rule_sets:
            if rule_set.covers(day):
                return rule_set
        # Before the oldest rule in the table: the oldest one is the closest we know.
        return min(self.rule_sets, key=lambda r: r.effective_from)

    def derive_tier(self, category: str | None, fine: Decimal | None) -> str:
        for row in self.severity_rows:
            if row.matches(category or "", fine):
                return row.tier
        return "一般"


def _split_categories(category: str) -> list[str]:
    for sep in "、，,；;/ ":
        category = category.replace(sep, "|")
    return category.replace("并处", "|").replace("和", "|").split("|")


def _cited(d: dict) -> Cited:
    # Folded YAML joins lines with spaces; Chinese text has none.
    text = "".join(line.strip() for line in str(d["text"]).split())
    return Cited(text, d["source"], d.get("clause", ""), d.get("region", ""))


def _limits(d: dict) -> Limits:
    values = {k: v for k, v in d.items() if k not in ("confirmed", "source", "effective")}
    return Limits(values, bool(d.get("confirmed", True)), d["source"])


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def load(path: Path = RULES_FILE) -> WorkflowRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    objection, repair = data["objection"], data["repair"]
    rule_sets = tuple(
        RuleSet(r["id"], r["name"], as_date(r["effective_from"]), as_date(r.get("effective_to")),
                {tier: Period(int(p["min_months"]), int(p["max_months"])) for tier, p in r["periods"].items()})
        for r in repair["rule_sets"])
    rows = tuple(SeverityRow(r["tier"], tuple(r.get("categories", ())), tuple(r.get("categories_only", ())),
                             _decimal(r.get("min_fine")), _decimal(r.get("max_fine")))
                 for r in repair["severity_table"]["rows"])
    lists = {name: ListRule(name, bool(r["repairable"]), int(r.get("min_months", 0)), r["exit"], r["source"],
                             r.get("region", "全国"))
             for name, r in repair["lists"].items()}
    return WorkflowRules(
        grounds=tuple(objection["grounds"]),
        suspends_punishment=_cited(objection["suspends_punishment"]),
        wrong_information=_cited(objection["wrong_information"]),
        remedies=_cited(objection["remedies"]),
        objection_limits=_limits(objection["limits"]),
        repair_limits=_limits(repair["limits"]),
        commitment=_cited(repair["commitment"]),
        after_repair=_cited(repair["after_repair"]),
        rule_sets=rule_sets,
        severity_rows=rows,
        severity_source=repair["severity_table"]["source"],
        not_early_categories=tuple(repair["not_early"]["categories"]),
        not_early_source=repair["not_early"]["source"],
        lists=lists,
        working_days_note=data["working_days"]["source"],
        repair_conditions=_cited(repair["conditions"]) if "conditions" in repair else None,
        repair_materials=(repair.get("conditions") or {}).get("materials", ""),
        repair_conditions_effective=as_date((repair.get("conditions") or {}).get("effective")),
    )


@functools.lru_cache(maxsize=1)
def rules() -> WorkflowRules:
    return load()
