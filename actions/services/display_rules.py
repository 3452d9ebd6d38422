"""The display rules of the enquiry conversation (actions/rules/display.yml), loaded once.

Who may see what. The rules the replies state (objections, display periods) are in the one rules
table, services.workflow_rules.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).resolve().parents[1] / "rules" / "display.yml"


@dataclass(frozen=True)
class DisplayRules:
    person_public_lists: tuple[str, ...]
    hidden_count_audiences: tuple[str, ...]


def load(path: Path = RULES_FILE) -> DisplayRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return DisplayRules(
        person_public_lists=tuple(data["person_public_lists"]["lists"]),
        hidden_count_audiences=tuple(data["hidden_count_audience"]["audiences"]),
    )


@functools.lru_cache(maxsize=1)
def rules() -> DisplayRules:
    return load()
