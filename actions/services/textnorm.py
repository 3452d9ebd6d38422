"""Text normalisation shared by lookups, the importer and the NLU: width, spaces, script."""
from __future__ import annotations

import functools
import unicodedata


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: the converter loads its dictionaries once

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    # s2tw, not s2t: s2t writes the old variants 爲, 衆, 羣, 覈 that no reader of Traditional uses
    # today; s2tw writes 為, 眾, 群, 核 as in the published Traditional documents (policy doc 002).
    return opencc.OpenCC("s2tw")


def _convert(converter, text: str) -> str:
    # OpenCC reads a C string: everything from a NUL on would be lost, so convert around NULs.
    if "\x00" in text:
        return "\x00".join(converter.convert(part) if part else part for part in text.split("\x00"))
    return converter.convert(text)


def to_simplified(text: str) -> str:
    return _convert(_t2s(), text) if text else text


def to_traditional(text: str) -> str:
    return _convert(_s2t(), text) if text else text


def reply_in_script(text: str | None, buttons: list[dict] | None,
                    script: str | None) -> tuple[str | None, list[dict] | None]:
    """A reply in `script` ("traditional" or "simplified"; anything else leaves it as it is): the
    text and button titles converted, payloads never."""
    convert = {"traditional": to_traditional, "simplified": to_simplified}.get(script or "")
    if convert is None:
        return text, buttons
    if buttons:
        buttons = [dict(b, title=convert(b["title"])) if b.get("title") else b for b in buttons]
    return (convert(text) if text else text), buttons


def traditional_reply(text: str | None, buttons: list[dict] | None = None) -> tuple[str | None, list[dict] | None]:
    """A reply for a Traditional-script user."""
    return reply_in_script(text, buttons, "traditional")


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes the text: it carries Traditional-only characters."""
    return bool(text) and to_simplified(text) != text


def clean_text(text: str | None) -> str:
    """NFKC (full-width letters, digits and brackets to half-width), whitespace collapsed, trimmed."""
    if text is None:
        return ""
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
    return " ".join(s.split())


def normalize_names(names: list[str]) -> list[str]:
    """normalize_name for many names with one OpenCC call (per call overhead dominates for short
    strings). Names never contain a newline after clean_text, so it separates them safely."""
    cleaned = [clean_text(n).replace(" ", "") for n in names]
    if not cleaned:
        return []
    converted = to_simplified("\n".join(cleaned)).split("\n")
    if len(converted) != len(cleaned):  # cannot happen with OpenCC's dictionaries; stay correct
        converted = [to_simplified(c) for c in cleaned]
    return [c.lower() for c in converted]


def normalize_name(name: str | None) -> str:
    """The form subject names are indexed and searched in: NFKC, no spaces, Simplified, lower case.

    '大慶市 龍華（石化）有限公司' and '大庆市龙华(石化)有限公司' normalise to the same string.
    """
    return normalize_names([name])[0]


def without_place_prefix(name: str) -> str:
    """The name without the place words it starts with: '哈尔滨北辰物流' -> '北辰物流'.

    People drop or shorten the place ('哈尔滨' for '哈尔滨市'), which breaks a contains-search; the
    rest of the name is what identifies the subject. Returns '' when the name is only places.
    """
    import jieba.posseg

    words = list(jieba.posseg.cut(name))
    i = 0
    while i < len(words) and (words[i].flag == "ns" or words[i].word in ("省", "市", "区", "县", "镇", "旗")):
        i += 1
    return "".join(w.word for w in words[i:]) if i else name
