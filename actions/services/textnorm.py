"""Text normalisation shared by lookups, the importer and the NLU: width, spaces, script."""
from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: the converter loads its dictionaries once

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def to_traditional(text: str) -> str:
    return _s2t().convert(text) if text else text


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes the text: it carries Traditional-only characters."""
    return bool(text) and to_simplified(text) != text


def clean_text(text: str | None) -> str:
    """NFKC (full-width letters, digits and brackets to half-width), whitespace collapsed, trimmed."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def normalize_name(name: str | None) -> str:
    """The form subject names are indexed and searched in: NFKC, no spaces, Simplified, lower case.

    '大慶市 龍華（石化）有限公司' and '大庆市龙华(石化)有限公司' normalise to the same string.
    """
    s = clean_text(name).replace(" ", "")
    return to_simplified(s).lower()
