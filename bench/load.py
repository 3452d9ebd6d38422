"""Load benchmark: simulated users through the REST channel, against the assistant and, in the same
run, against a bare Rasa server with a trivial model, so the figures are ratios that hold on a noisy
machine.

    .venv/bin/python bench/load.py [--users 1,50] [--seconds 30] [--replicas 2] [--subjects 1000]

- **xinyong**: `xinyong serve --replicas N` (nginx, N Rasa servers, N action servers; PostgreSQL
  tracker store and platform database, Redis lock store) on a fresh PostgreSQL database seeded with
  the demo data. Every turn is a lookup by code of a random demo company ("查询 <USCC>"): NLU
  (jieba, DIET, the project's components), the policies, a call to an action server through nginx,
  three to four queries and an audit insert, and the tracker saved to PostgreSQL.
- **bare Rasa**: `rasa run` with Rasa's default pipeline and policies (what `rasa init` writes) and
  a trivial domain (hello → utter_greet), in-memory tracker and lock store, no action server. Each
  turn is "hello".

Each simulated user sends a message, waits for the answer and sends the next one (no think time);
it starts a new conversation every 10 turns, as real users do, so trackers stay short and no one
hits the per-conversation lookup limit; the limits per client address are off in the benchmark's
limits file (`bench_limits`: all simulated users share this machine's address). Latency is
measured at the client, p50/p95/p99, and throughput is answered turns per second. Errors are non-200 answers, empty answers, timeouts, and
for xinyong an answer without the company's name. Nothing is asserted; the table goes into the
closing note. The model is models/ (make run) or else var/test-model (make test): speed does not
depend on the number of training epochs.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bot.telemetry import without_telemetry  # noqa: E402 - needs ROOT on the path
PY = sys.executable
XY = str(Path(PY).with_name("xinyong"))
TURNS_PER_CONVERSATION = 10

BARE_CONFIG = """recipe: default.v1
language: en
assistant_id: bare-baseline
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 20
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 5
  - name: FallbackClassifier
    threshold: 0.3
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: 5
  - name: TEDPolicy
    max_history: 5
    epochs: 20
"""
BARE_DOMAIN = """version: "3.1"
intents: [greet, goodbye]
responses:
  utter_greet:
    - text: "Hey! How can I help?"
  utter_goodbye:
    - text: "Bye"
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""
BARE_NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi
    - hey there
    - good morning
    - hello there
- intent: goodbye
  examples: |
    - bye
    - goodbye
    - see you later
    - good night
    - bye bye
"""
BARE_RULES = """version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 400) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def stop(proc: subprocess.Popen | None) -> None:
    import signal

    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# ------------------------------------------------------------------ the two servers

def bare_model(workdir: Path) -> Path:
    """Rasa's default pipeline on a trivial domain, trained once and kept under var/bench/bare."""
    project = workdir / "bare"
    models = project / "models"
    found = sorted(models.glob("*.tar.gz"))
    if found:
        return found[-1]
    (project / "data").mkdir(parents=True, exist_ok=True)
    (project / "config.yml").write_text(BARE_CONFIG, encoding="utf-8")
    (project / "domain.yml").write_text(BARE_DOMAIN, encoding="utf-8")
    (project / "data" / "nlu.yml").write_text(BARE_NLU, encoding="utf-8")
    (project / "data" / "rules.yml").write_text(BARE_RULES, encoding="utf-8")
    print("training the bare baseline model …", flush=True)
    subprocess.run([PY, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
                    "--out", "models", "--fixed-model-name", "bare"], cwd=project, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=without_telemetry())
    return models / "bare.tar.gz"


def start_bare(model: Path, workdir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    creds = workdir / "bare" / "credentials.yml"
    creds.write_text("rest:\n", encoding="utf-8")
    proc = subprocess.Popen([PY, "-m", "rasa", "run", "--port", str(port), "--model", str(model),
                             "--credentials", str(creds)], cwd=workdir / "bare", start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=without_telemetry())
    wait_http(f"http://127.0.0.1:{port}/", proc)
    return proc, port


def xinyong_model() -> Path:
    for folder in (ROOT / "models", ROOT / "var" / "test-model"):
        if (folder / "xinyong.tar.gz").exists():
            return folder
    raise SystemExit("no trained model: run `make run` (models/) or `make test` (var/test-model) first")


def bench_limits(workdir: Path) -> Path:
    """The shipped limits without those per client address: every simulated user comes from this
    machine (one address), and a new conversation every 10 turns would soon be refused. The limits
    per conversation stay (no simulated conversation reaches them)."""
    import yaml

    data = yaml.safe_load((ROOT / "actions" / "rules" / "limits.yml").read_text(encoding="utf-8"))
    for section in ("address_lookups", "address_conversations", "address_handoffs"):
        data[section]["enabled"] = False
    path = workdir / "limits.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def start_xinyong(replicas: int, pg_admin: str, redis_url: str, subjects: int, workdir: Path):
    import sqlalchemy as sa

    name = f"xinyong_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, RASA_PORT=str(free_port()),
               ACTION_PORT=str(free_port()), WEB_PORT=str(free_port()), XINYONG_MODELS=str(xinyong_model()),
               XINYONG_RUN_DIR=str(workdir / "run"), XINYONG_LOG_LEVEL="WARNING",
               XINYONG_LIMITS_FILE=str(bench_limits(workdir)))
    env.pop("TELEGRAM_TOKEN", None)
    for args in (["db", "init"], ["db", "seed-demo", "--subjects", str(subjects)]):
        subprocess.run([XY, *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = sa.create_engine(url, future=True)
    with engine.connect() as c:
        companies = c.execute(sa.text("SELECT uscc, name FROM subjects WHERE uscc IS NOT NULL "
                                      "AND subject_type <> '自然人' ORDER BY id")).all()
    engine.dispose()
    log = open(workdir / "serve.log", "w")
    proc = subprocess.Popen([XY, "serve", "--replicas", str(replicas)], env=env, start_new_session=True,
                            stdout=log, stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{env['RASA_PORT']}/", proc)
    wait_http(f"http://127.0.0.1:{env['WEB_PORT']}/healthz", proc)

    def drop():
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return proc, int(env["RASA_PORT"]), [tuple(r) for r in companies], drop


# ------------------------------------------------------------------ the simulated users

@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


async def load(port: int, users: int, seconds: float, turn, warmup: float = 3.0) -> Result:
    """`turn(rng)` gives (message, expected substring or None)."""
    import aiohttp

    result = Result()
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    start = time.monotonic()
    measure_from, end = start + warmup, start + warmup + seconds
    connector = aiohttp.TCPConnector(limit=users + 5)
    timeout = aiohttp.ClientTimeout(total=60)

    async def user(i: int) -> None:
        rng = random.Random(i)
        n = 0
        sender = f"load-{uuid.uuid4().hex[:12]}"
        while time.monotonic() < end:
            if n and n % TURNS_PER_CONVERSATION == 0:
                sender = f"load-{uuid.uuid4().hex[:12]}"
            n += 1
            message, expect = turn(rng)
            t0 = time.monotonic()
            kind = None
            try:
                async with http.post(url, json={"sender": sender, "message": message}) as resp:
                    body = await resp.text()
                    if resp.status != 200:
                        kind = f"http {resp.status}"
                    else:
                        texts = " ".join(m.get("text", "") for m in json.loads(body))
                        if not texts.strip():
                            kind = "empty answer"
                        elif expect and expect not in texts:
                            kind = "wrong answer: " + texts[:60]
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                kind = type(exc).__name__
            t1 = time.monotonic()
            if t0 >= measure_from and t1 <= end:
                if kind:
                    result.error(kind)
                else:
                    result.latencies.append(t1 - t0)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await asyncio.gather(*(user(i) for i in range(users)))
    result.seconds = seconds
    return result


def row(name: str, users: int, r: Result) -> dict:
    ms = [v * 1000 for v in r.latencies]
    return {"server": name, "users": users, "turns": len(ms), "errors": r.errors, "error_kinds": r.error_kinds,
            "throughput": len(ms) / r.seconds, "p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="1,50", help="comma-separated numbers of concurrent users")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--subjects", type=int, default=1000)
    ap.add_argument("--pg-admin", default=os.environ.get("XINYONG_TEST_PG_ADMIN_URL",
                                                         "postgresql://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = ap.parse_args()
    users = [int(u) for u in args.users.split(",")]

    keep = ROOT / "var" / "bench"
    keep.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="load-", dir=keep))
    bare_dir = keep  # the bare model is kept between runs
    bare = ours = drop = None
    rows = []
    try:
        model = bare_model(bare_dir)
        (workdir / "bare").mkdir(exist_ok=True)
        bare, bare_port = start_bare(model, bare_dir)
        ours, our_port, companies, drop = start_xinyong(args.replicas, args.pg_admin, args.redis_url,
                                                        args.subjects, workdir)
        print(f"servers up: bare Rasa :{bare_port}, xinyong ×{args.replicas} :{our_port}; "
              f"{len(companies)} demo companies", flush=True)

        def bare_turn(rng):
            return rng.choice(["hello", "hi", "hey there", "good morning"]), "Hey"

        def our_turn(rng):
            code, name = rng.choice(companies)
            return rng.choice(["查询 ", "帮我查一下", "查查"]) + code, name

        for n in users:  # interleaved, so both see the same machine state
            for name, port, turn in (("bare Rasa", bare_port, bare_turn), ("xinyong", our_port, our_turn)):
                r = asyncio.run(load(port, n, args.seconds, turn))
                rows.append(row(name, n, r))
                x = rows[-1]
                print(f"{name:<10} {n:>3} users: {x['throughput']:6.1f} turns/s  p50 {x['p50']:7.1f}  "
                      f"p95 {x['p95']:7.1f}  p99 {x['p99']:7.1f} ms  errors {x['errors']} {x['error_kinds'] or ''}",
                      flush=True)
    finally:
        stop(ours)
        stop(bare)
        if drop:
            drop()

    print("\n| users | server | turns/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for x in rows:
        print(f"| {x['users']} | {x['server']} | {x['throughput']:.1f} | {x['p50']:.0f} | {x['p95']:.0f} | "
              f"{x['p99']:.0f} | {x['errors']} |")
    print("\n| users | latency p50 ratio | p95 ratio | throughput ratio | goal |")
    print("|---|---|---|---|---|")
    for n in users:
        b = next(x for x in rows if x["users"] == n and x["server"] == "bare Rasa")
        o = next(x for x in rows if x["users"] == n and x["server"] == "xinyong")
        print(f"| {n} | {o['p50'] / b['p50']:.2f}× | {o['p95'] / b['p95']:.2f}× | "
              f"{o['throughput'] / b['throughput']:.2f}× | ≤ 1.3× latency, ≥ 0.8× throughput |")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nlargest child process peak RSS: {peak:.0f} MB")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{time.strftime('%Y%m%d-%H%M%S')}-load.json"
    path.write_text(json.dumps({"replicas": args.replicas, "seconds": args.seconds, "rows": rows},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
