"""Large imports index names in one statement on SQLite; the name index stays whole either way."""
import random

import sqlalchemy as sa

from actions.db.engine import make_engine, session_scope
from actions.db.migrate import upgrade
from actions.db.models import Record, Subject
from actions.importer.writer import DEFER_NAME_INDEX_FROM
from actions.services import codes
from actions.services.subjects import search_by_name

N = DEFER_NAME_INDEX_FROM + 200


def _write(path, n, boom_at=None):
    rng = random.Random(n)
    lines = ["行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚决定日期,处罚机关"]
    for i in range(n):
        doc = "BOOM" if i == boom_at else f"庆市监罚字〔2026〕第{i}号"
        lines.append(f"大庆市批量导入第{i}号商贸有限公司,{codes.make_uscc(rng)},{doc},2026-03-01,大庆市市场监督管理局")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _trigger_exists(engine) -> bool:
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name='subjects_fts_ai'").scalar() == 1


def test_a_large_import_leaves_every_name_searchable(engine, cli, tmp_path):
    path = tmp_path / "big.csv"
    _write(path, N)
    code, out, err = cli("import", "penalties", str(path), "--json")
    assert code == 0, err
    assert f'"imported": {N}' in out.splitlines()[-1]
    assert _trigger_exists(engine)
    with session_scope(engine) as s:
        for i in (0, N // 2, N - 1):
            found = search_by_name(s, f"批量导入第{i}号商贸")
            assert [c.name for c in found.candidates][:1] == [f"大庆市批量导入第{i}号商贸有限公司"]
        # A subject written afterwards, one at a time, is indexed by the restored trigger.
        s.add(Subject(name="导入后新增科技有限公司", name_norm="导入后新增科技有限公司", subject_type="法人及非法人组织"))
    with session_scope(engine) as s:
        assert len(search_by_name(s, "导入后新增科技").candidates) == 1


def test_a_failed_large_import_keeps_the_trigger_and_writes_nothing(sqlite_url, cli, tmp_path):
    """SQLite only: the deferred name index exists only there."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER boom BEFORE INSERT ON records WHEN NEW.doc_number = 'BOOM' "
                             "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    path = tmp_path / "big.csv"
    _write(path, N, boom_at=N - 5)
    code, _, err = cli("import", "penalties", str(path), "--json")
    assert code == 2 and "回滚" in err
    assert _trigger_exists(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Subject)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(Record)).scalar_one() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM subjects_fts WHERE subjects_fts MATCH '\"批量导入\"'").scalar() == 0
    engine.dispose()
