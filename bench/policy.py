"""Policy answers: retrieval quality on the held-out question set, and answer latency.

    .venv/bin/python bench/policy.py [--questions FILE ...] [--repeat 5]   (default: tests/policy/eval_questions*.yml)

Prints hit@1 and hit@3 of the ranking, answered@3 (past the relevance threshold with an expected
clause cited), the share of uncovered questions declined, the index build time, the latency of a
whole answer (follow-up check, retrieval, sentence choice and wording: `policy_actions.respond`,
what the action runs in its worker thread) and peak RSS. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, nargs="+",
                        default=sorted((ROOT / "tests" / "policy").glob("eval_questions*.yml")))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import logging
    logging.disable(logging.WARNING)
    start = time.perf_counter()
    from actions import policy_actions
    from actions.policy_actions import respond
    from actions.services.policy_eval import evaluate, load_questions
    from actions.services.policy_search import index
    policy_actions.warmup.join()   # what the action server does at start
    ix = index()
    build = time.perf_counter() - start

    sets = {path.stem: load_questions(path) for path in args.questions}
    questions = [q for qs in sets.values() for q in qs]
    t = time.perf_counter()
    respond("黑名单企业的法人会有啥限制", None)
    first = (time.perf_counter() - t) * 1000
    results = {name: evaluate(ix, qs) for name, qs in sets.items()}
    timings = []
    for _ in range(args.repeat):
        for item in questions:
            t = time.perf_counter()
            respond(item["q"], None)
            timings.append((time.perf_counter() - t) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clauses indexed          {len(ix.clauses)}")
    for name, result in results.items():
        print(f"{name}: {result.answerable} answerable, {result.negatives} not covered")
        print(f"  hit@1 / hit@3          {result.hit_at_1:.3f} / {result.hit_at_3:.3f}")
        print(f"  answered@3             {result.answered_at_3:.3f}")
        print(f"  uncovered declined     {result.declined}/{result.negatives} ({result.decline_rate:.3f})")
    print(f"index build (cold)       {build:.2f} s (imports, jieba dictionary, spaCy, {len(ix.clauses)} clauses; at action server start)")
    print(f"first answer after start {first:.0f} ms")
    print(f"answer latency ms        p50 {pct(timings, 50):.1f}  p95 {pct(timings, 95):.1f}  "
          f"p99 {pct(timings, 99):.1f}  max {max(timings):.1f}  (n={len(timings)})")
    print(f"peak RSS                 {rss:.0f} MB")
    for name, result in results.items():
        for q, expected, got in result.misses:
            print(f"  {name} miss: {q}  expected {expected}  ranked {got}")
        for q, got in result.wrongly_answered:
            print(f"  {name} answered although not covered: {q}  {got}")


if __name__ == "__main__":
    main()
