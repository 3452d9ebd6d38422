"""Understanding people the model was not trained on (issue 17), with the real trained model.

- a second held-out NLU set (tests/nlu/test_nlu_2.yml, mostly Traditional, written apart from nlu/);
- everyday chit-chat (tests/nlu/chitchat_heldout.txt) never starts a lookup, a filing or a status query;
- personal bank-credit questions (tests/nlu/bank_credit_heldout.txt) are sent to 人行征信 and the
  lender, and never start a filing;
- every credit request in both NLU test sets still starts one (the out-of-domain gate may not eat them).

The floors are the issue's goals where the test model (fewer epochs than production) meets them;
bench/understanding.py prints the same figures for any model. None of these lines is in nlu/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.services.textnorm import to_simplified
from bot.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent / "nlu"
CREDIT_ACTIONS = {"query_credit", "file_objection", "request_repair", "check_status"}
OUTSIDE = {"out_of_scope", "bank_credit"}


def nlu_set(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]).strip(), block["intent"])
            for block in data["nlu"] if "intent" in block
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]


def lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


def test_the_new_material_is_held_out():
    """Not one line of it, in either script, is a training example."""
    train = {to_simplified(t).lower() for f in (PROJECT_ROOT / "nlu").glob("*.yml") for t, _ in nlu_set(f)}
    held = [t for t, _ in nlu_set(HERE / "test_nlu_2.yml")] + lines(HERE / "chitchat_heldout.txt") \
        + lines(HERE / "bank_credit_heldout.txt")
    assert len(held) >= 700
    leaked = [t for t in held if to_simplified(t).lower() in train]
    assert not leaked, leaked[:10]


@pytest.fixture(scope="module")
def intents(trained_model_dir):
    """Every line of the held-out material parsed once: text → intent."""
    import asyncio
    import logging

    from rasa.core.agent import load_agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    texts = {t for p in HERE.glob("test_nlu*.yml") for t, _ in nlu_set(p)}
    texts |= set(lines(HERE / "chitchat_heldout.txt")) | set(lines(HERE / "bank_credit_heldout.txt"))

    async def parse_all() -> dict[str, str]:
        agent = await load_agent(model_path=str(trained_model_dir / "xinyong.tar.gz"))
        return {t: (await agent.parse_message(t))["intent"]["name"] for t in sorted(texts)}
    parsed = asyncio.run(parse_all())
    return lambda batch: [parsed[t] for t in batch]


def test_second_held_out_set(intents):
    items = nlu_set(HERE / "test_nlu_2.yml")
    got = intents([t for t, _ in items])
    wrong = [f"{t} ({e} -> {g})" for (t, e), g in zip(items, got) if g != e]
    assert 1 - len(wrong) / len(items) >= 0.92, "\n".join(wrong)


def test_chit_chat_never_starts_a_credit_action(intents):
    chat = lines(HERE / "chitchat_heldout.txt")
    got = intents(chat)
    acted = [f"{t} -> {g}" for t, g in zip(chat, got) if g in CREDIT_ACTIONS]
    assert len(acted) <= 0.03 * len(chat), "\n".join(acted)


def test_bank_credit_questions_go_to_the_central_bank_and_the_lender(intents):
    bank = lines(HERE / "bank_credit_heldout.txt")
    got = intents(bank)
    assert not [t for t, g in zip(bank, got) if g in {"file_objection", "request_repair"}]
    missed = [f"{t} -> {g}" for t, g in zip(bank, got) if g != "bank_credit"]
    assert len(missed) <= 0.2 * len(bank), "\n".join(missed)


def test_credit_requests_still_start_credit_actions(intents):
    """The gate and the new out-of-domain data must not turn a real request away."""
    items = [(t, e) for p in sorted(HERE.glob("test_nlu*.yml")) for t, e in nlu_set(p) if e in CREDIT_ACTIONS]
    got = intents([t for t, _ in items])
    turned_away = [f"{t} ({e} -> {g})" for (t, e), g in zip(items, got) if g in OUTSIDE]
    assert len(turned_away) <= 0.01 * len(items), "\n".join(turned_away)
