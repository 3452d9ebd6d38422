"""Organisation and agency names by rule, with spaCy's EntityRuler on a blank `zh` pipeline.

DIET learns subject names from examples; names it has never seen with no legal form ("鹏程医疗器械")
or in an unusual sentence slip through. This component adds a subject_name where DIET found none
and the rules find an organisation name, and drops a subject_name that is a government body
("市场监管局罚了我们" names the agency, not the subject). No model is downloaded: the pipeline is
spaCy's blank Chinese with the jieba segmenter (the same jieba, with the domain dictionary).
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

PATTERNS_FILE = Path(__file__).resolve().parents[1] / "patterns" / "org_names.yml"
DICT_DIR = Path(__file__).resolve().parents[1] / "dict"
NAME = "OrgNameRuler"
HAN = r"^[\u4e00-\u9fff()（）]+$"


def patterns(path: Path = PATTERNS_FILE) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    name_token = {"TEXT": {"REGEX": HAN, "NOT_IN": data["lead_tokens"]}}
    return [
        {"label": "AGENCY", "pattern": [{"TEXT": {"REGEX": r"^[\u4e00-\u9fff]*(省|市|区|县|旗)$"}, "OP": "*"},
                                        {"TEXT": {"REGEX": data["agency_lead_regex"]}, "OP": "?"},
                                        {"TEXT": {"REGEX": data["agency_regex"]}}]},
        {"label": "ORG", "pattern": [dict(name_token, OP="+"), {"TEXT": {"REGEX": data["org_suffix_regex"]}}]},
        {"label": "ORG", "pattern": [dict(name_token, OP="+"), {"TEXT": {"IN": data["trade_words"]}}]},
    ]


@functools.lru_cache(maxsize=1)
def _nlp():
    import jieba
    import spacy

    for words in sorted(DICT_DIR.glob("*.txt")):  # the domain dictionary, as JiebaTokenizer uses it
        jieba.load_userdict(str(words))
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns())
    return nlp


def find(text: str) -> list[tuple[str, int, int, str]]:
    """(label, start, end, text) of the organisation and agency spans in a normalised text."""
    doc = _nlp()(text)
    return [(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents]


def _is_agency(value: str, spans) -> bool:
    return any(label == "AGENCY" and (value == span or value in span) for label, _, _, span in spans)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class OrgNameRuler(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OrgNameRuler":
        _nlp()  # load jieba and the patterns once, when the model loads, not on the first message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            spans = find(text)
            orgs = [(start, end, value) for label, start, end, value in spans
                    if label == "ORG" and not _is_agency(value, spans)]
            entities = []
            for e in message.get(ENTITIES, []):
                if e.get("entity") == "subject_name":
                    if _is_agency(str(e.get("value")), spans):
                        continue
                    # DIET often stops short of a long name; the rule's full name ending in a legal
                    # form or trade word is the better span.
                    longer = [o for o in orgs if o[0] <= e.get("start", -1) and e.get("end", 10**6) <= o[1]
                              and o[1] - o[0] > e["end"] - e["start"]]
                    if longer:
                        start, end, value = longer[0]
                        e = dict(e, start=start, end=end, value=value, extractor=NAME)
                entities.append(e)
            taken = [(e["start"], e["end"]) for e in entities if "start" in e]
            if not any(e.get("entity") == "subject_name" for e in entities):
                for start, end, value in orgs:
                    if not any(start < b and a < end for a, b in taken):
                        entities.append({"entity": "subject_name", "value": value, "start": start, "end": end,
                                         "extractor": NAME})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
