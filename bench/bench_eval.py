"""evaluate_routing throughput against a loopback OpenAI-compatible server.

100 cases, a server that answers each request after 100 ms, concurrency 16. The ideal wall time
is 100/16 x 0.1 s = 0.625 s; the target is within 1.25x of it. Also prints concurrency 1 and 8.

    python bench/bench_eval.py
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from handoff_nb import Agent
from handoff_nb.eval import evaluate_routing
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.testing import FakeOpenAIServer, reply

N, DELAY = 100, 0.1


def main() -> None:
    agent = Agent(name="Triage", instructions="Answer.")
    cases = [(f"message {i}", "Triage") for i in range(N)]
    print(f"{'concurrency':>11} {'wall s':>8} {'ideal s':>8} {'ratio':>6}")
    for conc in (16, 8, 1) if "--all" in sys.argv else (16,):
        with FakeOpenAIServer([reply("ok", delay=DELAY)], repeat=True) as srv:
            model = OpenAIChatModel("bench", base_url=srv.base_url, api_key="sk-bench", max_retries=0)
            evaluate_routing(agent, cases[:conc], model=model, concurrency=conc)  # warm up the pool
            t = time.perf_counter()
            report = evaluate_routing(agent, cases, model=model, concurrency=conc)
            wall = time.perf_counter() - t
        assert report.accuracy == 1.0 and not report.failures
        ideal = N / conc * DELAY
        print(f"{conc:>11} {wall:8.3f} {ideal:8.3f} {wall / ideal:6.2f}")
    print("target at concurrency 16: ratio <= 1.25")


if __name__ == "__main__":
    main()
