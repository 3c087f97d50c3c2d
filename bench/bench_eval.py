"""evaluate_routing throughput against a loopback OpenAI-compatible server, and the request cache.

1. 1,000 cases, a server that answers each request after 100 ms, through the adaptive limiter at
   concurrency 16: the ideal wall time is 1000/16 x 0.1 s = 6.25 s; the target is within 1.25x
   (the loopback server runs in the same process, so its threads share the 2 cores).
   (``--all`` also runs concurrency 16, 8 and 1 on 100 cases.)
2. The same evaluation again with the request cache: the target is zero model calls.

    python bench/bench_eval.py [--all]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from handoff_nb import Agent
from handoff_nb.eval import evaluate_routing
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.testing import FakeOpenAIServer, reply

DELAY = 0.1


def throughput(n: int, conc: int) -> None:
    agent = Agent(name="Triage", instructions="Answer.")
    cases = [(f"message {i}", "Triage") for i in range(n)]
    with FakeOpenAIServer([reply("ok", delay=DELAY)], repeat=True) as srv:
        model = OpenAIChatModel("bench", base_url=srv.base_url, api_key="sk-bench", max_retries=0)
        evaluate_routing(agent, cases[:conc], model=model, concurrency=conc, cache=False)  # warm up
        t = time.perf_counter()
        report = evaluate_routing(agent, cases, model=model, concurrency=conc, cache=False, progress=False)
        wall = time.perf_counter() - t
    assert report.accuracy == 1.0 and not report.failures
    ideal = n / conc * DELAY
    print(f"{n:>6} {conc:>11} {wall:8.3f} {ideal:8.3f} {wall / ideal:6.2f}")


def cached_rerun(n: int = 200) -> None:
    agent = Agent(name="Triage", instructions="Answer.")
    cases = [(f"message {i}", "Triage") for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer([reply("ok", delay=0.01)], repeat=True) as srv:
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-bench", max_retries=0)
        cache = os.path.join(tmp, "cache.jsonl")
        t = time.perf_counter()
        first = evaluate_routing(agent, cases, model=model, concurrency=32, cache=cache, progress=False)
        t1 = time.perf_counter() - t
        calls = len(srv.requests)
        t = time.perf_counter()
        again = evaluate_routing(agent, cases, model=model, concurrency=32, cache=cache, progress=False)
        t2 = time.perf_counter() - t
        print(f"cache: first run {calls} calls in {t1:.2f} s; re-run {len(srv.requests) - calls} calls "
              f"in {t2:.2f} s ({again.cache_stats}); target: 0 calls")
        assert first.accuracy == again.accuracy == 1.0


def main() -> None:
    print(f"{'cases':>6} {'concurrency':>11} {'wall s':>8} {'ideal s':>8} {'ratio':>6}")
    throughput(1000, 16)
    if "--all" in sys.argv:
        for conc in (16, 8, 1):
            throughput(100, conc)
    print("target: ratio <= 1.25")
    cached_rerun()


if __name__ == "__main__":
    main()
