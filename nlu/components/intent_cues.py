"""Unmistakable request words overrule a lookup reading (nlu/patterns/intent_cues.yml).

DIET learns that a message with a credit code is a lookup; "我要对9123…的处罚提出异议" is an
objection all the same. A cue applies only when DIET's intent is one it may overrule, so a policy
question or a status query keeps its intent.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

CUES_FILE = Path(__file__).resolve().parents[1] / "patterns" / "intent_cues.yml"


@functools.lru_cache(maxsize=1)
def cues() -> tuple[tuple[str, frozenset, re.Pattern, frozenset], ...]:
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    return tuple((c["intent"], frozenset(c["over"]), re.compile(c["pattern"], re.I),
                  frozenset(c.get("with_entity") or ())) for c in data["cues"])


def cued_intent(text: str, intent: str | None, entities: frozenset | set = frozenset()) -> str | None:
    """The intent the text's words demand instead of `intent`, or None to keep it. A cue with
    `with_entity` applies only when the message carries one of those entities."""
    if text.startswith("/"):  # a button payload names its intent
        return None
    for cue_intent, over, pattern, needs in cues():
        if needs and not needs & set(entities):
            continue
        if intent in over and cue_intent != intent and pattern.search(text):
            return cue_intent
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentCues(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentCues":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            entities = {e.get("entity") for e in message.get(ENTITIES) or []}
            cued = cued_intent(message.get(TEXT) or "", intent.get("name"), entities)
            if cued:
                confidence = max(float(intent.get("confidence") or 0.0), 0.9)
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != cued]
                message.set(INTENT, {"name": cued, "confidence": confidence}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": cued, "confidence": confidence}] + ranking,
                            add_to_output=True)
        return messages
