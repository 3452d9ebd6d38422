"""ID numbers in free text are masked before they are stored and wherever they are shown (tickets,
their events, the audit log), and a document number that cannot be one is never searched for.
SQLite and PostgreSQL. Issue 15, findings 5 and 9."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from actions.db.engine import session_scope
from actions.db.models import AuditLog, Ticket, TicketEvent
from actions.services import audit, demo_data, enquiry, tickets

pytestmark = pytest.mark.probe  # the security probe's findings, attacked again (docs/security.md)

HONGTAI = "912306047LY7DWQT7J"
PERSON_ID = "230602197810070431"
MASKED = "2306**********0431"
DAY = dt.date(2026, 11, 30)


@pytest.fixture
def demo(engine):
    demo_data.seed(engine, subjects=40, seed=3)
    return engine


def _displayed_penalty():
    found = enquiry.by_code(HONGTAI)
    return next(r for r in found.enquiry.records if r.kind == "penalty" and r.display_status == "公示中")


def _raw_ticket_row(engine, ticket_no: str) -> dict:
    with engine.connect() as c:
        return dict(c.execute(sa.select(Ticket.__table__).where(Ticket.ticket_no == ticket_no)).mappings().one())


def test_id_numbers_in_a_filings_free_text_are_masked_before_storage(demo):
    record = _displayed_penalty()
    filed = tickets.file(tickets.Filing(
        kind="objection", record_id=record.id, idempotency_key="k1", sender_id="s1", channel="rest",
        ground="信息错误", description=f"法定代表人身份证 {PERSON_ID} 登记错了",
        evidence="身份证复印件 2306 0219 7810 0704 31", contact_name="张伟", contact_phone="13912345678"),
        today=DAY)
    row = _raw_ticket_row(demo, filed.ticket.ticket_no)
    assert row["description"] == f"法定代表人身份证 {MASKED} 登记错了"
    assert row["evidence"] == f"身份证复印件 {MASKED}"
    assert PERSON_ID not in filed.ticket.description + filed.ticket.evidence
    # staff notes too, whichever workflow step writes them
    tickets.accept(filed.ticket.ticket_no, "测试员", note=f"来电核实身份证号{PERSON_ID}")
    with session_scope() as s:
        t = s.execute(sa.select(Ticket).where(Ticket.ticket_no == filed.ticket.ticket_no)).scalar_one()
        t.events.append(TicketEvent(status="退回补正", actor_type="staff", actor="测试员",
                                    note=f"请提供{PERSON_ID}本人签字的说明"))
    with demo.connect() as c:
        notes = c.execute(sa.select(TicketEvent.note).where(TicketEvent.ticket_id == row["id"])).scalars().all()
    assert all(PERSON_ID not in (n or "") for n in notes) and sum(MASKED in (n or "") for n in notes) == 2
    # and nothing of it in the audit entries the filing and the workflow wrote
    with demo.connect() as c:
        details = c.execute(sa.select(AuditLog.detail)).scalars().all()
    assert PERSON_ID not in json.dumps(details, ensure_ascii=False)


def test_a_ticket_stored_before_masking_is_shown_masked(demo):
    record = _displayed_penalty()
    filed = tickets.file(tickets.Filing(kind="objection", record_id=record.id, idempotency_key="k2",
                                        ground="信息错误", description="说明", evidence="证据"), today=DAY)
    with demo.begin() as c:  # as an older version stored it, beneath the ORM
        c.execute(sa.update(Ticket.__table__).where(Ticket.ticket_no == filed.ticket.ticket_no)
                  .values(evidence=f"身份证 {PERSON_ID}", performance=PERSON_ID))
        tid = c.execute(sa.select(Ticket.id).where(Ticket.ticket_no == filed.ticket.ticket_no)).scalar_one()
        c.execute(sa.update(TicketEvent.__table__).where(TicketEvent.ticket_id == tid).values(note=PERSON_ID))
    view = tickets.get(filed.ticket.ticket_no)
    shown = json.dumps([view.evidence, view.performance, [e.note for e in view.events]], ensure_ascii=False)
    assert PERSON_ID not in shown and MASKED in view.evidence


def test_audit_entries_are_masked_when_written_and_when_read(demo):
    audit.record("anonymous", "web-abc", "lookup_name", "subject", PERSON_ID,
                 {"query": f'/query_credit{{"subject_name":"{PERSON_ID}"}}', "nested": [{"q": PERSON_ID}],
                  "count": 3}, channel="rest")
    with demo.connect() as c:
        stored = c.execute(sa.select(AuditLog).where(AuditLog.actor == "web-abc")).one()
    assert PERSON_ID not in json.dumps(stored.detail, ensure_ascii=False) + (stored.target_id or "")
    assert stored.detail["query"] == f'/query_credit{{"subject_name":"{MASKED}"}}'
    assert stored.detail["nested"] == [{"q": MASKED}] and stored.detail["count"] == 3
    with demo.begin() as c:  # an entry written before masking
        c.execute(sa.insert(AuditLog.__table__).values(actor_type="anonymous", actor="web-old", action="lookup_name",
                                                       detail={"query": PERSON_ID}, target_id=PERSON_ID))
    old = audit.recent(actor="web-old")[0]
    assert old.detail == {"query": MASKED} and old.target_id == MASKED


@pytest.mark.parametrize("doc", ["京市监罚", "罚", "〔〕号", "第1号", "  12号 ", "abcdef"])
def test_a_document_number_without_digits_or_too_short_is_not_searched(demo, doc):
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(demo, "before_cursor_execute", seen)
    try:
        assert tickets.record_by_doc(doc, None, "sender-doc") == []
    finally:
        sa.event.remove(demo, "before_cursor_execute", seen)
    assert statements == []  # no scan of the records, not even a rate-limit count
    assert not tickets.doc_searchable(doc)  # what the form asks before it searches


def test_a_real_document_number_is_still_found(demo):
    doc = demo_data.showcase_refs().docs["displayed"]  # 庆应急罚〔YYYY〕21号
    found = tickets.record_by_doc(doc.replace("〔", "(").replace("〕", ")"), None, "sender-doc")
    assert [r.doc_number for r in found] == [doc]
    assert tickets.doc_searchable("京市监罚〔2026〕12号")


def test_a_ticket_number_alone_reads_only_the_status(demo):
    """Issue 15, finding 3: ticket numbers are sequential; by number alone, only the status."""
    from actions.services import filing_text

    record = _displayed_penalty()
    no = tickets.file(tickets.Filing(kind="objection", record_id=record.id, idempotency_key="k3", sender_id="filer",
                                     ground="信息错误", description="金额错了", evidence="缴款凭证",
                                     contact_name="张伟", contact_phone="13912345678"), today=DAY).ticket.ticket_no
    tickets.decide(no, tickets.RETURN, "测试员", "请补充缴款凭证原件，联系人张伟")
    other = tickets.lookup(no, "someone-else")
    assert other.status == "退回补正" and other.events == () and other.sender_id is None
    assert (other.subject_name, other.record_doc, other.description, other.evidence, other.contact_name,
            other.contact_phone) == ("", "", None, None, None, None)
    shown = filing_text.status(other, full=False)
    assert "退回补正" in shown and "缴款凭证" not in shown and "张伟" not in shown and record.doc_number not in shown
    own = tickets.lookup(no, "filer")
    assert own.contact_phone == "13912345678" and "缴款凭证原件" in filing_text.status(own, full=True)
