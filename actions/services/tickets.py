"""Objection (YY-) and repair (XF-) tickets: filing, reading and the staff workflow.

Every change is one transaction: the ticket, its event, the record's display status and the audit
log commit together or not at all, and only then does a caller tell anyone about it. A filing
carries an idempotency key (the conversation and its form instance), so confirming twice or a
retried request finds the first ticket instead of making a second.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from actions.db import keys
from actions.db.engine import session_scope
from actions.db.models import (AssistConversation, Record, StaffUser, Subject, Ticket, TicketCounter, TicketEvent,
                               TicketProposal, utcnow)
from actions.services import audit, display_periods, four_eyes, outbox, rate_limit, subjects
from actions.services.codes import mask_ids_in_text
from actions.services.display_rules import rules as display_rules
from actions.services.enquiry import RecordView
from actions.services.textnorm import to_simplified
from actions.services.dates import add_working_days
from actions.services.staff import label_in, label_of
from actions.services.workflow_rules import rules

PREFIX = {"objection": "YY", "repair": "XF"}
OPEN_STATUSES = ("已提交", "已受理", "核实中", "审核中")
REVIEW_STATUS = {"objection": "核实中", "repair": "审核中"}
OUTCOMES = {"objection": ("更正", "撤销", "维持"), "repair": ("准予修复", "不予修复")}
RETURN = "退回补正"


# Free text a ticket keeps, masked as it is set, whoever sets it (the filing, a staff note on accept
# or decide): an ID number in it is never stored whole. Matching a natural person uses the number
# they typed as a code, never these texts; the ticket links its subject by id (issue 15, finding 5).
FREE_TEXT_COLUMNS = (Ticket.description, Ticket.evidence, Ticket.performance, Ticket.contact_name, TicketEvent.note,
                     TicketProposal.note)


def _masked_on_set(target, value, oldvalue, initiator):
    return mask_ids_in_text(value) if isinstance(value, str) else value


for _column in FREE_TEXT_COLUMNS:
    sa.event.listen(_column, "set", _masked_on_set, retval=True)


class TicketError(ValueError):
    """A request the workflow refuses; the message is Chinese and meant for the person asking.
    `english`: the same for an English-speaking applicant (the filing's refusals carry one)."""

    def __init__(self, message: str, english: str = ""):
        super().__init__(message)
        self.english = english or message


@dataclass(frozen=True)
class Filing:
    """What the form collected; `record_id` and `idempotency_key` are required."""
    kind: str
    record_id: int
    idempotency_key: str
    sender_id: str | None = None
    channel: str | None = None
    ground: str | None = None
    description: str | None = None
    evidence: str | None = None
    performance: str | None = None
    commitment_text: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    staff_assisted_by: int | None = None


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    status: str
    outcome: str | None
    actor_type: str
    note: str | None
    actor: str | None = None


@dataclass(frozen=True)
class TicketView:
    ticket_no: str
    kind: str
    status: str
    outcome: str | None
    created_at: dt.datetime
    due_date: dt.date | None
    decided_at: dt.datetime | None
    subject_name: str
    subject_type: str
    record_doc: str
    record_kind: str
    record_status: str
    sender_id: str | None
    ground: str | None = None
    description: str | None = None
    evidence: str | None = None
    performance: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    events: tuple[EventView, ...] = field(default_factory=tuple)
    channel: str | None = None
    assisted_by: str | None = None  # the staff member who filed it on a caller's behalf
    subject_id: int | None = None
    subject_region: str | None = None  # which local rules the replies state (filing_text)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Filed:
    ticket: TicketView
    created: bool  # False: an earlier ticket was found (same key, or an open one on the record)
    same_request: bool = False  # True: the same filing confirmed again or retried


def _notify(session: Session, view: TicketView) -> None:
    """Tell the conversation that filed the ticket, if its channel can deliver a later message; the
    message commits with the change."""
    if view.sender_id and view.channel in outbox.DELIVERING_CHANNELS:
        from actions.services.filing_text import notice  # filing_text imports this module

        outbox.add(session, view.channel, view.sender_id, "ticket_status", notice(view), ticket_no=view.ticket_no)


def _views(session: Session, rows: list[Ticket]) -> list[TicketView]:
    """Views of many tickets, their records and subjects read in two queries instead of two a ticket."""
    if not rows:
        return []
    records = {r.id: r for r in session.execute(
        sa.select(Record).where(Record.id.in_({t.record_id for t in rows}))).scalars()}
    subjects_ = {s.id: s for s in session.execute(
        sa.select(Subject).where(Subject.id.in_({t.subject_id for t in rows}))).scalars()}
    return [_view(session, t, records[t.record_id], subjects_[t.subject_id]) for t in rows]


def _view(session: Session, t: Ticket, record: Record | None = None, subject: Subject | None = None) -> TicketView:
    record = record or session.get(Record, t.record_id)
    subject = subject or session.get(Subject, t.subject_id)
    return TicketView(
        ticket_no=t.ticket_no, kind=t.kind, status=t.status, outcome=t.outcome, created_at=t.created_at,
        due_date=t.due_date, decided_at=t.decided_at, subject_name=subject.name, subject_type=subject.subject_type,
        record_doc=record.doc_number, record_kind=record.kind, record_status=record.display_status,
        # masked again for tickets stored before masking on set
        sender_id=t.sender_id, ground=t.ground, description=_shown(t.description), evidence=_shown(t.evidence),
        performance=_shown(t.performance), contact_name=_shown(t.contact_name), contact_phone=t.contact_phone,
        events=tuple(EventView(e.at, e.status, e.outcome, e.actor_type, _shown(e.note), e.actor) for e in t.events),
        channel=t.channel, subject_id=t.subject_id, subject_region=subject.region_name,
        assisted_by=label_in(session, t.staff_assisted_by))


def _shown(text: str | None) -> str | None:
    return mask_ids_in_text(text) if text else text


def next_ticket_no(session: Session, kind: str, day: dt.date) -> str:
    """YY-YYYYMMDD-NNNN, numbered per prefix and day. The UPDATE locks the counter row until commit,
    so concurrent filings on PostgreSQL queue instead of sharing a number."""
    prefix = PREFIX[kind]
    c = TicketCounter.__table__
    bumped = session.execute(sa.update(c).where(c.c.prefix == prefix, c.c.day == day)
                             .values(last_no=c.c.last_no + 1))
    if bumped.rowcount == 0:
        try:
            with session.begin_nested():
                session.execute(sa.insert(c).values(prefix=prefix, day=day, last_no=1))
        except IntegrityError:  # another filing created the day's row first
            session.execute(sa.update(c).where(c.c.prefix == prefix, c.c.day == day)
                            .values(last_no=c.c.last_no + 1))
    number = session.execute(sa.select(c.c.last_no).where(c.c.prefix == prefix, c.c.day == day)).scalar_one()
    if number > 9999:
        raise TicketError("今日受理编号已用完，请明天再试或拨打服务热线",
                      "Today's application numbers have run out. Please try again tomorrow or call the hotline")
    return f"{prefix}-{day:%Y%m%d}-{number:04d}"


def due_date(kind: str, filed: dt.date) -> dt.date:
    if kind == "objection":
        return add_working_days(filed, rules().objection_limits["decide_working_days"])
    limits = rules().repair_limits
    return add_working_days(filed, limits["accept_working_days"] + limits["decide_working_days"])


def _by_key(session: Session, key: str) -> Ticket | None:
    return session.execute(sa.select(Ticket).where(Ticket.idempotency_key == key)).scalar_one_or_none()


def _open_on_record(session: Session, kind: str, record_id: int) -> Ticket | None:
    return session.execute(sa.select(Ticket).where(
        Ticket.kind == kind, Ticket.record_id == record_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc()).limit(1)).scalar_one_or_none()


def _assisting_staff(session: Session, filing: Filing) -> StaffUser | None:
    """The staff member filing on a caller's behalf: named by the console, or the owner of the
    assist conversation the filing came from (the console registered it; the message cannot claim it)."""
    staff_id = filing.staff_assisted_by
    if staff_id is None and filing.sender_id:
        assist = session.get(AssistConversation, filing.sender_id)
        staff_id = assist.staff_id if assist else None
    return session.get(StaffUser, staff_id) if staff_id is not None else None


def file(filing: Filing, today: dt.date | None = None) -> Filed:
    """Store the ticket and its first event and apply its effect on the record, in one transaction."""
    for _ in range(2):  # a concurrent twin with the same key wins the unique index: read its ticket
        try:
            return _file(filing, today or dt.date.today())
        except IntegrityError:
            with session_scope() as session:
                existing = _by_key(session, filing.idempotency_key)
                if existing is not None:
                    return Filed(_view(session, existing), created=False, same_request=True)
    raise TicketError("提交失败，请稍后重试", "The application could not be filed. Please try again later")


def _file(filing: Filing, today: dt.date) -> Filed:
    with session_scope() as session:
        existing = _by_key(session, filing.idempotency_key)
        if existing is not None:
            return Filed(_view(session, existing), created=False, same_request=True)
        record = session.get(Record, filing.record_id, with_for_update=True)
        if record is None:
            raise TicketError("该条记录已不存在，请重新查询", "This record no longer exists. Please look it up again")
        already = _open_on_record(session, filing.kind, record.id)
        if already is not None:
            return Filed(_view(session, already), created=False)
        if filing.kind == "objection" and record.display_status not in subjects.PUBLIC_STATUSES:
            raise TicketError("该条记录已不再公示，无需提出异议",
                              "This record is no longer displayed: there is nothing to object to")
        if _lapsed(session, record, today):  # past its end of display: nothing to object to or repair
            raise TicketError("该条记录已过公示期、不再公示，无需提出异议或申请信用修复",
                              "This record's display period has ended and it is no longer displayed: "
                              "no objection or repair is needed")
        staff = _assisting_staff(session, filing)
        ticket = Ticket(
            ticket_no=next_ticket_no(session, filing.kind, today), kind=filing.kind, status="已提交",
            record_id=record.id, subject_id=record.subject_id, ground=filing.ground,
            description=filing.description, evidence=filing.evidence, performance=filing.performance,
            commitment_text=filing.commitment_text,
            commitment_agreed_at=utcnow() if filing.commitment_text else None,
            contact_name=filing.contact_name, contact_phone=filing.contact_phone, channel=filing.channel,
            sender_id=filing.sender_id, staff_assisted_by=staff.id if staff else None,
            idempotency_key=filing.idempotency_key, due_date=due_date(filing.kind, today))
        actor_type, actor = ("staff", label_of(staff.username, staff.display_name)) if staff else \
            ("subject", filing.sender_id)
        ticket.events.append(TicketEvent(status="已提交", actor_type=actor_type, actor=actor,
                                         note=f"热线工作人员 {actor} 代为提交" if staff else "经信用助手提交"))
        session.add(ticket)
        if filing.kind == "objection":
            # Marked at once. Joint punishment is suspended while it is verified only where the
            # record's region says so (大庆, document 002 四、（五））: no national rule does.
            record.display_status = "异议处理中"
            subject = session.get(Subject, record.subject_id)
            record.punishment_suspended = rules().suspends_punishment.holds_in(subject.region_name if subject else None)
            record.status_changed_at = utcnow()
        session.flush()
        audit.log(session, actor_type, actor, f"file_{filing.kind}", "ticket", ticket.ticket_no,
                  {"record_id": record.id, "ground": filing.ground}, channel=filing.channel)
        return Filed(_view(session, ticket), created=True)


def open_on_record(kind: str, record_id: int) -> TicketView | None:
    with session_scope() as session:
        t = _open_on_record(session, kind, record_id)
        return _view(session, t) if t else None


def get(ticket_no: str) -> TicketView | None:
    with session_scope() as session:
        t = session.execute(sa.select(Ticket).where(Ticket.ticket_no == ticket_no.upper())).scalar_one_or_none()
        return _view(session, t) if t else None


def progress_only(view: TicketView) -> TicketView:
    """What anyone holding a ticket's number may see: its kind, status and deadline. Numbers are
    sequential (YY-YYYYMMDD-NNNN), so whoever asks by number alone may be enumerating them: no
    subject, record, statement, contact, events (staff notes) or filing conversation."""
    return TicketView(ticket_no=view.ticket_no, kind=view.kind, status=view.status, outcome=view.outcome,
                      created_at=view.created_at, due_date=view.due_date, decided_at=view.decided_at,
                      subject_name="", subject_type="", record_doc="", record_kind="", record_status="",
                      sender_id=None)


def lookup(ticket_no: str, sender_id: str | None, channel: str | None = None,
           audience: str = "anonymous") -> TicketView | None:
    """A ticket's progress asked for in a chat: audited (lookup_ticket) and limited like every chat
    lookup, since ticket numbers are sequential (rate_limit.TooManyLookups, nothing read). The whole
    ticket only for the conversation that filed it; anyone else gets `progress_only`."""
    number = ticket_no.strip().upper()
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, audience, sender_id, "lookup_ticket", "ticket",
                                          {"ticket_no": number[:30]}, channel)
        if refused is None:
            t = session.execute(sa.select(Ticket).where(Ticket.ticket_no == number)).scalar_one_or_none()
            audit.log(session, audience, sender_id, "lookup_ticket", "ticket", number[:100],
                      {"found": t is not None}, channel=channel)
            if t is None:
                return None
            view = _view(session, t)
            return view if sender_id and view.sender_id == sender_id else progress_only(view)
    raise refused


def mine(sender_id: str, limit: int = 10, channel: str | None = None,
         audience: str = "anonymous") -> list[TicketView]:
    """「我的申请」: the tickets this conversation filed, newest first; audited (lookup_my_tickets)
    and limited like every chat lookup."""
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, audience, sender_id, "lookup_my_tickets", "ticket", None, channel)
        if refused is None:
            views = _of_sender(session, sender_id, limit)
            audit.log(session, audience, sender_id, "lookup_my_tickets", "ticket",
                      views[0].ticket_no if len(views) == 1 else None, {"found": len(views)}, channel=channel)
            return views
    raise refused


def _of_sender(session: Session, sender_id: str, limit: int) -> list[TicketView]:
    rows = session.execute(sa.select(Ticket).options(selectinload(Ticket.events))
                           .where(Ticket.sender_id == sender_id).order_by(Ticket.id.desc()).limit(limit)).scalars()
    return _views(session, list(rows))


def listing(status: str | None = None, kind: str | None = None, limit: int = 50, due_by: dt.date | None = None,
            subject_id: int | None = None) -> list[TicketView]:
    """Tickets, earliest deadline first. `status`: "open", a status, or None for all; `due_by`: open
    tickets whose deadline is on or before that day (the console's "overdue / due soon")."""
    with session_scope() as session:
        q = sa.select(Ticket).options(selectinload(Ticket.events))
        if status == "open" or due_by is not None:
            q = q.where(Ticket.status.in_(OPEN_STATUSES))
        elif status:
            q = q.where(Ticket.status == status)
        if kind:
            q = q.where(Ticket.kind == kind)
        if due_by is not None:
            q = q.where(Ticket.due_date <= due_by)
        if subject_id is not None:
            q = q.where(Ticket.subject_id == subject_id)
        rows = session.execute(q.order_by(Ticket.due_date.asc().nulls_last(), Ticket.id.asc()).limit(limit)).scalars()
        return _views(session, list(rows))


def _locked(session: Session, ticket_no: str) -> Ticket:
    t = session.execute(sa.select(Ticket).where(Ticket.ticket_no == ticket_no.strip().upper())
                        .with_for_update()).scalar_one_or_none()
    if t is None:
        raise TicketError(f"没有编号为 {ticket_no} 的申请")
    return t


def accept(ticket_no: str, staff: str, note: str | None = None, channel: str = "cli") -> TicketView:
    """One step forward: 已提交 → 已受理 → 核实中 (objection) / 审核中 (repair)."""
    with session_scope() as session:
        t = _locked(session, ticket_no)
        if t.status in ("已提交", RETURN):
            new = "已受理"
        elif t.status == "已受理":
            new = REVIEW_STATUS[t.kind]
        else:
            raise TicketError(f"{t.ticket_no} 当前状态为{t.status}，不能再受理")
        t.status = new
        t.events.append(TicketEvent(status=new, actor_type="staff", actor=staff, note=note))
        audit.log(session, "staff", staff, "ticket_accept", "ticket", t.ticket_no, {"status": new}, channel=channel)
        session.flush()
        view = _view(session, t)
        _notify(session, view)
        return view


def _lapsed(session: Session, record: Record, today: dt.date) -> bool:
    """Whether the record is past its end of display on `today` (display_periods, with its subject's region)."""
    subject = session.get(Subject, record.subject_id)
    facts = display_periods.facts_of(record, region=subject.region_name if subject else None,
                                     subject_type=subject.subject_type if subject else None)
    return not display_periods.term(facts).public_on(today)


def _apply_decision(session: Session, record: Record, kind: str, outcome: str, ticket_no: str,
                    today: dt.date) -> None:
    now = utcnow()
    if kind == "objection":
        if outcome == "撤销":
            record.display_status, record.punishment_suspended, record.punishment_ended_at = "已撤销", False, now
        else:  # 更正 (corrected data stays on display) or 维持 (display and punishment resume)
            # ... unless its display ended while it was verified: then it is 已到期, not shown again.
            record.display_status = "已到期" if _lapsed(session, record, today) else "公示中"
            record.punishment_suspended = False
            if outcome == "更正":
                record.remark = ((record.remark + "；") if record.remark else "") + f"经异议核实已更正（{ticket_no}）"
    elif outcome == "准予修复":
        record.display_status, record.punishment_suspended, record.punishment_ended_at = "已修复停止公示", False, now
    record.status_changed_at = now


class NotAllowed(TicketError):
    """A decision this staff member may not make (four-eyes, services.four_eyes); nothing changed,
    the refusal is audited (ticket_decide_refused)."""


def decide(ticket_no: str, outcome: str, staff: str, note: str | None = None, channel: str = "cli",
           staff_id: int | None = None, today: dt.date | None = None) -> TicketView:
    """Close the ticket with `outcome`, or return it for 补正, and update its record in the same transaction.

    `staff_id`: the console account deciding, whose role applies (services.four_eyes): a decision
    that changes the record is then the approval of someone else's pending proposal. None: the local
    administrator (the CLI without --staff), outside those rules. `today` (default: the real today)
    decides whether an objection's record restored to display has lapsed meanwhile (已到期)."""
    refused: str | None = None
    today = today or dt.date.today()
    with session_scope() as session:
        t = _locked(session, ticket_no)
        if t.status not in OPEN_STATUSES:
            raise TicketError(f"{t.ticket_no} 当前状态为{t.status}，不能再作决定")
        detail: dict = {"outcome": outcome, "note": note}
        if outcome == RETURN:
            if not note:
                raise TicketError("退回补正时请写明需要补正的内容（--note）")
            t.status = RETURN
            t.events.append(TicketEvent(status=RETURN, actor_type="staff", actor=staff, note=note))
            _supersede(session, t.id, staff_id)
        else:
            _check_outcome(t, outcome)
            proposal = four_eyes.pending(session, t.id)
            if four_eyes.needs_approval(outcome) and staff_id is not None:
                refused = four_eyes.refusal(session.get(StaffUser, staff_id), proposal, outcome)
            if refused is None:
                if proposal is not None and proposal.outcome == outcome and four_eyes.needs_approval(outcome):
                    proposal.status, proposal.decided_by, proposal.decided_at = four_eyes.APPROVED, staff_id, utcnow()
                    note = note or proposal.note
                    detail.update(note=note, proposal_id=proposal.id,
                                  proposed_by=label_in(session, proposal.proposed_by))
                else:
                    _supersede(session, t.id, staff_id)
                record = session.get(Record, t.record_id, with_for_update=True)
                _apply_decision(session, record, t.kind, outcome, t.ticket_no, today)
                t.status, t.outcome, t.decided_at = "已办结", outcome, utcnow()
                t.events.append(TicketEvent(status="已办结", outcome=outcome, actor_type="staff", actor=staff,
                                            note=note))
        if refused is not None:  # committed without any change but the audit entry
            audit.log(session, "staff", staff, "ticket_decide_refused", "ticket", t.ticket_no,
                      {"outcome": outcome, "reason": refused}, channel=channel)
        else:
            audit.log(session, "staff", staff, "ticket_decide", "ticket", t.ticket_no, detail, channel=channel)
            session.flush()
            view = _view(session, t)
            _notify(session, view)
    if refused is not None:
        raise NotAllowed(refused)
    return view


def _check_outcome(t: Ticket, outcome: str) -> None:
    if outcome not in OUTCOMES[t.kind]:
        allowed = "、".join(OUTCOMES[t.kind] + (RETURN,))
        raise TicketError(f"{'异议' if t.kind == 'objection' else '信用修复'}的处理结果只能是：{allowed}")


def _supersede(session: Session, ticket_id: int, staff_id: int | None) -> None:
    """A pending proposal no longer applies once the ticket is decided or returned otherwise."""
    p = four_eyes.pending(session, ticket_id)
    if p is not None:
        p.status, p.decided_by, p.decided_at = four_eyes.SUPERSEDED, staff_id, utcnow()


def propose(ticket_no: str, outcome: str, staff: str, staff_id: int, note: str | None = None,
            channel: str = "cli") -> TicketView:
    """Propose a decision that changes the record (更正, 撤销, 准予修复), for a supervisor or an
    administrator who is someone else to approve (`decide` with the same outcome). Replaces a
    pending proposal; the ticket's status, and what the applicant sees, stay as they are."""
    with session_scope() as session:
        t = _locked(session, ticket_no)
        if t.status not in OPEN_STATUSES:
            raise TicketError(f"{t.ticket_no} 当前状态为{t.status}，不能再作决定")
        if outcome == RETURN or not four_eyes.needs_approval(outcome):
            raise TicketError(f"【{outcome}】不改变记录的公示内容，可以直接作出决定，无需提请批准")
        _check_outcome(t, outcome)
        who = session.get(StaffUser, staff_id)
        if who is None or not who.active:
            raise TicketError("没有这个在用的工作人员账号，不能提请批准")
        _supersede(session, t.id, staff_id)
        session.add(TicketProposal(ticket_id=t.id, outcome=outcome, note=note, proposed_by=staff_id))
        audit.log(session, "staff", staff, "ticket_propose", "ticket", t.ticket_no, {"outcome": outcome, "note": note},
                  channel=channel)
        session.flush()
        return _view(session, t)


def reject_proposal(ticket_no: str, staff: str, staff_id: int | None, note: str | None = None,
                    channel: str = "cli") -> TicketView:
    """Turn down the pending proposal (a supervisor or an administrator, or the local administrator
    with staff_id None); the ticket stays open for another decision."""
    refused: str | None = None
    with session_scope() as session:
        t = _locked(session, ticket_no)
        p = four_eyes.pending(session, t.id)
        if p is None:
            raise TicketError(f"{t.ticket_no} 没有待批准的提议")
        who = session.get(StaffUser, staff_id) if staff_id is not None else None
        if staff_id is not None and (who is None or not who.active or not four_eyes.may_approve(who.role)):
            refused = "只有主管（supervisor）或管理员（admin）可以驳回提议"
            audit.log(session, "staff", staff, "ticket_proposal_reject_refused", "ticket", t.ticket_no,
                      {"proposal_id": p.id, "reason": refused}, channel=channel)
        else:
            p.status, p.decided_by, p.decided_at = four_eyes.REJECTED, staff_id, utcnow()
            audit.log(session, "staff", staff, "ticket_proposal_reject", "ticket", t.ticket_no,
                      {"proposal_id": p.id, "outcome": p.outcome, "note": note}, channel=channel)
            view = _view(session, t)
    if refused is not None:
        raise NotAllowed(refused)
    return view


def pending_proposal(ticket_no: str) -> four_eyes.ProposalView | None:
    """The proposal waiting for approval on this ticket, for the console's ticket page."""
    with session_scope() as session:
        t = session.execute(sa.select(Ticket).where(Ticket.ticket_no == ticket_no.strip().upper())).scalar_one_or_none()
        p = four_eyes.pending(session, t.id) if t else None
        return four_eyes.ProposalView.of(session, p) if p else None


# ---------------------------------------------------------------- what a form can file against

def records_for(subject_id: int, kind: str, today: dt.date | None = None) -> list[RecordView]:
    """The subject's displayed records a filing of `kind` can be about (repairs: no licences): those
    on public display on `today` (default: the real today), never a lapsed one."""
    kinds = ("penalty", "list") if kind == "repair" else ("penalty", "list", "license")
    with session_scope() as session:
        subject = session.get(Subject, subject_id)
        if subject is None:
            return []
        rows = subjects.records_of(session, subject_id, kinds, today=today, subject=subject)
        return [RecordView.of(r, region=subject.region_name, subject_type=subject.subject_type)
                for r in rows if _shown_to_public(r, subject.subject_type)]


def _shown_to_public(record: Record, subject_type: str | None) -> bool:
    """A natural person's penalties and licences are never public, only the lists the display rules
    name (as in the enquiry): no form may offer, find or file on the others."""
    return subject_type != "自然人" or (record.kind == "list" and record.list_type in display_rules().person_public_lists)


def offered_record(record_id: int, kind: str, subject_id: int | None,
                   today: dt.date | None = None) -> RecordView | None:
    """The record a form button (choice r<id>) names, only if the filing could have offered it: one
    of `records_for` the filing's subject. A forged payload naming another subject's record, a record
    no longer displayed or a natural person's non-public record gets None."""
    if subject_id is None:
        return None
    return next((r for r in records_for(subject_id, kind, today) if r.id == record_id), None)


# A document number (文号) always has digits, the year and the sequence number (京市监罚〔2026〕12号),
# and is longer than this. A shorter or digitless one matches no record, and the search for it used
# to read every public record (0.7 s at 18k records; issue 15, finding 9).
MIN_DOC_CHARS = 6
_DIGITS = re.compile(r"[0-9]+")


def doc_searchable(doc_number: str | None) -> bool:
    """Whether `doc_number` can be a document number at all: worth a search."""
    key = keys.doc_key(doc_number or "")
    return len(key) >= MIN_DOC_CHARS and bool(_DIGITS.search(key))


def record_by_doc(doc_number: str, subject_id: int | None = None, sender_id: str | None = None,
                  channel: str | None = None, audience: str = "anonymous",
                  today: dt.date | None = None) -> list[RecordView]:
    """Displayed records with this document number (brackets and spaces normalised). A lookup like
    the enquiry's: audited (lookup_doc) and limited (rate_limit.TooManyLookups, nothing read).
    Nothing is read, counted or audited for a number that cannot be one (`doc_searchable`): the
    form asks for the whole number before it calls this."""
    if not doc_searchable(doc_number):
        return []
    wanted = keys.doc_key(to_simplified(doc_number))
    with session_scope() as session:
        refused = rate_limit.check_lookup(session, audience, sender_id, "lookup_doc", "record",
                                          {"doc_number": doc_number[:200]}, channel)
        if refused is None:
            day = today or dt.date.today()
            q = sa.select(Record).where(subjects.may_show(day))
            if subject_id is not None:
                q = q.where(Record.subject_id == subject_id)
            candidates = session.execute(q.where(Record.doc_number.like(_digits_pattern(doc_number)))).scalars()
            found = [_public_view(session, r, day) for r in candidates
                     if keys.doc_key(to_simplified(r.doc_number)) == wanted]
            found = [v for v in found if v is not None]
            audit.log(session, audience, sender_id, "lookup_doc", "record", found[0].id if len(found) == 1 else None,
                      {"doc_number": doc_number[:200], "subject_id": subject_id, "found": len(found)}, channel=channel)
            return found
    raise refused


def _public_view(session: Session, record: Record, today: dt.date) -> RecordView | None:
    """The record's view if the public may see it on `today` (display_periods, natural persons' rule)."""
    subject = session.get(Subject, record.subject_id)
    if not _shown_to_public(record, subject.subject_type):
        return None
    if not subjects.is_public(record, subject.region_name, subject.subject_type, today):
        return None
    return RecordView.of(record, region=subject.region_name, subject_type=subject.subject_type)


def _digits_pattern(doc_number: str) -> str:
    """'%2026%12%' for 京市监罚〔2026〕12号: its runs of digits in order, as typed, a LIKE filter
    the exact comparison then narrows (brackets and script vary between typed and stored numbers,
    digits do not)."""
    runs = re.findall(r"\d+", doc_number)
    return "%" + "%".join(runs) + "%"


def record_view(record_id: int) -> RecordView | None:
    with session_scope() as session:
        record = session.get(Record, record_id)
        return _view_of(session, record) if record else None


def record_views(record_ids: list[int]) -> list[RecordView]:
    """The records in the order asked for, in one query; ids that no longer exist are left out."""
    with session_scope() as session:
        rows = {r.id: r for r in session.execute(sa.select(Record).where(Record.id.in_(record_ids))).scalars()}
        return [_view_of(session, rows[i]) for i in record_ids if i in rows]


def _view_of(session: Session, record: Record) -> RecordView:
    """A record's view with its subject's region, so that its display term holds local rules."""
    subject = session.get(Subject, record.subject_id)
    return RecordView.of(record, region=subject.region_name if subject else None,
                         subject_type=subject.subject_type if subject else None)


def is_subject_code(subject_id: int, code: str) -> bool:
    """Whether `code` (normalised) is the filing's own subject's: a code in an answer that names the
    subject already chosen changes nothing. Not a lookup: it tells the caller nothing about any
    other subject, so it is neither counted nor audited."""
    with session_scope() as session:
        found = subjects.find_by_code(session, code)
        return found is not None and found.id == subject_id


def subject_name(subject_id: int) -> str | None:
    """For a filing's summary: the name alone, not a lookup (the subject was looked up when chosen)."""
    with session_scope() as session:
        return session.execute(sa.select(Subject.name).where(Subject.id == subject_id)).scalar_one_or_none()
