"""The policy retrieval against its own held-out question sets (tests/policy/eval_questions*.yml).

Three sets, written independently of each other and of policy_docs/paraphrases.yml. Sets 1 and 2
are what the retrieval was tuned on (the fusion and the calibrated "covered" decision, issue 17):
the build fails below hit@3 = 0.9 on either. Set 3 was written afterwards and never tuned on: it
checks that the tuning carries over, with floors a little under what it measured (hit@3 0.883,
answered@3 0.90, declined 0.80 on 2026-12-06), not the goals. The answered share and the declined share of uncovered questions are
guarded too, so the relevance threshold cannot drift to "answer everything" or "answer nothing"
unnoticed. bench/policy.py prints the same figures with latency.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from actions.services.policy_eval import evaluate, load_questions
from actions.services.policy_search import index

SETS = sorted((Path(__file__).parent / "policy").glob("eval_questions*.yml"))


@pytest.fixture(scope="module", params=SETS, ids=[p.stem for p in SETS])
def question_set(request):
    questions = load_questions(request.param)
    return questions, evaluate(index(), questions)


def test_the_sets_are_big_enough_and_name_real_clauses(question_set):
    questions, _ = question_set
    answerable = [q for q in questions if q.get("expect")]
    assert len(answerable) >= 60 and len(questions) - len(answerable) >= 10
    known = set(index().by_id)
    unknown = {e for q in answerable for e in q["expect"] if e not in known}
    assert not unknown


FLOORS = {"eval_questions_3": {"hit3": 0.85, "answered3": 0.85, "declined": 0.75}}
GOALS = {"hit3": 0.9, "answered3": 0.75, "declined": 0.8}


@pytest.fixture
def floors(request):
    return FLOORS.get(request.node.callspec.id, GOALS)


def test_hit_at_3(question_set, floors):
    _, result = question_set
    assert result.hit_at_3 >= floors["hit3"], f"hit@3 {result.hit_at_3:.3f}; misses: {result.misses}"


def test_threshold_answers_most_and_declines_what_is_not_covered(question_set, floors):
    _, result = question_set
    assert result.answered_at_3 >= floors["answered3"], f"answered@3 {result.answered_at_3:.3f}"
    assert result.decline_rate >= floors["declined"], f"declined {result.declined}/{result.negatives}: {result.wrongly_answered}"
