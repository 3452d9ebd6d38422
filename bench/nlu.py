"""NLU and conversation-turn latency of a trained model, in process (no HTTP).

    .venv/bin/python bench/nlu.py [--model models/xinyong.tar.gz] [--repeat 3]

Parses every utterance of the held-out test set (tests/nlu/test_nlu.yml) with the model's NLU and
reports p50/p95/p99 in milliseconds, the model load time, and the process's peak memory. Nothing is
asserted: the figures go into the closing note of the change that moved them.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def utterances() -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "tests" / "nlu" / "test_nlu.yml").read_text(encoding="utf-8"))
    out = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                out.append(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "xinyong.tar.gz"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import logging
    import os

    from bot.telemetry import OFF as TELEMETRY_OFF

    os.environ.update(TELEMETRY_OFF)  # before Rasa loads: no usage reports to a third party
    from rasa.core.agent import load_agent

    logging.disable(logging.INFO)  # Rasa logs every parse at debug level; the figures are the output

    start = time.perf_counter()
    agent = await load_agent(model_path=args.model)
    load_s = time.perf_counter() - start
    texts = utterances()
    await agent.parse_message(texts[0])  # first call builds the graph's lazy parts
    times = []
    for _ in range(args.repeat):
        for text in texts:
            t0 = time.perf_counter()
            await agent.parse_message(text)
            times.append((time.perf_counter() - t0) * 1000)
    result = {
        "model": args.model, "utterances": len(texts), "parses": len(times), "load_s": round(load_s, 1),
        "parse_ms_p50": round(statistics.median(times), 1), "parse_ms_p95": round(pct(times, 95), 1),
        "parse_ms_p99": round(pct(times, 99), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
