"""Display by law on every read path (issue 16, point 1): a record is public only while its status is
public and the day is on or before its end of display (its 公示截止期, or the earlier end its tier
gives under the rules in force). The chat enquiry, the filing forms and the document-number search
hide a lapsed record; `xinyong records expire` moves it to 已到期 in one audited transaction; the
importer derives a missing 公示截止期 and marks it derived; an objection decided after the end
leaves its record 已到期; the staff console still lists a lapsed record, marked.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import AuditLog, Record, Subject, Ticket
from actions.services import (codes, display_periods, enquiry, enquiry_text, expiry, staff, staff_lookup,
                              subjects, tickets)
from actions.services.textnorm import normalize_name
from tests.console_client import console_client

TODAY = dt.date(2026, 12, 5)
DAQING = "黑龙江省大庆市"
AGENCY = "大庆市市场监督管理局"
PASSWORD = "lotus-pond-2026"
JSON_KEYS = {"today", "dry_run", "checked", "expired", "by_status", "by_kind", "records", "records_truncated"}
RECORD_KEYS = {"id", "kind", "doc_number", "from_status", "display_ends", "end_by"}


# ---------------------------------------------------------------- a small register with known ends

def _subject(s, n: int, name: str) -> Subject:
    subject = Subject(name=name, name_norm=normalize_name(name), subject_type="法人及非法人组织",
                      uscc=codes.make_uscc(random.Random(n), "91", "230600"), region_code="230600",
                      region_name=DAQING)
    s.add(subject)
    s.flush()
    return subject


def _penalty(s, subject: Subject, doc: str, decided: dt.date, until: dt.date | None, status: str = "公示中",
             category: str = "罚款") -> int:
    r = Record(kind="penalty", subject_id=subject.id, natural_key=f"{doc}|{AGENCY}", doc_number=doc,
               decision_date=decided, agency=AGENCY, display_status=status, display_until=until,
               penalty_category=category, penalty_content="罚款人民币10,000.00元", fine_amount=1,
               punishment_suspended=status == "异议处理中")
    s.add(r)
    s.flush()
    return r.id


@pytest.fixture
def register(engine):
    """Records around TODAY: which are past their end, and why."""
    with session_scope() as s:
        a = _subject(s, 1, "大庆市甲乙丙商贸有限公司")
        b = _subject(s, 2, "大庆市丁戊己物流有限公司")
        ids = {
            # decided before 36号 with a 3-year 公示截止期: 36号's 1 year for 一般 is more favourable, so
            # display ended 2026-01-10 (the "否则将公示至 2029年" case)
            "tier_max": _penalty(s, a, "庆市监罚〔2025〕101号", dt.date(2025, 1, 10), dt.date(2028, 1, 10)),
            "record_end": _penalty(s, a, "庆市监罚〔2026〕102号", dt.date(2026, 6, 1), dt.date(2026, 11, 30)),
            "shown": _penalty(s, a, "庆市监罚〔2026〕103号", dt.date(2026, 9, 1), dt.date(2027, 9, 1)),
            "last_day": _penalty(s, b, "庆市监罚〔2026〕104号", dt.date(2026, 6, 1), TODAY),  # shown through today
            "objected": _penalty(s, b, "庆市监罚〔2024〕105号", dt.date(2024, 3, 1), dt.date(2027, 3, 1), "异议处理中"),
            "repaired": _penalty(s, b, "庆市监罚〔2023〕106号", dt.date(2023, 6, 1), dt.date(2024, 6, 1), "已修复停止公示"),
        }
        lic = Record(kind="license", subject_id=b.id, natural_key="庆市监许〔2024〕7号", doc_number="庆市监许〔2024〕7号",
                     decision_date=dt.date(2024, 5, 6), agency=AGENCY, valid_from=dt.date(2024, 5, 6),
                     valid_to=dt.date(2099, 12, 31), license_category="普通")
        s.add(lic)
        s.flush()
        ids["licence"] = lic.id
    return ids


LAPSED = {"tier_max", "record_end", "objected"}


def _statuses() -> dict[int, str]:
    with session_scope() as s:
        return dict(s.execute(sa.select(Record.id, Record.display_status)).all())


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.execute(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars())


def _lapsed_by_rule(today: dt.date) -> set[int]:
    """The display rule's own answer, for the cross-check."""
    with session_scope() as s:
        rows = s.execute(sa.select(Record, Subject.region_name, Subject.subject_type).join(Subject)).all()
        return {r.id for r, region, kind in rows
                if display_periods.lapsed(display_periods.facts_of(r, region=region, subject_type=kind), today)}


# ---------------------------------------------------------------- xinyong records expire

def test_expire_dry_run_changes_nothing_and_reports_what_would(register, cli):
    before = _statuses()
    code, out, err = cli("records", "expire", "--dry-run", "--json", "--today", TODAY.isoformat())
    assert code == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert set(report) == JSON_KEYS and report["dry_run"] is True and report["today"] == TODAY.isoformat()
    assert {r["id"] for r in report["records"]} == {register[k] for k in LAPSED}
    assert report["expired"] == 3 and report["by_status"] == {"公示中": 2, "异议处理中": 1}
    assert "试运行" in out
    assert _statuses() == before
    assert not _audit("record_expire") and not _audit("records_expire")


def test_expire_moves_exactly_the_lapsed_records_audited_and_a_second_run_does_nothing(register, cli):
    before = _statuses()
    assert _lapsed_by_rule(TODAY) == {register[k] for k in LAPSED}
    code, out, err = cli("records", "expire", "--json", "--today", TODAY.isoformat())
    assert code == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert set(report) == JSON_KEYS and report["dry_run"] is False and report["expired"] == 3
    assert all(set(r) == RECORD_KEYS for r in report["records"])
    by_id = {r["id"]: r for r in report["records"]}
    assert by_id[register["tier_max"]]["end_by"] == "rule" and by_id[register["tier_max"]]["display_ends"] == "2026-01-10"
    assert by_id[register["record_end"]]["end_by"] == "record"
    after = _statuses()
    for name, rid in register.items():
        assert after[rid] == ("已到期" if name in LAPSED else before[rid]), name
    entries = _audit("record_expire")
    assert sorted(int(e.target_id) for e in entries) == sorted(register[k] for k in LAPSED)
    assert all(e.actor_type == "system" and e.actor and e.channel == "cli" and e.detail["to"] == "已到期"
               for e in entries)
    assert {e.detail["from"] for e in entries} == {"公示中", "异议处理中"}
    [run] = _audit("records_expire")
    assert run.detail["expired"] == 3
    # idempotent: nothing left to move, no new entry per record
    code, out, _ = cli("records", "expire", "--json", "--today", TODAY.isoformat())
    again = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and again["expired"] == 0 and again["records"] == []
    assert len(_audit("record_expire")) == 3 and _statuses() == after


def test_expire_in_small_batches_gives_the_same_result(register, engine):
    result = expiry.expire(engine, today=TODAY, batch=2, actor="test")
    assert {r.id for r in result.sample} == {register[k] for k in LAPSED}
    assert expiry.expire(engine, today=TODAY, batch=2).expired == 0


def test_a_record_filed_on_meanwhile_keeps_its_ticket_status(register, engine, monkeypatch):
    """A record whose status changed between the read and the write is not moved or counted."""
    real_scan = expiry._scan

    def scan_then_change(*args):
        found = real_scan(*args)
        with session_scope() as s:
            s.get(Record, register["tier_max"]).display_status = "已撤销"
        return found

    monkeypatch.setattr(expiry, "_scan", scan_then_change)
    result = expiry.expire(engine, today=TODAY)
    assert result.expired == 2 and _statuses()[register["tier_max"]] == "已撤销"
    assert register["tier_max"] not in {int(e.target_id) for e in _audit("record_expire")}


# ---------------------------------------------------------------- the read paths on the small register

def test_the_enquiry_and_the_filing_paths_hide_lapsed_records(register):
    with session_scope() as s:
        ids = dict(s.execute(sa.select(Subject.name, Subject.id)).all())
    shown = {r.id for sid in ids.values() for r in enquiry.by_id(sid, today=TODAY).records}
    assert shown == {register["shown"], register["last_day"], register["licence"]}
    assert register["last_day"] not in {r.id for r in enquiry.by_id(ids["大庆市丁戊己物流有限公司"],
                                                                  today=TODAY + dt.timedelta(days=1)).records}
    # the forms offer, find and accept no lapsed record
    offered = {r.id for sid in ids.values() for k in ("objection", "repair") for r in tickets.records_for(sid, k, TODAY)}
    assert offered <= {register["shown"], register["last_day"], register["licence"]} and register["shown"] in offered
    assert tickets.record_by_doc("庆市监罚〔2025〕101号", today=TODAY) == []
    assert [r.id for r in tickets.record_by_doc("庆市监罚〔2026〕103号", today=TODAY)] == [register["shown"]]
    with pytest.raises(tickets.TicketError, match="公示期"):
        tickets.file(tickets.Filing(kind="objection", record_id=register["tier_max"], idempotency_key="k1"), today=TODAY)
    with pytest.raises(tickets.TicketError, match="公示期"):
        tickets.file(tickets.Filing(kind="repair", record_id=register["record_end"], idempotency_key="k2"), today=TODAY)


def test_staff_counts_lapsed_records_as_not_public_and_lists_them(register):
    with session_scope() as s:
        sid = s.get(Record, register["tier_max"]).subject_id
    f = staff_lookup.subject_file(sid, "测试员", today=TODAY)
    assert {r.id for r in f.records} == {register["tier_max"], register["record_end"], register["shown"]}
    assert f.public == 1 and f.lapsed == {register["tier_max"], register["record_end"]}
    assert enquiry.by_id(sid, audience="staff", today=TODAY).hidden == 2
    view = next(r for r in f.records if r.id == register["tier_max"])
    assert view.display_ends == dt.date(2026, 1, 10) and view.tier == "一般" and view.tier_derived


# ---------------------------------------------------------------- objections decided after the end

def test_an_objection_upheld_after_the_end_leaves_the_record_expired(register):
    rid = register["last_day"]
    filed = tickets.file(tickets.Filing(kind="objection", record_id=rid, idempotency_key="obj-1"), today=TODAY)
    assert _statuses()[rid] == "异议处理中"
    tickets.decide(filed.ticket.ticket_no, "维持", "测试员", today=TODAY + dt.timedelta(days=1))
    assert _statuses()[rid] == "已到期"


def test_an_objection_decided_within_the_period_restores_display(register):
    rid = register["shown"]
    filed = tickets.file(tickets.Filing(kind="objection", record_id=rid, idempotency_key="obj-2"), today=TODAY)
    tickets.decide(filed.ticket.ticket_no, "维持", "测试员", today=TODAY)
    assert _statuses()[rid] == "公示中"


def test_an_open_objection_on_a_record_that_lapses_is_left_open(register, engine):
    rid = register["objected"]
    with session_scope() as s:
        s.add(Ticket(
            ticket_no="YY-20261201-0001", kind="objection", status="核实中", record_id=rid,
            subject_id=s.get(Record, rid).subject_id, idempotency_key="obj-3", due_date=TODAY))
    expiry.expire(engine, today=TODAY)
    view = tickets.get("YY-20261201-0001")
    assert view.is_open and view.record_status == "已到期"
    tickets.decide("YY-20261201-0001", "更正", "测试员", today=TODAY)
    assert _statuses()[rid] == "已到期"


# ---------------------------------------------------------------- the importer

IMPORT_HEADER = "行政相对人名称,行政相对人代码_1(统一社会信用代码),行政处罚决定书文号,处罚类别,处罚决定日期,处罚机关,公示截止期\n"


def test_import_derives_a_missing_display_end_and_marks_it_derived(db_url, tmp_path, cli):
    today = dt.date.today()
    recent, old = today - dt.timedelta(days=30), today - dt.timedelta(days=800)
    code = codes.make_uscc(random.Random(9), "91", "230600")
    future = today + dt.timedelta(days=900)
    csv = tmp_path / "p.csv"
    csv.write_text(IMPORT_HEADER
                   + f"大庆市启明星石化设备有限公司,{code},庆市监罚〔X〕1号,罚款,{recent:%Y/%m/%d},{AGENCY},\n"
                   + f"大庆市启明星石化设备有限公司,{code},庆市监罚〔X〕2号,罚款,{recent:%Y/%m/%d},{AGENCY},{future:%Y/%m/%d}\n"
                   + f"大庆市启明星石化设备有限公司,{code},庆市监罚〔X〕3号,罚款,{old:%Y/%m/%d},{AGENCY},{future:%Y/%m/%d}\n",
                   encoding="utf-8")
    rc, out, err = cli("import", "penalties", str(csv), "--json")
    assert rc == 0, err
    with session_scope() as s:
        rows = {r.doc_number: r for r in s.execute(sa.select(Record)).scalars()}
        derived, given, lapsed = rows["庆市监罚〔X〕1号"], rows["庆市监罚〔X〕2号"], rows["庆市监罚〔X〕3号"]
        facts = display_periods.facts_of(derived, region=DAQING)
        assert derived.display_until_derived and derived.display_until is not None
        assert derived.display_until == display_periods.derived_display_until(facts) > today
        assert derived.display_status == "公示中"
        assert not given.display_until_derived and given.display_until == future and given.display_status == "公示中"
        # a source end years ahead, but the tier's maximum is already past: imported as 已到期
        assert not lapsed.display_until_derived and lapsed.display_status == "已到期"
    # the console's JSON and the lookup carry the derived end
    found = enquiry.by_code(code, today=today).enquiry
    assert {r.doc_number for r in found.records} == {"庆市监罚〔X〕1号", "庆市监罚〔X〕2号"}
    view = next(r for r in found.records if r.doc_number == "庆市监罚〔X〕1号")
    assert view.display_until_derived and view.display_ends == derived.display_until and view.tier_derived


# ---------------------------------------------------------------- the demo: no public reply shows a lapsed record

def _demo_records():
    with session_scope() as s:
        return s.execute(sa.select(Record.id, Record.subject_id, Record.doc_number, Record, Subject.region_name,
                                   Subject.subject_type).join(Subject)).all()


@pytest.mark.parametrize("days_later", [0, 200, 400])
def test_no_public_reply_ever_contains_a_record_past_its_end(demo, days_later):
    today = dt.date.today() + dt.timedelta(days=days_later)
    rows = _demo_records()
    ended = {}  # subject id → doc numbers of its records past their end
    public_docs = {}
    still_public_status = 0
    for rid, sid, doc, record, region, kind in rows:
        term = display_periods.term(display_periods.facts_of(record, region=region, subject_type=kind))
        if term.public_on(today) and record.display_status in display_periods.PUBLIC_STATUSES:
            public_docs.setdefault(sid, set()).add(doc)
        elif not term.public_on(today):
            ended.setdefault(sid, set()).add(doc)
            still_public_status += record.display_status in display_periods.PUBLIC_STATUSES
    if days_later:  # the demo is seeded consistent with its day; later, the filter is what hides them
        assert still_public_status > 0
    for sid in {r[1] for r in rows}:
        e = enquiry.by_id(sid, today=today)
        hidden = ended.get(sid, set()) - public_docs.get(sid, set())
        assert all(r.public_on(today) for r in e.records)
        for english in (False, True):
            offset, text = 0, ""
            while offset is not None:
                page = enquiry_text.render(e, offset, english=english)
                text += page.text
                offset = page.next_offset
            leaked = [d for d in hidden if d in text]
            assert not leaked, (sid, leaked)
        for kind in ("objection", "repair"):
            assert not {r.doc_number for r in tickets.records_for(sid, kind, today)} & hidden


async def test_the_console_lists_a_lapsed_record_marked(demo):
    """The staff page shows what the public no longer sees, marked with its end of display."""
    today = dt.date.today()
    with session_scope() as s:
        record = s.execute(sa.select(Record).where(Record.kind == "penalty", Record.display_status == "公示中")
                           .order_by(Record.id)).scalars().first()
        record.display_until = today - dt.timedelta(days=1)
        rid, sid, doc = record.id, record.subject_id, record.doc_number
    assert rid not in {r.id for r in enquiry.by_id(sid, today=today).records}
    staff.add("wangfang", PASSWORD, display_name="王芳")

    c = await console_client()
    try:
        resp, _ = await c.login("wangfang", PASSWORD)
        assert resp.status == 200
        html = await (await c.get(f"/console/subjects/{sid}")).text()
        status, data = await c.api("GET", f"/console/api/subjects/{sid}")
    finally:
        await c.client.close()
    assert doc in html
    row = html[html.index(doc):]
    row = row[:row.index("</tr>")]
    assert f"已过公示期（截至 {(today - dt.timedelta(days=1)).isoformat()}）" in row and "公众不可见" in row
    assert status == 200
    entry = next(r for r in data["records"] if r["doc_number"] == doc)
    assert entry["lapsed"] is True and entry["display_ends"] == (today - dt.timedelta(days=1)).isoformat()
    assert re.fullmatch(r"轻微|一般|严重", entry["tier"] or "") and isinstance(entry["tier_derived"], bool)


# ---------------------------------------------------------------- serve's daily run

def test_the_daily_run_logs_a_failure_and_tries_again_next_day():
    from bot.serve import DailyExpiry, seconds_until

    lines, calls = [], []

    def job():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return "ok line"

    daily = DailyExpiry(job=job, log=lines.append)
    assert daily.run_once() is False and "失败" in lines[0] and "database gone" in lines[0]
    assert daily.run_once() is True and lines[1] == "ok line"
    at = dt.time(0, 5)
    assert seconds_until(at, dt.datetime(2026, 12, 5, 0, 0)) == 300
    assert seconds_until(at, dt.datetime(2026, 12, 5, 0, 5)) == 24 * 3600
    assert seconds_until(at, dt.datetime(2026, 12, 5, 23, 0)) == 3900


def test_the_daily_run_does_not_hold_up_start():
    import threading

    from bot.serve import DailyExpiry

    release, done = threading.Event(), threading.Event()

    def slow_job():
        release.wait(5)
        done.set()
        return "done"

    daily = DailyExpiry(job=slow_job, log=lambda line: None).start()
    assert not done.is_set()  # start() returned while the run is still going
    release.set()
    assert done.wait(5)
    daily.stop()
