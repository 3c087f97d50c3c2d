"""Building a Batch API submission file for 100,000 cases: time and memory (targets: < 10 s,
< 500 MB). No network: the file is built, not uploaded.

    python bench/bench_batch.py [--cases 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=100_000)
    n = p.parse_args().cases
    from handoff_nb import RunConfig
    from handoff_nb.batch import build_requests
    from handoff_nb.eval import load_cases
    from handoff_nb.examples import customer_service
    from handoff_nb.models.openai_chat import OpenAIChatModel
    agent = customer_service()
    cases = load_cases([(f"I was charged twice on invoice {i}", "BillingSpecialist") for i in range(n)])
    model = OpenAIChatModel("gpt-4o-mini", base_url="http://127.0.0.1:9/v1", api_key="sk-bench-not-used")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path, ids = build_requests(agent, cases, model, RunConfig(), path=os.path.join(tmp, "sub.jsonl"))
        wall = time.perf_counter() - t
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n} cases: file {size / 1e6:.1f} MB built in {wall:.2f} s; process peak {peak:.0f} MB "
          f"(+{peak - before:.0f} MB while building); targets < 10 s and < 500 MB")


if __name__ == "__main__":
    main()
