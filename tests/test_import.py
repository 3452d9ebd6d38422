"""`xinyong import penalties|licenses|lists FILE [--json] [--encoding auto|utf-8|gbk] [--strict]`.

Written against the command's contract only (exit codes, the JSON line, the rejects file and what
ends up in the records/subjects tables), so the tests hold whatever the importer's internals become.
The core cases run on SQLite and PostgreSQL (`engine` fixture); encoding, header and date-spelling
variants run on SQLite only. Files are built by tests/import_files.py.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import re
import subprocess
import sys
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, joinedload

from actions.db.models import Record, Subject, metadata
from actions.services.codes import make_id_number, make_uscc

try:  # tests/ is a package (tests/__init__.py)
    from tests import import_files as xf
except ImportError:  # tests/ itself is on sys.path
    import import_files as xf  # type: ignore[no-redef]

BOM, CODE_1, CONFISCATION, FINE, NO_EXPIRY, TODAY = xf.BOM, xf.CODE_1, xf.CONFISCATION, xf.FINE, xf.NO_EXPIRY, xf.TODAY
CODE_STYLES, DATE_STYLES, HEADER_STYLES, KINDS = xf.CODE_STYLES, xf.DATE_STYLES, xf.HEADER_STYLES, xf.KINDS
ExportFactory, write_export, header_name = xf.ExportFactory, xf.write_export, xf.header_name
changed, without, with_messy_code = xf.changed, xf.without, xf.with_messy_code
with_bad_check_digit, with_future_date, with_impossible_date = (
    xf.with_bad_check_digit, xf.with_future_date, xf.with_impossible_date)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = ["imported", "updated", "unchanged", "rejected", "rejects_file"]
REJECT_COLUMNS = ("行号", "错误原因")
CJK = re.compile(r"[\u4e00-\u9fff]")
KIND_NAMES = list(KINDS)  # penalties, licenses, lists

# SQLite only: overrides the db_url fixture's parameters (conftest runs both databases by default).
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


# ------------------------------------------------------------------------------------ helpers
@dataclass
class Run:
    code: int
    out: str
    err: str
    args: list

    @property
    def summary(self) -> dict:
        return parse_summary(self.out)

    @property
    def counts(self) -> tuple[int, int, int, int]:
        s = self.summary
        return s["imported"], s["updated"], s["unchanged"], s["rejected"]

    def __str__(self) -> str:
        return f"xinyong {' '.join(self.args)} -> exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"


def parse_summary(out: str) -> dict:
    """The last line of stdout: exactly json.dumps({imported, updated, unchanged, rejected, rejects_file})."""
    lines = out.splitlines()
    assert lines, "stdout is empty: neither a summary nor the JSON line"
    last = lines[-1]
    try:
        pairs = json.loads(last, object_pairs_hook=lambda p: p)
    except ValueError:
        pytest.fail(f"the last line of stdout is not JSON: {last!r}\nstdout was:\n{out}")
    assert isinstance(pairs, list), f"the last line is JSON but not an object: {last!r}"
    assert [k for k, _ in pairs] == JSON_KEYS, f"keys or their order differ: {last!r}"
    summary = dict(pairs)
    for key in JSON_KEYS[:4]:
        assert type(summary[key]) is int and summary[key] >= 0, f"{key} is not a count: {last!r}"
    assert summary["rejects_file"] is None or isinstance(summary["rejects_file"], str), last
    # default separators (", " and ": "); ASCII escaping of a non-ASCII path may go either way
    assert last in (json.dumps(summary), json.dumps(summary, ensure_ascii=False)), \
        f"not in json.dumps' default format: {last!r}"
    return summary


def run_import(cli, kind: str, path, *flags: str, as_json: bool = True) -> Run:
    args = ["import", kind, str(path), *flags] + (["--json"] if as_json else [])
    try:
        code, out, err = cli(*args)
    except Exception as exc:  # noqa: BLE001 - anything escaping main() is a traceback for the user
        pytest.fail(f"`xinyong {' '.join(args)}` let {type(exc).__name__} escape ({exc}): "
                    "the user would see a traceback")
    run = Run(code, out, err, args)
    assert "Traceback (most recent call last)" not in out + err, str(run)
    return run


def import_ok(cli, kind: str, path, *flags: str) -> Run:
    run = run_import(cli, kind, path, *flags)
    assert run.code == 0, str(run)
    return run


def assert_every_row_counted(run: Run, n_rows: int) -> None:
    """Each data row is new, updated, unchanged or rejected: exactly one of them."""
    assert sum(run.counts) == n_rows, f"{run.summary} does not account for {n_rows} rows"


def rejects_path(path) -> Path:
    return Path(str(path) + ".rejects.csv")


def nfkc(text) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def load_records(engine, kind: str | None = None) -> list[Record]:
    with Session(engine, future=True) as s:
        q = sa.select(Record).options(joinedload(Record.subject)).order_by(Record.id)
        if kind:
            q = q.where(Record.kind == kind)
        return list(s.execute(q).scalars().unique().all())


def load_subjects(engine) -> list[Subject]:
    with Session(engine, future=True) as s:
        return list(s.execute(sa.select(Subject).order_by(Subject.id)).scalars().all())


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar_one()


def by_doc(records: list[Record], doc: str) -> Record:
    """The one record whose document number is `doc` (compared after NFKC, as full-width brackets
    in court case numbers may be stored half-width)."""
    hits = [r for r in records if nfkc(r.doc_number) == nfkc(doc)]
    assert len(hits) == 1, f"{len(hits)} records with document number {doc!r}: {[r.doc_number for r in records]}"
    return hits[0]


def decimal(value) -> Decimal:
    return Decimal(str(value))


def read_rejects(path) -> tuple[list[str], dict[int, dict[str, str]]]:
    """Header and rows (keyed by 行号) of a rejects file, checking it is UTF-8 with one BOM."""
    raw = Path(path).read_bytes()
    assert raw.startswith(BOM), f"rejects file does not start with a UTF-8 BOM: {raw[:20]!r}"
    text = raw[len(BOM):].decode("utf-8")
    assert not text.startswith("\ufeff"), "rejects file has two BOMs"
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table, "rejects file is empty"
    header, body = table[0], [r for r in table[1:] if any(c.strip() for c in r)]
    rows: dict[int, dict[str, str]] = {}
    for r in body:
        assert len(r) == len(header), f"row {r} does not match the header {header}"
        d = dict(zip(header, r))
        no = int(d["行号"])
        assert no not in rows, f"行号 {no} appears twice in the rejects file"
        rows[no] = d
    return header, rows


def check_rejects(export: xf.Export, path, expected: dict[int, str | None]) -> dict[int, dict[str, str]]:
    """The rejects file holds exactly the rows `expected` (行号 -> regex the 错误原因 must match),
    each with its original cells under the input's own header spelling."""
    header, rows = read_rejects(path)
    assert sorted(header) == sorted(export.header + list(REJECT_COLUMNS)), \
        f"rejects header {header} is not the input header {export.header} plus 行号, 错误原因"
    assert [h for h in header if h not in REJECT_COLUMNS] == export.header, \
        "the original columns are not in the input's order"
    assert set(rows) == set(expected), f"rejected 行号 {sorted(rows)}, expected {sorted(expected)}"
    for no, pattern in expected.items():
        r = rows[no]
        assert [r[h] for h in export.header] == export.cells_at(no), f"row {no}: cells differ from the input"
        assert r["错误原因"].strip(), f"row {no}: empty 错误原因"
        if pattern:
            assert re.search(pattern, r["错误原因"]), f"row {no}: 错误原因 {r['错误原因']!r} does not match {pattern!r}"
    return rows


def clear_tables(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def factory(request) -> ExportFactory:
    """Deterministic rows, different for each test."""
    return ExportFactory(seed=zlib.crc32(request.node.name.encode()))


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# ================================================================ records as stored (both DBs)
def test_penalties_are_stored_with_their_fields(engine, cli, factory, tmp_path):
    company = factory.company()
    shop = factory.individual_business()
    rows = [
        factory.penalty(subject=company, agency=xf.AGENCIES[0]),
        factory.penalty(subject=company, agency=xf.AGENCIES[1]),
        factory.penalty(subject=shop),
        factory.penalty(),
    ]
    export = write_export(tmp_path / "penalties.csv", rows)

    run = import_ok(cli, "penalties", export.path)

    assert run.summary == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": 0, "rejects_file": None}
    assert not rejects_path(export.path).exists()
    human = [line for line in run.out.splitlines()[:-1] if line.strip()]
    assert human and any(CJK.search(line) for line in human), f"no human summary before the JSON line:\n{run.out}"

    records = load_records(engine)
    assert len(records) == 4 and {r.kind for r in records} == {"penalty"}
    for row in rows:
        rec = by_doc(records, row["行政处罚决定书文号"])
        assert rec.agency == row["处罚机关"]
        assert rec.decision_date == row["处罚决定日期"]
        assert rec.display_until == row["公示截止期"]
        assert rec.display_status == "公示中"
        assert nfkc(rec.penalty_content) == nfkc(row["处罚内容"])
        assert nfkc(rec.legal_basis) == nfkc(row["处罚依据"])
        assert nfkc(rec.violation_type) == nfkc(row["违法行为类型"])
        assert decimal(rec.fine_amount) == Decimal(row[FINE])
        assert decimal(rec.confiscation_amount or 0) == Decimal(row[CONFISCATION])
        assert rec.subject.uscc == row[CODE_1]
        assert rec.subject.name == row["行政相对人名称"]
        assert rec.subject.subject_type == row["行政相对人类别"]
        assert rec.subject.legal_rep == row["法定代表人"]
    # records are linked to their subject by code: one subject per code
    assert count(engine, Subject) == 3
    assert by_doc(records, rows[0]["行政处罚决定书文号"]).subject_id == by_doc(records, rows[1]["行政处罚决定书文号"]).subject_id
    assert by_doc(records, rows[2]["行政处罚决定书文号"]).subject.subject_type == "个体工商户"


def test_licenses_are_stored_with_their_fields(engine, cli, factory, tmp_path):
    rows = [factory.license(agency=a) for a in xf.AGENCIES if a.licenses]
    assert any(r["有效期至"] == NO_EXPIRY for r in rows)
    export = write_export(tmp_path / "licenses.csv", rows, date_style="slash")

    run = import_ok(cli, "licenses", export.path)

    assert run.counts == (len(rows), 0, 0, 0)
    records = load_records(engine)
    assert len(records) == len(rows) and {r.kind for r in records} == {"license"}
    for row in rows:
        rec = by_doc(records, row["行政许可决定文书号"])
        assert rec.agency == row["许可机关"]
        assert rec.decision_date == row["许可决定日期"]
        assert rec.valid_from == row["有效期自"]
        assert rec.valid_to == row["有效期至"]  # 2099/12/31 kept as the no-expiry date
        assert rec.license_number == row["许可编号"]
        assert rec.license_category == row["许可类别"]
        assert nfkc(rec.license_content) == nfkc(row["许可内容"])
        assert nfkc(rec.certificate_name) == nfkc(row["许可证书名称"])
        assert rec.display_status == "公示中"
        assert rec.subject.uscc == row[CODE_1] and rec.subject.name == row["行政相对人名称"]


def test_list_entries_are_stored_with_their_fields(engine, cli, factory, tmp_path):
    types = ["严重失信主体名单", "经营异常名录", "重点关注名单", "守信红名单", "重大税收违法失信主体"]
    rows = [factory.list_entry(list_type=t) for t in types]
    export = write_export(tmp_path / "lists.csv", rows)

    run = import_ok(cli, "lists", export.path)

    assert run.counts == (5, 0, 0, 0)
    records = load_records(engine)
    assert {r.kind for r in records} == {"list"}
    for row in rows:
        rec = by_doc(records, row["文书号"])
        assert rec.list_type == row["名单类型"]
        assert nfkc(rec.list_reason) == nfkc(row["列入事由"])
        assert rec.agency == row["认定部门"]
        assert rec.decision_date == row["列入日期"]
        assert rec.display_status == "公示中"
        assert rec.subject.uscc == row["统一社会信用代码"]
        assert rec.subject.subject_type == "法人及非法人组织"


def test_natural_persons_on_a_list_are_stored_by_id_number(engine, cli, factory, tmp_path):
    company_row = factory.list_entry(list_type="严重失信主体名单")
    person = factory.person()
    person_x = factory.person(x_check=True)
    person_row = factory.list_entry(subject=person)
    # an ID number ending in X, typed with a lower-case x
    person_x_row = changed(factory.list_entry(subject=person_x), 统一社会信用代码=person_x.code.lower())
    export = write_export(tmp_path / "lists.csv", [company_row, person_row, person_x_row])
    assert "主体类别" in export.header

    run = import_ok(cli, "lists", export.path)

    assert run.counts == (3, 0, 0, 0)
    records = load_records(engine)
    for row, p in ((person_row, person), (person_x_row, person_x)):
        subject = by_doc(records, row["文书号"]).subject
        assert subject.subject_type == "自然人"
        assert subject.id_number == p.code
        assert subject.uscc is None
        assert subject.name == p.name
        assert by_doc(records, row["文书号"]).list_type == "失信被执行人"
    assert by_doc(records, company_row["文书号"]).subject.uscc == company_row["统一社会信用代码"]
    # ID numbers are never shown unmasked, not even in the import summary
    for p in (person, person_x):
        assert p.code not in run.out + run.err and p.code.lower() not in run.out + run.err

    again = import_ok(cli, "lists", export.path)
    assert again.counts == (0, 0, 3, 0)
    assert count(engine, Subject) == 3


def test_a_subject_is_shared_across_kinds(engine, cli, factory, tmp_path):
    company = factory.company()
    pen = write_export(tmp_path / "penalties.csv", [factory.penalty(subject=company)])
    lst = write_export(tmp_path / "lists.csv", [factory.list_entry(subject=company, list_type="重点关注名单")])
    import_ok(cli, "penalties", pen.path)
    import_ok(cli, "lists", lst.path)
    records = load_records(engine)
    assert sorted(r.kind for r in records) == ["list", "penalty"]
    assert count(engine, Subject) == 1
    assert len({r.subject_id for r in records}) == 1


def test_expired_display_period_is_stored_as_expired(engine, cli, factory, tmp_path):
    expired = factory.penalty(decided=TODAY - _days(500), values={"公示截止期": TODAY - _days(30)})
    current = factory.penalty(values={"公示截止期": TODAY + _days(200)})
    no_end = factory.penalty(values={"公示截止期": ""})
    export = write_export(tmp_path / "penalties.csv", [expired, current, no_end])

    run = import_ok(cli, "penalties", export.path)

    assert run.counts == (3, 0, 0, 0)
    records = load_records(engine)
    assert by_doc(records, expired["行政处罚决定书文号"]).display_status == "已到期"
    assert by_doc(records, current["行政处罚决定书文号"]).display_status == "公示中"
    assert by_doc(records, no_end["行政处罚决定书文号"]).display_status == "公示中"


# ====================================================================== upsert by natural key
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_reimporting_the_same_file_changes_nothing(engine, cli, factory, tmp_path, kind):
    rows = factory.rows(kind, 5) + [without(factory.row(kind), "doc")]
    export = write_export(tmp_path / f"{kind}.csv", rows)

    first = import_ok(cli, kind, export.path)
    assert first.counts == (5, 0, 0, 1)
    before = {(r.id, r.natural_key) for r in load_records(engine)}
    subjects = count(engine, Subject)

    second = import_ok(cli, kind, export.path)
    assert second.counts == (0, 0, 5, 1)
    assert {(r.id, r.natural_key) for r in load_records(engine)} == before
    assert count(engine, Subject) == subjects


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_changing_one_field_updates_that_record(engine, cli, factory, tmp_path, kind):
    k = KINDS[kind]
    rows = factory.rows(kind, 5)
    path = tmp_path / f"{kind}.csv"
    write_export(path, rows)
    import_ok(cli, kind, path)
    ids = {nfkc(r.doc_number): r.id for r in load_records(engine)}

    new_text = rows[2][k.content] + "；经复核予以更正"
    rows[2] = changed(rows[2], {k.content: new_text})
    write_export(path, rows)
    run = import_ok(cli, kind, path)

    assert run.counts == (0, 1, 4, 0)
    records = load_records(engine)
    assert len(records) == 5
    assert {nfkc(r.doc_number): r.id for r in records} == ids, "updated in place, not deleted and re-inserted"
    assert nfkc(getattr(by_doc(records, rows[2][k.doc]), k.content_attr)) == nfkc(new_text)
    for row in rows[:2] + rows[3:]:
        assert nfkc(getattr(by_doc(records, row[k.doc]), k.content_attr)) == nfkc(row[k.content])


def test_penalty_key_is_document_number_and_agency(engine, cli, factory, tmp_path):
    a, b = xf.AGENCIES[0], xf.AGENCIES[1]
    first = factory.penalty(agency=a)
    same_doc_other_agency = factory.penalty(agency=b, values={"行政处罚决定书文号": first["行政处罚决定书文号"]})
    path = tmp_path / "penalties.csv"
    write_export(path, [first, same_doc_other_agency])
    assert import_ok(cli, "penalties", path).counts == (2, 0, 0, 0)
    assert count(engine, Record) == 2

    # same document number and agency, other content: the same record, updated
    write_export(path, [changed(first, 处罚内容="罚款人民币8000元"), same_doc_other_agency])
    assert import_ok(cli, "penalties", path).counts == (0, 1, 1, 0)
    assert count(engine, Record) == 2


def test_license_key_is_the_document_number(engine, cli, factory, tmp_path):
    row = factory.license(agency=xf.AGENCIES[0])
    path = tmp_path / "licenses.csv"
    write_export(path, [row])
    import_ok(cli, "licenses", path)

    other = xf.AGENCIES[1]
    write_export(path, [changed(row, 许可机关=other.name, 许可机关统一社会信用代码=other.code,
                                许可内容="预包装食品销售")])
    assert import_ok(cli, "licenses", path).counts == (0, 1, 0, 0)
    records = load_records(engine)
    assert len(records) == 1 and records[0].agency == other.name


def test_list_key_is_list_type_code_and_document_number(engine, cli, factory, tmp_path):
    company, other = factory.company(), factory.company()
    base = factory.list_entry(subject=company, list_type="重点关注名单")
    other_type = changed(base, 名单类型="严重失信主体名单")
    other_code = changed(base, 主体名称=other.name, 统一社会信用代码=other.code)
    path = tmp_path / "lists.csv"
    write_export(path, [base, other_type, other_code])
    assert import_ok(cli, "lists", path).counts == (3, 0, 0, 0)
    assert count(engine, Record) == 3

    write_export(path, [changed(base, 列入事由="一年内受到三次行政处罚"), other_type, other_code])
    assert import_ok(cli, "lists", path).counts == (0, 1, 2, 0)
    assert count(engine, Record) == 3


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_duplicate_keys_in_one_file_the_later_row_wins(engine, cli, factory, tmp_path, kind):
    k = KINDS[kind]
    x, y = factory.row(kind), factory.row(kind)
    x_later = changed(x, {k.content: x[k.content] + "（更正）"})
    # 行号: x 2, y 3, x_later 4, y again (identical) 5
    export = write_export(tmp_path / f"{kind}.csv", [x, y, x_later, y])

    run = import_ok(cli, kind, export.path)

    assert run.counts == (2, 0, 1, 1)
    assert run.summary["rejects_file"] == str(rejects_path(export.path))
    rows = check_rejects(export, rejects_path(export.path), {2: r"(?<!\d)4(?!\d)"})  # names the later row
    assert rows[2]["错误原因"]
    records = load_records(engine)
    assert len(records) == 2
    assert nfkc(getattr(by_doc(records, x[k.doc]), k.content_attr)) == nfkc(x_later[k.content])


# ========================================================================= validation, rejects
def _invalid_variants(factory: ExportFactory, kind: str):
    """(row, 错误原因 pattern) for every kind of invalid row the contract names."""
    row = lambda: factory.row(kind)  # noqa: E731
    return [
        (with_bad_check_digit(row()), r"校验|代码"),
        (without(row(), "name"), r"名称"),
        (without(row(), "code"), r"代码"),
        (without(row(), "doc"), r"文号|文书号"),
        (without(row(), "date"), r"日期"),
        (without(row(), "agency"), r"机关|部门"),
        (with_impossible_date(row(), "2026-02-30"), r"日期"),
        (with_future_date(row(), days=30), r"日期|未来|今天|当前|当日"),
    ]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_invalid_rows_go_to_the_rejects_file(engine, cli, factory, tmp_path, kind):
    k = KINDS[kind]
    valid = factory.rows(kind, 3) + [factory.row(kind, decided=TODAY - _days(1))]
    invalid = _invalid_variants(factory, kind)
    # interleave: valid, invalid, invalid, valid, ...
    rows, expected = [], {}
    for i, (bad, pattern) in enumerate(invalid):
        if i % 2 == 0 and valid[i // 2:i // 2 + 1]:
            rows.append(valid[i // 2])
        rows.append(bad)
        expected[len(rows) + 1] = pattern
    assert len(rows) == len(valid) + len(invalid)
    export = write_export(tmp_path / f"{kind}.csv", rows)

    run = run_import(cli, kind, export.path)

    assert run.code == 0, str(run)  # imported, even with rejected rows
    assert run.counts == (4, 0, 0, 8)
    assert_every_row_counted(run, len(rows))
    assert run.summary["rejects_file"] == str(rejects_path(export.path))
    check_rejects(export, rejects_path(export.path), expected)
    records = load_records(engine)
    assert sorted(nfkc(r.doc_number) for r in records) == sorted(nfkc(r[k.doc]) for r in valid)
    # nothing of the rejected rows is written, not even their subjects
    assert count(engine, Subject) == len({r[k.code] for r in valid})


@pytest.mark.parametrize("kind", ["penalties", "lists"])
def test_codes_typed_loosely_are_valid_after_normalisation(engine, cli, factory, tmp_path, kind):
    rows, codes = [], []
    for style in CODE_STYLES:
        subject = factory.company(with_letters=True)
        codes.append(subject.code)
        rows.append(with_messy_code(factory.row(kind, subject=subject), style))
    export = write_export(tmp_path / f"{kind}.csv", rows)

    run = import_ok(cli, kind, export.path)

    assert run.counts == (len(rows), 0, 0, 0)
    assert sorted(s.uscc for s in load_subjects(engine)) == sorted(codes)


def test_a_code_typed_differently_finds_the_same_list_entry(engine, cli, factory, tmp_path):
    """The list key includes the code: it must be the normalised code, or a re-export with the code
    typed differently would add a second entry."""
    subject = factory.company(with_letters=True)
    row = factory.list_entry(subject=subject, list_type="经营异常名录")
    path = tmp_path / "lists.csv"
    write_export(path, [with_messy_code(row, "all")])
    import_ok(cli, "lists", path)
    write_export(path, [row])
    run = import_ok(cli, "lists", path)
    assert run.summary["imported"] == 0
    assert count(engine, Record) == 1 and count(engine, Subject) == 1


@sqlite_only
@pytest.mark.parametrize("text", ["2026-02-30", "2026/02/30", "2026年2月30日", "20260230", "2025-13-01",
                                  "2026-04-31", "2026.02.3O", "明天"])
def test_impossible_or_garbled_decision_dates_are_rejected(engine, cli, factory, tmp_path, text):
    rows = [factory.penalty(), with_impossible_date(factory.penalty(), text)]
    export = write_export(tmp_path / "penalties.csv", rows)
    run = import_ok(cli, "penalties", export.path)
    assert run.counts == (1, 0, 0, 1)
    check_rejects(export, rejects_path(export.path), {3: r"日期"})


# ============================================================================== strict mode
def _mixed_rows(factory: ExportFactory, kind: str = "penalties"):
    good = factory.rows(kind, 3)
    return [good[0], with_bad_check_digit(factory.row(kind)), good[1], without(factory.row(kind), "doc"), good[2]]


def test_strict_refuses_the_whole_file(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "penalties.csv", _mixed_rows(factory))

    run = run_import(cli, "penalties", export.path, "--strict")

    assert run.code == 1, str(run)
    assert run.summary == {"imported": 0, "updated": 0, "unchanged": 0, "rejected": 2,
                           "rejects_file": str(rejects_path(export.path))}
    check_rejects(export, rejects_path(export.path), {3: r"校验|代码", 5: r"文号"})
    assert count(engine, Record) == 0
    assert count(engine, Subject) == 0


def test_strict_refusal_leaves_earlier_imports_untouched(engine, cli, factory, tmp_path):
    rows = factory.rows("penalties", 3)
    path = tmp_path / "penalties.csv"
    write_export(path, rows)
    import_ok(cli, "penalties", path)

    edited = [changed(rows[0], 处罚内容="罚款人民币1元"), rows[1], rows[2], factory.penalty(),
              with_impossible_date(factory.penalty())]
    write_export(path, edited)
    run = run_import(cli, "penalties", path, "--strict")

    assert run.code == 1, str(run)
    assert run.counts == (0, 0, 0, 1)
    records = load_records(engine)
    assert len(records) == 3
    assert nfkc(by_doc(records, rows[0]["行政处罚决定书文号"]).penalty_content) == nfkc(rows[0]["处罚内容"])


def test_strict_imports_a_file_without_invalid_rows(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "lists.csv", factory.rows("lists", 4))
    run = import_ok(cli, "lists", export.path, "--strict")
    assert run.summary == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": 0, "rejects_file": None}
    assert count(engine, Record) == 4


# =============================================================== one transaction: no half import
def _install_boom_trigger(engine) -> list[str]:
    """Make the database refuse a record whose document number is BOOM; returns the DROP statements."""
    if engine.dialect.name == "sqlite":
        create = ["CREATE TRIGGER boom BEFORE INSERT ON records WHEN NEW.doc_number = 'BOOM' "
                  "BEGIN SELECT RAISE(ABORT, 'boom'); END"]
        drop = ["DROP TRIGGER IF EXISTS boom"]
    else:
        create = ["CREATE OR REPLACE FUNCTION xinyong_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ "
                  "BEGIN IF NEW.doc_number = 'BOOM' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$",
                  "CREATE TRIGGER boom BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION xinyong_test_boom()"]
        drop = ["DROP TRIGGER IF EXISTS boom ON records", "DROP FUNCTION IF EXISTS xinyong_test_boom()"]
    with engine.begin() as conn:
        for stmt in create:
            conn.exec_driver_sql(stmt)
    return drop


def test_a_failure_while_writing_leaves_no_half_import(engine, cli, factory, tmp_path):
    rows = factory.rows("penalties", 40)
    rows.insert(30, factory.penalty(values={"行政处罚决定书文号": "BOOM"}))
    export = write_export(tmp_path / "penalties.csv", rows)
    drop = _install_boom_trigger(engine)
    try:
        run = run_import(cli, "penalties", export.path)
        assert run.code != 0, f"the database refused a row, yet the command reports success\n{run}"
        assert run.err.strip(), "no message on stderr"
        assert count(engine, Record) == 0, "rows before the failing one were committed: a half import"
        assert count(engine, Subject) == 0, "subjects of the failed import were committed"
    finally:
        with engine.begin() as conn:
            for stmt in drop:
                conn.exec_driver_sql(stmt)

    again = import_ok(cli, "penalties", export.path)
    assert again.counts == (41, 0, 0, 0)


# ============================================================================== rejects file
@sqlite_only
def test_a_clean_import_removes_a_stale_rejects_file(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "penalties.csv", factory.rows("penalties", 2))
    stale = rejects_path(export.path)
    stale.write_text("行号,错误原因\n2,旧的\n", encoding="utf-8-sig")

    run = import_ok(cli, "penalties", export.path)

    assert run.summary["rejected"] == 0 and run.summary["rejects_file"] is None
    assert not stale.exists()


@sqlite_only
def test_the_rejects_file_is_rewritten_on_each_run(engine, cli, factory, tmp_path):
    rows = _mixed_rows(factory)
    path = tmp_path / "penalties.csv"
    export = write_export(path, rows)
    import_ok(cli, "penalties", path)
    import_ok(cli, "penalties", path)
    check_rejects(export, rejects_path(path), {3: None, 5: None})  # not appended to

    # the operator fixes one row: only the other is left in the rejects file
    rows[3] = changed(rows[3], 行政处罚决定书文号="庆市监罚字〔2026〕第9001号")
    export = write_export(path, rows)
    run = import_ok(cli, "penalties", path)
    assert run.counts == (1, 0, 3, 1)
    check_rejects(export, rejects_path(path), {3: None})

    rows[1] = changed(rows[1], {CODE_1: factory.company().code})
    write_export(path, rows)
    run = import_ok(cli, "penalties", path)
    assert run.counts == (1, 0, 4, 0) and run.summary["rejects_file"] is None
    assert not rejects_path(path).exists()


@sqlite_only
def test_rejects_keep_the_input_header_spelling_and_are_utf8(engine, cli, factory, tmp_path):
    rows = [factory.penalty(), with_bad_check_digit(factory.penalty()), factory.penalty(),
            with_future_date(factory.penalty(), days=3)]
    export = write_export(tmp_path / "penalties.csv", rows, encoding="gbk", header_style="mixed",
                          date_style="cn")
    assert "罚款金额" in export.header and "行政相对人代码_1（统一社会信用代码）" in export.header

    run = import_ok(cli, "penalties", export.path)

    assert run.counts == (2, 0, 0, 2)
    rejected = check_rejects(export, rejects_path(export.path), {3: r"校验|代码", 5: r"日期|未来|今天|当前|当日"})
    assert rejected[5]["处罚决定日期"] == xf.format_date(TODAY + _days(3), "cn")


@sqlite_only
def test_row_numbers_are_spreadsheet_rows_even_with_multiline_cells(engine, cli, factory, tmp_path):
    facts = "当事人存在以下违法行为：\n一、未按规定公示；\n二、拒绝检查。"
    rows = [factory.penalty(values={"违法事实": facts}), factory.penalty(values={"违法事实": facts}),
            without(factory.penalty(values={"违法事实": facts}), "doc"), factory.penalty()]
    export = write_export(tmp_path / "penalties.csv", rows)

    run = import_ok(cli, "penalties", export.path)

    assert run.counts == (3, 0, 0, 1)
    rejected = check_rejects(export, rejects_path(export.path), {4: r"文号"})
    assert rejected[4]["违法事实"] == facts
    rec = by_doc(load_records(engine), rows[0]["行政处罚决定书文号"])
    assert "一、未按规定公示" in rec.violation_facts and "二、拒绝检查" in rec.violation_facts


@sqlite_only
def test_extra_columns_are_ignored_and_optional_columns_may_be_missing(engine, cli, factory, tmp_path):
    rows = factory.rows("penalties", 3) + [without(factory.penalty(), "agency")]
    optional = [xf.CODE_2, xf.CODE_4, xf.CODE_5, xf.CODE_6, "法定代表人证件类型", "法定代表人证件号码",
                "证件类型", "证件号码", "暂扣或吊销证照名称及编号", "数据来源单位", "数据来源单位统一社会信用代码", "备注"]
    export = write_export(tmp_path / "penalties.csv", rows, drop=optional,
                          extra_columns={"序号": [str(i + 1) for i in range(len(rows))]})
    assert export.header[0] == "序号"

    run = import_ok(cli, "penalties", export.path)

    assert run.counts == (3, 0, 0, 1)
    rejected = check_rejects(export, rejects_path(export.path), {5: r"机关"})
    assert rejected[5]["序号"] == "4"


@sqlite_only
def test_rejects_file_sits_next_to_a_relative_input_path(engine, cli, factory, tmp_path, monkeypatch):
    write_export(tmp_path / "penalties.csv", _mixed_rows(factory))
    monkeypatch.chdir(tmp_path)
    run = import_ok(cli, "penalties", "penalties.csv")
    assert (tmp_path / "penalties.csv.rejects.csv").exists()
    assert (tmp_path / Path(run.summary["rejects_file"])).resolve() == (tmp_path / "penalties.csv.rejects.csv").resolve()


@sqlite_only
def test_rejects_file_for_an_input_with_a_chinese_name(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "大庆市行政处罚公示2026年11月.csv", _mixed_rows(factory))
    run = import_ok(cli, "penalties", export.path)
    assert run.summary["rejects_file"] == str(export.path) + ".rejects.csv"
    check_rejects(export, rejects_path(export.path), {3: None, 5: None})


# ============================================================================== JSON and text
@sqlite_only
def test_json_summary_is_the_last_line_after_a_human_summary(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "penalties.csv", _mixed_rows(factory))

    run = import_ok(cli, "penalties", export.path)

    expected = {"imported": 3, "updated": 0, "unchanged": 0, "rejected": 2,
                "rejects_file": str(rejects_path(export.path))}
    assert run.out.splitlines()[-1] == json.dumps(expected, ensure_ascii=False)
    assert any(CJK.search(line) for line in run.out.splitlines()[:-1]), "no human summary before the JSON"

    plain = run_import(cli, "penalties", export.path, as_json=False)
    assert plain.code == 0
    assert plain.out.strip() and CJK.search(plain.out), "no human summary without --json"
    assert not any(line.lstrip().startswith("{") for line in plain.out.splitlines()), \
        "JSON printed without --json"


# ===================================================== encodings, header spellings, date forms
ENCODINGS = [
    pytest.param("utf-8", False, [], id="utf8-auto"),
    pytest.param("utf-8", True, [], id="utf8bom-auto"),
    pytest.param("gbk", False, [], id="gbk-auto"),
    pytest.param("gbk", False, ["--encoding", "auto"], id="gbk-explicit-auto"),
    pytest.param("gbk", False, ["--encoding", "gbk"], id="gbk-forced"),
    pytest.param("utf-8", False, ["--encoding", "utf-8"], id="utf8-forced"),
    pytest.param("utf-8", True, ["--encoding", "utf-8"], id="utf8bom-forced"),
]


@sqlite_only
@pytest.mark.parametrize("encoding,bom,flags", ENCODINGS)
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_encodings_are_decoded_without_mojibake(engine, cli, factory, tmp_path, kind, encoding, bom, flags):
    k = KINDS[kind]
    rows = factory.rows(kind, 4)
    if kind == "lists":
        rows.append(factory.list_entry(subject=factory.person()))
    export = write_export(tmp_path / f"{kind}.csv", rows, encoding=encoding, bom=bom)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            export.path.read_bytes().decode("utf-8")  # really not UTF-8

    run = import_ok(cli, kind, export.path, *flags)

    assert run.counts == (len(rows), 0, 0, 0)
    records = load_records(engine)
    for row in rows:
        rec = by_doc(records, row[k.doc])
        assert rec.subject.name == row[k.name]
        assert rec.agency == row[k.agency]
        assert nfkc(getattr(rec, k.content_attr)) == nfkc(row[k.content])


@sqlite_only
def test_the_same_rows_in_another_encoding_and_spelling_are_unchanged(engine, cli, factory, tmp_path):
    rows = factory.rows("penalties", 4)
    write_export(tmp_path / "a.csv", rows, encoding="utf-8", bom=True, header_style="standard")
    write_export(tmp_path / "b.csv", rows, encoding="gbk", header_style="fullwidth")
    assert import_ok(cli, "penalties", tmp_path / "a.csv").counts == (4, 0, 0, 0)
    assert import_ok(cli, "penalties", tmp_path / "b.csv").counts == (0, 0, 4, 0)


@sqlite_only
@pytest.mark.parametrize("style", HEADER_STYLES)
@pytest.mark.parametrize("kind", ["penalties", "licenses"])
def test_header_spellings_are_recognised(engine, cli, factory, tmp_path, kind, style):
    rows = factory.rows(kind, 3)
    export = write_export(tmp_path / f"{kind}.csv", rows, header_style=style)
    code_header = export.header[export.columns.index(CODE_1)]
    assert code_header == header_name(CODE_1, style, 0)

    run = import_ok(cli, kind, export.path)

    assert run.counts == (3, 0, 0, 0)
    records = load_records(engine)
    k = KINDS[kind]
    for row in rows:
        rec = by_doc(records, row[k.doc])
        assert rec.subject.uscc == row[CODE_1]
        if kind == "penalties":
            assert decimal(rec.fine_amount) == Decimal(row[FINE])
            assert decimal(rec.confiscation_amount or 0) == Decimal(row[CONFISCATION])


@sqlite_only
@pytest.mark.parametrize("header", ["罚款金额(万元)", "罚款金额（万元）", "罚款金额 (万元)", "罚款金额",
                                    "罚款金额 （万元）"])
def test_fine_amount_header_variants(engine, cli, factory, tmp_path, header):
    row = factory.penalty(values={FINE: "12.5"})
    export = write_export(tmp_path / "penalties.csv", [row])
    text = export.path.read_text(encoding="utf-8").replace(FINE, header, 1)
    export.path.write_text(text, encoding="utf-8", newline="")

    import_ok(cli, "penalties", export.path)

    assert decimal(load_records(engine)[0].fine_amount) == Decimal("12.5")


@sqlite_only
@pytest.mark.parametrize("style", DATE_STYLES)
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_date_forms_are_parsed(engine, cli, factory, tmp_path, kind, style):
    k = KINDS[kind]
    # single-digit month and day, so that 2025年5月6日 differs from a zero-padded form
    rows = [factory.row(kind, decided=dt.date(2025, 5, 6)), factory.row(kind, decided=dt.date(2025, 11, 23))]
    export = write_export(tmp_path / f"{kind}.csv", rows, date_style=style)
    assert export.cell(0, k.date) == {"dash": "2025-05-06", "slash": "2025/05/06",
                                      "cn": "2025年5月6日", "compact": "20250506"}[style]

    import_ok(cli, kind, export.path)

    records = load_records(engine)
    for row in rows:
        rec = by_doc(records, row[k.doc])
        assert rec.decision_date == row[k.date]
        if kind == "penalties":
            assert rec.display_until == row["公示截止期"]
            assert rec.valid_to == NO_EXPIRY
        if kind == "licenses":
            assert (rec.valid_from, rec.valid_to) == (row["有效期自"], row["有效期至"])


def test_all_four_date_forms_in_one_file(engine, cli, factory, tmp_path):
    rows = factory.rows("penalties", 8)
    export = write_export(tmp_path / "penalties.csv", rows, date_style=DATE_STYLES)
    written = [export.cell(i, "处罚决定日期") for i in range(4)]
    for text, pattern in zip(written, [r"\d{4}-\d{2}-\d{2}", r"\d{4}/\d{2}/\d{2}", r"\d{4}年\d{1,2}月\d{1,2}日", r"\d{8}"]):
        assert re.fullmatch(pattern, text), written

    run = import_ok(cli, "penalties", export.path)

    assert run.counts == (8, 0, 0, 0)
    records = load_records(engine)
    for row in rows:
        assert by_doc(records, row["行政处罚决定书文号"]).decision_date == row["处罚决定日期"]


# ====================================================================== objection status kept
def test_reimport_keeps_a_record_under_objection(engine, cli, factory, tmp_path):
    rows = factory.rows("penalties", 3)
    export = write_export(tmp_path / "penalties.csv", rows)
    import_ok(cli, "penalties", export.path)
    target = by_doc(load_records(engine), rows[1]["行政处罚决定书文号"])
    with engine.begin() as conn:
        conn.execute(sa.update(Record.__table__).where(Record.__table__.c.id == target.id)
                     .values(display_status="异议处理中", punishment_suspended=True))

    run = import_ok(cli, "penalties", export.path)

    assert run.counts == (0, 0, 3, 0)
    records = load_records(engine)
    again = by_doc(records, rows[1]["行政处罚决定书文号"])
    assert again.display_status == "异议处理中"
    assert again.punishment_suspended is True
    assert {r.display_status for r in records if r.id != target.id} == {"公示中"}


# ================================================================================ fatal errors
@sqlite_only
def test_a_missing_file_is_fatal(engine, cli, tmp_path):
    missing = tmp_path / "不存在.csv"
    run = run_import(cli, "penalties", missing)
    assert run.code == 2, str(run)
    assert CJK.search(run.err), f"no Chinese message on stderr: {run.err!r}"
    assert not rejects_path(missing).exists()


MISSING_COLUMNS = [
    pytest.param("penalties", ["处罚机关"], id="penalties-agency"),
    pytest.param("penalties", ["行政处罚决定书文号", "处罚决定日期"], id="penalties-doc-and-date"),
    pytest.param("penalties", [CODE_1], id="penalties-code"),
    pytest.param("penalties", ["行政相对人名称"], id="penalties-name"),
    pytest.param("licenses", ["行政许可决定文书号"], id="licenses-doc"),
    pytest.param("licenses", ["许可决定日期", "许可机关"], id="licenses-date-and-agency"),
    pytest.param("lists", ["文书号", "认定部门"], id="lists-doc-and-agency"),
    pytest.param("lists", ["统一社会信用代码"], id="lists-code"),
    pytest.param("lists", ["列入日期"], id="lists-date"),
]


@pytest.mark.parametrize("kind,dropped", MISSING_COLUMNS)
def test_missing_required_columns_are_fatal_and_named(engine, cli, factory, tmp_path, kind, dropped):
    export = write_export(tmp_path / f"{kind}.csv", factory.rows(kind, 3), drop=dropped)

    run = run_import(cli, kind, export.path)

    assert run.code == 2, str(run)
    for column in dropped:
        name = column.split("(")[0]  # 行政相对人代码_1(统一社会信用代码) may be named without the bracket
        assert name in run.err, f"stderr does not name the missing column {name}: {run.err!r}"
    assert count(engine, Record) == 0 and count(engine, Subject) == 0
    assert not rejects_path(export.path).exists()


@sqlite_only
def test_a_file_of_another_kind_is_fatal(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "licenses.csv", factory.rows("licenses", 2))
    run = run_import(cli, "penalties", export.path)
    assert run.code == 2, str(run)
    assert "处罚机关" in run.err
    assert count(engine, Record) == 0


@sqlite_only
def test_gbk_file_read_as_forced_utf8_is_fatal(engine, cli, factory, tmp_path):
    export = write_export(tmp_path / "penalties.csv", factory.rows("penalties", 3), encoding="gbk")
    run = run_import(cli, "penalties", export.path, "--encoding", "utf-8")
    assert run.code == 2, str(run)
    assert CJK.search(run.err), f"no Chinese message on stderr: {run.err!r}"
    assert count(engine, Record) == 0


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types/>')
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name=\"行政处罚\"/></sheets></workbook>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 200 + "</worksheet>")
    return buf.getvalue()


NOT_CSV = [
    pytest.param(_xlsx_bytes(), id="xlsx"),
    pytest.param(b"", id="empty"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, id="png"),
    pytest.param('{"行政相对人名称": "大庆市龙华石化有限公司"}\n'.encode("utf-8"), id="json"),
]


@sqlite_only
@pytest.mark.parametrize("content", NOT_CSV)
def test_a_file_that_is_not_a_csv_export_is_fatal(engine, cli, tmp_path, content):
    path = tmp_path / "penalties.csv"
    path.write_bytes(content)
    run = run_import(cli, "penalties", path)
    assert run.code == 2, str(run)
    assert CJK.search(run.err), f"no Chinese message on stderr: {run.err!r}"
    assert count(engine, Record) == 0


@sqlite_only
@pytest.mark.parametrize("case", ["missing", "undecodable"])
def test_the_real_command_prints_no_traceback(engine, factory, tmp_path, db_url, case):
    path = tmp_path / "penalties.csv"
    args = ["import", "penalties", str(path), "--json"]
    if case == "undecodable":
        write_export(path, factory.rows("penalties", 2), encoding="gbk")
        args += ["--encoding", "utf-8"]
    env = dict(os.environ, DATABASE_URL=db_url, PYTHONPATH=str(PROJECT_ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert CJK.search(proc.stderr), proc.stderr


# ============================================================================ property test
_NAME_CHARS = "鑫源龙华瑞盛达恒泰东升金宏汇通顺成博远润丰庆油城银浪北方石化商贸物流餐饮建筑环保科技食品农业运输机械"
_TEXT_CHARS = _NAME_CHARS + "，。、；：（）《》“”0123456789abcXYZ ,\"'\n-/"


@st.composite
def export_cases(draw):
    kind = draw(st.sampled_from(KIND_NAMES))
    n = draw(st.integers(min_value=1, max_value=8))
    seeds = draw(st.lists(st.integers(0, 2**31), min_size=n, max_size=n, unique=True))
    factory = ExportFactory(seed=seeds[0])
    k = KINDS[kind]
    rows = []
    for seed in seeds:
        rng = random.Random(seed)
        if kind == "lists" and draw(st.booleans()):
            subject = xf.Subject(draw(st.sampled_from("王李张刘陈")) + draw(st.text(_NAME_CHARS, min_size=1, max_size=2)),
                                 make_id_number(rng), "自然人")
        else:
            name = "大庆市" + draw(st.text(_NAME_CHARS, min_size=2, max_size=8)) + "有限公司"
            category = draw(st.sampled_from(["法人及非法人组织", "个体工商户"])) if kind != "lists" else "法人及非法人组织"
            code = make_uscc(rng, prefix="92" if category == "个体工商户" else "91")
            subject = xf.Subject(name, code, category, "王" + draw(st.text(_NAME_CHARS, min_size=1, max_size=2)))
        decided = draw(st.dates(dt.date(2016, 1, 1), TODAY - _days(1)))
        row = factory.row(kind, subject=subject, decided=decided)
        row[k.content] = draw(st.text(_TEXT_CHARS, min_size=1, max_size=60))
        rows.append(row)
    codes = [r[k.code] for r in rows]
    if len(set(codes)) < len(codes):
        return draw(st.nothing())
    return {
        "kind": kind,
        "rows": rows,
        "encoding": draw(st.sampled_from([("utf-8", False), ("utf-8", True), ("gbk", False)])),
        "header_style": draw(st.sampled_from(HEADER_STYLES)),
        "date_style": draw(st.lists(st.sampled_from(DATE_STYLES), min_size=1, max_size=4)),
    }


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@given(case=export_cases())
def test_property_import_then_reimport(engine, cli, tmp_path, case):
    clear_tables(engine)
    n = len(case["rows"])
    encoding, bom = case["encoding"]
    path = tmp_path / f"{case['kind']}-{uuid.uuid4().hex[:8]}.csv"
    write_export(path, case["rows"], encoding=encoding, bom=bom, header_style=case["header_style"],
                 date_style=case["date_style"])

    first = import_ok(cli, case["kind"], path)
    assert first.counts == (n, 0, 0, 0)
    assert first.summary["rejects_file"] is None
    second = import_ok(cli, case["kind"], path)
    assert second.counts == (0, 0, n, 0)
    assert count(engine, Record) == n
