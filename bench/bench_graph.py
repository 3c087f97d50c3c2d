"""A step's graph update (GraphView highlight) vs a full dot re-render, on 10/50/200-agent graphs.

The GraphView lays the SVG out once; a step only recomputes the highlight and sets a trait. The
alternative is re-running dot for every step. Target: an update costs <= 1/10 of a re-render.

    python bench/bench_graph.py
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from handoff_nb import Agent, RunConfig, Runner
from handoff_nb.models.scripted import ScriptedModel, handoff_to, say
from handoff_nb.render import svg as svgmod
from handoff_nb.render.dot import graph_dot, graph_model
from handoff_nb.widgets.graph_view import GraphView


def build(n: int) -> Agent:
    """A triage tree: root -> up to 5 leads -> specialists, each specialist escalating to one manager."""
    manager = Agent(name="Manager")
    leads = [Agent(name=f"Lead{i}") for i in range(min(5, n - 2))]
    specialists = [Agent(name=f"Spec{i}", handoffs=[manager]) for i in range(n - 2 - len(leads))]
    for i, s in enumerate(specialists):
        leads[i % len(leads)].handoffs.append(s)
    return Agent(name="Root", handoffs=leads)


def timeit(fn, reps: int) -> float:
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def main() -> None:
    print(f"{'agents':>6} {'update ms':>10} {'re-render ms':>13} {'ratio':>7}")
    for n in (10, 50, 200):
        root = build(n)
        lead = root.handoffs[0]
        spec = lead.handoffs[0]
        run = Runner.start(root, "x", run_config=RunConfig(model=ScriptedModel(
            [handoff_to(lead.name), handoff_to(spec.name), say("done")])))
        run.run()
        view = GraphView(root)
        # alternate between two highlights so every call really changes the synced trait
        update = timeit(lambda: (view.show(run), view.show(None)), 50) / 2

        def rerender():
            svgmod._render_cached.cache_clear()
            svgmod.render_svg(graph_dot(graph_model(root, run)))

        full = timeit(rerender, 3 if n == 200 else 5)
        print(f"{n:>6} {update * 1e3:10.3f} {full * 1e3:13.1f} {update / full:7.4f}")
    print("target: ratio <= 0.1")


if __name__ == "__main__":
    main()
