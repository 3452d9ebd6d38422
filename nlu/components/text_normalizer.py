"""Normalise a message before tokenising, so one Chinese model serves every way people type.

- full-width letters, digits and punctuation become half-width (NFKC, character by character);
- separators inside codes and mobile numbers are removed ('9123 0604 7LY7 DWQT7J' becomes one token);
- Traditional characters become Simplified (OpenCC t2s).

The message keeps what it was: `original_text`, and the `language` (zh/en/other) and `script`
(traditional/simplified) it was written in, which EntityTidy turns into entities for the slots.
Training examples get the same treatment, with their entity offsets moved to the new text.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.services import codes
from actions.services.language import detect_language, detect_script
from actions.services.textnorm import to_simplified

ORIGINAL_TEXT, LANGUAGE, SCRIPT = "original_text", "language", "script"
OFFSETS = "normalizer_offsets"  # original position -> normalised position, to map entities back


_MOBILE = re.compile(r"1[3-9]\d{9}")


def _spaced_phone_spans(text: str) -> list[tuple[int, int]]:
    """'138 1234 5678' and '138-1234-5678' become one number the phone pattern can see."""
    return [span for span, joined in codes.spaced_runs(text) if _MOBILE.fullmatch(joined)]


def to_original(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Positions in the normalised text back to positions in the text the user typed."""
    import bisect

    return bisect.bisect_left(offsets, start), bisect.bisect_left(offsets, end)


def normalize(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each position 0..len(text) of the input, its new position."""
    drop = set()
    for start, end in codes.spaced_code_spans(text) + _spaced_phone_spans(text):
        drop.update(i for i in range(start, end) if not text[i].isalnum())
    pieces, offsets, pos = [], [], 0
    for i, ch in enumerate(text):
        offsets.append(pos)
        if i in drop:
            continue
        piece = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        pieces.append(piece)
        pos += len(piece)
    offsets.append(pos)
    joined = "".join(pieces)
    simplified = to_simplified(joined)
    if len(simplified) != len(joined):  # OpenCC phrase tables can change length; keep offsets true
        simplified = "".join(to_simplified(p) if len(to_simplified(p)) == len(p) else p for p in joined)
    return simplified, offsets


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormalizer(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextNormalizer":
        return cls()

    @staticmethod
    def _normalize_message(message: Message, with_entities: bool) -> None:
        text = message.get(TEXT)
        if not text or message.get(ORIGINAL_TEXT) is not None:
            return
        new_text, offsets = normalize(text)
        if with_entities and message.get(ENTITIES):
            moved = []
            for entity in message.get(ENTITIES):
                entity = dict(entity)
                old_span = text[entity["start"]:entity["end"]]
                entity["start"], entity["end"] = offsets[entity["start"]], offsets[entity["end"]]
                if entity.get("value", old_span) == old_span:  # a synonym's value stays as written
                    entity["value"] = new_text[entity["start"]:entity["end"]]
                moved.append(entity)
            message.set(ENTITIES, moved)
        message.set(ORIGINAL_TEXT, text, add_to_output=True)
        message.set(LANGUAGE, detect_language(text), add_to_output=True)
        message.set(SCRIPT, detect_script(text), add_to_output=True)
        message.set(TEXT, new_text)
        if not with_entities:
            message.set(OFFSETS, offsets)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize_message(example, with_entities=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize_message(message, with_entities=False)
        return messages
