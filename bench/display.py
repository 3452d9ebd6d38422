"""What showing records by law (issue 16) costs: a lookup with its reply, and `records expire`.

    .venv/bin/python bench/display.py [--subjects 20000] [--lookups 2000] [--database-url URL] [--code DIR]

Seeds a fresh SQLite database (or uses --database-url) with the demo generator, then times, for
random subjects that have records: `enquiry.by_id` (the follow-up lookup: rate-limit check, audit
entry, the subject's public records, and since issue 16 each record's display term) plus rendering
the reply. `--code DIR` runs the lookups with another checkout's `actions` package on the same
database (e.g. a worktree of the commit before), so both are timed on identical rows. Then times
`records expire --dry-run` and a real run over the whole database when the checkout has it.
Prints p50/p95/p99 in milliseconds; nothing is asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=20000)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--database-url", default=None, help="an existing database (default: seed a fresh SQLite)")
    ap.add_argument("--code", default=str(ROOT), help="the checkout whose `actions` package is timed")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.code).resolve()))
    url = args.database_url
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='xinyong-display-bench-')}/bench.db"
    os.environ["DATABASE_URL"] = url

    import sqlalchemy as sa

    from actions.db.engine import make_engine, session_scope
    from actions.db.models import Record
    from actions.services import enquiry, enquiry_text

    engine = make_engine(url)
    if args.database_url is None:
        from actions.db.migrate import upgrade
        from actions.services import demo_data
        upgrade(engine)
        t0 = time.perf_counter()
        demo_data.seed(engine, subjects=args.subjects)
        print(f"seeded {args.subjects} subjects in {time.perf_counter() - t0:.1f} s", flush=True)
    with session_scope() as session:
        ids = session.execute(sa.select(Record.subject_id).where(Record.kind != "license").distinct()).scalars().all()
    rng = random.Random(1)
    sample = [rng.choice(ids) for _ in range(args.lookups)]
    samples = []
    for sid in sample:
        t0 = time.perf_counter()
        found = enquiry.by_id(sid, sender_id=f"bench-{sid}")
        enquiry_text.render(found)
        samples.append((time.perf_counter() - t0) * 1000)
    print(f"code: {args.code}\n| measure | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|")
    print(f"| lookup by id + reply (n={len(samples)}) | {pct(samples, 50):.2f} | {pct(samples, 95):.2f} "
          f"| {pct(samples, 99):.2f} |")
    try:
        from actions.services import expiry
    except ImportError:
        return 0
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(Record)).scalar_one()
    for dry in (True, False):
        t0 = time.perf_counter()
        result = expiry.expire(engine, today=dt.date.today() + dt.timedelta(days=200), dry_run=dry, actor="bench")
        secs = time.perf_counter() - t0
        print(f"| records expire{' --dry-run' if dry else ''} over {total} records (+200 days) | "
              f"{secs:.2f} s | {result.expired} of {result.checked} checked moved |  |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
