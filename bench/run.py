"""Benchmarks: import rows per second, and lookup latency by code and by name fragment, on a large
demo database. Numbers are printed as a table and written to bench/results/; nothing is asserted.

    .venv/bin/python bench/run.py                       # 1,000,000 subjects, SQLite under var/bench/
    .venv/bin/python bench/run.py --subjects 100000 --import-rows 50000
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1/xinyong_bench
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from actions.db.engine import make_engine, session_scope  # noqa: E402
from actions.db.migrate import upgrade  # noqa: E402
from actions.db.models import Subject  # noqa: E402
from actions.importer.run import import_file  # noqa: E402
from actions.services import codes, demo_data, subjects  # noqa: E402

HEADER = ["行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人",
          "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
          "罚款金额(万元)", "处罚决定日期", "处罚机关"]


def write_penalties_csv(path: Path, rows: int, seed: int) -> None:
    """A 双公示 penalties export of `rows` rows about new subjects (one penalty each)."""
    rng = random.Random(seed)
    words = "华信鑫源龙江宏达恒通博远金泰瑞丰盛世天成嘉禾永安立诚同创汇通九州东方新星卓越"
    trades = ["商贸", "科技", "建筑工程", "食品", "物流", "石化设备", "农业开发", "餐饮管理"]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            name = f"基准测试{rng.choice(words)}{rng.choice(words)}{trades[i % len(trades)]}有限公司{i}号"
            w.writerow([name, "法人及非法人组织", codes.make_uscc(rng, "91", "230600"), "王建国",
                        f"庆市监罚字〔2026〕第B{seed}-{i}号", "未按规定公示年报", "经查，当事人未按规定报送年度报告。",
                        "《企业信息公示暂行条例》第十七条", "罚款", "罚款2000元", "0.2",
                        (dt.date(2025, 1, 1) + dt.timedelta(days=i % 600)).isoformat(), "大庆市市场监督管理局"])


def percentiles(samples_ms: list[float]) -> dict:
    qs = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"n": len(samples_ms), "p50_ms": round(qs[49], 3), "p95_ms": round(qs[94], 3),
            "p99_ms": round(qs[98], 3), "max_ms": round(max(samples_ms), 3)}


def time_lookups(engine, fn, queries) -> dict:
    samples = []
    for q in queries:
        t0 = time.perf_counter()
        with session_scope(engine) as session:  # a session per lookup, as an action does
            fn(session, q)
        samples.append((time.perf_counter() - t0) * 1000)
    return percentiles(samples)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--import-rows", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file under var/bench/")
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench database of the same size")
    args = ap.parse_args()

    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{work / f'bench-{args.subjects}.db'}"
    engine = make_engine(url)
    results: dict = {"when": dt.datetime.now().isoformat(timespec="seconds"), "database": engine.dialect.name,
                     "subjects": args.subjects, "machine": f"{platform.machine()} {os.cpu_count()} cpu",
                     "python": platform.python_version()}

    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(sa.select(sa.func.count()).select_from(Subject)).scalar_one()
    if not (args.reuse and have >= args.subjects):
        if have:
            raise SystemExit(f"{url} already has {have} subjects; use a fresh database or --reuse")
        t0 = time.perf_counter()
        stats = demo_data.seed(engine, subjects=args.subjects, progress=sys.stderr.isatty())
        secs = time.perf_counter() - t0
        results["seed"] = {"seconds": round(secs, 1), **stats}
        print(f"seed-demo {args.subjects} subjects: {secs:.1f} s ({stats})", flush=True)

    # Import: new rows, then the same file again (all unchanged).
    csv_path = work / f"penalties-{args.import_rows}.csv"
    write_penalties_csv(csv_path, args.import_rows, seed=args.subjects)
    for label in ("import_new", "import_unchanged"):
        t0 = time.perf_counter()
        res = import_file(engine, "penalties", csv_path)
        secs = time.perf_counter() - t0
        results[label] = {"rows": args.import_rows, "seconds": round(secs, 2),
                          "rows_per_s": round(args.import_rows / secs), **res.as_json()}
        print(f"{label}: {args.import_rows} rows in {secs:.2f} s = {args.import_rows / secs:,.0f} rows/s", flush=True)

    # Lookups are measured in steady state: SQLite first folds the import's WAL back into the
    # database (right after a large import, reads pay for the checkpoint and a cold cache).
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # Lookups on a random sample of existing subjects (codes typed in lower case, name fragments of
    # 3 to 6 characters taken from inside real names, and 2-character fragments).
    rng = random.Random(1)
    with engine.connect() as conn:
        max_id = conn.execute(sa.select(sa.func.max(Subject.id))).scalar_one()
        ids = [rng.randint(1, max_id) for _ in range(args.lookups)]
        rows = conn.execute(sa.select(Subject.uscc, Subject.name).where(
            Subject.id.in_(ids), Subject.uscc.isnot(None))).all()
    code_qs = [r.uscc.lower() for r in rows]
    frag_qs, short_qs = [], []
    for r in rows:
        n = rng.randint(3, 6)
        start = rng.randint(0, max(0, len(r.name) - n))
        frag_qs.append(r.name[start:start + n])
        short_qs.append(r.name[start:start + 2])
    results["lookup_by_code"] = time_lookups(engine, subjects.find_by_code, code_qs)
    results["lookup_by_name_fragment_3to6"] = time_lookups(engine, subjects.search_by_name, frag_qs)
    results["lookup_by_name_fragment_2"] = time_lookups(engine, subjects.search_by_name, short_qs[:200])

    print("\n| measure | value |\n|---|---|")
    for key in ("import_new", "import_unchanged"):
        print(f"| {key} rows/s | {results[key]['rows_per_s']:,} |")
    for key in ("lookup_by_code", "lookup_by_name_fragment_3to6", "lookup_by_name_fragment_2"):
        r = results[key]
        print(f"| {key} p50 / p95 / p99 ms (n={r['n']}) | {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{dt.date.today().isoformat()}-{engine.dialect.name}-{args.subjects}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
