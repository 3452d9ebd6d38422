"""`xinyong tickets list|show|accept|decide`: the staff side of the objection and repair workflow.

The staff console (issue 6) calls the same services (actions/services/tickets.py). Whoever can run
this command can reach the database, so the operating-system account is the authentication; the
staff name given (--staff, or XINYONG_STAFF, or the OS user) is written to every event and to the
audit log together with the OS user.
"""
from __future__ import annotations

import getpass
import json
import os
import sys

from actions.services import audit, tickets
from actions.services.codes import mask_ids_in_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DECISIONS = ("更正", "撤销", "维持", "准予修复", "不予修复", tickets.RETURN)


def _staff(args) -> str:
    os_user = getpass.getuser()
    name = args.staff or os.environ.get("XINYONG_STAFF") or os_user
    return name if name == os_user else f"{name} (os:{os_user})"


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
    t = tickets.get(args.ticket)
    # A ticket's details (contact, phone, statements) read by a person: audited like the console's page.
    audit.record("staff", _staff(args), "staff_view_ticket", "ticket", t.ticket_no if t else args.ticket.strip()[:100],
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
    t = tickets.decide(args.ticket, args.outcome, _staff(args), args.note)
    print(f"{t.ticket_no} → {t.status}{'（' + t.outcome + '）' if t.outcome else ''}；记录状态：{t.record_status}")
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

    for name, helptext in (("accept", "move forward: 已提交 → 已受理 → 核实中/审核中"),
                           ("decide", "decide: 更正/撤销/维持 (objections), 准予修复/不予修复 (repairs), 退回补正")):
        c = t.add_parser(name, help=helptext)
        c.add_argument("ticket")
        if name == "decide":
            c.add_argument("outcome", choices=DECISIONS)
        c.add_argument("--note", help="shown to the applicant (required for 退回补正)")
        c.add_argument("--staff", help="staff name recorded on the event (default XINYONG_STAFF or OS user)")
        c.set_defaults(tickets_func=cmd_accept if name == "accept" else cmd_decide)
    p.set_defaults(func=run)


def _status_arg(value: str | None) -> str | None:
    return None if value == "all" else (value or "open")

