"""Exporting a 50-step stepped session as one self-contained HTML file: time and size
(targets: < 1 s and < 2 MB).

    python bench/bench_export.py
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def main() -> None:
    from handoff_nb import Agent, RunConfig, Runner, function_tool
    from handoff_nb.models.scripted import ScriptedModel, call_tool, say

    @function_tool
    def lookup(order_id: str) -> str:
        """Look up an order."""
        return f"order {order_id} shipped"

    agent = Agent(name="Shop", instructions="Help with orders.", tools=[lookup])
    model = ScriptedModel([call_tool("lookup", {"order_id": str(i)}) for i in range(49)] + [say("done")])
    run = Runner.start(agent, "where are my orders?", max_turns=60, run_config=RunConfig(model=model))
    run.run()
    t = time.perf_counter()
    page = run.to_html()
    wall = time.perf_counter() - t
    print(f"{len(run.steps)} steps: exported in {wall:.3f} s, {len(page.encode()) / 1e6:.2f} MB "
          "(targets < 1 s, < 2 MB)")


if __name__ == "__main__":
    main()
