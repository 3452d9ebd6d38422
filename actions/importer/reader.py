"""Reading an export file: encoding (BOM, UTF-8, GBK), delimiter, header and rows."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path


class ReadError(Exception):
    """The file cannot be read as a CSV export; the message is for the operator, in Chinese."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, header = 1; cells)
    encoding: str  # what was used: utf-8, utf-8-sig, gbk, utf-16
    delimiter: str


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Text and the encoding name reported to the operator. GBK is read as GB18030, its superset."""
    if data.startswith(b"PK\x03\x04"):
        raise ReadError("这是 Excel 或压缩文件，请在 Excel 中“另存为 CSV”后再导入")
    if encoding == "utf-8":
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:
            raise ReadError(f"文件不是 UTF-8 编码（第 {exc.start} 字节无法解码），可尝试 --encoding gbk 或 auto") from None
    if encoding == "gbk":
        try:
            return data.decode("gb18030"), "gbk"
        except UnicodeDecodeError as exc:
            raise ReadError(f"文件不是 GBK 编码（第 {exc.start} 字节无法解码），可尝试 --encoding utf-8 或 auto") from None
    # auto
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"  # Excel's "Unicode text" export
    except UnicodeDecodeError as exc:  # a BOM, then bytes that do not follow it: damaged or cut short
        utf8 = data.startswith(codecs.BOM_UTF8)
        raise ReadError(f"文件以 {'UTF-8' if utf8 else 'UTF-16'} 标记开头，但第 {exc.start + 3 * utf8} 字节"
                        "无法解码（文件可能已损坏或不完整）") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise ReadError("无法识别文件编码（既不是 UTF-8 也不是 GBK），请另存为 UTF-8 CSV") from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_table(path: str | Path, encoding: str = "auto") -> Table:
    path = Path(path)
    if not path.exists():
        raise ReadError(f"文件不存在：{path}")
    if not path.is_file():
        raise ReadError(f"不是文件：{path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取文件：{exc.strerror}") from None
    text, used = decode(data, encoding)
    if "\x00" in text:
        raise ReadError("文件含有二进制内容，不是 CSV 文本文件")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReadError("文件是空的")
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        rows: list[tuple[int, list[str]]] = []
        for n, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):  # a blank line carries nothing to lose
                rows.append((n, cells))
    except csv.Error as exc:
        raise ReadError(f"CSV 格式错误：{exc}") from None
    return Table([h.strip() for h in headers], rows, used, delimiter)
