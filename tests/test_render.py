"""Rendering: graph structure (parsed by dot), escaping of hostile text everywhere, fallbacks."""

from __future__ import annotations

import html.parser
import re
import xml.etree.ElementTree as ET

import pytest
from pydantic import BaseModel

from handoff_nb import Agent, RunConfig, Runner, function_tool, handoff
from handoff_nb.models.scripted import ScriptedModel, handoff_to, say
from handoff_nb.render import agent_graph, graph_dot, graph_model, render_svg
from handoff_nb.render import svg as svgmod
from handoff_nb.render.svg import find_dot
from tests.helpers import dot_json, load_seed

needs_dot = pytest.mark.skipif(find_dot() is None, reason="no dot binary")
HOSTILE = ['<img src=x onerror=alert(1)>', '"quoted" {braces} \\ back\\slash', "x" * 10_000]


@pytest.fixture()
def seed():
    return load_seed("seed_000_triage")


@needs_dot
def test_seed_000_graph_structure(seed):
    g = dot_json(graph_dot(graph_model(seed.triage_agent)))
    labels = {k: v["label"] for k, v in g["nodes"].items()}
    assert labels == {"a0": "TriageAgent\\n(entry)", "a1": "TechnicalSupport", "a2": "SalesSpecialist",
                      "a3": "BillingSpecialist", "a4": "EscalationManager"}
    edges = {(t, h, e["label"].split("\\n")[0]) for t, h, e in g["edges"]}
    assert edges == {("a0", "a1", "route_to_support"), ("a0", "a2", "route_to_sales"),
                     ("a0", "a3", "route_to_billing"), ("a1", "a4", "escalate_to_manager"),
                     ("a2", "a4", "escalate_to_manager"), ("a3", "a4", "escalate_to_manager")}
    # the shared EscalationManager is drawn once; input_type and on_handoff are marked
    assert len(g["nodes"]) == 5
    first = next(e for t, h, e in g["edges"] if h == "a3")
    assert "[input: BillingHandoffData]" in first["label"] and "[on_handoff]" in first["label"]
    assert first["penwidth"] == "2.2"
    assert g["nodes"]["a0"]["peripheries"] == "2"


@needs_dot
def test_cues_tools_cycles_and_run_highlight():
    class In(BaseModel):
        why: str

    @function_tool
    def lookup(order: str) -> str:
        """Look up."""
        return order

    a = Agent(name="A", tools=[lookup])
    b = Agent(name="B", tools=[lookup], handoffs=[a])  # cycle A <-> B, shared tool
    a.handoffs += [handoff(b, input_type=In, input_filter=lambda d: d),
                   handoff(Agent(name="Off"), is_enabled=False)]
    g = dot_json(graph_dot(graph_model(a)))
    assert sum(1 for n in g["nodes"].values() if n["label"] == "lookup") == 1
    styles = {e["label"].split("\\n")[0]: e.get("style", "") for t, h, e in g["edges"] if e.get("label")}
    assert styles["transfer_to_b"] == "dashed" and styles["transfer_to_off"] == "dotted"
    assert styles["transfer_to_a"] == ""
    run = Runner.start(a, "x", run_config=RunConfig(model=ScriptedModel([
        handoff_to("B", {"why": "w"}), handoff_to("A"), say("done")])))
    run.run()
    g = dot_json(graph_dot(graph_model(a, run)))
    taken = {e["label"].split(":")[0] for t, h, e in g["edges"] if e["label"].startswith("step")}
    assert taken == {"step 0", "step 1"}  # Step.index, 0-based everywhere
    assert g["nodes"]["a0"]["fillcolor"] == "#fde68a"  # active again at the end


@needs_dot
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_escaped_in_dot_svg_html_text(name):
    target = Agent(name=name, instructions=name, handoff_description=name)
    root = Agent(name="Root " + name[:50], instructions="route",
                 handoffs=[handoff(target, description=name, tool_name_override="to_x")])
    source = graph_dot(graph_model(root))
    g = dot_json(source)  # dot parses it: no injection broke the syntax
    assert len(g["nodes"]) == 2
    svg = render_svg(source)
    ET.fromstring(svg)  # well-formed XML
    assert "<img" not in svg and "onerror=alert(1)>" not in svg.replace("&gt;", "")
    m = ScriptedModel([handoff_to(name, {}), say(name)])
    r = Runner.run_sync(root, name, run_config=RunConfig(model=m))
    for bundle in (r._repr_mimebundle_(), root._repr_mimebundle_(), r.steps[0]._repr_mimebundle_()):
        assert "<img src=x" not in bundle["text/html"]
        parser = html.parser.HTMLParser()
        parser.feed(bundle["text/html"])
        assert isinstance(bundle["text/plain"], str)
    assert "Digraph" in type(agent_graph(root)).__name__


def test_no_dot_falls_back_to_dot_text(monkeypatch, seed):
    monkeypatch.setattr(svgmod, "find_dot", lambda: None)
    bundle = seed.triage_agent._repr_mimebundle_()
    assert "Graphviz `dot` was not found" in bundle["text/html"]
    assert "digraph handoffs" in bundle["text/html"] and "data:image/svg+xml" not in bundle["text/html"]


def test_broken_dot_does_not_raise(monkeypatch, seed, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'trouble in init_rank' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HANDOFF_NB_DOT", str(fake))
    svgmod._render_cached.cache_clear()
    html_out = seed.triage_agent._repr_mimebundle_()["text/html"]
    assert "dot failed" in html_out and "trouble in init_rank" in html_out


def test_reprs_are_deterministic(seed):
    r1 = Runner.run_sync(seed.triage_agent, "The export feature is broken", context={})
    r2 = Runner.run_sync(seed.triage_agent, "The export feature is broken", context={})
    # the second run "was slower": wall-clock figures must not reach the compared repr
    for k, step in enumerate(r2.steps):
        step.duration_s = 3.25 + k
    b1, b2 = r1._repr_mimebundle_(), r2._repr_mimebundle_()
    assert b1 == b2
    assert not re.search(r"0x[0-9a-f]{6,}", b1["text/plain"] + b1["text/html"])


def test_prompt_view_highlights_the_block(seed):
    from handoff_nb.render.html import prompt_html
    from handoff_nb.run import preview_request
    out = prompt_html(preview_request(seed.triage_agent))
    assert '<span class="hnb-block"' in out and "HANDOFF_INSTRUCTIONS:" in out
    assert out.index("Routing rules") < out.index("hnb-block")
