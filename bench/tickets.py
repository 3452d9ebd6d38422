"""Filing and deciding tickets through the services, on SQLite and PostgreSQL.

    .venv/bin/python bench/tickets.py [--subjects 3000] [--filings 300] [--threads 4] [--pg URL]

Seeds a fresh demo database, then files one objection per displayed penalty (the whole
transaction: ticket number, ticket, event, record status, audit), retries each filing once with the
same key (the duplicate path), checks eligibility of every displayed record, and decides every
ticket. Prints p50/p95/p99 in milliseconds and the filings per second with `--threads` concurrent
filers. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - start) * 1000, result


def run(url: str, subjects: int, filings: int, threads: int) -> dict:
    import os

    os.environ["DATABASE_URL"] = url
    import sqlalchemy as sa

    from actions.db.engine import dispose_engines, get_engine, session_scope
    from actions.db.migrate import upgrade
    from actions.db.models import Record
    from actions.services import demo_data, eligibility, tickets
    from actions.services.enquiry import RecordView

    dispose_engines()
    engine = get_engine(url)
    upgrade(engine)
    demo_data.seed(engine, subjects=subjects, seed=11)
    with session_scope() as s:
        records = [RecordView.of(r) for r in s.execute(sa.select(Record).where(
            Record.kind == "penalty", Record.display_status == "公示中").order_by(Record.id).limit(filings)).scalars()]
    today = dt.date(2026, 11, 30)

    def file(record):
        return timed(tickets.file, tickets.Filing(kind="objection", record_id=record.id, sender_id="bench",
                                                  idempotency_key=f"bench:{record.id}", ground="信息错误",
                                                  description="bench", contact_phone="13912345678"), today)

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(threads) as pool:
        filed = list(pool.map(file, records))
    wall = time.perf_counter() - start
    retried = [file(r)[0] for r in records]
    checks = [timed(eligibility.assess, r)[0] for r in records]
    decided = [timed(tickets.decide, f[1].ticket.ticket_no, "维持", "bench")[0] for f in filed]
    numbers = {f[1].ticket.ticket_no for f in filed}
    dispose_engines()
    return {"filings": len(filed), "distinct numbers": len(numbers), "filings/s": len(filed) / wall,
            "file p50/p95/p99": [pct([f[0] for f in filed], p) for p in (50, 95, 99)],
            "retry p50/p95": [pct(retried, p) for p in (50, 95)],
            "eligibility mean": statistics.mean(checks),
            "decide p50/p95": [pct(decided, p) for p in (50, 95)]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=3000)
    ap.add_argument("--filings", type=int, default=300)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--pg", default="", help="an empty PostgreSQL database URL to use as well")
    args = ap.parse_args()
    urls = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    if args.pg:
        urls["postgresql"] = args.pg
    for name, url in urls.items():
        result = run(url, args.subjects, args.filings, args.threads)
        print(f"{name}:")
        for key, value in result.items():
            shown = " / ".join(f"{v:.1f}" for v in value) if isinstance(value, list) else (
                f"{value:.3f}" if isinstance(value, float) else value)
            print(f"  {key:20} {shown}{' ms' if 'p50' in key or 'mean' in key else ''}")


if __name__ == "__main__":
    main()
