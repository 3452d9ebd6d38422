"""Lookups by code and by name fragment: what a user finds, what stays hidden, and index use."""
from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import Record, Subject
from actions.services import codes, subjects
from actions.services.textnorm import normalize_name

RNG = random.Random(7)
LONGHUA = codes.make_uscc(RNG, "91", "230600")
LONGHUA_TRADE = codes.make_uscc(RNG, "91", "230600")
SHOP = codes.make_uscc(RNG, "92", "230602")
PERSON_ID = codes.make_id_number(RNG, "230602", 1975)


def _add(session, name, stype, uscc=None, id_number=None):
    s = Subject(name=name, name_norm=normalize_name(name), subject_type=stype, uscc=uscc,
                org_code=uscc[8:17] if uscc else None, id_number=id_number,
                id_type="居民身份证" if id_number else None, region_name="黑龙江省大庆市",
                legal_rep=None if id_number else "王建国")
    session.add(s)
    session.flush()
    return s


def _record(session, subject, kind, doc, status="公示中", **kw):
    session.add(Record(kind=kind, subject_id=subject.id, natural_key=f"{doc}|x", doc_number=doc,
                       decision_date=kw.pop("decided", dt.date(2026, 3, 1)), agency="大庆市市场监督管理局",
                       display_status=status, **kw))


@pytest.fixture
def data(engine):
    with session_scope(engine) as s:
        a = _add(s, "大庆市龙华石化设备有限公司", "法人及非法人组织", LONGHUA)
        b = _add(s, "大庆市龙华石化设备有限公司让胡路分公司", "法人及非法人组织", LONGHUA_TRADE)
        c = _add(s, "大庆市萨尔图区龙华家常菜馆", "个体工商户", SHOP)
        p = _add(s, "龙华", "自然人", id_number=PERSON_ID)
        _record(s, a, "penalty", "庆市监罚字〔2026〕第15号", penalty_category="罚款")
        _record(s, a, "penalty", "庆市监罚字〔2026〕第16号", status="异议处理中", punishment_suspended=True)
        _record(s, a, "penalty", "庆市监罚字〔2024〕第3号", status="已修复停止公示")
        _record(s, a, "penalty", "庆市监罚字〔2023〕第9号", status="已到期")
        _record(s, a, "license", "庆食经许〔2025〕101号", decided=dt.date(2025, 1, 5))
        _record(s, p, "list", "(2025)黑0602执1234号", list_type="失信被执行人")
        ids = dict(a=a.id, b=b.id, c=c.id, p=p.id)
    return ids


def test_find_by_code_in_the_forms_people_type(engine, data):
    with session_scope(engine) as s:
        for typed in (LONGHUA, LONGHUA.lower(), f" {LONGHUA[:8]} {LONGHUA[8:]} ",
                      "".join(chr(ord(ch) + 0xFEE0) for ch in LONGHUA), LONGHUA[8:17]):
            found = subjects.find_by_code(s, typed)
            assert found is not None and found.id == data["a"], typed
        assert subjects.find_by_code(s, codes.make_uscc(random.Random(99))) is None


def test_a_person_is_found_only_by_the_whole_id_and_shown_masked(engine, data):
    with session_scope(engine) as s:
        person = subjects.find_by_code(s, PERSON_ID)
        assert person.id == data["p"]
        assert PERSON_ID not in repr(person) and person.code == codes.mask_id_number(PERSON_ID)
        assert person.legal_rep is None
        # No enumeration of people by name, not even by their exact name.
        assert all(c.subject_type != "自然人" for c in subjects.search_by_name(s, "龙华").candidates)
        assert subjects.search_by_name(s, "龙华").exact is None


def test_name_search_ranks_the_exact_name_first(engine, data):
    with session_scope(engine) as s:
        res = subjects.search_by_name(s, "大庆市龙华石化设备有限公司")
        assert res.exact.id == data["a"]
        assert [c.id for c in res.candidates][:2] == [data["a"], data["b"]]
        frag = subjects.search_by_name(s, "龙华石化")
        assert frag.exact is None and {c.id for c in frag.candidates} == {data["a"], data["b"]}
        assert {c.id for c in subjects.search_by_name(s, "龙华").candidates} == {data["a"], data["b"], data["c"]}


def test_traditional_and_full_width_queries_find_simplified_names(engine, data):
    with session_scope(engine) as s:
        assert [c.id for c in subjects.search_by_name(s, "大慶市龍華石化設備").candidates][0] == data["a"]
        # People type spaces anywhere; names are compared without them.
        assert [c.id for c in subjects.search_by_name(s, "萨尔图区 龙华").candidates] == [data["c"]]
        assert subjects.search_by_name(s, "龙华萨尔图").candidates == []
        assert [c.id for c in subjects.search_by_name(s, "薩爾圖區龍華").candidates] == [data["c"]]


def test_wildcards_in_queries_are_literal(engine, data):
    with session_scope(engine) as s:
        assert subjects.search_by_name(s, "%").candidates == []
        assert subjects.search_by_name(s, "龙_").candidates == []
        assert subjects.search_by_name(s, '"龙华" OR 大庆').candidates == []


def test_only_displayed_records_are_public(engine, data):
    with session_scope(engine) as s:
        public = subjects.records_of(s, data["a"])
        assert {r.display_status for r in public} == {"公示中", "异议处理中"}
        assert [r.doc_number for r in public][0] == "庆市监罚字〔2026〕第16号" or public[0].decision_date >= public[-1].decision_date
        assert len(subjects.records_of(s, data["a"], include_hidden=True)) == 5
        assert subjects.hidden_count(s, data["a"]) == 2
        assert [r.kind for r in subjects.records_of(s, data["a"], kinds=("license",))] == ["license"]


# ------------------------------------------------------------------ the queries use the indexes
class Captured:
    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def _plans(engine, captured) -> list[str]:
    plans = []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for stmt, params in captured.statements:
            if engine.dialect.name == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + stmt, params)
                plans.append(" / ".join(str(r[-1]) for r in cur.fetchall()))
            else:
                cur.execute("SET enable_seqscan = off")  # tiny test tables: ask whether an index CAN serve
                cur.execute("EXPLAIN " + stmt, params)
                plans.append(" / ".join(r[0] for r in cur.fetchall()))
    finally:
        raw.close()
    return plans


def test_name_fragment_search_uses_the_name_index(engine, data):
    with Captured(engine) as cap, session_scope(engine) as s:
        subjects.search_by_name(s, "龙华石化设备")
    plans = _plans(engine, cap)
    fragment_plan = plans[-1]
    if engine.dialect.name == "sqlite":
        assert "subjects_fts VIRTUAL TABLE INDEX" in fragment_plan, plans
        assert "SCAN subjects " not in fragment_plan + " "
        assert "ix_subjects_name_norm" in plans[0]  # the exact-name query
    else:
        assert "ix_subjects_name_norm_trgm" in fragment_plan, plans
        assert "ix_subjects_name_norm" in plans[0]


def test_code_lookup_uses_a_unique_index(engine, data):
    with Captured(engine) as cap, session_scope(engine) as s:
        subjects.find_by_code(s, LONGHUA)
        subjects.find_by_code(s, PERSON_ID)
    plans = _plans(engine, cap)
    assert len(plans) == 2
    for plan in plans:
        assert ("USING INDEX" in plan) if engine.dialect.name == "sqlite" else ("Index Scan" in plan), plans
