"""Tidy the entities of a parsed message, after every extractor has run.

- Fixed-shape entities (codes, ticket ids, phones, document numbers): the regex extractor's span
  wins over DIET's; values are put in canonical form (upper-case code without separators,
  'YY-20261117-0001'), and DIET spans that cannot be such a value are dropped.
- subject_name: lead-in verbs and trailing particles are cut ('帮我查一下鸿泰石油的' -> '鸿泰石油');
  generic words ('这家公司', '我们公司') are not names.
- The message's language and script, found by TextNormalizer, become entities so that slots can
  remember them. A message in a language other than Chinese or English is routed to out_of_scope,
  whose reply is bilingual.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.services import codes
from nlu.components.text_normalizer import LANGUAGE, OFFSETS, SCRIPT, to_original

PATTERN_ENTITIES = ("credit_code", "ticket_id", "phone", "doc_number")
REGEX_EXTRACTOR = "RegexEntityExtractor"
NAME = "EntityTidy"

_TICKET = re.compile(r"(YY|XF)[-_ —]?(\d{8})[-_ —]?(\d{4})", re.I)
_PHONE_DIGITS = re.compile(r"\d{7,12}")
_DOC_LEAD = re.compile(r"^.*?(?:文书号|决定书号|决定书|文号|案号|编号|号码)(?:是|为)?[:：]?|^(?:就是|那条|这条|是|为|选|关于|对)+")
_NAME_LEAD = re.compile(r"^(?:请|麻烦|帮忙|帮我|给我|替我|我想|我要|想|要|再|也)*(?:查询|查查|查一查|查一下|查下|查|看看|看一下|看下|瞅瞅|瞅一下|瞧瞧|搜一下|搜|问问|问一下|问下|知道|了解一下|了解)?(?:一下)?(?:这家|那家|一家)?")
_NAME_TAIL = re.compile(r"(?:的|吗|呢|啊|呀|吧|嘛|哦|了|有没有|是否|信用|记录|情况|怎么样|咋样)+$")
GENERIC_NAMES = frozenset("""这家公司 那家公司 这家 那家 我们公司 我公司 我司 本公司 贵公司 公司 企业 单位 这个公司 那个公司
这个企业 这间公司 一家公司 上一家 他们公司 他家 它 他们 我们 我们单位 我们企业 个体户 个体工商户""".split())


def _canonical(entity: str, value: str) -> str | None:
    """The canonical value, or None when the span cannot be such an entity."""
    if entity == "credit_code":
        code = codes.normalize_code(value)
        ok = 15 <= len(code) <= 20 and code.isalnum() and any(c.isdigit() for c in code)
        return code if ok else None
    if entity == "ticket_id":
        m = _TICKET.search(value)
        return f"{m.group(1).upper()}-{m.group(2)}-{m.group(3)}" if m else None
    if entity == "phone":
        digits = re.sub(r"[^\d]", "", value)
        return digits if _PHONE_DIGITS.fullmatch(digits) else None
    if entity == "doc_number":
        doc = _DOC_LEAD.sub("", value.strip())
        return doc if "号" in doc and len(doc) >= 6 else None
    return value


def tidy_subject_name(value: str) -> str | None:
    name = value.strip(" ，,。.？?！!：:、\"'“”")
    name = _NAME_LEAD.sub("", name)
    name = _NAME_TAIL.sub("", name)
    if len(name) < 2 or name in GENERIC_NAMES:
        return None
    return name


def _overlaps(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


_VERB_BEFORE = re.compile(r"(查|看|问|搜|瞅|找)$")


def _after_verb(name: str, text: str, start: int | None) -> str:
    """'查下鸿泰石油': a tagger may start the name at 下; a 下/一下 right after a verb is not a name."""
    if text and start is not None:
        for lead in ("一下", "下"):
            if name.startswith(lead) and _VERB_BEFORE.search(text[:start]):
                return name[len(lead):]
    return name


def tidy_entities(entities: list[dict], text: str = "") -> list[dict]:
    regex_found = [e for e in entities if e.get("extractor") == REGEX_EXTRACTOR]
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for e in entities:
        e = dict(e)
        name = e.get("entity")
        if name in PATTERN_ENTITIES and e.get("extractor") != REGEX_EXTRACTOR and any(
                r["entity"] == name and _overlaps(r, e) for r in regex_found):
            continue  # the pattern's span is exact; DIET's may be a character short
        if name in PATTERN_ENTITIES:
            value = _canonical(name, str(e.get("value", "")))
        elif name == "subject_name":
            value = tidy_subject_name(_after_verb(str(e.get("value", "")), text, e.get("start")))
        else:
            value = e.get("value")
        if value is None:
            continue
        # A code DIET also tagged as a name, or a phone inside a code: the code wins.
        if name in ("subject_name", "phone") and any(
                o["entity"] == "credit_code" and _overlaps(o, e) for o in regex_found):
            continue
        e["value"] = value
        key = (name, str(value))
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityTidy(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntityTidy":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = tidy_entities(message.get(ENTITIES, []), message.get(TEXT) or "")
            offsets = message.get(OFFSETS)
            if offsets:  # spans refer to what the user typed; values stay canonical
                for e in entities:
                    e["start"], e["end"] = to_original(offsets, e["start"], e["end"])
            for key in (LANGUAGE, SCRIPT):
                value = message.get(key)
                if value:
                    entities.append({"entity": key, "value": value, "start": 0, "end": 0,
                                     "extractor": NAME})
            message.set(ENTITIES, entities, add_to_output=True)
            if message.get(LANGUAGE) == "other":
                intent = {"name": "out_of_scope", "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
