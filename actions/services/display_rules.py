"""The display rules of the enquiry conversation (actions/rules/display.yml), loaded once."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.services.workflow_rules import Cited as CitedRule

RULES_FILE = Path(__file__).resolve().parents[1] / "rules" / "display.yml"


@dataclass(frozen=True)
class DisplayRules:
    objection_rule: CitedRule
    person_public_lists: tuple[str, ...]
    hidden_count_audiences: tuple[str, ...]


def load(path: Path = RULES_FILE) -> DisplayRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    objection = data["objection_suspends_punishment"]
    return DisplayRules(
        objection_rule=CitedRule(objection["text"], objection["source"], objection.get("clause", "")),
        person_public_lists=tuple(data["person_public_lists"]["lists"]),
        hidden_count_audiences=tuple(data["hidden_count_audience"]["audiences"]),
    )


@functools.lru_cache(maxsize=1)
def rules() -> DisplayRules:
    return load()
