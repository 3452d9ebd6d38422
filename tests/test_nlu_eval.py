"""The NLU on a held-out test set (tests/nlu/test_nlu.yml) with `rasa test nlu`.

The set is written apart from the training data (colloquial, Traditional script, typos, codes in
odd formats) and must stay apart: a test utterance found in the training data fails the suite.
The suite fails below intent accuracy 0.94; the report is kept in var/nlu-report. (It was 0.95 until
issue 17: the out_of_scope and bank_credit classes and the out-of-domain gate cost this set about
1.5 points, 0.967 → 0.952 with the production model, for 0.849 → 0.961 on the second held-out set and
5.8 % → 0 % of chit-chat starting a credit action; tests/test_understanding.py guards those.)
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.paths import PROJECT_ROOT
from bot.telemetry import without_telemetry

pytestmark = pytest.mark.slow
TEST_SET = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"
MIN_INTENT_ACCURACY = 0.94
MIN_ENTITY_F1 = {"credit_code": 0.95, "ticket_id": 0.95, "phone": 0.9}
CONTRACT_INTENTS = {"greet", "goodbye", "thank", "affirm", "deny", "query_credit", "file_objection",
                    "request_repair", "check_status", "ask_policy", "human_handoff", "bot_challenge",
                    "out_of_scope", "bank_credit", "inform"}


def _examples(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for block in data.get("nlu", []):
        if "intent" in block:  # an intent may have several blocks: Rasa merges them, so do we
            out.setdefault(block["intent"], []).extend(
                line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- "))
    return out


def _text(example: str) -> str:
    """The utterance without its [span](entity) annotations."""
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", example).strip()


def _plain(example: str) -> str:
    return _text(example).lower()


def test_the_test_set_is_held_out_and_covers_the_contract():
    test = _examples(TEST_SET)
    assert set(test) == CONTRACT_INTENTS
    assert sum(map(len, test.values())) >= 300
    train = {_plain(e) for f in (PROJECT_ROOT / "nlu").glob("*.yml") for es in _examples(f).values() for e in es}
    leaked = [e for es in test.values() for e in es if _plain(e) in train]
    assert not leaked, f"test utterances also in the training data: {leaked[:10]}"


@pytest.fixture(scope="session")
def nlu_report(trained_model_dir):
    out = PROJECT_ROOT / "var" / "nlu-report"
    rasa = str(Path(sys.executable).with_name("rasa"))
    proc = subprocess.run([rasa, "test", "nlu", "--nlu", str(TEST_SET), "--model",
                           str(trained_model_dir / "xinyong.tar.gz"), "--out", str(out)],
                          capture_output=True, text=True, timeout=1800, cwd=PROJECT_ROOT,
                          env=without_telemetry(dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_intent_accuracy(nlu_report):
    report = json.loads((nlu_report / "intent_report.json").read_text(encoding="utf-8"))
    errors = json.loads((nlu_report / "intent_errors.json").read_text(encoding="utf-8"))
    confused = [f"{e['text']} ({e['intent']} -> {e['intent_prediction']['name']})" for e in errors]
    assert report["accuracy"] >= MIN_INTENT_ACCURACY, "\n".join(confused)


def test_entities_with_a_fixed_shape_are_found(nlu_report):
    reports = list(nlu_report.glob("*_report.json"))
    entity_reports = [json.loads(p.read_text(encoding="utf-8")) for p in reports
                      if p.name in ("RegexEntityExtractor_report.json", "DIETClassifier_report.json")]
    assert entity_reports
    best = {name: max(r.get(name, {}).get("f1-score", 0.0) for r in entity_reports) for name in MIN_ENTITY_F1}
    low = {k: v for k, v in best.items() if v < MIN_ENTITY_F1[k]}
    assert not low, f"entity F1 below the floor: {low}"


MIN_SUBJECT_NAME_F1 = 0.85


async def test_subject_names_come_out_whole(trained_model_dir):
    """Exact-name F1 of subject_name over the test set: DIET, the spaCy ruler and the tidying
    together, compared in the form names are searched in (so Traditional matches Simplified)."""
    import logging

    from rasa.core.agent import load_agent

    from actions.services.textnorm import normalize_name

    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = await load_agent(model_path=str(trained_model_dir / "xinyong.tar.gz"))
    tp = fp = fn = 0
    misses = []
    for examples in _examples(TEST_SET).values():
        for example in examples:
            gold = {normalize_name(m) for m in re.findall(r"\[([^\]]+)\]\(subject_name\)", example)}
            parsed = await agent.parse_message(_text(example))
            found = {normalize_name(e["value"]) for e in parsed["entities"] if e["entity"] == "subject_name"}
            tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
            if gold != found:
                misses.append(f"{example}: {sorted(found)}")
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= MIN_SUBJECT_NAME_F1, f"F1 {f1:.3f}\n" + "\n".join(misses)
