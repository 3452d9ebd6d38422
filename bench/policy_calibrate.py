"""Fit the policy retrieval's "covered" decision (retrieval.yml `covered`) on the project's question sets.

    .venv/bin/python bench/policy_calibrate.py [--questions FILE ...] [--check FILE ...]

For each question, the top fused clause's coverage, BM25 score and sentence similarity are the
features and "the set expects an answer" the label; a logistic regression gives the weights to paste
into policy_docs/retrieval.yml. The --check sets (default: eval_questions_3.yml, written after the
others) are only scored, never fit. Prints the share of answerable questions kept and of
uncovered ones declined at a few thresholds.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def features(ix, question: str) -> list[float] | None:
    from actions.services.policy_rules import stated_for

    q = ix.query(question)
    asked = ix.terms.mend(q.text)
    hits = [h for h in ix.search(q, k=6) if stated_for(h.clause, asked, set(q.weights), ix.terms)]
    if not hits:
        return None
    top = hits[0]
    # Cosines of e5 lie in a narrow band (0.8–0.95): scaled ×10 so the fit's regularisation treats
    # the three features alike; the printed weight is for the raw cosine.
    return [top.coverage, math.log1p(top.score), 10 * top.dense]


def main() -> None:
    parser = argparse.ArgumentParser()
    policy = ROOT / "tests" / "policy"
    parser.add_argument("--questions", type=Path, nargs="+",
                        default=[policy / "eval_questions.yml", policy / "eval_questions_2.yml"])
    parser.add_argument("--check", type=Path, nargs="*", default=[policy / "eval_questions_3.yml"])
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from actions.services.policy_eval import load_questions
    from actions.services.policy_search import index

    ix = index()
    if ix.dense is None:
        raise SystemExit("the embedding model is not available: nothing to calibrate")

    def table(paths):
        rows = [(features(ix, item["q"]), bool(item.get("expect"))) for p in paths for item in load_questions(p)]
        return [r for r in rows if r[0] is not None]

    train, check = table(args.questions), table(args.check)
    model = LogisticRegression(C=10, max_iter=5000).fit([f for f, _ in train], [y for _, y in train])
    (c, s, d), b = model.coef_[0], model.intercept_[0]
    print(f"covered:\n  coverage: {c:.3f}\n  log_score: {s:.3f}\n  dense: {10 * d:.3f}\n  intercept: {b:.3f}")
    for name, rows in (("fit", train), ("check", check)):
        if not rows:
            continue
        p = model.predict_proba([f for f, _ in rows])[:, 1]
        for th in (0.4, 0.5, 0.6):
            kept = np.mean([pp >= th for pp, (_, y) in zip(p, rows) if y])
            declined = np.mean([pp < th for pp, (_, y) in zip(p, rows) if not y])
            print(f"{name:5} threshold {th}: answerable kept {kept:.3f}, uncovered declined {declined:.3f}")


if __name__ == "__main__":
    main()
