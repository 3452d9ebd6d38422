"""Demo data (actions.services.demo_data): deterministic, valid, and internally consistent."""
from __future__ import annotations

import datetime as dt
import re
import types
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa

from actions.db import engine as engine_mod
from actions.db.keys import record_key
from actions.db.migrate import upgrade
from actions.db.models import (
    DISPLAY_STATUSES,
    LIST_TYPES,
    ImportBatch,
    Record,
    Subject,
    Ticket,
    TicketCounter,
    TicketEvent,
)
from actions.services import demo_data, display_periods, eligibility
from actions.services.codes import is_valid_id_number, is_valid_org_code, is_valid_uscc
from actions.services.textnorm import normalize_name

N = 300
SEED = 20260401
TODAY = dt.date(2026, 12, 5)  # the seeding day of these tests (a Saturday); the CLI's default is today
TICKET_NO = re.compile(r"^(YY|XF)-(\d{8})-(\d{4})$")
TIMESTAMPS = {"created_at", "updated_at"}  # the real time of the run, the only columns allowed to differ


def _rows(engine, table: sa.Table) -> list[dict]:
    order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(*order))]


def _plain(value):
    """Compare across backends: aware datetimes as naive UTC (SQLite stores them so)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _dump(engine) -> dict[str, list[dict]]:
    out = {}
    for table in (Subject.__table__, Record.__table__, Ticket.__table__, TicketEvent.__table__,
                  TicketCounter.__table__):
        out[table.name] = [{k: _plain(v) for k, v in row.items() if k not in TIMESTAMPS}
                           for row in _rows(engine, table)]
    # the batch id is the sequence value of import_batches, not part of the data
    for row in out["records"]:
        row.pop("batch_id")
    return out


@pytest.fixture
def sqlite_engine_factory(tmp_path):
    made = []

    def make(name: str):
        eng = engine_mod.make_engine(f"sqlite:///{tmp_path / name}")
        upgrade(eng)
        made.append(eng)
        return eng

    yield make
    for eng in made:
        eng.dispose()


@pytest.fixture
def seeded(engine):
    stats = demo_data.seed(engine, subjects=N, seed=SEED, today=TODAY)
    return engine, stats


@pytest.fixture
def data(seeded):
    engine, stats = seeded
    return {
        "stats": stats,
        "subjects": _rows(engine, Subject.__table__),
        "records": _rows(engine, Record.__table__),
        "tickets": _rows(engine, Ticket.__table__),
        "events": _rows(engine, TicketEvent.__table__),
        "counters": _rows(engine, TicketCounter.__table__),
        "batches": _rows(engine, ImportBatch.__table__),
    }


# ------------------------------------------------------------------------------ API and CLI
def test_has_subjects_false_before_and_true_after(engine):
    assert demo_data.has_subjects(engine) is False
    stats = demo_data.seed(engine, subjects=50, seed=SEED)
    assert demo_data.has_subjects(engine) is True
    assert stats["subjects"] == 50
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Subject.__table__)).scalar() == 50


def test_counts_returned_match_the_database(data):
    stats, records = data["stats"], data["records"]
    kinds = Counter(r["kind"] for r in records)
    assert stats["subjects"] == len(data["subjects"]) == N
    assert stats["penalties"] == kinds["penalty"] > 0
    assert stats["licenses"] == kinds["license"] > 0
    assert stats["list entries"] == kinds["list"] > 0
    tickets = Counter(t["kind"] for t in data["tickets"])
    assert stats["objections"] == tickets["objection"] > 0
    assert stats["repairs"] == tickets["repair"] > 0
    assert stats["ticket events"] == len(data["events"])


def test_refuses_a_database_that_has_subjects(seeded):
    engine, _ = seeded
    with pytest.raises(demo_data.DemoDataError):
        demo_data.seed(engine, subjects=20, seed=SEED + 1)


def test_cli_seed_demo(db_url, cli, engine):
    code, out, err = cli("db", "seed-demo", "--subjects", "200", "--today", "2027-02-15")
    assert code == 0, err
    assert "subjects 200" in out and "penalties" in out
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Subject.__table__)).scalar() == 200
        numbers = set(conn.execute(sa.select(Ticket.__table__.c.ticket_no)).scalars())
    assert demo_data.showcase_refs(dt.date(2027, 2, 15)).tickets["objection"] in numbers
    code, _, err = cli("db", "seed-demo", "--today", "15.02.2027")
    assert code == 2 and "YYYY-MM-DD" in err
    code, out, _ = cli("db", "seed-demo", "--subjects", "200", "--if-empty")
    assert code == 0 and "跳过" in out


def test_ids_continue_after_the_seed(seeded):
    """Ids are assigned by the seed; new rows written the usual way must not collide (PostgreSQL sequences)."""
    engine, _ = seeded
    with engine.begin() as conn:
        sid = conn.execute(Subject.__table__.insert().values(
            name="新主体有限公司", name_norm="新主体有限公司", subject_type="法人及非法人组织")).inserted_primary_key[0]
        rid = conn.execute(Record.__table__.insert().values(
            kind="penalty", subject_id=sid, natural_key="新文号|新机关", doc_number="新文号",
            decision_date=TODAY, agency="新机关")).inserted_primary_key[0]
        tid = conn.execute(Ticket.__table__.insert().values(
            ticket_no="YY-20261207-0001", kind="objection", record_id=rid, subject_id=sid)).inserted_primary_key[0]
        eid = conn.execute(TicketEvent.__table__.insert().values(
            ticket_id=tid, status="已提交", actor_type="system")).inserted_primary_key[0]
    assert sid == N + 1
    assert rid > 1 and tid > 1 and eid > 1


# ------------------------------------------------------------------------------ determinism
def test_same_seed_same_data_different_seed_different_data(engine, sqlite_engine_factory):
    demo_data.seed(engine, subjects=N, seed=SEED, today=TODAY)  # SQLite or PostgreSQL
    again = sqlite_engine_factory("again.db")
    demo_data.seed(again, subjects=N, seed=SEED, today=TODAY)
    first, second = _dump(engine), _dump(again)
    for table in first:
        assert first[table] == second[table], f"{table} differs between two runs with the same seed"

    other = sqlite_engine_factory("other.db")
    demo_data.seed(other, subjects=N, seed=SEED + 1, today=TODAY)
    third = _dump(other)
    assert third["subjects"] != first["subjects"]
    assert third["records"] != first["records"]
    fixed = len(demo_data.SHOWCASE)
    # the showcase is the same whatever the seed; the rest is not
    assert third["subjects"][:fixed] == first["subjects"][:fixed]
    shared = {s["name"] for s in first["subjects"][fixed:]} & {s["name"] for s in third["subjects"][fixed:]}
    assert len(shared) < (N - fixed) // 10


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the parallel path forks")
def test_forked_generator_writes_the_same_rows(engine, sqlite_engine_factory, monkeypatch):
    """Large runs generate in a forked process; the rows must not depend on which path wrote them."""
    inline = sqlite_engine_factory("inline.db")
    demo_data.seed(inline, subjects=N, seed=SEED, today=TODAY)
    monkeypatch.setattr(demo_data, "PARALLEL_MIN_SUBJECTS", 1)
    calls = []
    real = demo_data._forked
    monkeypatch.setattr(demo_data, "_forked", lambda *a: calls.append(1) or real(*a))
    stats = demo_data.seed(engine, subjects=N, seed=SEED, today=TODAY)
    assert calls, "the forked path was not taken"
    assert stats["subjects"] == N
    assert _dump(engine) == _dump(inline)


# ------------------------------------------------------------------------------ subjects
def test_codes_valid_unique_and_consistent(data):
    subjects = data["subjects"]
    orgs = [s for s in subjects if s["subject_type"] != "自然人"]
    assert orgs
    for s in orgs:
        assert is_valid_uscc(s["uscc"]), s
        assert s["uscc"][:2] in {"91", "92", "93", "12", "51", "52", "53"}, s
        assert s["org_code"] == s["uscc"][8:17] and is_valid_org_code(s["org_code"]), s
        assert s["region_code"] == s["uscc"][2:8], s
        assert s["id_number"] is None and s["legal_rep"], s
        assert is_valid_id_number(s["legal_rep_id_number"]), s
        assert (s["subject_type"] == "个体工商户") == (s["uscc"][:2] == "92"), s
    for column in ("uscc", "org_code", "name"):
        values = [s[column] for s in orgs] if column != "name" else [s["name"] for s in subjects]
        assert len(values) == len(set(values)), f"duplicate {column}"
    prefixes = Counter(s["uscc"][:2] for s in orgs)
    assert prefixes["91"] > prefixes["92"] > prefixes["12"] > 0


def test_names_normalised_and_in_the_seed_regions(data):
    regions = {c.code for c in demo_data.CITIES} | {d.code for c in demo_data.CITIES for d in c.districts}
    for s in data["subjects"]:
        assert s["name_norm"] == normalize_name(s["name"]), s["name"]
        assert s["region_code"] in regions, s
        assert s["region_name"].startswith(("黑龙江省", "福建省", "陕西省")), s
    assert any("（" in s["name"] and "(" in s["name_norm"] for s in data["subjects"]) or N < 200


def test_natural_persons_only_on_the_court_list(data):
    persons = [s for s in data["subjects"] if s["subject_type"] == "自然人"]
    assert persons
    by_subject = defaultdict(list)
    for r in data["records"]:
        by_subject[r["subject_id"]].append(r)
    for p in persons:
        assert p["uscc"] is None and p["org_code"] is None and p["legal_rep"] is None, p
        assert p["id_type"] == "居民身份证" and is_valid_id_number(p["id_number"]), p
        records = by_subject[p["id"]]
        assert records, f"{p['name']} has no record"
        for r in records:
            assert r["kind"] == "list" and r["list_type"] == "失信被执行人", r
            assert r["agency"].endswith("人民法院"), r
            assert re.fullmatch(r"\(20\d\d\)[黑闽陕]\d{4}执\d+号", r["doc_number"]), r
            assert r["natural_key"] == record_key("list", r["doc_number"], list_type="失信被执行人",
                                                  subject_code=p["id_number"], is_person=True)
            assert p["id_number"] not in r["natural_key"]


# ------------------------------------------------------------------------------ records
def test_every_list_type_and_display_status_present(data):
    records = data["records"]
    assert {r["list_type"] for r in records if r["kind"] == "list"} == set(LIST_TYPES)
    statuses = Counter(r["display_status"] for r in records)
    assert set(statuses) == set(DISPLAY_STATUSES)
    assert statuses["公示中"] > len(records) / 2


def test_natural_keys_batch_and_kind_columns(data):
    subjects = {s["id"]: s for s in data["subjects"]}
    (batch,) = data["batches"]
    assert batch["kind"] == "demo" and batch["finished_at"] is not None
    assert batch["imported"] == len(data["records"])
    for r in data["records"]:
        assert r["batch_id"] == batch["id"]
        assert r["agency_code"] and is_valid_uscc(r["agency_code"]) and r["agency_code"][:2] == "11", r
        s = subjects[r["subject_id"]]
        if r["kind"] == "penalty":
            assert r["natural_key"] == record_key("penalty", r["doc_number"], r["agency"])
            assert r["violation_type"] and r["violation_facts"] and r["legal_basis"].startswith("《"), r
            assert r["license_number"] is None and r["list_type"] is None
        elif r["kind"] == "license":
            assert r["natural_key"] == record_key("license", r["doc_number"])
            assert r["license_category"] in ("普通", "特许", "认可", "核准", "登记", "其他"), r
            assert r["certificate_name"] and r["license_number"] and r["valid_from"] == r["decision_date"]
            assert r["valid_to"] > r["valid_from"] and r["penalty_category"] is None
        else:
            code = s["uscc"] or s["id_number"]
            assert r["natural_key"] == record_key("list", r["doc_number"], list_type=r["list_type"],
                                                  subject_code=code, is_person=s["uscc"] is None)
            assert r["list_reason"] and r["valid_to"] > r["decision_date"], r
        assert demo_data.earliest_date(TODAY) <= r["decision_date"] <= TODAY, r
    assert any(r["valid_to"] == dt.date(2099, 12, 31) for r in data["records"] if r["kind"] == "license")


def _regions(data) -> dict[int, str]:
    return {s["id"]: s["region_name"] for s in data["subjects"]}


def _facts(record: dict, region: str) -> display_periods.Facts:
    return display_periods.facts_of(record, region=region)


def test_penalty_tiers_and_display_ends_come_from_the_rules_table(data):
    """The generator has no tier table of its own: a stated tier is the one the rules table gives,
    公示截止期 is that tier's end under the rules (the restriction's end where 45号 第十三条 holds)."""
    regions = _regions(data)
    penalties = [r for r in data["records"] if r["kind"] == "penalty"]
    stated = [p for p in penalties if p["severity_tier"] is not None]
    assert 0.3 < len(stated) / len(penalties) < 0.7
    assert {p["severity_tier"] for p in stated} == {"轻微", "一般", "严重"}
    for p in penalties:
        cats = p["penalty_category"].split(";")
        assert ("罚款" in cats) == (p["fine_amount"] is not None), p
        assert ("没收违法所得" in cats) == (p["confiscation_amount"] is not None), p
        if p["fine_amount"] is not None:
            assert isinstance(p["fine_amount"], Decimal) and p["fine_amount"] > 0
        unstated = _facts({**p, "severity_tier": None}, regions[p["subject_id"]])
        tier = display_periods.tier_of(unstated)
        if p["severity_tier"] is not None:
            assert p["severity_tier"] == tier.tier and not p["display_until_derived"], p
        else:
            assert tier.derived and p["display_until_derived"], p
        assert p["display_until"] == display_periods.derived_display_until(unstated), p
        if "吊销许可证件" in cats or "暂扣许可证件" in cats:
            assert p["license_revoked"], p
    # a fine alone is 一般 whatever its amount: no amount line without a sector's own source
    big = [p for p in penalties if p["penalty_category"] == "罚款" and p["fine_amount"] >= 50]
    assert big and all(display_periods.tier_of(_facts(p, "")).tier == "一般" for p in big)


def test_nothing_public_past_its_end_on_the_seeding_day(data):
    regions = _regions(data)
    records = [r for r in data["records"] if r["kind"] != "license"]
    for r in records:
        f = _facts(r, regions[r["subject_id"]])
        assert not display_periods.lapsed(f, TODAY), r
        if r["display_status"] == "已到期":
            assert not display_periods.term(f).public_on(TODAY), r
            assert display_periods.lapsed({**r, "display_status": "公示中"}, TODAY), r
    assert sum(r["display_status"] == "已到期" for r in records) > 0
    for r in data["records"]:
        if r["kind"] == "license":
            assert (r["display_status"] == "已到期") == (r["valid_to"] < TODAY) or r["display_status"] == "已撤销", r


def test_every_fine_within_its_articles_range_and_no_sanction_it_does_not_provide(data):
    penalties = [r for r in data["records"] if r["kind"] == "penalty"]
    cited = Counter()
    for p in penalties:
        law = demo_data.PROVISIONS[p["legal_basis"]]
        cited[p["legal_basis"]] += 1
        assert set(p["penalty_category"].split(";")) <= law.sanctions, p
        if p["fine_amount"] is not None:
            allowed = demo_data.fine_range(law, p["violation_facts"])
            assert allowed is not None, p
            assert allowed[0] <= p["fine_amount"] <= allowed[1], (p["fine_amount"], allowed, p["legal_basis"])
    assert len(cited) > 15
    # multiples of an amount the facts state: 偷税 50 %–5 x, 虚假广告 3–5 x
    assert any(demo_data.PROVISIONS[p["legal_basis"]].fine_times for p in penalties)


def test_every_option_in_the_tables_fits_its_article():
    for v in demo_data.VIOLATIONS.values():
        law = v.law
        assert law.fine_wan or law.fine_times or "罚款" not in law.sanctions, v.key
        for o in v.options:
            cats = set(o.categories.split(";"))
            assert cats <= law.sanctions, (v.key, o)
            if "罚款" in cats:
                lo, hi = law.fine_times or law.fine_wan
                assert lo <= o.lo <= o.hi <= hi, (v.key, o)
            else:
                assert o.lo is None and o.hi is None, (v.key, o)
            if o.cert:
                assert o.cert in demo_data.LICENCE_TYPES
        if law.goods_below_yuan:
            assert "货值金额{v}元" in v.facts, v.key


def test_key_attention_and_big_data_lists_follow_document_002(data):
    """大数据警示名单 only after 重点关注名单 entries in 3 different key sectors, still valid on its day;
    both lists only for 大庆 subjects (document 002 is 大庆's)."""
    subjects = {s["id"]: s for s in data["subjects"]}
    need = demo_data.rules().lists["大数据警示名单"].from_key_sectors
    assert need == 3
    lists = [r for r in data["records"] if r["kind"] == "list"]
    watch = defaultdict(list)
    for r in lists:
        if r["list_type"] in ("重点关注名单", "大数据警示名单"):
            assert subjects[r["subject_id"]]["region_code"].startswith("2306"), r
            assert subjects[r["subject_id"]]["region_name"].startswith("黑龙江省大庆市"), r
        if r["list_type"] == "重点关注名单":
            sector = r["remark"].removeprefix(demo_data.KEY_SECTOR_MARK)
            assert sector in demo_data.KEY_SECTOR_BY_NAME and sector in r["list_reason"], r
            watch[r["subject_id"]].append((r, sector))
    warnings = [r for r in lists if r["list_type"] == "大数据警示名单"]
    assert warnings
    for w in warnings:
        before = {sector for r, sector in watch[w["subject_id"]]
                  if r["decision_date"] < w["decision_date"] <= r["valid_to"]}
        assert len(before) >= need, w
        assert all(sector in w["list_reason"] for sector in before)


def test_open_tickets_mostly_within_their_time_limit(data):
    open_ = [t for t in data["tickets"] if t["status"] != "已办结"]
    assert open_
    ahead = [t for t in open_ if t["due_date"] >= TODAY]
    assert len(ahead) / len(open_) >= 0.6
    for t in data["tickets"]:
        assert _plain(t["created_at"]).date() <= TODAY


def test_objections_suspend_punishment_only_where_the_rule_holds(data):
    regions = _regions(data)
    suspends = demo_data.rules().suspends_punishment
    under = [r for r in data["records"] if r["display_status"] == "异议处理中"]
    assert under
    for r in under:
        assert r["punishment_suspended"] == suspends.holds_in(regions[r["subject_id"]]), r
    notes = {e["note"] for e in data["events"] if e["status"] == "已受理"}
    assert any("暂不执行" in n for n in notes)


def test_dates_count_back_from_the_seeding_day(engine, sqlite_engine_factory):
    later = TODAY + dt.timedelta(days=200)
    demo_data.seed(engine, subjects=120, seed=SEED, today=TODAY)
    other = sqlite_engine_factory("later.db")
    demo_data.seed(other, subjects=120, seed=SEED, today=later)
    first, second = _dump(engine), _dump(other)
    assert [s["name"] for s in first["subjects"]] == [s["name"] for s in second["subjects"]]
    assert max(r["decision_date"] for r in second["records"]) > TODAY
    for dump, day in ((first, TODAY), (second, later)):
        assert all(demo_data.earliest_date(day) <= r["decision_date"] <= day for r in dump["records"])
        refs = demo_data.showcase_refs(day)
        docs = {r["doc_number"] for r in dump["records"]}
        assert set(refs.docs.values()) <= docs
        assert set(refs.tickets.values()) <= {t["ticket_no"] for t in dump["tickets"]}


def test_default_seeding_day_is_today(engine):
    demo_data.seed(engine, subjects=20, seed=SEED)
    refs = demo_data.showcase_refs()
    assert refs.today == dt.date.today()
    with engine.connect() as conn:
        tickets = set(conn.execute(sa.select(Ticket.__table__.c.ticket_no)).scalars())
    assert set(refs.tickets.values()) <= tickets


def test_shares_roughly_as_documented(data):
    subjects = data["subjects"][len(demo_data.SHOWCASE):]
    with_kind = defaultdict(set)
    for r in data["records"]:
        with_kind[r["kind"]].add(r["subject_id"])
    ids = {s["id"] for s in subjects}
    assert 0.2 < len(with_kind["penalty"] & ids) / len(ids) < 0.4
    assert 0.3 < len(with_kind["license"] & ids) / len(ids) < 0.5
    assert 0.02 < len(with_kind["list"] & ids) / len(ids) < 0.12


def test_value_types_read_back(data):
    r = next(r for r in data["records"] if r["display_status"] == "异议处理中")
    assert type(r["decision_date"]) is dt.date and isinstance(r["status_changed_at"], dt.datetime)
    assert r["punishment_suspended"] is True
    assert isinstance(next(p for p in data["records"] if p["fine_amount"] is not None)["fine_amount"], Decimal)


# ------------------------------------------------------------------------------ tickets
def test_tickets_consistent_with_record_statuses(data):
    records = {r["id"]: r for r in data["records"]}
    regions = _regions(data)
    suspends = demo_data.rules().suspends_punishment
    events = defaultdict(list)
    for e in data["events"]:
        events[e["ticket_id"]].append(e)
    tickets_of = defaultdict(list)
    for t in data["tickets"]:
        tickets_of[t["record_id"]].append(t)
        assert t["subject_id"] == records[t["record_id"]]["subject_id"]
        history = events[t["id"]]
        assert history and history[0]["status"] == "已提交" and history[-1]["status"] == t["status"], t
        assert history[-1]["outcome"] == t["outcome"]
        assert [e["at"] for e in history] == sorted(e["at"] for e in history)
        assert t["contact_name"] and t["contact_phone"] and t["due_date"]
    for r in records.values():
        open_objections = [t for t in tickets_of[r["id"]] if t["kind"] == "objection" and t["status"] != "已办结"]
        if r["display_status"] == "异议处理中":
            assert r["punishment_suspended"] is suspends.holds_in(regions[r["subject_id"]]), r
            assert len(open_objections) == 1, r
            t = open_objections[0]
            assert t["status"] in ("已受理", "核实中") and t["ground"] and t["description"], t
            assert len(events[t["id"]]) >= 2
        else:
            assert r["punishment_suspended"] is False and not open_objections, r
        if r["display_status"] == "已修复停止公示":
            (t,) = [t for t in tickets_of[r["id"]] if t["kind"] == "repair"]
            assert (t["status"], t["outcome"]) == ("已办结", "准予修复")
            assert t["performance"] and t["commitment_text"] and t["commitment_agreed_at"]
        else:
            assert not [t for t in tickets_of[r["id"]] if t["kind"] == "repair"], r
        if r["display_status"] != "公示中":
            assert r["status_changed_at"] is not None, r
    assert any(t["outcome"] == "撤销" for t in data["tickets"])


def test_ticket_numbers_and_counters(data):
    per_day = defaultdict(list)
    for t in data["tickets"]:
        m = TICKET_NO.match(t["ticket_no"])
        assert m, t["ticket_no"]
        assert m.group(1) == {"objection": "YY", "repair": "XF"}[t["kind"]]
        day = dt.datetime.strptime(m.group(2), "%Y%m%d").date()
        assert day <= TODAY
        assert _plain(t["created_at"]).date() in (day, day - dt.timedelta(days=1))  # filed that day, Beijing time
        per_day[(m.group(1), day)].append(int(m.group(3)))
    assert len({t["ticket_no"] for t in data["tickets"]}) == len(data["tickets"])
    counters = {(c["prefix"], c["day"]): c["last_no"] for c in data["counters"]}
    assert set(counters) == set(per_day)
    for key, numbers in per_day.items():
        assert counters[key] == max(numbers) == len(numbers), key


# ------------------------------------------------------------------------------ showcase
def _view(record: dict, region: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(**record, region=region)


def test_showcase_subjects_fixed_and_described(data):
    """Each showcase subject still shows what docs/demo_data.md says, on whatever day it is seeded."""
    subjects = data["subjects"]
    for i, sc in enumerate(demo_data.SHOWCASE):
        s = subjects[i]
        assert s["name"] == sc.name and (s["uscc"] or s["id_number"]) == sc.code and s["region_code"] == sc.region
    regions = _regions(data)
    refs = demo_data.showcase_refs(TODAY)
    by_doc = {(r["doc_number"], r["list_type"]): r for r in data["records"]}
    rec = {role: by_doc[(doc, refs.records[role]["list_type"])] for role, doc in refs.docs.items()}
    tickets = {t["ticket_no"]: t for t in data["tickets"]}

    def assess(role, **kw):
        r = rec[role]
        return eligibility.assess(_view(r, regions[r["subject_id"]]), today=TODAY,
                                  region=regions[r["subject_id"]], **kw)

    objection = tickets[refs.tickets["objection"]]
    assert objection["status"] == "核实中" and objection["record_id"] == rec["objection"]["id"]
    assert objection["due_date"] > TODAY  # a newcomer's first look: within its time limit
    assert rec["objection"]["display_status"] == "异议处理中" and rec["objection"]["punishment_suspended"]
    assert assess("objection").reason == eligibility.UNDER_OBJECTION
    assert rec["displayed"]["severity_tier"] is None  # 推定
    assert assess("displayed").eligible and not assess("displayed", performed="no").eligible
    assert rec["expired"]["display_status"] == "已到期" and rec["lapsed"]["display_status"] == "已到期"
    repair = tickets[refs.tickets["repair"]]
    assert repair["record_id"] == rec["repaired"]["id"] and repair["outcome"] == "准予修复"
    assert repair["commitment_text"] == demo_data.rules().commitment.text
    assert rec["repaired"]["display_status"] == "已修复停止公示"
    assert tickets[refs.tickets["revoked"]]["outcome"] == "撤销" and rec["revoked"]["display_status"] == "已撤销"
    too_early = [assess("serious_list"), assess("too_early")]
    assert all(e.reason == eligibility.TOO_EARLY and e.earliest > TODAY for e in too_early)
    assert assess("warning").eligible and assess("warning").tier == "轻微"
    assert TODAY <= rec["ending_soon"]["display_until"] <= TODAY + dt.timedelta(days=7)
    assert assess("red").reason == eligibility.RED_LIST
    for role, body in (("abnormal", "市场监督管理"), ("court", "人民法院"), ("tax_list", "税务")):
        e = assess(role)
        assert e.reason == eligibility.LIST_NOT_HERE and body in e.handled_by, role
    court = rec["court"]
    assert court["list_type"] == "失信被执行人" and court["agency"] == "大庆市萨尔图区人民法院"
    assert subjects[court["subject_id"] - 1]["subject_type"] == "自然人"
    # decided under 58号: the more favourable of both rules (repairable after 3 months, not 12)
    transitional = assess("transitional")
    assert transitional.transitional and transitional.tier == "严重" and transitional.eligible
    assert transitional.earliest == demo_data.add_months(rec["transitional"]["decision_date"], 3)
    # 总局令第45号第十三条: a five-year 限制从业 is displayed as long as it lasts
    restriction = assess("restriction")
    assert restriction.restriction and restriction.display_ends == rec["restriction"]["valid_to"]
    assert rec["restriction"]["display_until"] > demo_data.add_months(rec["restriction"]["decision_date"], 36)
    big = rec["big_data"]
    sectors = {rec[f"watch{i}"]["remark"] for i in (1, 2, 3)}
    assert big["list_type"] == "大数据警示名单" and len(sectors) == 3
    assert all(rec[f"watch{i}"]["decision_date"] < big["decision_date"] for i in (1, 2, 3))
    clean = next(s for s in subjects if s["name"] == "厦门市海澄软件科技有限公司")
    assert not [r for r in data["records"] if r["subject_id"] == clean["id"]]
    # every list type and display status occurs in the showcase alone
    showcase_ids = set(range(1, len(demo_data.SHOWCASE) + 1))
    mine = [r for r in data["records"] if r["subject_id"] in showcase_ids]
    assert {r["list_type"] for r in mine if r["kind"] == "list"} == set(LIST_TYPES)
    assert {r["display_status"] for r in mine} == set(DISPLAY_STATUSES)
