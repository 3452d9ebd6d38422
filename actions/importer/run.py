"""`xinyong import`: read, validate, write in one transaction, report, write the rejects file."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions.importer.columns import KINDS, map_headers
from actions.importer.reader import ReadError, read_table
from actions.importer.rows import ParsedRow, parse_row
from actions.importer.writer import write_rows
from actions.services.textnorm import normalize_names


class ImportFailed(Exception):
    """Nothing was imported; the message says why, in Chinese."""


@dataclass
class ImportResult:
    file: str
    encoding: str
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    refused: bool = False  # --strict and some rows invalid: nothing written

    def as_json(self) -> dict:
        return {"imported": self.imported, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "rejects_file": self.rejects_file}

    def summary(self) -> str:
        if self.refused:
            head = f"严格模式：{self.rejected} 行无效，整个文件未导入 (--strict: file refused)"
        else:
            head = (f"导入完成：新增 {self.imported}，更新 {self.updated}，未变 {self.unchanged}，"
                    f"拒绝 {self.rejected} (imported {self.imported}, updated {self.updated}, "
                    f"unchanged {self.unchanged}, rejected {self.rejected})")
        tail = f"\n无效行及原因见 (rejects): {self.rejects_file}" if self.rejects_file else ""
        return f"{head}\n文件 {self.file}（编码 {self.encoding}）{tail}"


def rejects_path(path: str | Path) -> Path:
    """The contract: FILE.rejects.csv beside the input, the input's full name plus '.rejects.csv'."""
    return Path(str(path) + ".rejects.csv")


def import_file(engine: Engine, kind_arg: str, path: str | Path, encoding: str = "auto",
                strict: bool = False, progress: bool = False, today: dt.date | None = None) -> ImportResult:
    kind, fields = KINDS[kind_arg]
    today = today or dt.date.today()
    try:
        table = read_table(path, encoding)
    except ReadError as exc:
        raise ImportFailed(str(exc)) from None
    mapping, missing = map_headers(table.headers, fields)
    if missing:
        raise ImportFailed("缺少必需的列：" + "、".join(f.header for f in missing)
                           + f"（文件表头：{'、'.join(h for h in table.headers if h) or '空'}）")

    bar = _progress(progress, len(table.rows))
    parsed = []
    for line, cells in table.rows:
        parsed.append(parse_row(kind, line, cells, mapping, len(table.headers), today))
        bar.update(1)
    valid, rejected, duplicates = _split(parsed)
    for row, norm in zip(valid, normalize_names([r.subject["name"] for r in valid])):
        row.subject["name_norm"] = norm
    result = ImportResult(file=str(path), encoding=table.encoding, rejected=len(rejected))
    out = rejects_path(path)
    if rejected:
        _write_rejects(out, table.headers, rejected)
        result.rejects_file = str(out)
    elif out.exists():
        out.unlink()  # a stale file from an earlier run would mislead
    if strict and rejected:
        bar.close()
        result.refused = True
        return result

    batch = dict(kind=kind, file_name=os.path.basename(str(path)), file_sha256=_sha256(path),
                 encoding=table.encoding, strict=strict, rejected=len(rejected),
                 rejects_file=result.rejects_file, actor=os.environ.get("USER") or "cli")
    try:
        counts, _ = write_rows(engine, kind, valid, batch, today, tick=bar.update)
    except SQLAlchemyError as exc:
        raise ImportFailed("写入数据库失败，已全部回滚，本文件未导入任何记录："
                           + str(getattr(exc, "orig", exc)).splitlines()[0]) from None
    finally:
        bar.close()
    result.imported, result.updated = counts.imported, counts.updated
    result.unchanged = counts.unchanged + duplicates
    return result


def _split(parsed: list[ParsedRow]) -> tuple[list[ParsedRow], list[tuple[ParsedRow, str]], int]:
    """Valid rows (one per natural key: the later row wins), rejected rows with their reasons, and
    the number of exact in-file duplicates (counted as unchanged)."""
    last: dict[str, ParsedRow] = {}
    for r in parsed:
        if not r.errors:
            last[r.natural_key] = r
    rejected, duplicates = [], 0
    for r in parsed:
        if r.errors:
            rejected.append((r, "；".join(r.errors)))
            continue
        winner = last[r.natural_key]
        if winner is r:
            continue
        if winner.content_hash == r.content_hash:
            duplicates += 1
        else:
            rejected.append((r, f"与第 {winner.line} 行是同一条记录（相同文书号），内容不同，以第 {winner.line} 行为准"))
    rejected.sort(key=lambda item: item[0].line)
    return list(last.values()), rejected, duplicates


def _write_rejects(path: Path, headers: list[str], rejected: list[tuple[ParsedRow, str]]) -> None:
    width = len(headers)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers + ["行号", "错误原因"])
        for row, reason in rejected:
            cells = (row.cells + [""] * width)[:max(width, len(row.cells))]
            w.writerow(cells + [row.line, reason])
    os.replace(tmp, path)  # readers never see half a file


def _sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _progress(enabled: bool, total: int):
    from tqdm import tqdm

    return tqdm(total=total * 2, disable=not enabled, unit="行", desc="导入", leave=False)
