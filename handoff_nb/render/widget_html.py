"""The widgets' markup: status lines and hints, the answer as it streams in, the transcript of a
conversation, the Playground's tables, the static snapshots (what nbconvert and GitHub show), and
the highlight baked into the graph's SVG for those viewers.

``handoff_nb.widgets`` holds no HTML of its own: its views call these functions with plain values
(texts, Runs, Steps, requests). Every user or model text is escaped here. No ipywidgets.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..pricing import run_meta
from .dot import COLORS, STEP_SLOT
from .html import esc, pretty, prompt_html, svg_img, tools_html, transcript_html, wrap

if TYPE_CHECKING:  # pragma: no cover
    from ..models.interface import ModelRequest
    from ..run import Run

# -- small pieces shared by the widgets -----------------------------------------------------------

def status_html(text: str, error: bool = False) -> str:
    """A widget's status line (red for an error)."""
    color = "#991b1b" if error else "#334155"
    return f'<div style="color:{color};padding:2px 0">{html.escape(text)}</div>'


def hint_html(text: str, error: bool = False) -> str:
    """A short hint next to a button: red when it says what to do first, muted otherwise."""
    if error:
        return f'<span style="color:#b91c1c">{html.escape(text)}</span>'
    return f'<span class="hnb-muted">{html.escape(text)}</span>'


def muted_html(text: str) -> str:
    """A grey line (a label, or what shows before there is anything to show)."""
    return f'<div class="hnb-muted">{html.escape(text)}</div>'


# -- the agent graph (GraphView) ----------------------------------------------------------------------

def graph_error_html(error: BaseException, source: str) -> str:
    """What the graph shows when dot ran and failed or timed out: why, and the DOT source."""
    return f'<div>{esc(str(error))}</div><pre>{esc(source, 20000)}</pre>'


BROWSER_LAYOUT_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="480" height="40"><text x="4" y="24" '
                      'font-size="13">graph laid out in the browser (no dot in the kernel)</text></svg>')
"""The static image of a graph laid out in the browser (the kernel has no SVG of it)."""


def _group(svg: str, gid: str) -> tuple[int, int] | None:
    m = re.search(rf'<g id="{re.escape(gid)}" class="(node|edge)">', svg)
    if not m:
        return None
    end = svg.find("</g>", m.end())
    return (m.start(), end) if end >= 0 else None


def bake_highlight(svg: str, highlight: dict[str, Any]) -> str:
    """Rewrite fill/stroke attributes of highlighted nodes and edges in ``svg``."""
    c = COLORS

    def rewrite(svg: str, gid: str, fill: str | None, stroke: str | None, width: str) -> str:
        span = _group(svg, gid)
        if span is None:
            return svg
        start, end = span
        part = svg[start:end]
        if fill:
            part = re.sub(r'(<(?:polygon|path)[^>]*?) fill="(?!none)[^"]*"', rf'\1 fill="{fill}"', part)
        if stroke:
            part = re.sub(r' stroke-width="[^"]*"', "", part)  # no duplicate attributes: keep valid XML
            part = re.sub(r' stroke="[^"]*"', f' stroke="{stroke}" stroke-width="{width}"', part)
        return svg[:start] + part + svg[end:]

    for node in highlight.get("visited") or []:
        svg = rewrite(svg, f"node_{node}", c["visited_fill"], None, "1")
    if highlight.get("active"):
        svg = rewrite(svg, f"node_{highlight['active']}", c["active_fill"], c["active_line"], "3")
    for edge, steps in (highlight.get("taken") or {}).items():
        svg = rewrite(svg, f"edge_{edge}", c["taken"], c["taken"], "3")
        span = _group(svg, f"edge_{edge}")
        if span is not None:  # the reserved label line gets the step numbers
            part = svg[span[0]:span[1]].replace(
                f">{STEP_SLOT}<", f">step {', '.join(str(s) for s in steps)}<", 1)
            svg = svg[:span[0]] + part + svg[span[1]:]
    return svg


# -- the Stepper ----------------------------------------------------------------------------------

LOADING_HTML = ('<div class="hnb-loading" style="color:#475569;font-size:12px;padding:2px 0">'
                '⏳ loading… the offline model\'s semantic engine (the first step waits '
                'for it)</div>')
"""Shown while the offline model's engine warms up before the first step."""

TRANSCRIPT_HEADING_HTML = "<b>Transcript</b>"
EDIT_HELP_HTML = ("<small>Edits change the agent objects and apply from the next step. "
                  "Use Back first to redo a step with them.</small>")
WHAT_IF_HELP_HTML = ("<small>Changes what the <b>next</b> step works with (press Back first "
                     "to redo a step). The step is marked ✎ edited everywhere; the original "
                     "run is kept.</small>")


def live_html(who: str, text: Sequence[str], arguments: dict[str, list[str]]) -> str:
    """The model's answer as it streams in: ``text`` chunks, then each tool call's arguments."""
    parts = []
    if text:
        parts.append(html.escape("".join(text)))
    for call_id, chunks in arguments.items():
        parts.append(f"<code>{html.escape(call_id)}</code> arguments: <code>"
                     f"{html.escape(''.join(chunks))}</code>")
    return (f'<div class="hnb-live" style="margin:4px 0;padding:6px 8px;border:1px dashed '
            f'#94a3b8;border-radius:6px;background:#f8fafc"><div style="font-size:11px;'
            f'color:#475569">{html.escape(who)} · streaming…</div>{"<br>".join(parts)}</div>')


def next_request_html(payload: Any) -> str:
    """The Request tab before a step: the payload the next model call will send."""
    return ('<div class="hnb-h">Next request (not sent yet)</div><pre>'
            + html.escape(pretty(payload)) + "</pre>")


def turn_html(run: Run, index: int) -> str:
    """One turn of a conversation (``index`` from 0): its heading, then its transcript."""
    totals = f" · {html.escape(run_meta(run))}" if run.steps else ""
    head = (f'<div class="hnb-who" style="margin-top:6px">turn {index + 1} · starts at '
            f'{html.escape(run.starting_agent.name)}{totals}</div>')
    return head + transcript_html(run, new_input_only=index > 0)


def conversation_html(runs: Iterable[Run], empty: str) -> str:
    """Every turn of the conversation, or ``empty`` (plain text) before the first message."""
    return "".join(turn_html(r, i) for i, r in enumerate(runs)) or muted_html(empty)


def stepper_snapshot_html(graph_svg: str, runs: Iterable[Run], empty: str,
                          request: ModelRequest | None) -> str:
    """The Stepper for static viewers: the graph (highlight baked in), the transcript, and the
    inspected step's prompt and tools (``request``; None: none)."""
    body = [f'<div class="hnb-graph">{svg_img(graph_svg)}</div>',
            "<div class='hnb-h'>Transcript</div>",
            conversation_html(runs, empty)]
    if request is not None:
        body += [prompt_html(request), tools_html(request)]
    return wrap("".join(body))


# -- the Playground ---------------------------------------------------------------------------------

CASES_HEADING_HTML = "<b>Cases</b> (✗ wrong in the latest run)"


def handoff_name_html(tool_name: str, agent_name: str) -> str:
    """A handoff's full name above its label and tool description boxes."""
    return (f'<div class="hnb-handoff-name" style="margin-top:6px;overflow-wrap:anywhere">'
            f'<code>{html.escape(tool_name)}</code> → <b>{html.escape(agent_name)}</b></div>')


def accuracy_by_level_html(levels: list[dict[str, Any]]) -> str:
    """The accuracy per level of decision (``eval.accuracy_by_level``); "" for one level."""
    if len(levels) < 2:
        return ""
    rows = "".join(f"<tr><td>level {d['level']}</td><td>{html.escape(', '.join(d['agents']))}</td>"
                   f"<td>{d['accuracy']:.2f}</td><td>{d['correct']} of {d['n']}</td></tr>" for d in levels)
    return ('<div class="hnb-levels" style="margin:6px 0"><b>Accuracy per level</b> (a case counts at a '
            'level when the levels above it routed it right)<table style="border-collapse:collapse;'
            'font-size:12px" border=1 cellpadding=4><tr><th>level</th><th>deciding</th><th>accuracy</th><th>cases</th>'
            f'</tr>{rows}</table></div>')


def case_heading_html(message: str, expected: str) -> str:
    """Above the Stepper a Playground case opens in."""
    return f"<b>{html.escape(message)}</b> — expected {html.escape(expected)}"


def playground_snapshot_html(agent_name: str, n_cases: int, instructions: str,
                             rows: Iterable[tuple[str, str, str, str]], report: str) -> str:
    """The Playground for static viewers: the prompt being edited, every handoff's label and tool
    description (``rows``: agent, handoff tool name, label, tool description), and the latest
    report(s) (``report``, HTML; "" before the first run)."""
    cells = "".join(f"<tr><td>{html.escape(agent)}</td><td><code>{html.escape(tool_name)}</code></td>"
                    f"<td>{html.escape(label)}</td><td>{html.escape(tool)}</td></tr>"
                    for agent, tool_name, label, tool in rows)
    report = report or muted_html("No evaluation yet: run the notebook and press “Run cases”.")
    return wrap(f'<div class="hnb-h">Playground: {html.escape(agent_name)} · {n_cases} cases</div>'
                f"<pre>{html.escape(instructions)}</pre>"
                f"<table><tr><th>agent</th><th>handoff</th><th>label</th><th>tool description</th></tr>{cells}</table>"
                f"{report}")
