"""HTML and text views. Every piece of user or model text goes through ``esc``."""

from __future__ import annotations

import base64
import difflib
import html
import json
import re
from typing import TYPE_CHECKING, Any

from ..items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ToolCallItem,
                     ToolCallOutputItem, content_text)
from ..pricing import step_meta

if TYPE_CHECKING:  # pragma: no cover
    from ..models.interface import ModelRequest
    from ..result import RunResult
    from ..run import HandoffRecord, Run, Step

MAX_TEXT = 4000

CSS = """<style>
.hnb{font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#0f172a;line-height:1.4}
.hnb pre{white-space:pre-wrap;word-break:break-word;background:#f8fafc;border:1px solid #e2e8f0;
 border-radius:6px;padding:8px;margin:4px 0;font-size:12px;max-height:420px;overflow:auto;
 font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
.hnb code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
.hnb .hnb-scroll{overflow-x:auto;max-width:100%}
.hnb .hnb-block{background:#fef3c7;border-left:4px solid #d97706;display:block;padding:2px 6px;margin-top:6px}
.hnb .hnb-h{font-weight:600;margin:8px 0 2px}
.hnb .hnb-turn{margin:4px 0;padding:6px 8px;border-radius:6px;border:1px solid #e2e8f0}
.hnb .hnb-user{background:#eff6ff}.hnb .hnb-assistant{background:#f8fafc}
.hnb .hnb-tool{background:#ecfdf5;font-size:12px}.hnb .hnb-handoff{background:#fef3c7;font-weight:600}
.hnb .hnb-error{background:#fee2e2;color:#991b1b}
.hnb .hnb-who{font-size:11px;color:#475569;text-transform:uppercase;letter-spacing:.04em}
.hnb table{border-collapse:collapse;font-size:12px}.hnb td,.hnb th{border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top}
.hnb tr.hnb-chosen td{background:#fef3c7;font-weight:600}
.hnb .hnb-del{background:#fee2e2;text-decoration:line-through}.hnb .hnb-add{background:#dcfce7}
.hnb .hnb-muted{color:#64748b}
</style>"""


def esc(value: Any, limit: int = MAX_TEXT) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters]"
    return html.escape(text, quote=True)


def pretty(value: Any) -> str:
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=_default)
    except (TypeError, ValueError):
        return repr(value)


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return repr(value)


INLINE = {
    "hnb": "font-family:Helvetica,Arial,sans-serif;font-size:13px;color:#0f172a;line-height:1.4",
    "hnb-block": "background:#fef3c7;border-left:4px solid #d97706;display:block;padding:2px 6px;margin-top:6px",
    "hnb-h": "font-weight:600;margin:8px 0 2px",
    "hnb-turn": "margin:4px 0;padding:6px 8px;border-radius:6px;border:1px solid #e2e8f0",
    "hnb-user": "background:#eff6ff", "hnb-assistant": "background:#f8fafc",
    "hnb-tool": "background:#ecfdf5;font-size:12px", "hnb-handoff": "background:#fef3c7;font-weight:600",
    "hnb-error": "background:#fee2e2;color:#991b1b",
    "hnb-who": "font-size:11px;color:#475569;text-transform:uppercase;letter-spacing:.04em",
    "hnb-chosen": "background:#fef3c7;font-weight:600",
    "hnb-del": "background:#fee2e2;text-decoration:line-through", "hnb-add": "background:#dcfce7",
    "hnb-muted": "color:#64748b",
    "hnb-scroll": "overflow-x:auto;max-width:100%",
}
MONOSPACE = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"
_TAG_STYLE = {
    "pre": "white-space:pre-wrap;word-break:break-word;background:#f8fafc;border:1px solid #e2e8f0;"
           "border-radius:6px;padding:8px;margin:4px 0;font-size:12px;max-height:420px;overflow:auto;"
           f"font-family:{MONOSPACE}",
    "code": f"font-family:{MONOSPACE};font-size:12px",
    "table": "border-collapse:collapse;font-size:12px",
    "td": "border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top",
    "th": "border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top",
}


def _inline_styles(markup: str) -> str:
    """Copy the stylesheet onto each element as style attributes: viewers that drop <style>
    (JupyterLab on untrusted notebooks, GitHub) still show the layout and the highlights."""
    def with_class(m: re.Match[str]) -> str:
        style = ";".join(INLINE[c] for c in m.group(1).split() if c in INLINE)
        return f'{m.group(0)} style="{style}"' if style else m.group(0)

    markup = re.sub(r'class="([^"]*\bhnb[^"]*)"(?! style=)', with_class, markup)
    return re.sub(r"<(pre|table|td|th|code)>", lambda m: f'<{m.group(1)} style="{_TAG_STYLE[m.group(1)]}">', markup)


def wrap(inner: str) -> str:
    return _inline_styles(f'{CSS}<div class="hnb">{inner}</div>')


def svg_img(svg: str, alt: str = "agent graph") -> str:
    """An SVG as an ``<img>`` with a data URI, for static HTML: GitHub and other sanitizing
    viewers show images but drop inline ``<svg>`` (live views use inline SVG)."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img alt="{esc(alt)}" style="max-width:100%;height:auto" '
            f'src="data:image/svg+xml;base64,{data}"/>')



# -- prompt, tools, request ---------------------------------------------------------------------

def prompt_html(request: ModelRequest) -> str:
    """The system prompt, with the HANDOFF_INSTRUCTIONS block highlighted."""
    parts = []
    if request.instructions:
        parts.append(esc(request.instructions, 20000))
    if request.handoff_instructions:
        parts.append(f'<span class="hnb-block" title="added by handoff_nb (RunConfig.handoff_instructions)">'
                     f'{esc(request.handoff_instructions, 20000)}</span>')
    body = "\n\n".join(parts) if parts else '<span class="hnb-muted">(empty system prompt)</span>'
    return (f'<div class="hnb-h">System prompt for {esc(request.agent_name)}</div><pre>{body}</pre>')


def tools_html(request: ModelRequest) -> str:
    """The tools array exactly as sent, one section per tool."""
    if not request.tools:
        return f'<div class="hnb-h">Tools for {esc(request.agent_name)}</div><div class="hnb-muted">(no tools)</div>'
    handoff_names = {h.tool_name for h in request.handoffs}
    out = [f'<div class="hnb-h">Tools for {esc(request.agent_name)} ({len(request.tools)}, in the order sent)</div>']
    for t in request.tools:
        fn = t["function"]
        kind = "handoff" if fn["name"] in handoff_names else "function tool"
        out.append(f'<div><b>{esc(fn["name"])}</b> <span class="hnb-muted">{kind}</span>'
                   f'<pre>{esc(pretty(t), 20000)}</pre></div>')
    return "".join(out)


def request_html(step: Step) -> str:
    if step.request is None:
        return '<div class="hnb-muted">(no request was built)</div>'
    sent = step.response.sent if step.response is not None else None
    if sent:
        api = {"responses": "Responses API, /v1/responses",
               "sdk": "the SDK's call of Model.get_response"}.get(sent.get("api"), "Chat Completions")
        return (f'<div class="hnb-h">Step {step.index}: the exact request sent ({esc(api)})</div>'
                f'<pre>{esc(pretty(sent.get("body")), 60000)}</pre>')
    payload = step.request.chat_payload(step.model_name or "model")
    return (f'<div class="hnb-h">Step {step.index}: request payload (Chat Completions shape)</div>'
            f'<pre>{esc(pretty(payload), 60000)}</pre>')


# -- history ------------------------------------------------------------------------------------

def _item_line(item: dict[str, Any]) -> str:
    if item.get("type") == "function_call":
        return f"call {item.get('name')}({item.get('arguments') or ''})"
    if item.get("type") == "function_call_output":
        return f"output {item.get('call_id')}: {item.get('output')}"
    return f"{item.get('role', '?')}: {content_text(item)}"


def history_diff_html(record: HandoffRecord | None) -> str:
    """The history a handoff passes on, before and after the input filter, as a diff."""
    if record is None:
        return '<div class="hnb-muted">No handoff in this step.</div>'
    before = [_item_line(i) for i in record.history_before]
    after = [_item_line(i) for i in record.history_after]
    head = (f'<div class="hnb-h">History passed from {esc(record.source.name)} to '
            f'{esc(record.target.name)}</div>')
    if record.filter_name is None:
        head += '<div class="hnb-muted">No input filter: the next agent sees the full history.</div>'
    else:
        head += (f'<div>Input filter <b>{esc(record.filter_name)}</b>: '
                 f'{len(before)} items before, {len(after)} after.</div>')
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [f"<div>  {esc(x, 600)}</div>" for x in before[i1:i2]]
        else:
            rows += [f'<div class="hnb-del">- {esc(x, 600)}</div>' for x in before[i1:i2]]
            rows += [f'<div class="hnb-add">+ {esc(x, 600)}</div>' for x in after[j1:j2]]
    return head + "<pre>" + "".join(rows) + "</pre>"


# -- transcript ---------------------------------------------------------------------------------

def _turn(kind: str, who: str, body: str) -> str:
    return (f'<div class="hnb-turn hnb-{kind}"><div class="hnb-who">{esc(who)}</div>{body}</div>')


def transcript_html(run: Run | RunResult, *, new_input_only: bool = False, timing: bool = True) -> str:
    """User messages, assistant text, tool calls and outputs, handoffs and errors, in order.

    ``new_input_only``: show only the input after the last non-user item (a continued
    conversation's new message), not the history it carries."""
    out = []
    initial = run.initial_items
    if new_input_only:
        last = max((k for k, i in enumerate(initial) if i.get("role") != "user"), default=-1)
        initial = initial[last + 1:]
    for item in initial:
        if item.get("role") == "user":
            out.append(_turn("user", "user", esc(content_text(item))))
        elif item.get("role") == "assistant":
            out.append(_turn("assistant", "assistant (earlier)", esc(content_text(item))))
    for step in run.steps:
        if step.decision == "error":
            out.append(_turn("error", f"step {step.index} · {step.agent.name} · error",
                             esc(f"{type(step.error).__name__}: {step.error}")))
            continue
        if step.edited:
            out.append(f'<div style="font-size:11px;margin:4px 0 0 2px;color:#b45309">✎ step {step.index} '
                       f'edited: {esc(", ".join(step.edited))}</div>')
        meta = step_meta(step, timing=timing)
        if meta:
            out.append(f'<div class="hnb-muted" style="font-size:11px;margin:4px 0 0 2px">'
                       f'step {step.index} · {esc(step.model_name or "model")} · {esc(meta)}</div>')
        for item in step.items:
            if isinstance(item, MessageOutputItem):
                out.append(_turn("assistant", f"step {step.index} · {item.agent.name}", esc(item.text)))
            elif isinstance(item, HandoffCallItem):
                rec = step.handoff
                args = (f"<pre>{esc(pretty(rec.input))}</pre>" if rec is not None and rec.input is not None
                        and rec.call_id == item.raw_item.get("call_id") else "")
                target = rec.target.name if rec is not None and rec.call_id == item.raw_item.get("call_id") else "?"
                out.append(_turn("handoff", f"step {step.index} · handoff",
                                 f"{esc(item.agent.name)} → {esc(target)} via "
                                 f"<code>{esc(item.raw_item.get('name'))}</code>{args}"))
            elif isinstance(item, ToolCallItem):
                out.append(_turn("tool", f"step {step.index} · {item.agent.name} · tool call",
                                 f"<code>{esc(item.raw_item.get('name'))}({esc(item.raw_item.get('arguments'))})</code>"))
            elif isinstance(item, HandoffOutputItem):
                continue
            elif isinstance(item, ToolCallOutputItem):
                out.append(_turn("tool", f"step {step.index} · tool output",
                                 f"<code>{esc(item.raw_item.get('output'), 1000)}</code>"))
    if not out:
        out.append('<div class="hnb-muted">(nothing yet)</div>')
    return "".join(out)


def transcript_text(run: Run | RunResult) -> str:
    lines = []
    for item in run.initial_items:
        if item.get("role") in ("user", "assistant"):
            lines.append(f"{item['role']}: {content_text(item)}")
    for step in run.steps:
        if step.edited:
            lines.append(f"[{step.index}] edited: {', '.join(step.edited)}")
        if step.decision == "error":
            lines.append(f"[{step.index}] {step.agent.name}: error {type(step.error).__name__}: {step.error}")
            continue
        for item in step.items:
            if isinstance(item, MessageOutputItem):
                lines.append(f"[{step.index}] {item.agent.name}: {item.text}")
            elif isinstance(item, HandoffCallItem) and step.handoff is not None \
                    and step.handoff.call_id == item.raw_item.get("call_id"):
                extra = f" {pretty(step.handoff.input)}" if step.handoff.input is not None else ""
                lines.append(f"[{step.index}] handoff {step.handoff.source.name} -> "
                             f"{step.handoff.target.name} via {step.handoff.tool_name}{extra}")
            elif isinstance(item, ToolCallItem):
                lines.append(f"[{step.index}] {item.agent.name} calls {item.raw_item.get('name')}"
                             f"({item.raw_item.get('arguments')})")
            elif isinstance(item, ToolCallOutputItem) and not isinstance(item, HandoffOutputItem):
                lines.append(f"[{step.index}] tool output: {item.raw_item.get('output')}")
    return "\n".join(lines)


# -- why, context ------------------------------------------------------------------------------

def why_html(step: Step | None) -> str:
    why = step.why if step is not None else None
    if step is None:
        return ('<div class="hnb-h">Why</div><div class="hnb-muted">After a step, this tab shows why '
                'the model did what it did. The offline model explains every decision: each '
                "handoff's score and the words of the message that matched it, or, where words "
                "leave the choice open, each route's similarity in meaning and the route text that "
                'matched best. Real models do not explain themselves; their tab stays empty.</div>')
    if not why:
        return ('<div class="hnb-muted">No explanation: only the offline model explains its '
                'decisions.</div>')
    rows = []
    for r in why.get("routes", []):
        chosen = ' class="hnb-chosen"' if r.get("tool_name") == why.get("chosen") else ""
        rows.append(f"<tr{chosen}><td>{esc(r['tool_name'])}</td><td>{esc(r.get('target') or r['kind'])}</td>"
                    f"<td>{r['score']:.2f}</td><td>{esc(', '.join(r['matched']) or '-')}</td></tr>")
    table = ("<table><tr><th>tool</th><th>target</th><th>score</th><th>matched words</th></tr>"
             + "".join(rows) + "</table>") if rows else ""
    kind = why.get("decision_kind")
    head = esc(why.get("decision", "")) + (f" · {esc(kind)}" if kind else "")
    return (f'<div class="hnb-h">Why ({head})</div>'
            f'<div>{esc(why.get("reason", ""))}</div>'
            f'<div class="hnb-muted">message: “{esc(why.get("message", ""), 500)}” · threshold '
            f'{why.get("threshold", 0):.2f}</div>'
            f'<div class="hnb-h">By words</div>{table}'
            + _semantic_why(why.get("semantic"), why.get("chosen"))
            + _language_why(why.get("language")))


def _semantic_why(info: dict[str, Any] | None, chosen: str | None) -> str:
    if not info:
        return ""
    if not info.get("available"):
        return f'<div class="hnb-h">By meaning</div><div class="hnb-muted">{esc(info.get("hint", ""))}</div>'
    rows = []
    for r in info.get("routes", []):
        mark = ' class="hnb-chosen"' if r["tool_name"] == chosen else ""
        piece = r["best_piece"]
        rows.append(f"<tr{mark}><td>{esc(r['tool_name'])}</td><td>{esc(r['target'])}</td>"
                    f"<td>{r['similarity']:.3f}</td><td>{esc(piece['source'])}: "
                    f"“{esc(piece['text'], 200)}” ({piece['similarity']:.3f})</td></tr>")
    stay = info.get("stay") or {}
    rows.append(f"<tr><td>(stay)</td><td>-</td><td>{stay.get('similarity', 0):.3f}</td>"
                f"<td>{esc(stay.get('text', ''), 200)}</td></tr>")
    return (f'<div class="hnb-h">By meaning ({esc(info.get("engine", ""))})</div>'
            "<table><tr><th>tool</th><th>target</th><th>similarity</th><th>best matching route text"
            "</th></tr>" + "".join(rows) + "</table>")


def _language_why(info: dict[str, Any] | None) -> str:
    if not info:
        return ""
    routes = ", ".join(f"{t} → {lang}" for t, lang in info.get("routes", {}).items())
    return (f'<div class="hnb-h">By language</div><div>detected: {esc(info.get("detected_name") or "unsure")}'
            f' · routes naming a language: {esc(routes)}</div>')


def preview_problem_html(agent: Any, error: BaseException) -> str:
    """Shown instead of a prompt preview that could not be built (never an exception in a view)."""
    return (f'<div class="hnb-h">Prompt of {esc(getattr(agent, "name", agent))} not available yet</div>'
            f'<div>Building it raised <code>{esc(type(error).__name__)}: {esc(str(error), 500)}</code>. '
            'Dynamic instructions or <code>is_enabled</code> callables often need the run context: '
            'pass <code>context=...</code> to the widget, or step the run to see the real prompt.</div>')


def context_html(value: Any) -> str:
    return f'<div class="hnb-h">Run context</div><pre>{esc(pretty(value), 20000)}</pre>'
