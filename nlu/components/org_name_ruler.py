"""Organisation and agency names by rule, with spaCy's EntityRuler on a blank `zh` pipeline.

DIET learns subject names from examples; names it has never seen with no legal form ("鹏程医疗器械")
or in an unusual sentence slip through. This component adds a subject_name where DIET found none
and the rules find an organisation name, and drops a subject_name that is a government body
("市场监管局罚了我们" names the agency, not the subject). No model is downloaded: the pipeline is
spaCy's blank Chinese with the jieba segmenter (the same jieba, with the domain dictionary).
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


_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,6}(省|市|区|县|镇|旗|州|盟)$")
MIN_ORG_CHARS = 4  # the shortest real names ("金禾餐饮", "鸿泰公司"); shorter spans are sentence debris


def find(text: str) -> list[tuple[str, int, int, str]]:
    """(label, start, end, text) of the organisation and agency spans in a normalised text."""
    out = []
    for e in _nlp()(text).ents:
        tokens = list(e)
        if e.label_ == "ORG":
            # A name starts at its first place name when it has one: "知道合肥市蜀山区…中心" -> "合肥市…".
            place = next((i for i, t in enumerate(tokens[:-1]) if _PLACE.search(t.text)), 0)
            tokens = tokens[place:]
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        value = text[start:end]
        if " " in value or "\u3000" in value:  # spaCy keeps spaces as token whitespace; a name has none
            cut = max(value.rfind(" "), value.rfind("\u3000")) + 1
            start, value = start + cut, value[cut:]
        if e.label_ == "ORG" and len(value) < MIN_ORG_CHARS:
            continue
        out.append((e.label_, start, start + len(value), value))
    return out


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
                    # DIET often tags part of a long name, or splits it in pieces: the rule's name
                    # that covers the piece wins; a rule name that starts inside DIET's span only
                    # extends it to the right (its left edge may be a verb the rule took in).
                    covering = [o for o in orgs if o[0] <= e.get("start", -1) and e.get("end", 10**6) <= o[1]]
                    extending = [o for o in orgs if o[0] > e.get("start", -1) and o[0] < e.get("end", -1) < o[1]]
                    if covering:
                        start, end, value = max(covering, key=lambda o: o[1] - o[0])
                        e = dict(e, start=start, end=end, value=value, extractor=NAME)
                    elif extending:
                        end = extending[0][1]
                        e = dict(e, end=end, value=text[e["start"]:end], extractor=NAME)
                entities.append(e)
            taken = [(e["start"], e["end"]) for e in entities if "start" in e]
            if not any(e.get("entity") == "subject_name" for e in entities):
                for start, end, value in orgs:
                    if not any(start < b and a < end for a, b in taken):
                        entities.append({"entity": "subject_name", "value": value, "start": start, "end": end,
                                         "extractor": NAME})
            message.set(ENTITIES, _without_pieces(entities, text), add_to_output=True)
        return messages


def _without_pieces(entities: list[dict], text: str = "") -> list[dict]:
    """One subject_name per name: pieces DIET tagged side by side are joined ('南京'+'秦淮区悦城…'),
    a piece inside a longer name is dropped, and a bare place or person name is not a subject."""
    names = sorted((e for e in entities if e.get("entity") == "subject_name" and "start" in e),
                   key=lambda e: (e["start"], -e["end"]))
    merged: list[dict] = []
    for e in names:
        last = merged[-1] if merged else None
        if last and e["start"] < last["end"]:
            if e["end"] > last["end"]:
                merged[-1] = dict(last, end=e["end"], value=text[last["start"]:e["end"]] or last["value"])
            continue
        if last and text and not text[last["end"]:e["start"]].strip():
            merged[-1] = dict(last, end=e["end"], value=text[last["start"]:e["end"]].replace(" ", ""))
            continue
        merged.append(e)
    merged = [e for e in merged if not _not_a_name(str(e.get("value", "")))]
    return [e for e in entities if e.get("entity") != "subject_name" or "start" not in e] + merged


# jieba tags of ordinary words: nouns, verbs, adjectives, abbreviations ('环保'), idioms.
_COMMON_WORD_TAGS = frozenset(("n", "v", "vn", "vd", "j", "a", "ad", "an", "d", "l", "i"))


def _not_a_name(value: str) -> bool:
    """'牡丹江', '武侯区', '何丽娟', '陈美玲': places or persons; '环保', '咨询': one ordinary word
    of two characters (a name that short cannot be searched anyway)."""
    import jieba.posseg

    words = list(jieba.posseg.cut(value))
    if len(words) == 1:
        return words[0].flag in ("ns", "nr") or (len(value) <= 2 and words[0].flag in _COMMON_WORD_TAGS)
    if len(value) <= 4 and all(w.flag == "nr" for w in words):  # '陈' + '美玲'
        return True
    return all(w.flag == "ns" or w.word in "省市区县镇旗" for w in words)  # '成都武侯区': places only
