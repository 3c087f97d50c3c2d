"""Save, load and share a stepped session.

``run.save(path)`` writes versioned JSON: every step (request, response, items, decision, handoff,
context after it, edits) and the state after it, so a loaded run shows in every view and can be
forked and continued. Agents are referenced by name and re-bound on ``Run.load(path, agents)``;
if the graph changed (an agent or a handoff tool is missing) the error says what. Secrets are
scrubbed. Saving a loaded run gives the same bytes.

``run.to_html(path)`` writes one self-contained HTML file -- no kernel, no network, no CDN: the
graph (SVG inline) with the path highlighted step by step, a slider and buttons, the transcript,
and per-step Prompt / Tools / Request / History / Why panels. For slides and LMSs.
"""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

from ._secrets import scrub_data
from .errors import UserError

FORMAT = "handoff_nb.session"
VERSION = 1


# -- save ----------------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "model_dump"):
        return {"__pydantic__": type(value).__name__, "data": value.model_dump(mode="json")}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return {"__repr__": repr(value)}


def _item(item: Any) -> dict[str, Any]:
    out = {"kind": type(item).__name__, "agent": item.agent.name, "raw": dict(item.raw_item)}
    if hasattr(item, "output") and type(item).__name__ == "ToolCallOutputItem":
        out["output"] = _jsonable(item.output)
    if type(item).__name__ == "HandoffOutputItem":
        out["source"] = item.source_agent.name if item.source_agent else None
        out["target"] = item.target_agent.name if item.target_agent else None
    return out


def _state(state: Any) -> dict[str, Any] | None:
    if state is None:
        return None
    lst, n = state.generated
    return {"current_agent": state.current_agent.name, "input": state.input[0][:state.input[1]],
            "generated": [_item(i) for i in lst[:n]], "log": state.log[0][:state.log[1]],
            "turns": state.turns, "context": _jsonable(state.context),
            "started_agent": state.started_agent.name if state.started_agent else None}


def _step(step: Any) -> dict[str, Any]:
    req = step.request
    return {
        "index": step.index, "agent": step.agent.name, "decision": step.decision,
        "request": None if req is None else {
            "agent_name": req.agent_name, "instructions": req.instructions,
            "handoff_instructions": req.handoff_instructions, "input": req.input, "tools": req.tools,
            "model_settings": req.model_settings.to_json_dict(), "step_index": req.step_index},
        "response": None if step.response is None else step.response.to_json_dict(),
        "items": [_item(i) for i in step.items],
        "handoff": None if step.handoff is None else {
            "source": step.handoff.source.name, "target": step.handoff.target.name,
            "tool_name": step.handoff.tool_name, "call_id": step.handoff.call_id,
            "arguments": step.handoff.arguments, "input": _jsonable(step.handoff.input),
            "history_before": step.handoff.history_before, "history_after": step.handoff.history_after,
            "filter_name": step.handoff.filter_name},
        "final_output": _jsonable(step.final_output),
        "error": None if step.error is None else f"{type(step.error).__name__}: {step.error}",
        "duration_s": round(step.duration_s, 6),
        "usage": {"requests": step.usage.requests, "input_tokens": step.usage.input_tokens,
                  "output_tokens": step.usage.output_tokens, "total_tokens": step.usage.total_tokens},
        "model_name": step.model_name, "context_after": _jsonable(step.context_after),
        "edited": list(step.edited), "state_after": _state(step._state_after)}


def to_json(run: Any) -> dict[str, Any]:
    from . import __version__
    from .models.interface import model_label
    data = {"format": FORMAT, "version": VERSION, "handoff_nb": __version__,
            "starting_agent": run.starting_agent.name, "entry_agent": run.entry_agent.name,
            "agents": sorted(a.name for a in run.starting_agent.walk()),
            "input": run.input if isinstance(run.input, str) else list(run.input),
            "context": _jsonable(run.context), "max_turns": run.max_turns,
            "model": model_label(run.run_config.model) if run.run_config.model is not None else None,
            "steps": [_step(s) for s in run.steps],
            "initial_state": _state(run._initial), "state": _state(run._state()),
            "done": run.done, "final_output": _jsonable(run.final_output)}
    return scrub_data(data)


def dumps(run: Any) -> str:
    return json.dumps(to_json(run), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def save(run: Any, path: Any) -> pathlib.Path:
    out = pathlib.Path(path)
    out.write_text(dumps(run), encoding="utf-8")
    return out


# -- load ----------------------------------------------------------------------------------------

def _restore_value(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__pydantic__", "data"}:
            return value  # the class is not known here: keep its data (shown as JSON)
        return {k: _restore_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore_value(v) for v in value]
    return value


def load(path: Any, agents: Any) -> Any:
    from .context import Usage
    from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ToolCallItem,
                        ToolCallOutputItem)
    from .model_settings import ModelSettings
    from .models.interface import ModelRequest, ModelResponse
    from .run import HandoffRecord, Run, Step, _RunState
    from .sdk import maybe_from_sdk

    file = pathlib.Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"cannot read the session {file}: {e}") from e
    if data.get("format") != FORMAT:
        raise UserError(f"{file} is not a handoff_nb session (format {data.get('format')!r})")
    if data.get("version") != VERSION:
        raise UserError(f"{file} is session format version {data.get('version')}; this handoff_nb "
                        f"reads version {VERSION}")
    root = maybe_from_sdk(agents)
    by_name = {a.name: a for a in root.walk()}
    missing = sorted(set(data["agents"]) - set(by_name))
    if data["starting_agent"] != root.name or missing:
        raise UserError(f"the agent graph changed since {file.name} was saved: it starts at "
                        f"{data['starting_agent']!r} (you passed {root.name!r})"
                        + (f"; agents missing now: {', '.join(missing)}" if missing else ""))
    for s in data["steps"]:
        h = s.get("handoff")
        if h and h["tool_name"] not in {x.tool_name for x in by_name[h["source"]].handoff_objects()}:
            raise UserError(f"the agent graph changed since {file.name} was saved: {h['source']!r} has "
                            f"no handoff tool {h['tool_name']!r} any more (step {s['index']})")

    def item(d: dict[str, Any]) -> Any:
        agent = by_name[d["agent"]]
        kind = d["kind"]
        if kind == "MessageOutputItem":
            return MessageOutputItem(agent, d["raw"])
        if kind == "HandoffCallItem":
            return HandoffCallItem(agent, d["raw"])
        if kind == "HandoffOutputItem":
            return HandoffOutputItem(agent, d["raw"], source_agent=by_name.get(d.get("source")),
                                     target_agent=by_name.get(d.get("target")))
        if kind == "ToolCallOutputItem":
            return ToolCallOutputItem(agent, d["raw"], output=_restore_value(d.get("output")))
        return ToolCallItem(agent, d["raw"])

    def state(d: dict[str, Any] | None) -> Any:
        if d is None:
            return None
        generated = [item(x) for x in d["generated"]]
        inp, log = list(d["input"]), list(d["log"])
        return _RunState(by_name[d["current_agent"]], (inp, len(inp)), (generated, len(generated)),
                         (log, len(log)), ([], 0), ([], 0), d["turns"], _restore_value(d["context"]),
                         by_name.get(d["started_agent"]) if d["started_agent"] else None)

    run = Run(root, data["input"], context=copy.deepcopy(_restore_value(data["context"])),
              max_turns=data["max_turns"])
    for s in data["steps"]:
        agent = by_name[s["agent"]]
        step = Step(index=s["index"], agent=agent, decision=s["decision"],
                    model_name=s["model_name"], duration_s=s["duration_s"], edited=list(s["edited"]),
                    usage=Usage(**s["usage"]), context_after=_restore_value(s["context_after"]),
                    final_output=_restore_value(s["final_output"]))
        if s["request"] is not None:
            r = s["request"]
            step.request = ModelRequest(agent_name=r["agent_name"], instructions=r["instructions"],
                                        handoff_instructions=r["handoff_instructions"], input=r["input"],
                                        tools=r["tools"], model_settings=ModelSettings(**r["model_settings"]),
                                        step_index=r["step_index"])
        if s["response"] is not None:
            step.response = ModelResponse.from_json_dict(s["response"])
        step.items = [item(x) for x in s["items"]]
        if s["handoff"] is not None:
            h = s["handoff"]
            step.handoff = HandoffRecord(source=by_name[h["source"]], target=by_name[h["target"]],
                                         tool_name=h["tool_name"], call_id=h["call_id"],
                                         arguments=h["arguments"], input=_restore_value(h["input"]),
                                         history_before=h["history_before"],
                                         history_after=h["history_after"], filter_name=h["filter_name"])
            step.next_agent = step.handoff.target
        if s["error"] is not None:
            step.error = RuntimeError(s["error"])
        step._state_after = state(s["state_after"])
        run.steps.append(step)
        run.all_items += step.items
        if step.response is not None and s["decision"] != "error":
            run.raw_responses.append(step.response)
    run._initial = state(data["initial_state"])
    now = state(data["state"])
    run._restore(now)
    run.all_items = [i for s in run.steps for i in s.items]
    run.context_wrapper.context = copy.deepcopy(now.context)
    run._context_before = now.context
    run.done, run.final_output = data["done"], _restore_value(data["final_output"])
    run.entry_agent = by_name.get(data["entry_agent"], root)
    run.loaded_from = str(file)
    return run


# -- the self-contained HTML export ---------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<style>
body{{font-family:Helvetica,Arial,sans-serif;margin:16px;color:#0f172a}}
#bar{{display:flex;gap:8px;align-items:center;margin:8px 0}} #bar button{{font-size:14px;padding:3px 10px}}
#graph svg{{max-width:100%;height:auto}} #graph{{overflow:auto;border:1px solid #e2e8f0;border-radius:6px;padding:6px}}
.node.hnb-visited polygon,.node.hnb-visited path{{fill:#fef3c7}}
.node.hnb-active polygon,.node.hnb-active path{{fill:#fde68a;stroke:#b45309;stroke-width:3px}}
.edge.hnb-taken path{{stroke:#b45309;stroke-width:3px}} .edge.hnb-taken polygon{{fill:#b45309;stroke:#b45309}}
.edge.hnb-taken text{{fill:#b45309;font-weight:bold}}
#cols{{display:flex;gap:16px;flex-wrap:wrap}} #cols>div{{flex:1 1 420px;min-width:0}}
.tabs button{{margin-right:4px}} .tabs button.on{{font-weight:bold;border-bottom:2px solid #b45309}}
.panel{{display:none}} .panel.on{{display:block}} .later{{opacity:.35}}
</style></head><body>
<h2>{title}</h2><div class="hnb-muted">{subtitle}</div>
<div id="bar"><button id="prev" title="previous step">&#9664;</button>
<input id="slider" type="range" min="0" max="{last}" value="{last}" style="flex:1">
<button id="next" title="next step">&#9654;</button><span id="label"></span></div>
<div id="graph">{svg}</div>
<div id="cols"><div><h3>Transcript</h3>{transcript}</div>
<div><h3>Step <span id="stepno"></span></h3><div class="tabs">{tab_buttons}</div>{panels}</div></div>
<script>
const STATES = {states};
const TABS = {tabs};
let tab = TABS[0];
function show(k) {{
  const hl = STATES[k];
  const svg = document.querySelector('#graph svg');
  svg.querySelectorAll('.hnb-active,.hnb-visited,.hnb-taken').forEach(n => n.classList.remove('hnb-active','hnb-visited','hnb-taken'));
  svg.querySelectorAll('text[data-slot]').forEach(t => {{ t.textContent = t.getAttribute('data-slot'); }});
  (hl.visited || []).forEach(id => {{ const g = svg.querySelector('#node_' + id); if (g) g.classList.add('hnb-visited'); }});
  if (hl.active) {{ const g = svg.querySelector('#node_' + hl.active); if (g) g.classList.add('hnb-active'); }}
  for (const [edge, steps] of Object.entries(hl.taken || {{}})) {{
    const g = svg.querySelector('#edge_' + edge); if (!g) continue;
    g.classList.add('hnb-taken');
    const slot = Array.from(g.querySelectorAll('text')).find(t => t.hasAttribute('data-slot') || /^\\u2007+$/.test(t.textContent));
    if (slot) {{ if (!slot.hasAttribute('data-slot')) slot.setAttribute('data-slot', slot.textContent); slot.textContent = 'step ' + steps.join(', '); }}
  }}
  document.querySelectorAll('[data-step]').forEach(el => el.classList.toggle('later', +el.dataset.step > k));
  document.querySelectorAll('.panel').forEach(p => p.classList.toggle('on', +p.dataset.k === k && p.dataset.tab === tab));
  document.querySelectorAll('.tabs button').forEach(b => b.classList.toggle('on', b.dataset.tab === tab));
  document.getElementById('slider').value = k;
  document.getElementById('stepno').textContent = k;
  document.getElementById('label').textContent = hl.label;
}}
const slider = document.getElementById('slider');
slider.addEventListener('input', () => show(+slider.value));
document.getElementById('prev').addEventListener('click', () => show(Math.max(0, +slider.value - 1)));
document.getElementById('next').addEventListener('click', () => show(Math.min({last}, +slider.value + 1)));
document.querySelectorAll('.tabs button').forEach(b => b.addEventListener('click', () => {{ tab = b.dataset.tab; show(+slider.value); }}));
show({last});
</script></body></html>
"""


def to_html(run: Any, path: Any = None) -> str:
    import html as _html

    from .render.dot import apply_run, graph_dot, graph_model, highlight_state
    from .render.html import (context_html, esc, history_diff_html, prompt_html, request_html,
                              tools_html, transcript_html, why_html, wrap)
    from .render.svg import DotUnavailable, render_svg
    model = graph_model(run.starting_agent)
    source = graph_dot(model, static_highlight=False, cues=False)
    try:
        svg = render_svg(source)
    except DotUnavailable as e:
        svg = f"<pre>{esc(str(e))}\n\n{esc(source, 20000)}</pre>"
    states = []
    for k in range(len(run.steps)):
        partial = run.fork(k + 1) if k + 1 < len(run.steps) else run
        m = graph_model(run.starting_agent)
        apply_run(m, partial)
        st = highlight_state(m)
        s = run.steps[k]
        st["active"] = m.agent_ids.get(id(s.agent), st["active"])  # who acts at step k
        st["label"] = f"step {k}: {s.agent.name} · {s.decision}" + (" · edited" if s.edited else "")
        states.append(st)
    if not states:
        m = graph_model(run.starting_agent)
        states.append({**highlight_state(m), "active": m.agent_ids.get(id(run.starting_agent)),
                       "label": "no step yet"})
    tabs = ["Prompt", "Tools", "Request", "History passed", "Context", "Why"]
    panels = []
    for k, s in enumerate(run.steps):
        for name, body in (("Prompt", prompt_html(s.request) if s.request else ""),
                           ("Tools", tools_html(s.request) if s.request else ""),
                           ("Request", request_html(s)), ("History passed", history_diff_html(s.handoff)),
                           ("Context", context_html(s.context_after)), ("Why", why_html(s))):
            panels.append(f'<div class="panel" data-k="{k}" data-tab="{_html.escape(name)}">{wrap(body)}</div>')
    transcript = _step_tagged(wrap(transcript_html(run)))
    last = max(0, len(run.steps) - 1)
    title = f"handoff_nb session: {run.starting_agent.name}"
    subtitle = esc(f"{len(run.steps)} steps · path {' → '.join(run.agent_path)}"
                   + (f" · edited at steps {', '.join(str(s.index) for s in run.steps if s.edited)}"
                      if any(s.edited for s in run.steps) else ""))
    page = _PAGE.format(title=esc(title), subtitle=subtitle, last=last, svg=svg,
                        transcript=transcript, panels="".join(panels),
                        tab_buttons="".join(f'<button data-tab="{_html.escape(t)}">{_html.escape(t)}</button>'
                                            for t in tabs),
                        states=json.dumps(states).replace("</", "<\\/"),
                        tabs=json.dumps(tabs))
    if path is not None:
        pathlib.Path(path).write_text(page, encoding="utf-8")
    return page


def _step_tagged(transcript: str) -> str:
    """Mark each transcript block with its step (``data-step``) so the page can dim later ones."""
    import re
    return re.sub(r'(<div class="hnb-turn[^"]*"[^>]*)>(<div class="hnb-who"[^>]*>step (\d+))',
                  r'\1 data-step="\3">\2', transcript)
