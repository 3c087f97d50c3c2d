"""The session's self-contained HTML export: graph, step slider, transcript and per-step tabs in
one file (no kernel, no network); secrets scrubbed like the session file (handoff_nb.session)."""

from __future__ import annotations

import html as _html
import json
import pathlib
import re
from typing import Any

from .._secrets import scrub
from .dot import apply_run, graph_dot, graph_model, highlight_state
from .html import (context_html, esc, history_diff_html, prompt_html, request_html, tools_html,
                   transcript_html, why_html, wrap)
from .svg import DotUnavailable, render_svg

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
    """One self-contained HTML file of the session (no kernel, no network), scrubbed; returns it."""
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
    n = len(run.steps)
    subtitle = esc(f"{n} step{'' if n == 1 else 's'} · path {' → '.join(run.agent_path)}"
                   + (f" · edited at steps {', '.join(str(s.index) for s in run.steps if s.edited)}"
                      if any(s.edited for s in run.steps) else ""))
    page = _PAGE.format(title=esc(title), subtitle=subtitle, last=last, svg=svg,
                        transcript=transcript, panels="".join(panels),
                        tab_buttons="".join(f'<button data-tab="{_html.escape(t)}">{_html.escape(t)}</button>'
                                            for t in tabs),
                        states=inline_json(states), tabs=inline_json(tabs))
    page = scrub(page)  # a file to share: no key typed into a message or echoed by a server
    if path is not None:
        pathlib.Path(path).write_text(page, encoding="utf-8")
    return page


def inline_json(value: Any) -> str:
    """JSON safe inside an HTML ``<script>``: every ``<``, ``>`` and ``&`` (and U+2028/U+2029) is
    a ``\\uXXXX`` escape, so no text (an agent named ``<!--<script>`` or ``</script>``) can end
    the script or switch the HTML parser's script states."""
    text = json.dumps(value, ensure_ascii=True)
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, code)
    return text


def _step_tagged(transcript: str) -> str:
    """Mark each transcript block with its step (``data-step``) so the page can dim later ones."""
    return re.sub(r'(<div class="hnb-turn[^"]*"[^>]*)>(<div class="hnb-who"[^>]*>step (\d+))',
                  r'\1 data-step="\3">\2', transcript)
