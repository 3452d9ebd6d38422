"""The web server's own cost: the chat API in front of Rasa, and the staff console's queue page.

    .venv/bin/python bench/web.py [--messages 2000] [--concurrency 20] [--tickets 500]

Rasa is replaced by a local server that answers at once, so what is measured is what the web
server adds to every message (validation, the handoff check, the outbox cursor: three short
database transactions, and the HTTP hop). The console queue page is rendered with --tickets open
tickets in the queue. DATABASE_URL picks the database (default a fresh SQLite file). Prints
p50/p95/p99 latencies, throughput and peak RSS. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def line(name, values, total_s=None):
    ms = [v * 1000 for v in values]
    rate = f"  {len(values) / total_s:8.0f}/s" if total_s else ""
    print(f"{name:<44} p50 {pct(ms, 50):7.2f}  p95 {pct(ms, 95):7.2f}  p99 {pct(ms, 99):7.2f} ms{rate}")


async def fake_rasa():
    from aiohttp import web

    async def webhook(request):
        body = await request.json()
        return web.json_response([{"text": f"收到：{body['message']}", "buttons": [{"title": "查询进度", "payload": "/check_status"}]}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def run(args):
    from aiohttp.test_utils import TestClient, TestServer

    from actions.db.engine import get_engine
    from actions.db.migrate import upgrade
    from actions.services import demo_data, enquiry, staff, tickets
    from bot.web.app import make_app

    engine = get_engine()
    upgrade(engine)
    if not demo_data.has_subjects(engine):
        demo_data.seed(engine, subjects=max(200, args.tickets * 2), seed=11)
    runner, port = await fake_rasa()
    client = TestClient(TestServer(make_app(f"http://127.0.0.1:{port}")))
    await client.start_server()
    print(f"database: {engine.url.render_as_string(hide_password=True)}")

    # the chat API, one user after another
    times = []
    start = time.perf_counter()
    for i in range(args.messages):
        t0 = time.perf_counter()
        resp = await client.post("/api/chat", json={"sender": f"benchuser{i % 50:04d}xx", "message": "查一下鸿泰公司",
                                                    "script": "traditional" if i % 3 == 0 else None})
        await resp.read()
        times.append(time.perf_counter() - t0)
    line("POST /api/chat (sequential)", times, time.perf_counter() - start)

    # many users at once
    times = []

    async def user(n):
        for _ in range(args.messages // args.concurrency):
            t0 = time.perf_counter()
            resp = await client.post("/api/chat", json={"sender": f"benchconc{n:04d}xx", "message": "你好"})
            await resp.read()
            times.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(args.concurrency)))
    line(f"POST /api/chat ({args.concurrency} users at once)", times, time.perf_counter() - start)

    times = []
    for i in range(args.messages // 2):
        t0 = time.perf_counter()
        resp = await client.get("/api/chat/updates", params={"sender": f"benchuser{i % 50:04d}xx", "after": "0"})
        await resp.read()
        times.append(time.perf_counter() - t0)
    line("GET /api/chat/updates", times)

    # the console's queue with open tickets
    subjects = [s for s in range(13, 13 + args.tickets * 3)]
    filed = 0
    for subject_id in subjects:
        if filed >= args.tickets:
            break
        e = enquiry.by_id(subject_id)
        if e is None:
            continue
        r = next((r for r in e.records if r.kind == "penalty" and r.display_status == "公示中"), None)
        if r is None:
            continue
        tickets.file(tickets.Filing(kind="objection", record_id=r.id, idempotency_key=f"bench-{r.id}",
                                    sender_id=f"web-bench{r.id}", channel="web", ground="信息错误"))
        filed += 1
    try:
        staff.add("bench", "bench-password-1")
    except Exception:
        pass
    from tests.console_client import Console

    console = Console(client)
    await console.login("bench", "bench-password-1")
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        resp = await client.get("/console/")
        await resp.read()
        times.append(time.perf_counter() - t0)
    open_count = len(tickets.listing("open", limit=10000))
    line(f"GET /console/ ({min(open_count, 200)} of {open_count} open tickets shown)", times)
    await client.close()
    await runner.cleanup()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=500)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-web.db"
    import logging

    logging.disable(logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
