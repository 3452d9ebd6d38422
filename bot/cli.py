"""The `xinyong` command: the contract operators and other parts of the platform script against.

    xinyong db init
    xinyong db seed-demo [--subjects N] [--seed S] [--if-empty] [--today YYYY-MM-DD]
    xinyong import penalties|licenses|lists FILE [--json] [--encoding auto|utf-8|gbk] [--strict]
    xinyong records expire [--dry-run] [--json] [--today YYYY-MM-DD]
    xinyong train [--force]
    xinyong serve
    xinyong tickets list [--status open|all|STATUS] [--kind objection|repair] [--json]
    xinyong tickets show TICKET [--json]
    xinyong tickets accept TICKET [--note N] [--staff NAME]
    xinyong tickets decide TICKET 更正|撤销|维持|准予修复|不予修复|退回补正 [--note N] [--staff NAME]
    xinyong policy build [--sources DIR] | clauses [--doc ID] | ask QUESTION [--json]
    xinyong staff add NAME [--role operator|supervisor|admin] [--display-name N] | list [--json] | disable NAME
    xinyong web         (the chat page and staff console alone, on WEB_PORT)
    xinyong telegram    (the Telegram bridge alone; needs TELEGRAM_TOKEN)

Heavy modules (Rasa, TensorFlow) are imported inside the commands that need them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _engine():
    from actions.db.engine import get_engine

    return get_engine()


def cmd_db_init(args) -> int:
    from actions.db.engine import restrict_sqlite_files
    from actions.db.migrate import upgrade

    engine = _engine()
    before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    for path in restrict_sqlite_files(str(engine.url)):
        print(f"已限制为仅所有者可读写 (now readable by its owner only): {path}")
    if before == after:
        print(f"数据库已是最新结构 (schema at {after}): {where}")
    else:
        print(f"数据库结构已更新 {before or '∅'} → {after}: {where}")
    return EXIT_OK


def cmd_db_seed_demo(args) -> int:
    from actions.db.migrate import upgrade
    from actions.services import demo_data

    engine = _engine()
    upgrade(engine)
    if args.if_empty and demo_data.has_subjects(engine):
        print("数据库已有数据，跳过演示数据 (database not empty, demo seed skipped)")
        return EXIT_OK
    try:
        stats = demo_data.seed(engine, subjects=args.subjects, seed=args.seed,
                               progress=sys.stderr.isatty(), today=args.today)
    except demo_data.DemoDataError as exc:
        print(f"{exc}；如需只在空库时生成，请加 --if-empty", file=sys.stderr)
        return EXIT_FAILED
    print("演示数据已生成 (demo data): " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    return EXIT_OK


def cmd_import(args) -> int:
    from actions.db.migrate import upgrade
    from actions.importer.run import ImportFailed, import_file

    engine = _engine()
    upgrade(engine)
    try:
        result = import_file(engine, args.kind, args.file, encoding=args.encoding,
                             strict=args.strict, progress=sys.stderr.isatty())
    except ImportFailed as exc:
        print(f"导入失败：{exc}", file=sys.stderr)
        return EXIT_USAGE
    print(result.summary())
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    return EXIT_FAILED if result.refused else EXIT_OK


def cmd_train(args) -> int:
    from pathlib import Path

    from bot.training import train

    return train(force=args.force, out=Path(args.out) if args.out else None, epochs=args.epochs)


def cmd_serve(args) -> int:
    from bot.serve import serve

    return serve(args.replicas)


def cmd_web(args) -> int:
    from actions.db.migrate import upgrade
    from bot.web.app import main as web_main

    upgrade(_engine())
    return web_main()


def cmd_telegram(args) -> int:
    from bot.telegram_bridge import main as telegram_main

    return telegram_main()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xinyong", description="信用助手 xinyong")
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema and demo data").add_subparsers(dest="db_command", required=True)
    db.add_parser("init", help="create or migrate the schema to head").set_defaults(func=cmd_db_init)
    seed = db.add_parser("seed-demo", help="deterministic synthetic demo data")
    seed.add_argument("--subjects", type=_positive_int, default=3000)
    seed.add_argument("--seed", type=int, default=20260401, help="random seed (same seed, same data)")
    seed.add_argument("--if-empty", action="store_true", help="do nothing if the database has subjects")
    seed.add_argument("--today", type=_iso_day, help="the seeding day every demo date counts back from "
                                                     "(default: today; fix it for reproducible docs and tests)")
    seed.set_defaults(func=cmd_db_seed_demo)

    imp = sub.add_parser("import", help="import a 双公示 or list export (CSV)")
    imp.add_argument("kind", choices=["penalties", "licenses", "lists"])
    imp.add_argument("file")
    imp.add_argument("--json", action="store_true", help="last line of stdout is a JSON summary")
    imp.add_argument("--encoding", choices=["auto", "utf-8", "gbk"], default="auto")
    imp.add_argument("--strict", action="store_true", help="refuse the whole file if any row is invalid")
    imp.set_defaults(func=cmd_import)

    train = sub.add_parser("train", help="train the Rasa model into models/ when its inputs changed")
    train.add_argument("--force", action="store_true")
    train.add_argument("--out", help="model folder (default models/)")
    train.add_argument("--epochs", type=_positive_int,
                       help="cap every epochs setting (quick test models; default: config.yml as is)")
    train.set_defaults(func=cmd_train)

    srv = sub.add_parser("serve", help="start every server: actions, Rasa, web (and Telegram when TELEGRAM_TOKEN is set)")
    srv.add_argument("--replicas", type=int, default=int(os.environ.get("XINYONG_REPLICAS", "1") or 1),
                   help="N Rasa, action and web servers behind nginx (needs PostgreSQL and REDIS_URL)")
    srv.set_defaults(func=cmd_serve)
    sub.add_parser("web", help="the chat page and the staff console alone, on WEB_PORT").set_defaults(func=cmd_web)
    sub.add_parser("telegram", help="the Telegram bridge alone (TELEGRAM_TOKEN)").set_defaults(func=cmd_telegram)

    from bot import policy_cli, records_cli, staff_cli, tickets_cli

    records_cli.add_parser(sub)
    tickets_cli.add_parser(sub)
    policy_cli.add_parser(sub)
    staff_cli.add_parser(sub)
    return p


def _iso_day(value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an operator gets one clear line, not a traceback
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            print(f"无法连接或操作数据库 (database error): {exc.orig}", file=sys.stderr)
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
