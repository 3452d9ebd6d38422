"""Natural keys of records: how one disclosed record is recognised across imports and writers.

Part of the database contract (docs/schema.md §6.1): the importer, the demo data and any other
writer build records.natural_key with these functions.
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

from actions.services.textnorm import normalize_name

# Doc numbers are written with several kinds of brackets; one document must give one key.
_DOC_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]", "(": "[", ")": "]",
                               "［": "[", "］": "]", "（": "[", "）": "]", "﹝": "[", "﹞": "]"})


def doc_key(doc_number: str) -> str:
    """'庆市监罚字〔2026〕 第15号' and '庆市监罚字(2026)第15号' -> '庆市监罚字[2026]第15号'."""
    s = unicodedata.normalize("NFKC", doc_number).translate(_DOC_BRACKETS)
    return re.sub(r"\s+", "", s)


def person_key(id_number: str) -> str:
    """A natural person's part of a key: a digest, so that ID numbers live only in subjects."""
    return "id:" + hashlib.sha256(id_number.encode()).hexdigest()[:24]


@functools.lru_cache(maxsize=65536)
def _agency_key(agency: str) -> str:
    return normalize_name(agency)  # agencies repeat across rows: convert each once


def record_key(kind: str, doc_number: str, agency: str = "", list_type: str = "",
               subject_code: str = "", is_person: bool = False) -> str:
    """penalty: 文书号|处罚机关; license: 文书号; list: 名单类型|代码|文书号 (codes normalised)."""
    doc = doc_key(doc_number)
    if kind == "penalty":
        return f"{doc}|{_agency_key(agency)}"
    if kind == "license":
        return doc
    who = person_key(subject_code) if is_person else subject_code
    return f"{list_type}|{who}|{doc}"
