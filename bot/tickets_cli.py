"""`xinyong tickets list|show|accept|decide|propose|reject`: the staff side of the objection and
repair workflow.

The staff console calls the same services (actions/services/tickets.py). Whoever can run this
command can reach the database, so the operating-system account is the authentication:

- with `--staff NAME` (or XINYONG_STAFF), NAME is a console account's user name and that account's
  role applies as in the console (services.four_eyes): an operator cannot 更正, 撤销 or 准予修复
  alone, only `propose` it, and a supervisor's `decide` of such an outcome approves someone else's
  proposal;
- without it, the local administrator acts (shell and database access, outside the four-eyes
  rule, which they could bypass in the database anyway), recorded as "<OS user>（本机管理员）".

The staff label and the OS user go on every event and audit entry.
"""
from __future__ import annotations

import getpass
import json
import os
import sys

from actions.services import audit, four_eyes, staff, tickets
from actions.services.codes import mask_ids_in_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DECISIONS = ("更正", "撤销", "维持", "准予修复", "不予修复", tickets.RETURN)
PROPOSALS = tuple(d for d in DECISIONS if d != tickets.RETURN and four_eyes.needs_approval(d))


def _who(args) -> tuple[str, int | None]:
    """(label for events and the audit log, console account id or None for the local administrator)."""
    os_user = getpass.getuser()
    name = (getattr(args, "staff", None) or os.environ.get("XINYONG_STAFF") or "").strip()
    if not name:
        return f"{os_user}（本机管理员）", None
    account = staff.by_username(name)
    if account is None or not account.active:
        raise tickets.TicketError(f"没有用户名为 {name} 的在用工作台账号（--staff 或 XINYONG_STAFF 应为账号的用户名，"
                                  f"见 xinyong staff list；不指定时以本机管理员身份办理）")
    return f"{account.label} (os:{os_user})", account.id


def _staff(args) -> str:
    return _who(args)[0]


def _row(t: tickets.TicketView) -> dict:
    return {"ticket_no": t.ticket_no, "kind": t.kind, "status": t.status, "outcome": t.outcome,
            "subject": mask_ids_in_text(t.subject_name), "record": t.record_doc, "record_status": t.record_status,
            "created_at": t.created_at.isoformat() if t.created_at else None,
            "due_date": t.due_date.isoformat() if t.due_date else None}


def _detail(t: tickets.TicketView) -> dict:
    row = _row(t)
    row.update(ground=t.ground, description=t.description, evidence=t.evidence, performance=t.performance,
               contact_name=t.contact_name, contact_phone=t.contact_phone, sender_id=t.sender_id,
               events=[{"at": e.at.isoformat(), "status": e.status, "outcome": e.outcome,
                        "actor_type": e.actor_type, "actor": e.actor, "note": e.note} for e in t.events])
    return row


def _print_detail(t: tickets.TicketView, as_json: bool) -> None:
    if as_json:
        print(json.dumps(_detail(t), ensure_ascii=False))
        return
    for key, value in _detail(t).items():
        if key == "events":
            print("events:")
            for e in value:
                print(f"  {e['at'][:19]}  {e['status']}{'（' + e['outcome'] + '）' if e['outcome'] else ''}"
                      f"  {e['actor_type']}  {e['note'] or ''}")
        elif value not in (None, ""):
            print(f"{key}: {value}")


def cmd_list(args) -> int:
    rows = tickets.listing(status=_status_arg(args.status), kind=args.kind, limit=args.limit)
    if args.json:
        print(json.dumps([_row(t) for t in rows], ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("没有符合条件的申请 (no tickets)")
    for t in rows:
        print(f"{t.ticket_no}  {t.status}{'（' + t.outcome + '）' if t.outcome else ''}  "
              f"期限 {t.due_date or '-'}  {mask_ids_in_text(t.subject_name)}  {t.record_doc}")
    return EXIT_OK


def cmd_show(args) -> int:
    who = _staff(args)
    t = tickets.get(args.ticket)
    # A ticket's details (contact, phone, statements) read by a person: audited like the console's page.
    audit.record("staff", who, "staff_view_ticket", "ticket", t.ticket_no if t else args.ticket.strip()[:100],
                 {"found": t is not None}, channel="cli")
    if t is None:
        print(f"没有编号为 {args.ticket} 的申请", file=sys.stderr)
        return EXIT_FAILED
    _print_detail(t, args.json)
    return EXIT_OK


def cmd_accept(args) -> int:
    t = tickets.accept(args.ticket, _staff(args), args.note)
    print(f"{t.ticket_no} → {t.status}")
    return EXIT_OK


def cmd_decide(args) -> int:
    label, staff_id = _who(args)
    t = tickets.decide(args.ticket, args.outcome, label, args.note, staff_id=staff_id)
    print(f"{t.ticket_no} → {t.status}{'（' + t.outcome + '）' if t.outcome else ''}；记录状态：{t.record_status}")
    return EXIT_OK


def cmd_propose(args) -> int:
    label, staff_id = _who(args)
    if staff_id is None:
        raise tickets.TicketError("提请批准须用 --staff 指明您的工作台账号（本机管理员可直接 decide）")
    t = tickets.propose(args.ticket, args.outcome, label, staff_id, args.note)
    print(f"{t.ticket_no}：已提请批准“{args.outcome}”，须由另一位主管（supervisor）或管理员（admin）批准："
          f"xinyong tickets decide {t.ticket_no} {args.outcome} --staff 主管用户名")
    return EXIT_OK


def cmd_reject(args) -> int:
    label, staff_id = _who(args)
    t = tickets.reject_proposal(args.ticket, label, staff_id, args.note)
    print(f"{t.ticket_no}：已驳回待批准的提议，申请仍为{t.status}")
    return EXIT_OK


def run(args) -> int:
    try:
        return args.tickets_func(args)
    except tickets.TicketError as refused:
        print(f"未执行：{refused}", file=sys.stderr)
        return EXIT_FAILED


def add_parser(sub) -> None:
    p = sub.add_parser("tickets", help="objection and repair tickets: list, show, accept, decide")
    t = p.add_subparsers(dest="tickets_command", required=True)

    ls = t.add_parser("list", help="tickets, earliest due first")
    ls.add_argument("--status", help="open (default), all, or a status such as 已提交")
    ls.add_argument("--kind", choices=["objection", "repair"])
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(tickets_func=cmd_list)

    show = t.add_parser("show", help="one ticket with its history")
    show.add_argument("ticket")
    show.add_argument("--json", action="store_true")
    show.add_argument("--staff", help="staff name recorded in the audit log (default XINYONG_STAFF or OS user)")
    show.set_defaults(tickets_func=cmd_show)

    commands = {
        "accept": ("move forward: 已提交 → 已受理 → 核实中/审核中", cmd_accept, None),
        "decide": ("decide: 更正/撤销/维持 (objections), 准予修复/不予修复 (repairs), 退回补正; with --staff, "
                   "更正/撤销/准予修复 approve another's proposal and need a supervisor or admin", cmd_decide, DECISIONS),
        "propose": ("propose 更正/撤销/准予修复 for a supervisor or admin to approve (needs --staff)", cmd_propose,
                    PROPOSALS),
        "reject": ("turn down the pending proposal (supervisor or admin)", cmd_reject, None),
    }
    for name, (helptext, func, outcomes) in commands.items():
        c = t.add_parser(name, help=helptext)
        c.add_argument("ticket")
        if outcomes:
            c.add_argument("outcome", choices=outcomes)
        c.add_argument("--note", help="shown to the applicant (required for 退回补正)")
        c.add_argument("--staff", help="console user name whose role applies (default XINYONG_STAFF; "
                                       "neither: the local administrator)")
        c.set_defaults(tickets_func=func)
    p.set_defaults(func=run)


def _status_arg(value: str | None) -> str | None:
    return None if value == "all" else (value or "open")

