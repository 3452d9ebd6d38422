"""One record, one key: the demo data, the importer and other writers agree on natural keys."""
import csv

import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.keys import doc_key, record_key
from actions.db.models import Record, Subject
from actions.services import demo_data


def test_doc_numbers_written_differently_give_one_key():
    assert doc_key("庆市监罚字〔2026〕第15号") == doc_key("庆市监罚字(2026) 第15号") == doc_key("庆市监罚字［2026］第15号")
    assert doc_key("庆市监罚字〔2026〕第15号") != doc_key("庆市监罚字〔2026〕第16号")


def test_a_person_key_never_contains_the_id_number():
    key = record_key("list", "(2025)黑0602执1234号", list_type="失信被执行人",
                     subject_code="230602197810070431", is_person=True)
    assert "230602197810070431" not in key and key.startswith("失信被执行人|id:")


def _export(engine, path, kind):
    """Write demo records of one kind back out as an export, as the platform would send them."""
    with session_scope(engine) as s:
        rows = s.execute(sa.select(Record, Subject).join(Subject).where(Record.kind == kind)
                         .order_by(Record.id).limit(40)).all()
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            if kind == "penalty":
                w.writerow(["行政相对人名称", "行政相对人代码_1(统一社会信用代码)", "行政处罚决定书文号",
                            "处罚决定日期", "处罚机关"])
                for r, subj in rows:
                    w.writerow([subj.name, subj.uscc or "", r.doc_number, r.decision_date, r.agency])
            else:
                w.writerow(["主体名称", "统一社会信用代码", "名单类型", "认定部门", "列入日期", "文书号"])
                for r, subj in rows:
                    w.writerow([subj.name, subj.uscc or subj.id_number, r.list_type, r.agency,
                                r.decision_date, r.doc_number])
    return len(rows)


def test_reimporting_demo_records_adds_nothing(engine, cli, tmp_path):
    demo_data.seed(engine, subjects=400)
    before = {k: n for k, n in _counts(engine)}
    for kind, arg in (("penalty", "penalties"), ("list", "lists")):
        path = tmp_path / f"{arg}.csv"
        n = _export(engine, path, kind)
        code, out, err = cli("import", arg, str(path), "--json")
        assert code == 0, err
        assert '"imported": 0' in out.splitlines()[-1], out
        assert '"rejected": 0' in out.splitlines()[-1], (out, path.with_name(path.name + ".rejects.csv").read_text()
                                                          if path.with_name(path.name + ".rejects.csv").exists() else "")
        assert n > 0
    assert dict(_counts(engine)) == before


def _counts(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(Record.kind, sa.func.count()).group_by(Record.kind)).all()


def test_registration_numbers_with_spaces_import_cleanly(engine, cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("行政相对人名称,行政相对人类别,行政相对人代码_1,行政相对人代码_2(工商注册号),行政处罚决定书文号,处罚决定日期,处罚机关\n"
                    "大庆市萨尔图区老王五金店,个体工商户,,2306 0260 0012 345,庆市监罚字〔2026〕第7号,2026-03-01,大庆市市场监督管理局\n",
                    encoding="utf-8")
    code, out, err = cli("import", "penalties", str(path), "--json")
    assert code == 0, err
    assert '"imported": 1' in out.splitlines()[-1]
    with session_scope(engine) as s:
        assert s.execute(sa.select(Subject.reg_no)).scalar_one() == "230602600012345"
    code, out, _ = cli("import", "penalties", str(path), "--json")
    assert '"unchanged": 1' in out.splitlines()[-1]
