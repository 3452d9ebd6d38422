"""`xinyong staff add|list|disable`: the accounts that may sign in to the staff console.

`add NAME` asks for the password twice on a terminal, or reads one line from standard input when
it is not a terminal (`echo "$PW" | xinyong staff add wangfang`); running it for an existing name
sets a new password and ends that account's sessions. Passwords are stored as scrypt hashes.
"""
from __future__ import annotations

import getpass
import json
import sys

from actions.services import passwords, staff

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _read_password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass("密码 (password): ")
        if getpass.getpass("再输入一次 (again): ") != first:
            print("两次输入的密码不一致", file=sys.stderr)
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_add(args) -> int:
    password = _read_password()
    if password is None:
        return EXIT_USAGE
    try:
        view, created = staff.add(args.name, password, role=args.role, display_name=args.display_name,
                                  actor=f"cli:{getpass.getuser()}")
    except (staff.StaffError, passwords.WeakPassword) as refused:
        print(f"未保存：{refused}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{'已创建' if created else '已更新密码'}工作人员 {view.username}（{view.display_name}，{view.role}）")
    return EXIT_OK


def cmd_list(args) -> int:
    rows = staff.listing()
    if args.json:
        print(json.dumps([{"username": s.username, "display_name": s.display_name, "role": s.role,
                           "active": s.active,
                           "last_login_at": s.last_login_at.isoformat() if s.last_login_at else None}
                          for s in rows], ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("还没有工作人员账号；用 xinyong staff add 用户名 创建")
    for s in rows:
        print(f"{s.username}\t{s.display_name}\t{s.role}\t{'启用' if s.active else '停用'}")
    return EXIT_OK


def cmd_disable(args) -> int:
    try:
        view = staff.disable(args.name, actor=f"cli:{getpass.getuser()}")
    except staff.StaffError as refused:
        print(str(refused), file=sys.stderr)
        return EXIT_FAILED
    print(f"已停用 {view.username}，其登录会话已全部结束")
    return EXIT_OK


def add_parser(sub) -> None:
    p = sub.add_parser("staff", help="staff console accounts").add_subparsers(dest="staff_command", required=True)
    add = p.add_parser("add", help="create an account or set a new password (asks for it)")
    add.add_argument("name")
    add.add_argument("--role", choices=["operator", "supervisor", "admin"],
                     help="operator (default for a new account): accepts tickets, answers handoffs, decides "
                          "维持/不予修复/退回补正 and proposes 更正/撤销/准予修复; supervisor or admin: also approves "
                          "another's proposal. Unchanged when resetting a password unless given")
    add.add_argument("--display-name", help="name shown in the console and ticket history")
    add.set_defaults(func=cmd_add)
    ls = p.add_parser("list", help="list accounts")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    dis = p.add_parser("disable", help="disable an account and end its sessions")
    dis.add_argument("name")
    dis.set_defaults(func=cmd_disable)
