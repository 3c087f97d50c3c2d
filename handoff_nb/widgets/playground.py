"""Playground: edit the triage prompt and handoff descriptions, re-run the case set, compare.

Each Run evaluates the current agents on the cases and shows the new report next to the
previous one, changed cases first. Pick a case and press "Open in Stepper" to step through it.
Edits change the agent objects in place (as in the Stepper).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from ..agent import Agent
from .._util import run_sync
from ..eval import RoutingReport, VariantComparison, aevaluate_routing, load_cases
from ._background import in_task, spawn
from ._static import StaticSnapshot
from ..handoffs import Handoff, handoff
from .stepper import Stepper


class Playground(StaticSnapshot, W.VBox):
    def __init__(self, agent: Agent, cases: Any, model: Any = None, concurrency: int = 8):
        from ..sdk import maybe_from_sdk
        agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
        self.agent, self.model, self.concurrency = agent, model, concurrency
        self.cases = load_cases(cases)
        self.reports: list[RoutingReport] = []
        self.instructions = W.Textarea(value=agent.instructions if isinstance(agent.instructions, str) else "",
                                       description="triage", layout=W.Layout(width="100%", height="160px"))
        self.rows: list[tuple[int, W.Text, W.Text]] = []
        for i, h in enumerate(agent.handoff_objects()):
            label = W.Text(value=h.description or "", description=f"{h.tool_name} label",
                           style={"description_width": "180px"}, layout=W.Layout(width="100%"))
            tool = W.Text(value=h.tool_description, description=f"{h.tool_name} tool desc",
                          style={"description_width": "180px"}, layout=W.Layout(width="100%"))
            self.rows.append((i, label, tool))
        self.run_button = W.Button(description="Run cases", button_style="primary", icon="play")
        self.status = W.HTML()
        self.report_view = W.HTML()
        self.case_picker = W.Select(options=[], rows=8, layout=W.Layout(width="100%"))
        self.open_button = W.Button(description="Open in Stepper", icon="search")
        self.open_hint = W.HTML()
        self.stepper_box = W.VBox()
        self.stepper: Stepper | None = None
        self.run_button.on_click(lambda _: spawn(self.arun(), self._report_crash))
        self.open_button.on_click(in_task(lambda _: self.open_case()))
        super().__init__([self.instructions, *[w for _, a, b in self.rows for w in (a, b)],
                          self.run_button, self.status, self.report_view,
                          W.HTML("<b>Cases</b> (✗ wrong in the latest run)"), self.case_picker,
                          W.HBox([self.open_button, self.open_hint]), self.stepper_box])

    def apply_edits(self) -> None:
        self.agent.instructions = self.instructions.value
        for i, label, tool in self.rows:
            entry = self.agent.handoffs[i]
            if not isinstance(entry, Handoff):
                entry = self.agent.handoffs[i] = handoff(entry)
            entry.description = label.value.strip() or None
            if tool.value.strip() and tool.value.strip() != entry.tool_description:
                entry.tool_description = tool.value.strip()
                entry.tool_description_overridden = True

    def run(self) -> RoutingReport:
        """Apply the edits, evaluate the cases, show the report next to the previous one."""
        return run_sync(self.arun())

    async def arun(self) -> RoutingReport:
        self.apply_edits()
        name = f"run {len(self.reports) + 1}"
        self.run_button.disabled = True
        self.status.value = f"Evaluating {len(self.cases)} cases…"
        try:
            report = await aevaluate_routing(self.agent, self.cases, model=self.model,
                                             concurrency=self.concurrency, name=name)
        finally:
            self.run_button.disabled = False
        self.reports.append(report)
        shown = {r.name: r for r in self.reports[-2:]}
        if len(shown) == 2:
            self.report_view.value = VariantComparison(shown)._repr_html_()
        else:
            self.report_view.value = report._repr_html_()
        self.case_picker.options = [(("✓ " if r.correct else "✗ ") + r.case.message[:90], i)
                                    for i, r in enumerate(report.results)]
        prev = f" (previous {self.reports[-2].accuracy:.2f})" if len(self.reports) > 1 else ""
        self.status.value = html.escape(f"{name}: accuracy {report.accuracy:.2f}{prev} · by "
                                        f"decision kind: {report.kinds_summary()}")
        return report

    def __repr__(self) -> str:
        last = f", latest accuracy {self.reports[-1].accuracy:.2f}" if self.reports else ""
        return f"Playground({self.agent.name!r}, {len(self.cases)} cases, {len(self.reports)} runs{last})"

    def snapshot_html(self) -> str:
        """What static viewers (nbconvert, GitHub) show: the prompt being edited, the labels, and
        the latest report(s)."""
        from ..render.html import wrap
        rows = "".join(f"<tr><td><code>{html.escape(self.agent.handoff_objects()[i].tool_name)}</code></td>"
                       f"<td>{html.escape(label.value)}</td><td>{html.escape(tool.value)}</td></tr>"
                       for i, label, tool in self.rows)
        report = self.report_view.value or ('<div class="hnb-muted">No evaluation yet: run the notebook '
                                            'and press “Run cases”.</div>')
        return wrap(f'<div class="hnb-h">Playground: {html.escape(self.agent.name)} · {len(self.cases)} cases</div>'
                    f"<pre>{html.escape(self.instructions.value)}</pre>"
                    f"<table><tr><th>handoff</th><th>label</th><th>tool description</th></tr>{rows}</table>"
                    f"{report}")

    def _report_crash(self, error: BaseException) -> None:
        self.run_button.disabled = False
        self.status.value = html.escape(f"Evaluation failed: {type(error).__name__}: {error}")

    def open_case(self) -> Stepper | None:
        if self.case_picker.value is None:
            # said next to the button (the status line is far above it)
            self.open_hint.value = ('<span style="color:#b91c1c">Run the cases, then pick one in the '
                                    'list first.</span>')
            return None
        self.open_hint.value = ""
        case = self.cases[self.case_picker.value]
        self.stepper = Stepper(self.agent, model=self.model)
        self.stepper.send(case.message)
        self.stepper_box.children = [W.HTML(f"<b>{html.escape(case.message)}</b> — expected "
                                            f"{html.escape(case.expected_final)}"), self.stepper]
        return self.stepper
