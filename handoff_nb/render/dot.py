"""The agent graph: a plain model (nodes, edges), a pure DOT writer, and ``agent_graph``.

Agents are boxes (the entry agent doubled), function tools ellipses, handoffs edges labelled with
their tool names. Cues: a handoff with ``input_type`` is bold and lists the type, one with
``input_filter`` dashed, one with ``on_handoff`` marked "on_handoff", a disabled or conditional one
dotted grey. Every agent is drawn once, however many handoffs lead to it (cycles included).
Ids are positional (``a0``, ``a1``... in BFS order; ``e0``...; ``t0``...) so output is stable
and no user text ever lands in an id. With a run, the active agent is highlighted and the
handoffs taken are numbered by step.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from ..agent_input import maybe_from_sdk

if TYPE_CHECKING:  # pragma: no cover
    from ..agent import Agent
    from ..result import RunResult
    from ..run import Run

COLORS = {
    "agent_fill": "#f8fafc", "agent_line": "#334155", "entry_fill": "#e0e7ff",
    "active_fill": "#fde68a", "active_line": "#b45309", "visited_fill": "#fef3c7",
    "tool_fill": "#ecfdf5", "tool_line": "#047857", "edge": "#475569", "taken": "#b45309",
    "disabled": "#94a3b8", "text": "#0f172a",
}
FONT = "Helvetica,Arial,sans-serif"


@dataclass
class Node:
    id: str
    kind: str  # "agent" | "tool"
    label: str
    entry: bool = False
    name: str = ""


@dataclass
class Edge:
    id: str
    source: str
    target: str
    kind: str  # "handoff" | "tool"
    label: str = ""
    cues: list[str] = field(default_factory=list)
    tool_name: str = ""


@dataclass
class GraphModel:
    nodes: list[Node]
    edges: list[Edge]
    agent_ids: dict[int, str]  # id(agent) -> node id
    active: str | None = None
    visited: list[str] = field(default_factory=list)
    taken: dict[str, list[int]] = field(default_factory=dict)  # edge id -> step numbers (1-based)

    def node_id(self, agent: Agent) -> str | None:
        return self.agent_ids.get(id(agent))


def graph_model(agent: Agent, run: Run | RunResult | None = None) -> GraphModel:
    agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
    agents = agent.walk()
    ids = {id(a): f"a{i}" for i, a in enumerate(agents)}
    nodes = [Node(ids[id(a)], "agent", a.name, entry=a is agent, name=a.name) for a in agents]
    edges: list[Edge] = []
    tool_ids: dict[Any, str] = {}
    for a in agents:
        for t in a.tools:
            if id(t) not in tool_ids:
                tool_ids[id(t)] = f"t{len(tool_ids)}"
                nodes.append(Node(tool_ids[id(t)], "tool", t.name, name=t.name))
            edges.append(Edge(f"e{len(edges)}", ids[id(a)], tool_ids[id(t)], "tool", tool_name=t.name))
        for h in a.handoff_objects():
            if h.agent is None:  # target chosen in code (on_invoke_handoff): a dashed name node
                key = f"code:{h.agent_name}"
                if key not in tool_ids:
                    tool_ids[key] = f"c{len(tool_ids)}"  # type: ignore[index]
                    nodes.append(Node(tool_ids[key], "agent", h.agent_name + " (chosen in code)",  # type: ignore[index]
                                      name=h.agent_name))
                edges.append(Edge(f"e{len(edges)}", ids[id(a)], tool_ids[key], "handoff",  # type: ignore[index]
                                  label=h.tool_name, cues=["on_invoke_handoff"], tool_name=h.tool_name))
                continue
            cues = []
            if h.input_type is not None:
                cues.append(f"input: {getattr(h.input_type, '__name__', str(h.input_type))}")
            if h.on_handoff is not None:
                cues.append("on_handoff")
            if h.input_filter is not None:
                cues.append(f"filter: {getattr(h.input_filter, '__name__', 'custom')}")
            if h.is_enabled is False:
                cues.append("disabled")
            elif callable(h.is_enabled):
                cues.append("conditional")
            edges.append(Edge(f"e{len(edges)}", ids[id(a)], ids[id(h.agent)], "handoff",
                              label=h.tool_name, cues=cues, tool_name=h.tool_name))
    model = GraphModel(nodes, edges, ids)
    if run is not None:
        apply_run(model, run)
    return model


def apply_run(model: GraphModel, run: Run | RunResult) -> None:
    """Mark the active agent, the agents visited and the handoffs taken (numbered by step)."""
    model.active = model.agent_ids.get(id(run.current_agent))
    visited = [model.agent_ids.get(id(run.starting_agent))]
    taken: dict[str, list[int]] = {}
    for step in run.steps:
        if step.decision == "handoff" and step.handoff is not None:
            src, dst = model.agent_ids.get(id(step.handoff.source)), model.agent_ids.get(id(step.handoff.target))
            edge = next((e for e in model.edges if e.kind == "handoff" and e.source == src
                         and e.target == dst and e.tool_name == step.handoff.tool_name), None)
            if edge is not None:  # Step.index: 0-based everywhere; an edited step says so
                taken.setdefault(edge.id, []).append(f"{step.index} ✎" if step.edited else step.index)
            visited.append(dst)
    model.visited = [v for v in dict.fromkeys(visited) if v]
    model.taken = taken


def highlight_state(model: GraphModel) -> dict[str, Any]:
    """What a GraphView needs to show a run without re-laying out the graph."""
    return {"active": model.active, "visited": model.visited,
            "taken": {k: v for k, v in model.taken.items()}}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_ATTR = 2000
"""Longest attribute value written to DOT (tooltips of 20 KB names make dot fail)."""


def dot_escape(text: str) -> str:
    """Escape text for a double-quoted DOT string (backslashes, quotes, newlines). Control
    characters (NUL, ESC...) become visible symbols (U+2400 block): they are not valid in SVG/XML."""
    text = str(text)
    if len(text) > MAX_ATTR:
        text = text[: MAX_ATTR - 1] + "…"
    text = _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group(0))) if m.group(0) != "\x7f" else "\u2421", text)
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
            .replace("\n", "\\n"))


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _attrs(**kw: Any) -> str:
    return ", ".join(f'{k}="{dot_escape(v)}"' for k, v in kw.items() if v is not None)


DENSE_EDGES = 120
"""From this many handoff edges on, graphs are drawn compact (labels in tooltips, straight edges):
dot's layout time grows fast with labelled edges (500 of them: over a minute)."""


STEP_SLOT = "\u2007" * 10
"""A second edge-label line of figure spaces: dot reserves its room at layout time, and a GraphView
writes "step 0, 3" into it when the handoff is taken (no label ever runs into a node)."""


def graph_dot(model: GraphModel, *, static_highlight: bool = True, compact: bool | None = None,
              cues: bool = True) -> str:
    """The DOT source for ``model``. With ``static_highlight`` the run's highlight and step numbers
    are drawn into the layout; without, they are left to a GraphView's CSS (each edge label gets
    a reserved :data:`STEP_SLOT` line). ``compact`` (default: for graphs of :data:`DENSE_EDGES`
    edges or more) leaves edge labels to tooltips; ``cues=False`` keeps the input_type /
    on_handoff / filter cues in the tooltip only (the Stepper's view; hover shows them)."""
    if compact is None:
        compact = sum(1 for e in model.edges if e.kind != "tool") >= DENSE_EDGES
    c = COLORS
    lines = ["digraph handoffs {",
             f'  graph [{_attrs(rankdir="LR", bgcolor="transparent", fontname=FONT, pad="0.2", nodesep="0.35", ranksep="0.6", splines="line" if compact else None)}];',
             f'  node [{_attrs(fontname=FONT, fontsize="12", color=c["agent_line"], fontcolor=c["text"])}];',
             f'  edge [{_attrs(fontname=FONT, fontsize="10", color=c["edge"], fontcolor=c["edge"])}];']
    for n in model.nodes:
        if n.kind == "agent":
            fill = c["entry_fill"] if n.entry else c["agent_fill"]
            pen, line = "1.2", c["agent_line"]
            if static_highlight and n.id in model.visited:
                fill = c["visited_fill"]
            if static_highlight and n.id == model.active:
                fill, pen, line = c["active_fill"], "3", c["active_line"]
            label = _clip(n.label, 40) + ("\n(entry)" if n.entry else "")
            lines.append(f'  {n.id} [{_attrs(id=f"node_{n.id}", label=label, shape="box", style="rounded,filled", fillcolor=fill, color=line, penwidth=pen, peripheries="2" if n.entry else "1", tooltip=n.label)}];')
        else:
            lines.append(f'  {n.id} [{_attrs(id=f"node_{n.id}", label=_clip(n.label, 40), shape="ellipse", style="filled", fillcolor=c["tool_fill"], color=c["tool_line"], fontsize="10", tooltip="function tool " + n.label)}];')
    for e in model.edges:
        if e.kind == "tool":
            lines.append(f'  {e.source} -> {e.target} [{_attrs(id=f"edge_{e.id}", arrowhead="none", style="dotted", color=c["tool_line"])}];')
            continue
        cue_text = "".join(f"\n[{_clip(cue, 40)}]" for cue in e.cues)
        label = e.label + (cue_text if cues else "") + ("" if static_highlight else "\n" + STEP_SLOT)
        hover = (e.label + cue_text).replace("\n", " ")
        style, color, pen = [], c["edge"], "1.2"
        if any(cue.startswith("input:") for cue in e.cues):
            pen = "2.2"
        if any(cue.startswith("filter:") for cue in e.cues):
            style.append("dashed")
        if "disabled" in e.cues or "conditional" in e.cues:
            style.append("dotted")
            color = c["disabled"]
        attrs = dict(id=f"edge_{e.id}", label=None if compact else label, color=color,
                     fontcolor=color, penwidth=pen, style=",".join(style) or None, tooltip=hover)
        if static_highlight and e.id in model.taken:
            steps = ", ".join(str(s) for s in model.taken[e.id])
            attrs.update(color=c["taken"], fontcolor=c["taken"], penwidth="3",
                         label=f"step {steps}" if compact else f"step {steps}: " + label)
        lines.append(f"  {e.source} -> {e.target} [{_attrs(**attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def agent_graph(agent: Agent, run: Run | None = None) -> Any:
    """A ``graphviz.Digraph`` of ``agent``'s handoff graph (with ``run``: highlight and path)."""
    import graphviz

    model = graph_model(agent, run)
    g = graphviz.Digraph(name="handoffs")
    # our DOT writer escapes every label once; hand graphviz the finished statements
    body = graph_dot(model).splitlines()[1:-1]
    g.body.extend(line + "\n" for line in body)
    return g
