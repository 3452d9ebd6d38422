"""Which language and which Chinese script a message is written in.

The NLU normaliser uses this to route non-Chinese messages and to remember a user's script; it is
pure and cheap, so it can run on every message.
"""
from __future__ import annotations

import functools
import re

from actions.services.textnorm import is_traditional, to_traditional

ZH, EN, OTHER = "zh", "en", "other"
TRADITIONAL, SIMPLIFIED = "traditional", "simplified"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_OTHER_LETTERS = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u0e00-\u0e7f\u0590-\u05ff\u0900-\u097f]")
# Short English messages defeat statistical detection ("hi", "ok"); these decide them.
_ENGLISH_WORDS = frozenset("""
hi hello hey yo good morning afternoon evening thanks thank you bye goodbye see ok okay yes no nope yeah
sure please help what can do are is a the bot robot human agent person talk to check company credit
record records code look up lookup search penalty penalties license licence list who how i me my want
need find about of for with this that it an in on and or real operator someone call hotline speak
thx ty pls plz cya hii helo hallo status progress ticket application objection repair appeal
""".split())
_CODE_LIKE = re.compile(r"\b(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{8,}\b")
# A ticket number (YY-20261117-0001) is not English: its letters say nothing about the language.
_TICKET_LIKE = re.compile(r"(?<![A-Za-z])(?:YY|XF)[-_ —]?\d{8}[-_ —]?\d{4}(?!\d)", re.I)


@functools.lru_cache(maxsize=1)
def _detector_seeded():
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0  # langdetect is random by default; replies must not flip between runs
    return True


def detect_language(text: str) -> str | None:
    """zh, en or other; None when the text carries no language (a code, digits, emoji)."""
    if not text:
        return None
    if _KANA_HANGUL.search(text):
        return OTHER
    if _HAN.search(text):
        return ZH
    if _OTHER_LETTERS.search(text):
        return OTHER
    words = [w.lower() for w in _LATIN_WORD.findall(_CODE_LIKE.sub(" ", _TICKET_LIKE.sub(" ", text)))]
    if not words:
        return None
    known = sum(w in _ENGLISH_WORDS for w in words)
    if known * 2 >= len(words):
        return EN
    _detector_seeded()
    try:
        from langdetect import detect

        return EN if detect(" ".join(words)) == "en" else OTHER
    except Exception:  # langdetect raises on text without features
        return None


def detect_script(text: str) -> str | None:
    """traditional or simplified when the Han characters tell; None when they are the same in both."""
    if not text or not _HAN.search(text):
        return None
    if is_traditional(text):
        return TRADITIONAL
    if to_traditional(text) != text:
        return SIMPLIFIED
    return None
