"""Raw policy pages → cleaned document text (`xinyong policy build`).

The raw copies in ../shared/policy_sources/ are web pages: navigation, share buttons, a spam
headline, a table of contents, a publisher's footer. What is kept is the body between the `start`
and `end` lines that `policy_docs/documents.yml` names for each document, one paragraph per line,
without indentation or blank lines and without the `drop` lines. The text itself is not edited:
answers quote it as published.
"""
from __future__ import annotations

from pathlib import Path

# Indentation on these pages is ideographic spaces, no-break spaces and tabs as well as spaces.
_BLANKS = " \t\u3000\u00a0\ufeff"


class CleaningError(ValueError):
    """The raw page does not contain the lines documents.yml says it does."""


def clean(raw: str, start: str, end: str, drop: list[str] | tuple[str, ...] = ()) -> str:
    lines = [line.strip(_BLANKS) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    first = next((i for i, line in enumerate(lines) if line.startswith(start)), None)
    if first is None:
        raise CleaningError(f"start line not found: {start!r}")
    last = next((i for i in range(first, len(lines)) if lines[i].startswith(end)), None)
    if last is None:
        raise CleaningError(f"end line not found after the start: {end!r}")
    body = [line for line in lines[first:last + 1]
            if line and not any(line.startswith(prefix) for prefix in drop)]
    return "\n".join(body) + "\n"


def build(documents: list[dict], sources: Path, target: Path) -> list[Path]:
    """Clean every document from `sources` into `target/<id>.txt`; returns the files written."""
    written = []
    for doc in documents:
        raw_path = sources / doc["source"]
        raw = raw_path.read_bytes().decode("utf-8-sig")
        rules = doc["clean"]
        try:
            text = clean(raw, rules["start"], rules["end"], rules.get("drop") or [])
        except CleaningError as error:
            raise CleaningError(f"{raw_path.name}: {error}") from None
        out = target / f"{doc['id']}.txt"
        out.write_text(text, encoding="utf-8")
        written.append(out)
    return written
