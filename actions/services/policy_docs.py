"""The cleaned policy documents (`policy_docs/`) as citable clauses.

Each document's text is parsed by its section numbers — 第一节 / 一、 / （一） / 1. — into clauses with
stable ids made of the numbers: `002-4.4` is document 002, 四、（四）; `004-2.1.3` is 第二节 一、（三）;
`003-0` is the preamble before the first section. A clause is its heading line and every paragraph up
to the next heading of any level, so a parent's own text is only its introduction.

Text is kept as published (document 002 is Traditional); `norm` is the Simplified form the index and
the sentence matching use.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from actions.services.dates import as_date
from actions.services.textnorm import to_simplified
from actions.settings import PROJECT_ROOT

POLICY_DIR = PROJECT_ROOT / "policy_docs"
_NUM = "一二三四五六七八九十"
# (level, pattern): the number is group 1, the rest of the line group 2.
_HEADINGS = (
    (0, re.compile(rf"^第([{_NUM}]+)[节章]\s*(.*)$")),
    (1, re.compile(rf"^([{_NUM}]+)、\s*(.*)$")),
    (2, re.compile(rf"^[(（]([{_NUM}]+)[)）]\s*(.*)$")),
    (3, re.compile(r"^(\d{1,2})[.．](?!\d)\s*(.*)$")),
)
_LABEL = {0: "第{}节 ", 1: "{}、", 2: "（{}）", 3: "{}."}


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    short_title: str
    issuer: str | None
    doc_number: str | None
    issued: dt.date | None
    published: dt.date | None
    region: str
    region_known: bool
    script: str
    source_url: str | None
    notes: str
    cite_note: str = ""

    @property
    def title_cite(self) -> str:
        """《title》（文号）, or the issuer and year when the page gives no number."""
        if self.doc_number:
            return f"《{self.title}》（{self.doc_number}）"
        when = self.issued or self.published
        issuer = self.issuer if self.issuer and "未署名" not in self.issuer else None
        extra = "，".join(x for x in (issuer and issuer.split("（")[0], when and f"{when.year}年") if x)
        extra = extra or self.cite_note
        return f"《{self.title}》" + (f"（{extra}）" if extra else "")


@dataclass(frozen=True)
class Clause:
    id: str
    doc: Document
    label: str            # 四、（四）; empty for the preamble
    heading: str          # the section's own title, e.g. 建立健全信用修复机制
    text: str             # as published, one paragraph per line
    norm: str             # Simplified, for matching
    order: int            # position in the document
    parents: tuple[str, ...] = ()       # the ancestors' headings (Simplified), outermost first
    source: str | None = None           # a rules-table entry cites its own source instead of doc
    effective: dt.date | None = None
    superseded_by: str | None = None    # a rule replaced by a newer one that should be told first

    @property
    def where(self) -> str:
        """The section path as cited: 四、（四）建立健全信用修复机制 / 前言."""
        if not self.label:
            return "前言" if not self.source else ""
        return f"{self.label}{self.heading}" if self.heading else self.label

    def citation(self) -> str:
        if self.source:
            when = f"，{self.effective.isoformat()}起施行" if self.effective else ""
            return f"{self.source}（{self.doc.region}{when}）"
        return f"{self.doc.title_cite}{self.where}（{self.doc.region}）"


def _title(rest: str) -> str:
    """The heading of a numbered line: up to its first full stop, or the whole line if short."""
    head = re.split(r"[。:：]", rest, maxsplit=1)[0]
    return head if len(head) <= 40 else ""


def parse(doc: Document, text: str) -> list[Clause]:
    clauses: list[Clause] = []
    path: list[tuple[int, int, str]] = []   # (level, number, heading) from the outermost
    current: dict | None = {"key": (), "label": "", "heading": "", "lines": [], "parents": ()}

    def close():
        if current and current["lines"]:
            body = "\n".join(current["lines"])
            number = ".".join(str(n) for n in current["key"]) or "0"
            clauses.append(Clause(id=f"{doc.id}-{number}", doc=doc, label=current["label"],
                                  heading=current["heading"], text=body, norm=to_simplified(body),
                                  order=len(clauses), parents=current["parents"]))

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        heading = _heading(line)
        if heading is None:
            current["lines"].append(line)
            continue
        level, number, rest = heading
        close()
        path = [p for p in path if p[0] < level] + [(level, number, to_simplified(_title(rest)))]
        label = "".join(_LABEL[lv].format(_cn(n) if lv < 3 else n) for lv, n, _ in path).strip()
        current = {"key": tuple(n for _, n, _ in path), "label": label, "heading": _title(rest),
                   "lines": [line], "parents": tuple(h for _, _, h in path[:-1] if h)}
    close()
    ids = [c.id for c in clauses]
    if len(ids) != len(set(ids)):
        raise ValueError(f"document {doc.id}: section numbers repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return clauses


def _heading(line: str) -> tuple[int, int, str] | None:
    for level, pattern in _HEADINGS:
        m = pattern.match(line)
        if m:
            raw = m.group(1)
            return level, int(raw) if raw.isdigit() else _cn_value(raw), m.group(2)
    return None


def _cn_value(numeral: str) -> int:
    """一 … 九十九."""
    digits = {c: i + 1 for i, c in enumerate(_NUM[:9])}
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return digits.get(tens, 1) * 10 + digits.get(ones, 0)
    return digits[numeral]


def _cn(value: int) -> str:
    units = _NUM[:9]
    if value <= 10:
        return "十" if value == 10 else units[value - 1]
    tens, ones = divmod(value, 10)
    return (units[tens - 1] if tens > 1 else "") + "十" + (units[ones - 1] if ones else "")


def load_documents(directory: Path = POLICY_DIR) -> list[dict]:
    return yaml.safe_load((directory / "documents.yml").read_text(encoding="utf-8"))["documents"]


def _document(entry: dict) -> Document:
    return Document(id=entry["id"], title=entry["title"], short_title=entry.get("short_title") or entry["title"],
                    issuer=entry.get("issuer"), doc_number=entry.get("doc_number"),
                    issued=as_date(entry.get("issued")), published=as_date(entry.get("published")),
                    region=entry["region"], region_known=entry.get("region_known", True),
                    script=entry.get("script", "simplified"), source_url=entry.get("source_url"),
                    notes=entry.get("notes") or "", cite_note=entry.get("cite_note") or "")


@lru_cache(maxsize=4)
def clauses(directory: Path = POLICY_DIR) -> tuple[Clause, ...]:
    """Every clause of every document, in document order."""
    out: list[Clause] = []
    for entry in load_documents(directory):
        doc = _document(entry)
        out.extend(parse(doc, (directory / f"{doc.id}.txt").read_text(encoding="utf-8")))
    return tuple(out)


def documents(directory: Path = POLICY_DIR) -> dict[str, Document]:
    return {c.doc.id: c.doc for c in clauses(directory)}
