"""Rendering: DOT/SVG graphs and HTML/text views of agents, steps and runs.

Deterministic (fixed ids, no addresses) and escaped. Imports graphviz lazily and never ipywidgets.
"""

from .dot import agent_graph, graph_dot, graph_model
from .svg import find_dot, render_svg

__all__ = ["agent_graph", "graph_dot", "graph_model", "find_dot", "render_svg"]
