"""A clause's sentences: what a reply quotes and what the dense retrieval embeds, split one way."""
from __future__ import annotations

import re
import threading
from functools import lru_cache

_NUMBERING = re.compile(r"^(第[一二三四五六七八九十]+[节章]\s*|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d{1,2}[.．])")

_OPENING = re.compile(r"[(（]+$")
_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _sentencizer():
    with _load_lock:
        return _load_sentencizer()


def _load_sentencizer():
    # spaCy's blank Chinese with character segmentation is enough to find sentence ends; the
    # jieba segmenter would add nothing here.
    import spacy

    nlp = spacy.blank("zh")
    nlp.add_pipe("sentencizer", config={"punct_chars": ["。", "！", "？", "!", "?"]})
    return nlp


LONG_SENTENCE = 150


@lru_cache(maxsize=1024)
def sentences(text: str) -> tuple[str, ...]:
    """A clause's sentences, paragraph by paragraph, without the section numbering."""
    out = []
    for paragraph in text.splitlines():
        carry = ""
        for sent in _sentencizer()(paragraph).sents:
            # "…工作。(四)加强…" splits after "。(": the bracket opens the next item's number.
            raw = carry + sent.text.strip()
            opening = _OPENING.search(raw)
            carry = opening.group() if opening else ""
            raw = raw[: len(raw) - len(carry)]
            s = _NUMBERING.sub("", raw.strip()).strip()
            # A very long sentence is a list of measures: its semicolon parts can stand alone.
            parts = [p + "；" for p in s.split("；")[:-1]] + [s.split("；")[-1]] if len(s) > LONG_SENTENCE else [s]
            out.extend(p for p in parts if p.strip("；"))
    return tuple(out)
