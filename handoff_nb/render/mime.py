"""``_repr_mimebundle_`` implementations: text/plain always, text/html with the graph SVG where it
helps. A missing ``dot`` shows the DOT source and an install hint instead of raising."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .dot import graph_dot, graph_model
from .html import (esc, svg_img, history_diff_html, prompt_html, request_html, tools_html, transcript_html,
                   transcript_text, why_html, wrap)
from ..views import register
from .svg import DotUnavailable, render_svg
from ..pricing import run_meta
from .html import pretty
from ..run import preview_request

if TYPE_CHECKING:  # pragma: no cover
    from ..agent import Agent
    from ..handoffs import Handoff
    from ..result import RunResult
    from ..run import Run, Step


def graph_html(agent: Agent, run: Run | None = None) -> str:
    source = graph_dot(graph_model(agent, run))
    try:
        return f'<div class="hnb-graph">{svg_img(render_svg(source), "handoff graph of " + agent.name)}</div>'
    except DotUnavailable as e:
        return f'<div class="hnb-muted">{esc(str(e))}</div><pre>{esc(source, 20000)}</pre>'
    except Exception as e:  # a broken dot must not break a notebook
        return (f'<div class="hnb-muted">dot failed ({esc(type(e).__name__)}: {esc(str(e), 300)}); '
                f'DOT source:</div><pre>{esc(source, 20000)}</pre>')


def agent_text(agent: Agent) -> str:
    lines = [f"Agent {agent.name!r}"]
    for a in agent.walk():
        for h in a.handoff_objects():
            lines.append(f"  {a.name} --{h.tool_name}--> {h.agent_name}")
        for t in a.tools:
            lines.append(f"  {a.name} uses tool {t.name}")
    return "\n".join(lines)


def agent_bundle(agent: Agent) -> dict[str, str]:
    try:
        req = preview_request(agent)
        detail = prompt_html(req) + tools_html(req)
    except Exception as e:  # dynamic instructions that need a real context
        detail = f'<div class="hnb-muted">prompt preview unavailable: {esc(e)}</div>'
    return {"text/plain": agent_text(agent), "text/html": wrap(graph_html(agent) + detail)}


def handoff_bundle(h: Handoff[Any]) -> dict[str, str]:
    text = (f"Handoff {h.tool_name!r} -> {h.agent_name!r}\n  description: {h.tool_description}\n"
            f"  label: {h.label}")
    body = (f'<div class="hnb-h">{esc(h.tool_name)} → {esc(h.agent_name)}</div>'
            f'<div>label: {esc(h.label)}</div><pre>{esc(pretty(h.chat_spec()))}</pre>')
    return {"text/plain": text, "text/html": wrap(body)}


def step_bundle(step: Step) -> dict[str, str]:
    parts = [f'<div class="hnb-h">{esc(repr(step))}</div>']
    if step.request is not None:
        parts.append(prompt_html(step.request))
        parts.append(tools_html(step.request))
    if step.handoff is not None:
        parts.append(history_diff_html(step.handoff))
    parts.append(why_html(step))
    parts.append(request_html(step))
    return {"text/plain": repr(step), "text/html": wrap("".join(parts))}


def _trace_line(run: Any) -> tuple[str, str]:
    """The workflow (trace) a run belongs to, as text and HTML ("" outside a named trace)."""
    tr = getattr(run, "trace", None)
    if tr is None or (getattr(tr, "automatic", False) and not tr.group_id):
        return "", ""
    text = f"trace: {tr.label()}"
    return text + "\n", f'<div class="hnb-muted">{esc(text)}</div>'


def run_bundle(run: Run) -> dict[str, str]:
    trace_text, trace_html = _trace_line(run)
    text = repr(run) + "\n" + trace_text + transcript_text(run)
    totals = f'<div class="hnb-muted">{esc(run_meta(run, timing=False))}</div>'
    return {"text/plain": text,
            "text/html": wrap(trace_html + totals + graph_html(run.starting_agent, run)
                              + transcript_html(run, timing=False))}


def result_bundle(result: RunResult) -> dict[str, str]:
    totals = f'<div class="hnb-muted">{esc(run_meta(result, timing=False))}</div>'
    return {"text/plain": repr(result),
            "text/html": wrap(totals + graph_html(result.starting_agent, result) + transcript_html(result, timing=False))}


def notice_bundle(text: str) -> dict[str, str]:
    """A one-line notice (handoff_nb.models.provider.show_info in a kernel)."""
    return {"text/plain": f"ℹ {text}",
            "text/html": f'<div style="color:#475569;font-size:12px;padding:2px 0">ℹ {html.escape(text)}</div>'}


def register_views() -> None:
    """Make these the views of the core values (handoff_nb.views; the package calls this)."""
    for kind, draw in (("agent", agent_bundle), ("handoff", handoff_bundle), ("step", step_bundle),
                       ("run", run_bundle), ("result", result_bundle),
                       ("notice", notice_bundle)):
        register(kind, draw)
