"""`xinyong import` against hostile files: random bytes, wrong encodings, truncated files, odd
headers, huge and formula-like cells, NUL bytes, odd dates, duplicated rows.

The contract under test (bot/cli.py, docs/schema.md §6.4): never a traceback; exit 0 (imported,
with invalid rows in FILE.rejects.csv under their spreadsheet row numbers), 1 (--strict refused
the file) or 2 (the file cannot be imported; one Chinese line on stderr); a refused or failed file
writes nothing; re-importing a file adds nothing; every stored cell went through clean_text.

SQLite runs every property with a real budget; PostgreSQL (the `db_url` fixture's second
parameter) runs the ones that touch the database with a handful of examples.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, joinedload

from actions.db.models import Record, Subject, metadata
from actions.services.textnorm import clean_text

try:  # tests/ is a package
    from tests import import_files as xf
except ImportError:  # tests/ itself is on sys.path
    import import_files as xf  # type: ignore[no-redef]

CJK = re.compile(r"[\u4e00-\u9fff]")
JSON_KEYS = ["imported", "updated", "unchanged", "rejected", "rejects_file"]
TODAY = xf.TODAY
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def fuzz(engine, sqlite: int, postgresql: int):
    """Settings for a property run inside a test: the budget depends on the database."""
    return settings(max_examples=sqlite if engine.dialect.name == "sqlite" else postgresql, deadline=None,
                    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                          HealthCheck.filter_too_much])


# ------------------------------------------------------------------------------------ running
@dataclass
class Run:
    code: int
    out: str
    err: str
    summary: dict | None

    def __str__(self) -> str:
        return f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return tuple(self.summary[k] for k in JSON_KEYS[:4])


def run_import(cli, kind: str, path, *flags: str) -> Run:
    """The command, checked against the CLI contract whatever the file held."""
    args = ["import", kind, str(path), "--json", *flags]
    try:
        code, out, err = cli(*args)
    except BaseException as exc:  # noqa: BLE001 - anything escaping main() is a traceback for the user
        pytest.fail(f"`xinyong {' '.join(args)}` raised {type(exc).__name__}: {exc}")
    run = Run(code, out, err, None)
    assert "Traceback" not in out + err, str(run)
    assert code in (0, 1, 2), str(run)
    if code == 2:
        assert err.startswith("导入失败：") and CJK.search(err), f"no Chinese reason on stderr\n{run}"
        assert not out.strip(), f"a refused file printed a summary\n{run}"
        return run
    lines = out.splitlines()
    assert lines and any(CJK.search(line) for line in lines[:-1]), f"no Chinese summary\n{run}"
    summary = json.loads(lines[-1])
    assert list(summary) == JSON_KEYS, run
    run.summary = summary
    return run


def snapshot(engine) -> tuple:
    """Everything an import writes: the row count of every table (batches, audit entries ...), and
    subjects and records with their content."""
    with engine.connect() as conn:
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                  for t in metadata.sorted_tables}
        subjects = conn.execute(sa.select(Subject.__table__)).all()
        records = conn.execute(sa.select(Record.__table__.c.kind, Record.__table__.c.natural_key,
                                         Record.__table__.c.content_hash)).all()
    return counts, sorted(map(tuple, subjects), key=repr), sorted(map(tuple, records), key=repr)


def clear(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def load_records(engine) -> list[Record]:
    with Session(engine, future=True) as s:
        q = sa.select(Record).options(joinedload(Record.subject)).order_by(Record.id)
        return list(s.execute(q).scalars().unique().all())


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar_one()


def new_path(tmp_path: Path, name: str = "export.csv") -> Path:
    folder = tmp_path / uuid.uuid4().hex[:10]
    folder.mkdir()
    return folder / name


def rejects_of(path) -> Path:
    return Path(str(path) + ".rejects.csv")


def read_rejects(path) -> dict[int, dict[str, str]]:
    raw = rejects_of(path).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    table = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    header = table[0]
    assert header[-2:] == ["行号", "错误原因"], header
    rows = {}
    for r in table[1:]:
        d = dict(zip(header, r))
        rows[int(d["行号"])] = d
        reason = d["错误原因"]
        assert CJK.search(reason), d
        assert reason[:1] not in "=+-@\t\r", f"the reason the importer writes could be read as a formula: {reason!r}"
    return rows


_NOT_CLEAN = re.compile(r"[^\S ]|  |^ | $")


def assert_clean(engine) -> None:
    """docs/schema.md §6.4: every stored cell went through clean_text: no tab, newline or other
    whitespace but single spaces, nothing at either end, no NUL."""
    with engine.connect() as conn:
        for table in (Subject.__table__, Record.__table__):
            text_cols = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text))]
            for row in conn.execute(sa.select(*text_cols)):
                for col, value in zip(text_cols, row):
                    if isinstance(value, str):
                        assert not _NOT_CLEAN.search(value) and "\x00" not in value, \
                            f"{table.name}.{col.name} stored unclean: {value!r}"


def header_line(kind: str = "penalties") -> str:
    return ",".join(xf.KINDS[kind].columns) + "\r\n"


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def cells_of(kind: str, rows: list[dict], date_style: str = "dash") -> tuple[list[str], list[list[str]]]:
    columns = list(xf.KINDS[kind].columns)
    if kind == "lists" and any(r.get("主体类别") for r in rows):
        columns.insert(1, "主体类别")
    return columns, [[xf._cell(r.get(c), date_style) for c in columns] for r in rows]


def doc_of(kind: str, row: dict) -> str:
    return row[xf.KINDS[kind].doc]


def nfkc_docs(records) -> list[str]:
    return sorted(clean_text(r.doc_number) for r in records)


# ============================================================================ garbage in
@sqlite_only
def test_random_bytes_are_refused_or_rejected_never_crash(engine, cli, tmp_path):
    header = st.sampled_from([b"", header_line().encode("utf-8"), header_line().encode("gb18030"),
                              codecs.BOM_UTF8 + header_line("lists").encode("utf-8"),
                              header_line("licenses").encode("utf-16")])

    @fuzz(engine, sqlite=60, postgresql=1)
    @given(header, st.binary(max_size=1500), st.sampled_from(["penalties", "licenses", "lists"]))
    @example(b"", "行政相对人名称,x\n".encode("utf-16")[:-1], "penalties")  # cut UTF-16: was a traceback
    @example(codecs.BOM_UTF8, "名称".encode()[:-1], "penalties")  # damaged UTF-8 after a BOM: was a traceback
    @example(b"", b"PK\x03\x04" + bytes(100), "lists")
    def prop(head, body, kind):
        clear(engine)
        path = new_path(tmp_path)
        path.write_bytes(head + body)
        before = snapshot(engine)
        run = run_import(cli, kind, path)
        if run.code == 2:
            assert snapshot(engine) == before, "a refused file wrote something"
            assert not rejects_of(path).exists()
            return
        imported, updated, unchanged, rejected = run.counts
        assert count(engine, Record) == imported and updated == 0
        if rejected:
            assert len(read_rejects(path)) == rejected
        assert_clean(engine)

    prop()


# ============================================================================ encodings
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le-bom", "utf-16-be-bom"]


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


@st.composite
def file_styles(draw):
    return (draw(st.sampled_from(ENCODINGS)), draw(st.sampled_from([",", "\t", ";", "|"])),
            draw(st.sampled_from(["\r\n", "\n", "\r"])), draw(st.sampled_from(xf.DATE_STYLES)))


def test_every_encoding_and_delimiter_reads_the_same_records(engine, cli, tmp_path):
    """Excel's CSV (GBK or UTF-8 with BOM), its "Unicode text" (UTF-16, tabs), other tools' UTF-8
    with semicolons or pipes, old Mac line ends: written again another way, nothing changes."""

    @fuzz(engine, sqlite=12, postgresql=3)
    @given(st.sampled_from(["penalties", "licenses", "lists"]), st.integers(0, 2**31), st.integers(1, 5),
           file_styles(), file_styles())
    def prop(kind, seed, n, first, second):
        clear(engine)
        factory = xf.ExportFactory(seed)
        rows = factory.rows(kind, n)
        if kind == "lists":
            rows.append(factory.list_entry(subject=factory.person()))
        path = new_path(tmp_path)
        for i, (encoding, delimiter, newline, dates) in enumerate((first, second)):
            header, cells = cells_of(kind, rows, dates)
            path.write_bytes(encode(csv_text(header, cells, delimiter, newline), encoding))
            run = run_import(cli, kind, path)
            assert run.code == 0, run
            assert run.counts == ((len(rows), 0, 0, 0) if i == 0 else (0, 0, len(rows), 0)), \
                f"{encoding} {delimiter!r} {newline!r} {dates}: {run}"
        assert nfkc_docs(load_records(engine)) == sorted(clean_text(doc_of(kind, r)) for r in rows)
        assert {r.subject.name for r in load_records(engine)} == {r[xf.KINDS[kind].name] for r in rows}

    prop()


@sqlite_only
@pytest.mark.parametrize("encoding,flag", [
    ("utf-8", "gbk"), ("gbk", "utf-8"), ("utf-16", "utf-8"), ("utf-16", "gbk"), ("utf-16-le", None),
    ("utf-16-be", None),
])
def test_a_file_in_the_wrong_encoding_is_refused(engine, cli, tmp_path, encoding, flag):
    """Forced the wrong way, or UTF-16 without its BOM: refused with a reason, nothing written."""
    header, cells = cells_of("penalties", xf.ExportFactory(3).rows("penalties", 3))
    path = new_path(tmp_path)
    path.write_bytes(csv_text(header, cells).encode(encoding))
    before = snapshot(engine)
    run = run_import(cli, "penalties", path, *(["--encoding", flag] if flag else []))
    assert run.code == 2, run
    assert snapshot(engine) == before


# ============================================================================ truncated files
def test_a_truncated_file_imports_its_complete_rows_or_nothing(engine, cli, tmp_path):
    """A download or copy cut short: the rows before the cut are imported, the cut row may be
    rejected (or imported as far as it goes), and a file that cannot be read writes nothing."""

    @fuzz(engine, sqlite=40, postgresql=4)
    @given(st.sampled_from(["penalties", "lists"]), st.integers(0, 2**31), st.integers(1, 6),
           st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]), st.floats(0, 1), st.booleans())
    def prop(kind, seed, n, encoding, where, multiline):
        clear(engine)
        factory = xf.ExportFactory(seed)
        rows = factory.rows(kind, n)
        k = xf.KINDS[kind]
        if multiline:
            for r in rows:
                r[k.content] = "第一项：" + r[k.content] + "\n第二项：已整改"
        header, cells = cells_of(kind, rows)
        text = csv_text(header, cells)
        data = encode(text, encoding)
        cut = int(len(data) * where)
        # rows whose every byte, line end included, lies before the cut
        complete = [r for i, r in enumerate(rows)
                    if len(encode(csv_text(header, cells[:i + 1]), encoding)) <= cut]
        path = new_path(tmp_path)
        path.write_bytes(data[:cut])
        before = snapshot(engine)
        run = run_import(cli, kind, path)
        if run.code == 2:
            assert snapshot(engine) == before
            return
        imported, _, _, rejected = run.counts
        docs = nfkc_docs(load_records(engine))
        for r in complete:
            assert clean_text(doc_of(kind, r)) in docs, f"complete row {doc_of(kind, r)} not imported\n{run}"
        assert imported <= len(complete) + 1 and imported + rejected <= len(complete) + 1
        assert_clean(engine)

    prop()


# ============================================================================ headers
@st.composite
def header_spelling(draw, column: str) -> str:
    """How hand-edited exports spell a header: full-width brackets or letters, spaces, '*' marks
    of required columns, the bracketed unit left out."""
    base, _, inner = column.partition("(")
    inner = inner.rstrip(")")
    bracket = draw(st.sampled_from(["()", "（）", " ()", ""])) if inner else ""
    s = base + (bracket[:-1] + inner + bracket[-1] if bracket else "")
    if draw(st.booleans()):
        s = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in s)
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(s)))
        s = s[:pos] + draw(st.sampled_from([" ", "\u3000", "  "])) + s[pos:]
    return draw(st.sampled_from(["", "*", "* "])) + s + draw(st.sampled_from(["", " ", "*"]))


REQUIRED = {"penalties": ["行政相对人名称", xf.CODE_1, "行政处罚决定书文号", "处罚决定日期", "处罚机关"]}


def test_headers_in_any_order_spelling_and_with_duplicates(engine, cli, tmp_path):
    """Columns shuffled, spelled loosely, unknown ones added, optional ones left out, some twice:
    the first of a duplicated column counts. Without a required column the file is refused and
    the column named."""

    @fuzz(engine, sqlite=30, postgresql=4)
    @given(st.integers(0, 2**31), st.integers(1, 4), st.randoms(use_true_random=False), st.data())
    def prop(seed, n, rnd, data):
        clear(engine)
        factory = xf.ExportFactory(seed)
        rows = factory.rows("penalties", n)
        columns = [c for c in xf.PENALTY_COLUMNS if c in REQUIRED["penalties"] or rnd.random() < 0.6]
        dropped = data.draw(st.sets(st.sampled_from(REQUIRED["penalties"]), max_size=2)) if rnd.random() < 0.3 else set()
        columns = [c for c in columns if c not in dropped]
        duplicated = data.draw(st.lists(st.sampled_from(columns), max_size=3, unique=True))
        layout = [(c, False) for c in columns] + [(c, True) for c in duplicated]
        layout += [(extra, None) for extra in data.draw(st.lists(st.sampled_from(
            ["序号", "Unnamed: 0", "", "备注2", "数据更新时间", "处罚内容说明"]), max_size=3, unique=True))]
        rnd.shuffle(layout)
        # the first occurrence of a duplicated column must be the original one
        for c in duplicated:
            first = next(i for i, (col, dup) in enumerate(layout) if col == c)
            orig = layout.index((c, False))
            layout[first], layout[orig] = layout[orig], layout[first]
        header = [data.draw(header_spelling(c)) if dup is not None else c for c, dup in layout]
        cells = [[("" if dup is None else "重复列的值" if dup else xf._cell(r.get(c), "dash")) for c, dup in layout]
                 for r in rows]
        path = new_path(tmp_path)
        path.write_text(csv_text(header, cells), encoding="utf-8-sig", newline="")
        before = snapshot(engine)
        run = run_import(cli, "penalties", path)
        if dropped:
            assert run.code == 2, run
            for c in dropped:
                assert c.split("(")[0] in run.err, f"{c} missing but not named\n{run}"
            assert snapshot(engine) == before
            return
        assert run.code == 0 and run.counts == (n, 0, 0, 0), f"{header}\n{run}"
        records = load_records(engine)
        for r in rows:
            rec = next(x for x in records if clean_text(x.doc_number) == clean_text(r["行政处罚决定书文号"]))
            assert rec.agency == r["处罚机关"] and rec.subject.name == r["行政相对人名称"]
            assert "重复列的值" not in (rec.penalty_content or "") + (rec.remark or "") + rec.subject.name

    prop()


# ============================================================================ hostile cells
FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://example.com\",\"点此\")", "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "=1+1\r\n=2+2"]
ODD_TEXT = FORMULAS + [
    "第一行\n第二行\r\n第三行", "控制\x01字符\x1b[31m红色\x7f", "零宽\u200b字符\ufeff与\u2060连接", "emoji 👨‍👩‍👧🇨🇳 🏢",
    "全角ＡＢＣ１２３（有限）", "繁體處罰內容與決定", '"引号, 逗号" 和 \'单引号\'', "分号;竖线|制表\t符", "龙" * 3000,
    "  前后空格  ", "\u3000全角空格\u3000", "\x85\u2028\u2029各种换行", "a\x0b\x0cb",
]
TEXT_COLUMNS = ["违法事实", "处罚依据", "处罚内容", "备注", "违法行为类型"]
DATE_FORMS = {"2025年5月6日": dt.date(2025, 5, 6), "２０２５－０５－０６": dt.date(2025, 5, 6),
              "2025/5/6 12:00:00": dt.date(2025, 5, 6), "20250506": dt.date(2025, 5, 6),
              "2025.05.06": dt.date(2025, 5, 6), " 2025-5-6 ": dt.date(2025, 5, 6), "2024-02-29": dt.date(2024, 2, 29),
              "2025 年 5 月 6 日": dt.date(2025, 5, 6)}
BAD_DATES = ["2025-02-29", "2026-13-01", "45678", "明天", "=TODAY()", "06/05/2026", "0000-01-01", "2025-5",
             "二〇二五年五月六日", "2025-05-06T", (TODAY + dt.timedelta(days=1)).isoformat()]
AMOUNTS = {"１２．５": Decimal("12.5"), "1,234.5": Decimal("1234.5"), "3万元": Decimal("3"), "0": Decimal("0"),
           "0.30000000000000004": Decimal("0.3"), "1e-20000": Decimal("0"), "+5": Decimal("5"),
           "999999999999.99": Decimal("999999999999.99")}
BAD_AMOUNTS = ["NaN", "nan", "Infinity", "-1", "1e13", "1000000000000", "abc", "=1+1", "12元", "1e999999999",
               "999999999999.9999999"]


mutation_specs = st.one_of(
    st.just(("none",)),
    st.tuples(st.just("text"), st.sampled_from(TEXT_COLUMNS), st.sampled_from(ODD_TEXT)),
    st.tuples(st.just("text"), st.sampled_from(TEXT_COLUMNS),
              st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)),
    st.tuples(st.just("date"), st.sampled_from(sorted(DATE_FORMS))),
    st.tuples(st.just("bad-date"), st.sampled_from(BAD_DATES)),
    st.tuples(st.just("amount"), st.sampled_from(sorted(AMOUNTS))),
    st.tuples(st.just("bad-amount"), st.sampled_from(BAD_AMOUNTS)),
    st.just(("long-name",)),
    st.tuples(st.just("empty-name"), st.sampled_from(["", " ", "\u3000\t"])),
    st.tuples(st.just("bad-code"), st.integers(0, 17), st.integers(0, 40)),
    st.tuples(st.just("empty-doc"), st.sampled_from(["", "  "])),
    st.tuples(st.just("bad-type"), st.sampled_from(["外星人", "=1+1", "法 人 x"])),
    st.tuples(st.just("code-typed"), st.sampled_from(["lower", "fullwidth", "spaced", "dashed", "all"])),
)
TEXT_ATTRS = {"违法事实": "violation_facts", "处罚依据": "legal_basis", "处罚内容": "penalty_content",
              "备注": "remark", "违法行为类型": "violation_type"}


def mutate(spec: tuple, row: dict):
    """Apply a mutation to a row; (column, cell, expectation) where expectation is
    ('stored', attribute, value) or ('rejected', regex of the reason), or None for no change."""
    what = spec[0]
    if what == "none":
        return None
    if what == "text":
        _, column, cell = spec
        if column == "违法行为类型" and len(clean_text(cell)) > 300:
            return column, cell, ("rejected", "违法行为类型超过 300 个字符")
        return column, cell, ("stored", TEXT_ATTRS[column], clean_text(cell) or None)
    if what == "date":
        return "处罚决定日期", spec[1], ("stored", "decision_date", DATE_FORMS[spec[1]])
    if what == "bad-date":
        return "处罚决定日期", spec[1], ("rejected", "处罚决定日期|决定日期")
    if what == "amount":
        return xf.FINE, spec[1], ("stored", "fine_amount", AMOUNTS[spec[1]])
    if what == "bad-amount":
        return xf.FINE, spec[1], ("rejected", "罚款金额")
    if what == "long-name":
        return "行政相对人名称", "大庆市" + "龙" * 198 + "公司", ("rejected", "行政相对人名称超过 200 个字符")
    if what == "empty-name":
        return "行政相对人名称", spec[1], ("rejected", "行政相对人名称为空")
    if what == "bad-code":
        code, pos = row[xf.CODE_1], spec[1]
        others = [x for x in xf.USCC_ALPHABET + "IOZ" if x != code[pos]]
        return xf.CODE_1, code[:pos] + others[spec[2] % len(others)] + code[pos + 1:], ("rejected", "统一社会信用代码")
    if what == "empty-doc":
        return "行政处罚决定书文号", spec[1], ("rejected", "文号为空")
    if what == "bad-type":
        return "行政相对人类别", spec[1], ("rejected", "行政相对人类别")
    return xf.CODE_1, xf.messy_code(row[xf.CODE_1], spec[1]), ("stored", "uscc", row[xf.CODE_1])


def _value(rec: Record, attr: str):
    return getattr(rec.subject, attr) if attr in ("uscc", "name") else getattr(rec, attr)


def test_hostile_cells_are_stored_as_text_or_rejected_by_row(engine, cli, tmp_path):
    """Formula-like cells, control and zero-width characters, emoji, huge texts, odd dates and
    amounts, blank lines between rows: each row is imported as written (cleaned) or rejected with
    its spreadsheet row number and the column at fault; nothing is evaluated; a second import of
    the same file changes nothing."""

    @fuzz(engine, sqlite=40, postgresql=6)
    @given(st.integers(0, 2**31), st.lists(st.tuples(mutation_specs, st.booleans()), min_size=1, max_size=7))
    @example(7, [(("bad-amount", "NaN"), False)])  # was decimal.InvalidOperation: a traceback
    @example(7, [(("bad-amount", "1e13"), False), (("none",), True)])  # was: PostgreSQL refused the whole file
    @example(7, [(("amount", "1e-20000"), False)])  # was: PostgreSQL refused the whole file
    def prop(seed, plan):
        clear(engine)
        factory = xf.ExportFactory(seed)
        n = len(plan)
        rows = factory.rows("penalties", n)
        expectations = []
        for row, (spec, _) in zip(rows, plan):
            m = mutate(spec, row)
            if m:
                row[m[0]] = m[1]
            expectations.append(m[2] if m else None)
        header, cells = cells_of("penalties", rows)
        # blank lines (Excel keeps them as empty rows) shift the spreadsheet row numbers
        lines, row_no = [], {}
        for i, (cell_row, (_, blank)) in enumerate(zip(cells, plan)):
            if blank:
                lines.append([""] * len(header) if i % 2 else [])
            lines.append(cell_row)
            row_no[i] = len(lines) + 1
        path = new_path(tmp_path)
        path.write_text(csv_text(header, lines), encoding="utf-8", newline="")

        run = run_import(cli, "penalties", path)

        assert run.code == 0, run
        rejected = {i for i, e in enumerate(expectations) if e and e[0] == "rejected"}
        assert run.counts == (n - len(rejected), 0, 0, len(rejected)), f"{expectations}\n{run}"
        records = load_records(engine)
        by_doc = {clean_text(r.doc_number): r for r in records}
        assert len(by_doc) == len(records) == n - len(rejected)
        for i, (row, e) in enumerate(zip(rows, expectations)):
            doc = clean_text(row["行政处罚决定书文号"])
            if e and e[0] == "rejected":
                assert doc not in by_doc
                continue
            rec = by_doc[doc]
            if e:
                stored = _value(rec, e[1])
                if isinstance(e[2], Decimal):
                    assert math.isclose(float(stored), float(e[2]), rel_tol=1e-12, abs_tol=1e-9), (stored, e)
                else:
                    assert stored == e[2], f"row {row_no[i]}: {e[1]} stored as {stored!r}, expected {e[2]!r}"
        if rejected:
            rejects = read_rejects(path)
            assert set(rejects) == {row_no[i] for i in rejected}, f"{rejects.keys()} vs {row_no}"
            for i in rejected:
                r = rejects[row_no[i]]
                assert re.search(expectations[i][1], r["错误原因"]), (expectations[i], r["错误原因"])
                assert [r[h] for h in header] == cells[i], "the rejects file does not hold the row as it was"
        else:
            assert not rejects_of(path).exists()
        assert count(engine, Subject) == n - len(rejected)
        assert_clean(engine)

        before = snapshot(engine)[1:]
        again = run_import(cli, "penalties", path)
        assert again.counts == (0, 0, n - len(rejected), len(rejected)), again
        assert snapshot(engine)[1:] == before

    prop()


@sqlite_only
def test_a_huge_cell_is_stored_whole_or_the_file_refused(engine, cli, tmp_path):
    """A huge 违法事实 is stored whole, or (beyond what csv reads in a field, 131072 characters) the
    file is refused with a reason: never cut, never half a file."""
    factory = xf.ExportFactory(11)
    for size in (131_000, 131_073, 2_000_000):
        clear(engine)
        rows = factory.rows("penalties", 2)
        rows[1]["违法事实"] = "事" * size
        header, cells = cells_of("penalties", rows)
        path = new_path(tmp_path)
        path.write_text(csv_text(header, cells), encoding="utf-8", newline="")
        before = snapshot(engine)
        run = run_import(cli, "penalties", path)
        if run.code == 0:
            assert run.counts == (2, 0, 0, 0), run
            assert max(len(r.violation_facts) for r in load_records(engine)) == size
        else:
            assert size > 131_000 and run.code == 2 and "CSV" in run.err, run
            assert snapshot(engine) == before


@sqlite_only
def test_a_nul_byte_anywhere_refuses_the_file(engine, cli, tmp_path):
    @fuzz(engine, sqlite=25, postgresql=1)
    @given(st.integers(0, 2**31), st.floats(0, 1), st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
    def prop(seed, where, encoding):
        clear(engine)
        header, cells = cells_of("penalties", xf.ExportFactory(seed).rows("penalties", 3))
        data = csv_text(header, cells).encode(encoding)
        pos = int(len(data) * where)
        path = new_path(tmp_path)
        path.write_bytes(data[:pos] + b"\x00" + data[pos:])
        before = snapshot(engine)
        run = run_import(cli, "penalties", path)
        assert run.code == 2, run
        assert snapshot(engine) == before

    prop()


# ============================================================================ duplicates, strict
def test_duplicated_rows_the_later_wins_and_reimport_adds_nothing(engine, cli, tmp_path):
    """Exact repeats count as unchanged; an earlier, different row with the same natural key is
    rejected naming the later one; importing the file again changes nothing."""

    @fuzz(engine, sqlite=25, postgresql=4)
    @given(st.sampled_from(["penalties", "licenses", "lists"]), st.integers(0, 2**31), st.integers(1, 4),
           st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=6), st.randoms(use_true_random=False))
    def prop(kind, seed, n, extra, rnd):
        clear(engine)
        factory = xf.ExportFactory(seed)
        k = xf.KINDS[kind]
        base = factory.rows(kind, n)
        file_rows = [(i, dict(r)) for i, r in enumerate(base)]
        for j, (i, conflicting) in enumerate(extra):
            row = dict(base[i % n])
            if conflicting:
                row[k.content] = f"{row[k.content]}（更正{j}）"
            file_rows.append((i % n, row))
        rnd.shuffle(file_rows)
        # expected: per key the last row wins; earlier rows equal to it are unchanged, others rejected
        winner = {i: pos for pos, (i, _) in enumerate(file_rows)}
        unchanged = rejected = 0
        for pos, (i, row) in enumerate(file_rows):
            if winner[i] != pos:
                if row == file_rows[winner[i]][1]:
                    unchanged += 1
                else:
                    rejected += 1
        header, cells = cells_of(kind, [r for _, r in file_rows])
        path = new_path(tmp_path)
        path.write_text(csv_text(header, cells), encoding="utf-8", newline="")

        first = run_import(cli, kind, path)
        assert first.code == 0 and first.counts == (n, 0, unchanged, rejected), first
        records = load_records(engine)
        assert len(records) == n
        for i in range(n):
            rec = next(r for r in records if clean_text(r.doc_number) == clean_text(base[i][k.doc]))
            assert getattr(rec, k.content_attr) == clean_text(file_rows[winner[i]][1][k.content])
        if rejected:
            for reason in (r["错误原因"] for r in read_rejects(path).values()):
                assert re.search(r"与第 \d+ 行是同一条记录", reason), reason
        before = snapshot(engine)[1:]
        second = run_import(cli, kind, path)
        assert second.counts == (0, 0, n + unchanged, rejected), second
        assert snapshot(engine)[1:] == before

    prop()


def test_strict_refuses_a_file_with_any_invalid_row(engine, cli, tmp_path):
    @fuzz(engine, sqlite=15, postgresql=3)
    @given(st.integers(0, 2**31), st.lists(st.sampled_from(["ok", "ok", "bad-date", "bad-amount", "no-doc"]),
                                           min_size=1, max_size=6))
    def prop(seed, plan):
        clear(engine)
        factory = xf.ExportFactory(seed)
        rows = []
        for p in plan:
            row = factory.penalty()
            if p == "bad-date":
                row["处罚决定日期"] = "2026-02-30"
            elif p == "bad-amount":
                row[xf.FINE] = "NaN"
            elif p == "no-doc":
                row["行政处罚决定书文号"] = ""
            rows.append(row)
        header, cells = cells_of("penalties", rows)
        path = new_path(tmp_path)
        path.write_text(csv_text(header, cells), encoding="utf-8", newline="")
        bad = sum(p != "ok" for p in plan)
        before = snapshot(engine)
        run = run_import(cli, "penalties", path, "--strict")
        if bad:
            assert run.code == 1 and run.counts == (0, 0, 0, bad), run
            assert snapshot(engine) == before
            assert len(read_rejects(path)) == bad
        else:
            assert run.code == 0 and run.counts == (len(plan), 0, 0, 0), run

    prop()


# ============================================================================ people on lists
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _id_and_uscc_alike(region: str, born: dt.date, start: int) -> str | None:
    """An ID number (GB 11643) that also passes the USCC check (GB 32100): one in 31 do."""
    for seq in range(start, start + 1000):
        body = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
        number = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]
        total = sum(xf.USCC_ALPHABET.index(c) * w for c, w in zip(number, USCC_WEIGHTS))
        if xf.USCC_ALPHABET[(31 - total % 31) % 31] == number[17]:
            return number
    return None


def test_a_person_on_a_list_is_stored_as_a_person_even_if_the_number_passes_as_a_uscc(engine, cli, tmp_path):
    """A list file without 主体类别: an ID number is recognised by its shape. One ID number in 31
    also has a right USCC check character; it was stored as a company's USCC, shown unmasked."""

    @fuzz(engine, sqlite=10, postgresql=2)
    @given(st.sampled_from(["230602", "230604", "110105"]), st.dates(dt.date(1930, 1, 1), TODAY - dt.timedelta(days=6600)),
           st.integers(0, 999))
    @example("230602", dt.date(2000, 10, 17), 38)  # 230602200010170383
    def prop(region, born, start):
        number = _id_and_uscc_alike(region, born, start)
        if number is None:
            return
        clear(engine)
        factory = xf.ExportFactory(start)
        person = xf.Subject("王建国", number, "自然人")
        row = factory.list_entry(subject=person)
        row["主体类别"] = ""  # the column is left out: the code alone tells
        path = new_path(tmp_path)
        header, cells = cells_of("lists", [row])
        assert "主体类别" not in header
        path.write_text(csv_text(header, cells), encoding="utf-8", newline="")
        run = run_import(cli, "lists", path)
        assert run.code == 0 and run.counts == (1, 0, 0, 0), run
        (subject,) = [r.subject for r in load_records(engine)]
        assert (subject.subject_type, subject.id_number, subject.uscc) == ("自然人", number, None)
        assert number not in run.out + run.err

    prop()


ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _uscc_read_as_id(prefix: str, region: str, born: dt.date) -> str | None:
    """A USCC (GB 32100, with a right GB 11714 organisation code inside) whose 18 characters also
    make an ID number with a real birth date (GB 11643): rare, but such companies exist."""
    for tail in range(100):
        org8 = f"{born:%y%m%d}{tail:02d}"
        c = 11 - sum(int(x) * w for x, w in zip(org8, ORG_WEIGHTS)) % 11
        body = prefix + region + org8 + ("X" if c == 10 else "0" if c == 11 else str(c))
        if not body.isdigit():
            continue
        total = sum(xf.USCC_ALPHABET.index(x) * w for x, w in zip(body, USCC_WEIGHTS))
        check = xf.USCC_ALPHABET[(31 - total % 31) % 31]
        if check == "10X98765432"[sum(int(x) * w for x, w in zip(body, ID_WEIGHTS)) % 11]:
            return body + check
    return None


def test_a_company_whose_code_also_reads_as_an_id_number_is_imported_as_a_company(engine, cli, tmp_path):
    """check_code reads such a code as an ID number (never show a person's number unmasked); a
    penalties file that declares it a USCC of an organisation still imports it as one."""

    @fuzz(engine, sqlite=10, postgresql=2)
    @given(st.sampled_from(["11", "12", "91", "93"]), st.sampled_from(["110119", "120119", "230119"]),
           st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)))
    @example("12", "110119", dt.date(1985, 1, 1))  # 121101198501010271
    def prop(prefix, region, born):
        code = _uscc_read_as_id(prefix, region, born)
        if code is None:
            return
        clear(engine)
        factory = xf.ExportFactory(born.toordinal())
        company = xf.Subject("大庆市某某事业单位", code, "法人及非法人组织", "张三")
        path = new_path(tmp_path)
        header, cells = cells_of("penalties", [factory.penalty(subject=company)])
        path.write_text(csv_text(header, cells), encoding="utf-8", newline="")
        run = run_import(cli, "penalties", path)
        assert run.code == 0 and run.counts == (1, 0, 0, 0), run
        (subject,) = [r.subject for r in load_records(engine)]
        assert (subject.subject_type, subject.uscc, subject.id_number) == ("法人及非法人组织", code, None)

    prop()
