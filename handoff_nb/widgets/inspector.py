"""Inspector: an agent's graph, system prompt and tools, without running anything."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..agent import Agent
from ..agent_input import maybe_from_sdk
from ..lint import lint
from ..render.html import preview_problem_html, prompt_html, svg_img, tools_html, wrap
from ..run import RunConfig, preview_request
from .graph_view import GraphView
from ._static import StaticSnapshot
from ._background import in_task


class Inspector(StaticSnapshot, W.VBox):
    def __init__(self, agent: Agent, context: Any = None, run_config: RunConfig | None = None):
        agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
        self.agent, self.context, self.run_config = agent, context, run_config or RunConfig()
        agents = agent.walk()
        self.graph = GraphView(agent)
        self.picker = W.Dropdown(options=[(a.name, i) for i, a in enumerate(agents)], value=0,
                                 description="agent")
        self.prompt = W.HTML()
        self.tools = W.HTML()
        self.extra = W.HTML()
        self.picker.observe(in_task(lambda _: self.refresh()), names="value")
        super().__init__([self.graph, self.picker, self.prompt, self.tools, self.extra])
        self.refresh()

    @property
    def selected(self) -> Agent:
        return self.agent.walk()[self.picker.value]

    def refresh(self) -> None:
        agent = self.selected
        try:
            req = preview_request(agent, context=self.context, run_config=self.run_config)
        except Exception as e:  # dynamic instructions / is_enabled needing a context not given yet
            self.prompt.value = wrap(preview_problem_html(agent, e))
            self.tools.value = ""
        else:
            self.prompt.value = wrap(prompt_html(req))
            self.tools.value = wrap(tools_html(req))
        self.graph.highlight = {"active": self.graph.model.agent_ids.get(id(agent)), "visited": [], "taken": {}}
        try:
            self.extra.value = lint(self.agent)._repr_html_()
        except ImportError:  # pragma: no cover
            self.extra.value = ""

    def __repr__(self) -> str:
        return f"Inspector({self.agent.name!r})"

    def snapshot_html(self) -> str:
        """Graph (highlight baked in), the system prompt and the tool schemas."""
        return wrap(svg_img(self.graph.static_svg())) + self.prompt.value + self.tools.value
