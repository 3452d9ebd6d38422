"""Scoring the policy retrieval against a question set with expected clause ids.

Used by tests/test_policy_eval.py (which fails the build below hit@3 = 0.9) and bench/policy.py.
hit@1 and hit@3 measure the retrieval ranking over the answerable questions: is an expected clause
first, or among the first three. `answered@3` is what the user gets: the question passes the
relevance threshold and an expected clause is among the three cited. A question with `expect: []`
is one the documents do not answer: it counts as right when the assistant declines it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from actions.services.policy_search import PolicyIndex


@dataclass
class Result:
    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    answered3: int = 0
    negatives: int = 0
    declined: int = 0
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)    # (q, expected, got)
    wrongly_answered: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def hit_at_1(self) -> float:
        return self.hit1 / self.answerable if self.answerable else 0.0

    @property
    def hit_at_3(self) -> float:
        return self.hit3 / self.answerable if self.answerable else 0.0

    @property
    def answered_at_3(self) -> float:
        return self.answered3 / self.answerable if self.answerable else 0.0

    @property
    def decline_rate(self) -> float:
        return self.declined / self.negatives if self.negatives else 1.0


def load_questions(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def evaluate(index: PolicyIndex, questions: list[dict]) -> Result:
    result = Result()
    for item in questions:
        expected = [str(e) for e in item.get("expect") or []]
        got = [h.clause.id for h in index.answers(item["q"])][:3]
        ranked = [h.clause.id for h in index.search(item["q"], k=3)]
        if not expected:
            result.negatives += 1
            if got:
                result.wrongly_answered.append((item["q"], got))
            else:
                result.declined += 1
            continue
        result.answerable += 1
        if ranked and ranked[0] in expected:
            result.hit1 += 1
        if set(ranked) & set(expected):
            result.hit3 += 1
        else:
            result.misses.append((item["q"], expected, ranked))
        if set(got) & set(expected):
            result.answered3 += 1
    return result
