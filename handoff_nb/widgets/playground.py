"""Playground: edit the triage prompts and handoff descriptions, re-run the case set, compare.

Every agent that routes gets a section (the entry agent open, the others -- the second level of a
two-level triage, a specialist's escalation -- one click away): its instructions, and for each
handoff its label (the HANDOFF_INSTRUCTIONS line) and tool description, under the full handoff
name. The report adds the accuracy per level of decision.

Each Run evaluates the current agents on the cases and shows the new report next to the
previous one, changed cases first. Pick a case and press "Open in Stepper" to step through it.
Edits change the agent objects in place (as in the Stepper).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from ..agent import Agent
from ..agent_input import maybe_from_sdk
from .._util import run_sync
from ..eval import RoutingReport, VariantComparison, accuracy_by_level, aevaluate_routing, load_cases
from ._background import in_task, spawn
from ._static import StaticSnapshot
from ..handoffs import Handoff, handoff
from ..render.widget_html import (CASES_HEADING_HTML, accuracy_by_level_html, case_heading_html,
                                  handoff_name_html, hint_html, muted_html, playground_snapshot_html)
from .stepper import Stepper


class Playground(StaticSnapshot, W.VBox):
    def __init__(self, agent: Agent, cases: Any, model: Any = None, concurrency: int = 8):
        agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
        self.agent, self.model, self.concurrency = agent, model, concurrency
        self.cases = load_cases(cases)
        self.reports: list[RoutingReport] = []
        routers = [a for a in agent.walk() if a.handoffs] or [agent]
        if agent not in routers:
            routers.insert(0, agent)
        depth = _depths(agent)
        self.sections: list[tuple[Agent, W.Textarea, list[tuple[int, W.Text, W.Text]]]] = []
        pages, titles = [], []
        for a in routers:
            editable = isinstance(a.instructions, str) or a.instructions is None
            box = W.Textarea(value=a.instructions if isinstance(a.instructions, str) else "",
                             placeholder="instructions" if editable else "dynamic instructions (a function): edit them in code",
                             disabled=not editable,
                             layout=W.Layout(width="100%", height="140px" if a is agent else "90px"))
            rows: list[tuple[int, W.Text, W.Text]] = []
            children: list[Any] = [W.HTML(muted_html("instructions")), box]
            for i, h in enumerate(a.handoff_objects()):
                label = W.Text(value=h.description or "", description="label", style=_DESC,
                               placeholder="(none: the HANDOFF_INSTRUCTIONS line uses the target's handoff_description)",
                               layout=_row())
                tool = W.Text(value=h.tool_description, description="tool description", style=_DESC, layout=_row())
                rows.append((i, label, tool))
                children += [W.HTML(handoff_name_html(h.tool_name, h.agent_name)), label, tool]
            self.sections.append((a, box, rows))
            pages.append(W.VBox(children, layout=W.Layout(width="100%", overflow="hidden")))
            titles.append(f"level {depth.get(id(a), 0) + 1} · {a.name}" + (" (entry)" if a is agent else "")
                          + f" · {len(rows)} handoffs")
        self.levels = W.Accordion(children=pages, titles=tuple(titles), selected_index=0,
                                  layout=W.Layout(width="100%"))
        """One section per routing agent; the entry agent's is open."""
        self.instructions = self.sections[0][1]
        """The entry agent's instructions box."""
        self.rows = self.sections[0][2]
        """The entry agent's handoff rows: (index, label box, tool description box)."""
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
        super().__init__([self.levels,
                          self.run_button, self.status, self.report_view,
                          W.HTML(CASES_HEADING_HTML), self.case_picker,
                          W.HBox([self.open_button, self.open_hint]), self.stepper_box])

    def apply_edits(self) -> None:
        """Every section's edits onto its agent (instructions, labels, tool descriptions)."""
        for agent, box, rows in self.sections:
            if not box.disabled:
                agent.instructions = box.value
            for i, label, tool in rows:
                entry = agent.handoffs[i]
                if not isinstance(entry, Handoff):
                    entry = agent.handoffs[i] = handoff(entry)
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
        levels = self.levels_html(report)
        if len(shown) == 2:
            self.report_view.value = levels + VariantComparison(shown)._repr_html_()
        else:
            self.report_view.value = levels + report._repr_html_()
        self.case_picker.options = [(("✓ " if r.correct else "✗ ") + r.case.message[:90], i)
                                    for i, r in enumerate(report.results)]
        prev = f" (previous {self.reports[-2].accuracy:.2f})" if len(self.reports) > 1 else ""
        by_level = self.level_summary(report)
        self.status.value = html.escape(f"{name}: accuracy {report.accuracy:.2f}{prev}"
                                        + (f" · by level: {by_level}" if by_level else "")
                                        + f" · by decision kind: {report.kinds_summary()}"
                                        + report.loading_summary())
        return report

    def level_summary(self, report: RoutingReport) -> str:
        """"level 1 (TriageAgent) 0.95 of 60 · level 2 (3 agents) 0.88 of 42"; "" for one level."""
        levels = accuracy_by_level(self.agent, report)
        if len(levels) < 2:
            return ""
        def who(d: dict[str, Any]) -> str:
            return d["agents"][0] if len(d["agents"]) == 1 else f"{len(d['agents'])} agents"
        return " · ".join(f"level {d['level']} ({who(d)}) {d['accuracy']:.2f} of {d['n']}" for d in levels)

    def levels_html(self, report: RoutingReport) -> str:
        return accuracy_by_level_html(accuracy_by_level(self.agent, report))

    def __repr__(self) -> str:
        last = f", latest accuracy {self.reports[-1].accuracy:.2f}" if self.reports else ""
        return f"Playground({self.agent.name!r}, {len(self.cases)} cases, {len(self.reports)} runs{last})"

    def snapshot_html(self) -> str:
        """What static viewers (nbconvert, GitHub) show: the prompt being edited, the labels, and
        the latest report(s)."""
        rows = [(agent.name, agent.handoff_objects()[i].tool_name, label.value, tool.value)
                for agent, _, section in self.sections for i, label, tool in section]
        return playground_snapshot_html(self.agent.name, len(self.cases), self.instructions.value, rows,
                                        self.report_view.value)

    def _report_crash(self, error: BaseException) -> None:
        self.run_button.disabled = False
        self.status.value = html.escape(f"Evaluation failed: {type(error).__name__}: {error}")

    def open_case(self) -> Stepper | None:
        if self.case_picker.value is None:
            # said next to the button (the status line is far above it)
            self.open_hint.value = hint_html("Run the cases, then pick one in the list first.", error=True)
            return None
        self.open_hint.value = ""
        case = self.cases[self.case_picker.value]
        self.stepper = Stepper(self.agent, model=self.model)
        self.stepper.send(case.message)
        self.stepper_box.children = [W.HTML(case_heading_html(case.message, case.expected_final)), self.stepper]
        return self.stepper


_DESC = {"description_width": "120px"}
def _row() -> W.Layout:
    return W.Layout(width="auto", max_width="100%")


def _depths(agent: Agent) -> dict[int, int]:
    """id(agent) -> its level below the entry agent (breadth first: 0 for the entry agent)."""
    out = {id(agent): 0}
    queue = [agent]
    while queue:
        a = queue.pop(0)
        for h in a.handoff_objects():
            if h.agent is not None and id(h.agent) not in out:
                out[id(h.agent)] = out[id(a)] + 1
                queue.append(h.agent)
    return out
