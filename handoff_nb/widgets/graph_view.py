"""GraphView: the agent graph laid out once; stepping only changes the ``highlight`` trait."""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import traitlets

from ..agent_input import maybe_from_sdk
from ..render.dot import GraphModel, apply_run, graph_dot, graph_model, highlight_state
from ..render.html import svg_img, wrap
from ..render.svg import DotUnavailable, RenderFailed, render_svg
from ..render.widget_html import BROWSER_LAYOUT_SVG, bake_highlight, graph_error_html

_HERE = pathlib.Path(__file__).parent


class GraphView(anywidget.AnyWidget):
    _esm = _HERE / "graph_view.js"
    _css = _HERE / "graph_view.css"
    svg = traitlets.Unicode("").tag(sync=True)
    highlight = traitlets.Dict({}).tag(sync=True)
    dot = traitlets.Unicode("").tag(sync=True)
    """The DOT source, laid out in the browser when the kernel has no ``dot`` binary."""
    viz_js = traitlets.Unicode("").tag(sync=True)
    """Base64 of the vendored WebAssembly Graphviz (@viz-js/viz), sent only in that case."""
    max_height = traitlets.Unicode("").tag(sync=True)
    """CSS height limit of the graph ("" = the stylesheet's); the view then scrolls itself to keep
    the active path in view, and its "whole graph" button lifts the limit."""

    def __init__(self, agent: Any, run: Any = None, **kwargs: Any) -> None:
        agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
        self.agent = agent
        self.model: GraphModel = graph_model(agent)
        source = graph_dot(self.model, static_highlight=False, cues=False)
        dot = viz = ""
        try:
            svg = render_svg(source)
        except RenderFailed as e:  # dot ran and failed or timed out: show why, and the source
            svg = graph_error_html(e, source)
        except DotUnavailable:  # no dot here (JupyterLite, Colab, VS Code...): lay out in the browser
            svg, dot, viz = "", source, _viz_js()
        super().__init__(svg=svg, dot=dot, viz_js=viz, **kwargs)
        self.show(run)

    def show(self, run: Any) -> None:
        """Highlight ``run`` (a Run or RunResult; None: just the entry agent). No re-layout."""
        model = graph_model(self.agent) if run is None else self.model
        if run is None:
            model.active, model.visited, model.taken = self.model.agent_ids.get(id(self.agent)), [], {}
        else:
            apply_run(model, run)
        self.highlight = highlight_state(model)

    def static_svg(self) -> str:
        """The SVG with the current highlight baked into attributes (for static viewers)."""
        if not self.svg and self.dot:  # laid out in the browser: static viewers get the source
            return BROWSER_LAYOUT_SVG
        return bake_highlight(self.svg, self.highlight)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = wrap(svg_img(self.static_svg()))
        return bundle


_VIZ_CACHE: list[str] = []


def _viz_js() -> str:
    """The vendored @viz-js/viz ES module (Graphviz as WebAssembly, MIT), base64-encoded."""
    if not _VIZ_CACHE:
        import base64
        _VIZ_CACHE.append(base64.b64encode((_HERE / "vendor" / "viz.js").read_bytes()).decode("ascii"))
    return _VIZ_CACHE[0]
