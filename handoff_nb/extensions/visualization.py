"""``draw_graph`` at the SDK's module path (``agents.extensions.visualization``).

:func:`draw_graph` returns what the SDK's returns: a ``graphviz.Source`` of the SDK's DOT
(``__start__``/``__end__`` nodes, agents as yellow boxes, tools as green ellipses, dotted tool
edges); for an ``agents.Agent`` it is the SDK's own function. handoff_nb's styled graph (handoff
labels, descriptions, highlights of a run's path) is :func:`draw_handoff_graph`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..agent import Agent
from ..agent_input import maybe_from_sdk
from ..handoffs import Handoff
from ..render.dot import agent_graph

__all__ = ["draw_graph", "draw_handoff_graph", "get_all_edges", "get_all_nodes", "get_main_graph"]

_HEADER = """
    digraph G {
        graph [splines=true];
        node [fontname="Arial"];
        edge [penwidth=1.5];
    """
_START_END = ('"__start__" [label="__start__", shape=ellipse, style=filled, '
              'fillcolor=lightblue, width=0.5, height=0.3];'
              '"__end__" [label="__end__", shape=ellipse, style=filled, '
              'fillcolor=lightblue, width=0.5, height=0.3];')


def _esc(name: str) -> str:
    return (name.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\\n")
            .replace("\r", "\\n").replace("\n", "\\n"))


def _target(h: Any) -> Agent | None:
    return h if isinstance(h, Agent) else (h.agent if isinstance(h, Handoff) else None)


class _Ids:
    """DOT ids as the SDK assigns them: the label when unique, else a generated id."""

    def __init__(self, root: Agent) -> None:
        nodes: list[tuple[tuple[str, int], str]] = []
        keys: set[tuple[str, int]] = set()
        seen: set[int] = set()

        def add(key: tuple[str, int], label: str) -> None:
            if key not in keys:
                keys.add(key)
                nodes.append((key, label))

        def visit(a: Agent) -> None:  # depth first, in the order the SDK visits
            if id(a) in seen:
                return
            seen.add(id(a))
            add(("agent", id(a)), a.name)
            for t in a.tools:
                add(("tool", id(t)), t.name)
            for h in a.handoffs:
                target = _target(h)
                if target is not None:
                    visit(target)
                else:
                    add(("handoff", id(h)), h.agent_name)

        visit(root)
        counts = Counter(_esc(label) for _, label in nodes)
        raw = {_esc(label) for _, label in nodes}
        used = {"__start__", "__end__"}
        self.ids: dict[tuple[str, int], str] = {}
        n = 0
        for key, label in nodes:
            if counts[_esc(label)] == 1 and _esc(label) not in used:
                node_id = label
            else:
                while True:
                    node_id = f"__agents_graph_{key[0]}_{n}__"
                    n += 1
                    if node_id not in raw and node_id not in used:
                        break
            used.add(_esc(node_id))
            self.ids[key] = node_id

    def of(self, kind: str, obj: Any) -> str:
        return _esc(self.ids[(kind, id(obj))])


def _nodes(agent: Agent, ids: _Ids, parent: Agent | None, seen: set[int]) -> str:
    if id(agent) in seen:
        return ""
    seen.add(id(agent))
    parts = []
    if parent is None:
        parts.append(_START_END)
        parts.append(f'"{ids.of("agent", agent)}" [label="{_esc(agent.name)}", shape=box, style=filled, '
                     "fillcolor=lightyellow, width=1.5, height=0.8];")
    for t in agent.tools:
        parts.append(f'"{ids.of("tool", t)}" [label="{_esc(t.name)}", shape=ellipse, style=filled, '
                     "fillcolor=lightgreen, width=0.5, height=0.3];")
    for h in agent.handoffs:
        target = _target(h)
        if target is None:
            parts.append(f'"{ids.of("handoff", h)}" [label="{_esc(h.agent_name)}", shape=box, '
                         'style="filled,rounded", fillcolor=lightyellow, width=1.5, height=0.8];')
            continue
        if id(target) not in seen:
            parts.append(f'"{ids.of("agent", target)}" [label="{_esc(target.name)}", shape=box, '
                         'style="filled,rounded", fillcolor=lightyellow, width=1.5, height=0.8];')
        parts.append(_nodes(target, ids, agent, seen))
    return "".join(parts)


def _edges(agent: Agent, ids: _Ids, parent: Agent | None, seen: set[int]) -> str:
    if id(agent) in seen:
        return ""
    seen.add(id(agent))
    a = ids.of("agent", agent)
    parts = [f'"__start__" -> "{a}";'] if parent is None else []
    for t in agent.tools:
        tid = ids.of("tool", t)
        parts.append(f"""
        "{a}" -> "{tid}" [style=dotted, penwidth=1.5];
        "{tid}" -> "{a}" [style=dotted, penwidth=1.5];""")
    for h in agent.handoffs:
        target = _target(h)
        if target is None:
            parts.append(f"""
            "{a}" -> "{ids.of("handoff", h)}";""")
            continue
        parts.append(f"""
            "{a}" -> "{ids.of("agent", target)}";""")
        parts.append(_edges(target, ids, agent, seen))
    if not agent.handoffs:
        parts.append(f'"{a}" -> "__end__";')
    return "".join(parts)


def get_main_graph(agent: Agent) -> str:
    """The DOT the SDK's ``draw_graph`` renders for ``agent``'s graph."""
    ids = _Ids(agent)
    return _HEADER + _nodes(agent, ids, None, set()) + _edges(agent, ids, None, set()) + "}"


def draw_graph(agent: Agent, filename: str | None = None) -> Any:
    """As the SDK's: a ``graphviz.Source`` of the graph (the SDK's DOT); with ``filename``, also
    rendered to ``filename.png`` (needs a dot binary). An ``agents.Agent`` is drawn by the SDK's
    own ``draw_graph``."""
    if type(agent).__module__.split(".")[0] == "agents":
        from agents.extensions.visualization import draw_graph as sdk_draw_graph
        return sdk_draw_graph(agent, filename)
    import graphviz
    graph = graphviz.Source(get_main_graph(agent))
    if filename:
        graph.render(filename, format="png", cleanup=True)
    return graph


def draw_handoff_graph(agent: Agent, filename: str | None = None, run: Any = None) -> Any:
    """handoff_nb's styled handoff graph (a ``graphviz.Digraph``: handoff tool names, descriptions,
    tools; with ``run``, its path highlighted); with ``filename``, also rendered to PNG."""
    graph = agent_graph(maybe_from_sdk(agent), run)
    if filename:
        graph.render(filename, format="png", cleanup=True)
    return graph


def get_all_nodes(agent: Agent, parent: Agent | None = None, visited: set[str] | None = None) -> str:
    """The node statements of the SDK's DOT for ``agent``'s graph."""
    return _nodes(agent, _Ids(agent), parent, set())


def get_all_edges(agent: Agent, parent: Agent | None = None, visited: set[str] | None = None) -> str:
    """The edge statements of the SDK's DOT for ``agent``'s graph."""
    return _edges(agent, _Ids(agent), parent, set())
