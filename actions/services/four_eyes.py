"""Who may decide what on a ticket (issue 15, finding 8): no single staff member can take a record
off public display or change what it says.

- A decision that leaves the published record as it is (维持, 不予修复, 退回补正) any staff member
  makes alone, as do accepting a ticket and answering a handoff.
- A decision that changes the record (更正, 撤销, 准予修复: every outcome but those two) is first
  proposed by one staff member (any role) and carried out only when a supervisor or an
  administrator who is not the proposer approves it. A supervisor alone cannot do it either.
- The local administrator (`xinyong tickets decide` without --staff: a shell on the server and the
  database in reach) is outside these rules; they could change the database directly anyway, and
  their decisions are audited under the OS user.

The roles are staff_users.role: operator, supervisor, admin. In the console, admin has the
supervisor's rights; accounts themselves are managed with `xinyong staff` on the server.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.models import StaffUser, TicketProposal
from actions.services.staff import label_in

KEEPS_RECORD = ("维持", "不予修复")  # the record stays as published: one person decides
APPROVERS = ("supervisor", "admin")
PENDING, APPROVED, REJECTED, SUPERSEDED = "待批准", "已批准", "已驳回", "已失效"
ROLE_NAMES = {"operator": "坐席（operator）", "supervisor": "主管（supervisor）", "admin": "管理员（admin）"}


def needs_approval(outcome: str) -> bool:
    """Whether deciding `outcome` changes the published record (callers pass a valid outcome or 退回补正)."""
    return outcome not in KEEPS_RECORD and outcome != "退回补正"


@dataclass(frozen=True)
class ProposalView:
    id: int
    outcome: str
    note: str | None
    status: str
    proposed_by_id: int
    proposed_by: str | None
    proposed_at: dt.datetime

    @classmethod
    def of(cls, session: Session, p: TicketProposal) -> "ProposalView":
        return cls(p.id, p.outcome, p.note, p.status, p.proposed_by, label_in(session, p.proposed_by), p.proposed_at)


def pending(session: Session, ticket_id: int) -> TicketProposal | None:
    return session.execute(sa.select(TicketProposal).where(TicketProposal.ticket_id == ticket_id,
                                                           TicketProposal.status == PENDING)
                           .order_by(TicketProposal.id.desc()).limit(1)).scalar_one_or_none()


def may_approve(role: str | None) -> bool:
    return role in APPROVERS


def refusal(who: StaffUser | None, proposal: TicketProposal | None, outcome: str) -> str | None:
    """Why the staff member `who` may not decide the record-changing `outcome` now; None when they
    may, which is only as the approver of someone else's pending proposal of that outcome."""
    if who is None or not who.active:
        return "没有这个在用的工作人员账号，不能作出决定"
    if not may_approve(who.role):
        return (f"【{outcome}】会改变记录的公示内容，须由主管（supervisor）或管理员（admin）批准，"
                f"一名{ROLE_NAMES.get(who.role, who.role)}不能单独决定。请选择【提请批准】，由主管批准后生效。")
    if proposal is None:
        return (f"【{outcome}】会改变记录的公示内容，须双人复核：由一名工作人员提请批准，另一名主管或管理员批准。"
                f"这张申请还没有待批准的提议；请先【提请批准】，再由另一位主管或管理员批准。")
    if proposal.outcome != outcome:
        return f"待批准的提议是【{proposal.outcome}】，不是【{outcome}】；请批准或驳回该提议。"
    if proposal.proposed_by == who.id:
        return "不能批准自己提出的决定：须由另一位主管或管理员批准（双人复核）。"
    return None
