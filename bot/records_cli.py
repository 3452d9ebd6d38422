"""`xinyong records expire [--dry-run] [--json] [--today YYYY-MM-DD]`: move records past their end of
display to 已到期 (services.expiry), so that other systems on the shared database see what the
assistant already hides. `xinyong serve` runs the same at start and daily."""
from __future__ import annotations

import datetime as dt
import getpass
import json

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_expire(args) -> int:
    from actions.db.engine import get_engine
    from actions.db.migrate import upgrade
    from actions.services import expiry

    engine = get_engine()
    upgrade(engine)
    result = expiry.expire(engine, today=args.today, dry_run=args.dry_run, actor=f"cli:{getpass.getuser()}",
                           channel="cli")
    print(result.summary())
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    return EXIT_OK


def _day(value: str) -> dt.date:
    import argparse

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def add_parser(sub) -> None:
    p = sub.add_parser("records", help="records on display: expire those past their end of display")
    r = p.add_subparsers(dest="records_command", required=True)
    ex = r.add_parser("expire", help="move records past their end of display (公示截止期 or their tier's maximum) "
                                     "to 已到期, in one audited transaction")
    ex.add_argument("--dry-run", action="store_true", help="change nothing; report what would change")
    ex.add_argument("--json", action="store_true", help="last line of stdout is a JSON summary")
    ex.add_argument("--today", type=_day, help="the day to judge by (default: today)")
    ex.set_defaults(func=cmd_expire)
