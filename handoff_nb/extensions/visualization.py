"""``draw_graph`` at the SDK's module path (``agents.extensions.visualization``)."""

from __future__ import annotations

from typing import Any

from ..agent import Agent
from ..render.dot import agent_graph


def draw_graph(agent: Agent, filename: str | None = None) -> Any:
    """A ``graphviz.Digraph`` of ``agent``'s handoff graph; with ``filename``, also rendered to
    ``filename.png`` (needs a dot binary)."""
    from ..sdk import maybe_from_sdk
    agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
    graph = agent_graph(agent)
    if filename:
        graph.render(filename, format="png", cleanup=True)
    return graph
