"""What the per-client-address limits (issue 15) cost per message and per lookup, on SQLite and
PostgreSQL, with a busy audit log.

    .venv/bin/python bench/limits.py [--rows 200000] [--calls 2000] [--pg URL]

Seeds a fresh database with `--rows` audit entries spread over many conversations and addresses
(lookups of the last hour, so every window query has work to do), then times:
- `admit` for a new conversation (one insert and a window count by address) and for a known one
  (the primary-key read; the in-process cache of bot/channels/clients.py skips even that);
- a lookup by code with and without a client address (the address adds one indexed count).
Prints p50/p95/p99 in milliseconds. Nothing is asserted; limits are switched off by a limits file
with numbers too high to be reached, so every call does the full count.
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
sys.path.insert(0, str(ROOT))

HONGTAI = "912306047LY7DWQT7J"  # docs/demo_data.md


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _limits_file(folder: Path) -> Path:
    """The shipped limits with every number raised out of reach: each call counts, none is refused."""
    import re

    from actions.services.limits_rules import RULES_FILE

    text = RULES_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(lookups|failures|conversations|requests): \d+", r"\1: 100000000", text)
    path = folder / "limits-bench.yml"
    path.write_text(text, encoding="utf-8")
    return path


def run(url: str, rows: int, calls: int) -> dict:
    from actions.db import engine as engine_mod
    from actions.db.migrate import upgrade
    from actions.db.models import AuditLog, utcnow
    from actions.services import client_context, client_conversations, demo_data, enquiry

    os.environ["DATABASE_URL"] = url
    engine_mod.dispose_engines()
    engine = engine_mod.make_engine(url)
    upgrade(engine)
    demo_data.seed(engine, subjects=200, seed=1)
    rng = random.Random(7)
    now = utcnow()
    with engine_mod.session_scope() as session:
        session.bulk_insert_mappings(AuditLog, [
            {"at": now - dt.timedelta(seconds=rng.randrange(3600)), "actor_type": "anonymous",
             "actor": f"web-bench{rng.randrange(20000):08d}", "action": "lookup_code", "target_type": "subject",
             "client_address": f"198.51.{rng.randrange(100)}.{rng.randrange(250)}"} for _ in range(rows)])
    times: dict[str, list[float]] = {k: [] for k in ("admit new", "admit known", "lookup, no address",
                                                     "lookup, with address")}
    for i in range(calls):
        address = f"203.0.113.{i % 200}"
        for key, fn in (("admit new", lambda: client_conversations.admit(address, f"rest-new-{i}", "rest")),
                        ("admit known", lambda: client_conversations.admit(address, f"rest-new-{i}", "rest")),
                        ("lookup, no address", lambda: enquiry.by_code(HONGTAI, f"web-plain{i:06d}")),
                        ("lookup, with address", None)):
            start = time.perf_counter()
            if fn is None:
                with client_context.acting_for(address):
                    enquiry.by_code(HONGTAI, f"web-addr{i:06d}")
            else:
                fn()
            times[key].append((time.perf_counter() - start) * 1000)
    engine_mod.dispose_engines()
    return {k: (pct(v, 50), pct(v, 95), pct(v, 99)) for k, v in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--pg", help="PostgreSQL URL of an empty database to use as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XINYONG_LIMITS_FILE"] = str(_limits_file(Path(tmp)))
        targets = [("SQLite", f"sqlite:///{tmp}/bench.db")] + ([("PostgreSQL", args.pg)] if args.pg else [])
        print(f"{args.rows:,} audit entries in the last hour, {args.calls:,} calls each; milliseconds")
        print(f"{'database':<11} {'call':<22} {'p50':>7} {'p95':>7} {'p99':>7}")
        for name, url in targets:
            for call, (p50, p95, p99) in run(url, args.rows, args.calls).items():
                print(f"{name:<11} {call:<22} {p50:7.2f} {p95:7.2f} {p99:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
