"""How well a trained model understands people it was not trained on: held-out intents, chit-chat, bank credit.

    .venv/bin/python bench/understanding.py [--model models/xinyong.tar.gz] [--json]

- intent accuracy on each held-out NLU set (tests/nlu/test_nlu*.yml), with the confusions;
- everyday chit-chat (tests/nlu/chitchat_heldout.txt): the share of lines whose parse starts a credit
  action (a lookup, a filing or a status query);
- personal bank-credit questions (tests/nlu/bank_credit_heldout.txt): the share redirected to 人行征信
  (intent bank_credit) and the share that would start a filing.

A model without a `bank_credit` intent (before issue 17) is scored with bank_credit counted as
out_of_scope, which is what it was trained to call those questions. Nothing is asserted here; the
suite's thresholds are in tests/test_nlu_eval.py and tests/test_out_of_scope.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CREDIT_ACTIONS = {"query_credit", "file_objection", "request_repair", "check_status"}
FILINGS = {"file_objection", "request_repair"}


def nlu_set(path: Path) -> list[tuple[str, str]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                out.append((re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]).strip(), block["intent"]))
    return out


def lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "xinyong.tar.gz"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import logging
    import os

    from bot.telemetry import OFF as TELEMETRY_OFF

    os.environ.update(TELEMETRY_OFF)
    from rasa.core.agent import load_agent

    logging.disable(logging.INFO)
    agent = await load_agent(model_path=args.model)
    known = set(agent.domain.intents)

    async def intent(text: str) -> str:
        parsed = await agent.parse_message(text)
        return parsed["intent"]["name"]

    def expected(name: str) -> str:
        return name if name in known else "out_of_scope"

    report: dict = {"model": args.model}
    for path in sorted((ROOT / "tests" / "nlu").glob("test_nlu*.yml")):
        items = nlu_set(path)
        got = [await intent(t) for t, _ in items]
        right = sum(g == expected(e) for g, (_, e) in zip(got, items))
        confusions = Counter(f"{expected(e)}->{g}" for g, (_, e) in zip(got, items) if g != expected(e))
        report[path.stem] = {"n": len(items), "accuracy": round(right / len(items), 3),
                             "confusions": dict(confusions.most_common(12)),
                             "misses": [f"{t} ({expected(e)}->{g})" for g, (t, e) in zip(got, items) if g != expected(e)]}
    chat = lines(ROOT / "tests" / "nlu" / "chitchat_heldout.txt")
    got = [await intent(t) for t in chat]
    acted = [(t, g) for t, g in zip(chat, got) if g in CREDIT_ACTIONS]
    report["chitchat"] = {"n": len(chat), "credit_action_rate": round(len(acted) / len(chat), 3),
                          "intents": dict(Counter(got).most_common()), "acted": [f"{t} -> {g}" for t, g in acted]}
    bank = lines(ROOT / "tests" / "nlu" / "bank_credit_heldout.txt")
    got = [await intent(t) for t in bank]
    redirect = "bank_credit" if "bank_credit" in known else "out_of_scope"
    report["bank_credit"] = {"n": len(bank), "redirect_intent": redirect,
                             "redirected": round(sum(g == redirect for g in got) / len(bank), 3),
                             "filings_started": sum(g in FILINGS for g in got),
                             "credit_actions": sum(g in CREDIT_ACTIONS for g in got),
                             "intents": dict(Counter(got).most_common()),
                             "not_redirected": [f"{t} -> {g}" for t, g in zip(bank, got) if g != redirect]}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for name, r in report.items():
        if name == "model":
            print(f"model {r}")
        elif "accuracy" in r:
            print(f"{name:18} intent accuracy {r['accuracy']:.3f} (n={r['n']})  {r['confusions']}")
    c, b = report["chitchat"], report["bank_credit"]
    print(f"chit-chat          credit action started {c['credit_action_rate']:.3f} (n={c['n']})")
    print(f"bank credit        redirected {b['redirected']:.3f}, filings started {b['filings_started']}, "
          f"credit actions {b['credit_actions']} (n={b['n']})")


if __name__ == "__main__":
    asyncio.run(main())
