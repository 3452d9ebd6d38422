"""Tickets on SQLite and PostgreSQL: numbering, one transaction per change, idempotency, the staff
workflow and its effect on the record, and the `xinyong tickets` commands."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import AuditLog, Record, Ticket, TicketEvent
from actions.services import demo_data, enquiry, tickets
from actions.services.dates import add_working_days

HONGTAI = "912306047LY7DWQT7J"  # showcase 1: one penalty on display (庆应急罚〔YYYY〕21号), one under objection
# The demo is seeded today; tickets here are filed on the next working day, which no demo ticket uses.
DAY = add_working_days(dt.date.today(), 1)


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


def _displayed_penalty(code=HONGTAI):
    found = enquiry.by_code(code)
    return next(r for r in found.enquiry.records if r.kind == "penalty" and r.display_status == "公示中")


def _objection(record_id, key="sender-1:form-1", sender="sender-1"):
    return tickets.Filing(kind="objection", record_id=record_id, idempotency_key=key, sender_id=sender,
                          channel="rest", ground="信息错误", description="罚款金额登记有误", evidence="缴款凭证",
                          contact_name="张伟", contact_phone="13912345678")


def test_filing_an_objection_stores_ticket_event_and_record_change_together(demo):
    record = _displayed_penalty()
    filed = tickets.file(_objection(record.id), today=DAY)
    assert filed.created and filed.ticket.ticket_no == f"YY-{DAY:%Y%m%d}-0001"
    assert filed.ticket.due_date == add_working_days(DAY, 5)  # 5 working days
    with session_scope() as s:
        row = s.get(Record, record.id)
        assert row.display_status == "异议处理中" and row.punishment_suspended
        ticket = s.execute(sa.select(Ticket).where(Ticket.ticket_no == filed.ticket.ticket_no)).scalar_one()
        assert [e.status for e in ticket.events] == ["已提交"]
        assert s.execute(sa.select(AuditLog).where(AuditLog.action == "file_objection")).scalar_one()
    # the public enquiry now shows it under objection with the suspension rule
    again = enquiry.by_code(HONGTAI).enquiry
    assert next(r for r in again.records if r.id == record.id).under_objection


def test_numbers_count_per_prefix_and_day_and_continue_after_the_demo_tickets(demo):
    records = [r for r in enquiry.by_code(HONGTAI).enquiry.records if r.kind != "list"]
    record = _displayed_penalty()
    first = tickets.file(_objection(record.id, key="a"), today=DAY).ticket.ticket_no
    repair = tickets.file(tickets.Filing(kind="repair", record_id=records[-1].id, idempotency_key="b"), today=DAY)
    assert first == f"YY-{DAY:%Y%m%d}-0001" and repair.ticket.ticket_no == f"XF-{DAY:%Y%m%d}-0001"
    # a day the demo data already used (its showcase objection's): the next free number
    demo_no = demo_data.showcase_refs().tickets["objection"]
    demo_day = dt.datetime.strptime(demo_no.split("-")[1], "%Y%m%d").date()
    other = next(r for r in records if r.kind == "license")
    assert tickets.file(_objection(other.id, key="c"), today=demo_day).ticket.ticket_no == demo_no[:-4] + "0002"


def test_confirming_twice_or_retrying_finds_the_first_ticket(demo):
    record = _displayed_penalty()
    first = tickets.file(_objection(record.id), today=DAY)
    again = tickets.file(_objection(record.id), today=DAY)
    assert not again.created and again.same_request and again.ticket.ticket_no == first.ticket.ticket_no
    # a new form on the same record while the first is open: told about the open one, nothing new
    other_form = tickets.file(_objection(record.id, key="sender-1:form-2"), today=DAY)
    assert not other_form.created and not other_form.same_request
    with session_scope() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.record_id == record.id)).scalar() == 1


def test_concurrent_retries_of_one_filing_make_one_ticket(demo):
    record = _displayed_penalty()
    results, errors = [], []

    def go():
        try:
            results.append(tickets.file(_objection(record.id, key="race"), today=DAY).ticket.ticket_no)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and len(set(results)) == 1
    with session_scope() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.idempotency_key == "race")).scalar() == 1


def test_a_failed_filing_writes_nothing(demo, monkeypatch):
    record = _displayed_penalty()

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(tickets.audit, "log", broken)
    with pytest.raises(RuntimeError):
        tickets.file(_objection(record.id), today=DAY)
    with session_scope() as s:
        assert s.get(Record, record.id).display_status == "公示中"
        assert s.execute(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.record_id == record.id)).scalar() == 0


def test_accept_then_decide_revoked_objection_ends_display_and_punishment(demo):
    record = _displayed_penalty()
    no = tickets.file(_objection(record.id), today=DAY).ticket.ticket_no
    assert tickets.accept(no, "op1").status == "已受理"
    assert tickets.accept(no, "op1").status == "核实中"
    decided = tickets.decide(no, "撤销", "op1", "经核实非本主体")
    assert (decided.status, decided.outcome, decided.record_status) == ("已办结", "撤销", "已撤销")
    with session_scope() as s:
        row = s.get(Record, record.id)
        assert row.punishment_ended_at is not None and not row.punishment_suspended
        events = s.execute(sa.select(TicketEvent.status, TicketEvent.actor).join(Ticket)
                           .where(Ticket.ticket_no == no).order_by(TicketEvent.id)).all()
        assert [e.status for e in events] == ["已提交", "已受理", "核实中", "已办结"] and events[-1].actor == "op1"
        assert s.execute(sa.select(sa.func.count()).select_from(AuditLog)
                         .where(AuditLog.action.in_(["ticket_accept", "ticket_decide"]))).scalar() == 3
    assert all(r.id != record.id for r in enquiry.by_code(HONGTAI).enquiry.records)
    with pytest.raises(tickets.TicketError):
        tickets.decide(no, "维持", "op1")


def test_a_rejected_objection_resumes_display_and_punishment(demo):
    record = _displayed_penalty()
    no = tickets.file(_objection(record.id), today=DAY).ticket.ticket_no
    tickets.decide(no, "维持", "op2")
    with session_scope() as s:
        row = s.get(Record, record.id)
        assert row.display_status == "公示中" and not row.punishment_suspended


def test_a_granted_repair_stops_display(demo):
    record = _displayed_penalty()
    no = tickets.file(tickets.Filing(kind="repair", record_id=record.id, idempotency_key="r1",
                                     performance="罚款已缴清", commitment_text="承诺"), today=DAY).ticket.ticket_no
    with pytest.raises(tickets.TicketError, match="准予修复"):
        tickets.decide(no, "撤销", "op3")
    assert tickets.decide(no, "准予修复", "op3").record_status == "已修复停止公示"


def test_return_for_correction_needs_a_note_and_keeps_the_ticket_open_for_the_applicant(demo):
    record = _displayed_penalty()
    no = tickets.file(_objection(record.id), today=DAY).ticket.ticket_no
    with pytest.raises(tickets.TicketError):
        tickets.decide(no, tickets.RETURN, "op4")
    returned = tickets.decide(no, tickets.RETURN, "op4", "请补充缴款凭证")
    assert returned.status == "退回补正" and returned.events[-1].note == "请补充缴款凭证"
    assert tickets.accept(no, "op4").status == "已受理"


def test_documents_are_found_whatever_brackets_or_script(demo):
    record = _displayed_penalty()
    typed = record.doc_number.replace("〔", "(").replace("〕", ")")
    assert [r.id for r in tickets.record_by_doc(typed)] == [record.id]
    traditional = record.doc_number.translate(str.maketrans("庆应罚号", "慶應罰號"))  # 慶應急罰〔YYYY〕21號
    assert [r.id for r in tickets.record_by_doc(traditional)] == [record.id]


def test_the_cli_moves_a_ticket_and_prints_it(demo, cli):
    from actions.services import staff

    staff.add("wangfang", "lotus-pond-2026", display_name="王芳")  # --staff names a console account
    staff.add("lisi", "lotus-pond-2026", role="supervisor", display_name="李四")
    record = _displayed_penalty()
    no = tickets.file(_objection(record.id), today=DAY).ticket.ticket_no
    code, out, _ = cli("tickets", "list")
    assert code == 0 and no in out and demo_data.showcase_refs().tickets["objection"] in out
    code, out, _ = cli("tickets", "accept", no.lower(), "--staff", "wangfang")
    assert code == 0 and "已受理" in out
    # 更正 changes the record: an operator proposes it, a supervisor approves it (four-eyes)
    code, out, _ = cli("tickets", "propose", no, "更正", "--staff", "wangfang", "--note", "金额更正为2万元")
    assert code == 0 and "已提请批准" in out
    code, out, _ = cli("tickets", "decide", no, "更正", "--staff", "lisi")
    assert code == 0 and "已办结（更正）" in out and "公示中" in out
    code, out, _ = cli("tickets", "show", no, "--json")
    assert code == 0 and '"outcome": "更正"' in out and "王芳" not in out.split('"events"')[0]
    assert "王芳" in out
    code, _, err = cli("tickets", "decide", no, "撤销")
    assert code == 1 and "不能再作决定" in err
    code, _, err = cli("tickets", "show", "YY-20990101-0001")
    assert code == 1 and "没有编号" in err
