"""What changed: the original and the edited run's paths, one above the other (time travel's view).

handoff_nb.timetravel makes the edited run; this module draws the comparison.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .dot import apply_run, graph_dot, graph_model
from .html import esc, wrap
from .svg import DotUnavailable, render_svg


def what_changed_html(original: Any, edited: Any) -> str:
    """Original vs edited path, one above the other: each drawn over the agents on either path
    only (the others are named, not drawn, so the graphs stay small and their labels readable),
    with its highlight, and the first step where they part."""
    a, b = original.agent_path, edited.agent_path
    split = next((i for i, (x, y) in enumerate(zip(original.steps, edited.steps))
                  if x is not y), min(len(original.steps), len(edited.steps)))
    edits = [f"step {s.index}: {', '.join(s.edited)}" for s in edited.steps if s.edited]
    graphs, left_out = _path_graphs(original, edited)
    note = (f'<div class="hnb-muted">Drawn: the agents on either path. Not on either: '
            f'{esc(", ".join(left_out))}.</div>' if left_out else "")
    rows = "".join(f'<div style="margin:6px 0 10px"><b>{label}</b>: {esc(" → ".join(path))}'
                   f'<div style="overflow-x:auto">{graph}</div></div>'
                   for label, path, graph in (("original", a, graphs[0]), ("edited", b, graphs[1])))
    return wrap(f'<div class="hnb-h">What changed: the runs part at step {split}</div>'
                f'<div class="hnb-muted">{esc("; ".join(edits) or "no edits")}</div>{note}{rows}')


MIN_GRAPH_SCALE = 0.85
"""What changed draws its graphs at least this big (10 pt edge labels: 11.3 px); wider than the
output area, they scroll sideways instead of shrinking."""


def _path_graphs(original: Any, edited: Any) -> tuple[list[str], list[str]]:
    """Both runs' graphs over the agents on either path (same nodes, so the layouts match), as
    <img> tags that fit the width but never shrink below :data:`MIN_GRAPH_SCALE`."""
    models = []
    for run in (original, edited):
        m = graph_model(run.starting_agent)
        apply_run(m, run)
        models.append(m)
    keep = {n for m in models for n in [*m.visited, m.active] if n}
    agents = [n for n in models[0].nodes if n.kind == "agent"]
    left_out = [n.label for n in agents if n.id not in keep]
    out = []
    for m in models:
        m.edges = [e for e in m.edges if e.source in keep and (e.target in keep or e.kind == "tool")]
        tools = {e.target for e in m.edges if e.kind == "tool"}
        m.nodes = [n for n in m.nodes if n.id in keep or n.id in tools]
        try:
            svg = render_svg(graph_dot(m))
        except DotUnavailable as e:
            out.append(f'<div class="hnb-muted">{esc(str(e))}</div>')
            continue
        size = re.search(r'<svg[^>]*\bwidth="([\d.]+)(pt|px)?"', svg)
        width = float(size.group(1)) * (4 / 3 if size.group(2) in (None, "pt") else 1) if size else 600.0
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        out.append(f'<img class="hnb-path-graph" alt="{esc("handoff graph of " + m.nodes[0].label)}" '
                   f'style="display:block;width:100%;height:auto;min-width:{width * MIN_GRAPH_SCALE:.0f}px;'
                   f'max-width:{width:.0f}px" src="data:image/svg+xml;base64,{data}"/>')
    return out, left_out
