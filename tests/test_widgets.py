"""Widgets driven headlessly: clicks and trait changes, asserting what a user would see."""

from __future__ import annotations

import re
import json

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("anywidget")

from handoff_nb import Agent
from handoff_nb.models.scripted import ScriptedModel, handoff_to, say
from handoff_nb.render import svg as svgmod
from handoff_nb.widgets import Inspector, Stepper
from handoff_nb.widgets.graph_view import bake_highlight
from tests.helpers import load_seed

MSG = "I need a refund but your billing team was unhelpful last time"


@pytest.fixture()
def seed():
    return load_seed("seed_000_triage")


def node(stepper, agent):
    return stepper.graph.model.agent_ids[id(agent)]


def test_stepper_walks_triage_billing_escalation(seed):
    s = Stepper(seed.triage_agent, context={"customer_id": "c1"})
    assert s.graph.highlight["active"] == node(s, seed.triage_agent)
    assert "Send a message" in s.transcript.value
    s.message.value = MSG
    s.send_button.click()
    assert s.run is not None and s.run.steps == [] and "Press Step" in s.status.value
    assert "route_to_billing" in s.panes["Tools"].value  # the next request is previewed

    s.step_button.click()  # triage -> billing
    assert s.graph.highlight["active"] == node(s, seed.billing_agent)
    assert re.search(r"TriageAgent → BillingSpecialist via <code[^>]*>route_to_billing</code>", s.transcript.value)
    assert "handed off to BillingSpecialist" in s.status.value
    step0 = s.selected_step()
    assert step0.index == 0
    tools = json.loads(json.dumps(step0.request.tools))
    assert [t["function"]["name"] for t in tools] == ["route_to_support", "route_to_sales", "route_to_billing"]
    assert "route_to_sales" in s.panes["Tools"].value and "&quot;strict&quot;: true" in s.panes["Tools"].value
    assert "HANDOFF_INSTRUCTIONS:" in s.panes["Prompt"].value
    hist = s.panes["History passed"].value
    assert "History passed from TriageAgent to BillingSpecialist" in hist and "No input filter" in hist
    assert "call route_to_billing(" in hist
    assert "&quot;department&quot;: &quot;billing&quot;" in s.panes["Context"].value
    assert "route_to_billing" in s.panes["Why"].value and "hnb-chosen" in s.panes["Why"].value

    s.step_button.click()  # billing -> escalation
    assert s.graph.highlight["active"] == node(s, seed.escalation_agent)
    assert sorted(s.graph.highlight["taken"].values()) == [[0], [1]]  # Step.index
    assert "escalate_to_manager" in s.transcript.value
    assert "&quot;department&quot;: &quot;escalation&quot;" in s.panes["Context"].value

    s.step_button.click()  # escalation answers
    assert s.run.done and "The turn is over" in s.status.value
    assert s.step_button.disabled and not s.send_button.disabled
    assert "[offline model · EscalationManager]" in s.transcript.value

    # Back and fork: undo the escalation's answer and the escalation handoff, edit the billing
    # agent so it no longer escalates, and step again
    s.back_button.click()
    s.back_button.click()
    assert len(s.run.steps) == 1 and s.graph.highlight["active"] == node(s, seed.billing_agent)
    assert "escalate_to_manager" not in s.transcript.value
    assert s.run.context["department"] == "billing"  # the context was rewound too
    s.edit_agent.value = [a.name for a in seed.triage_agent.walk()].index("BillingSpecialist")
    row = s.edit_handoffs.children[0]
    assert row.description == "escalate_to_manager" and row.value == "Escalate unresolved billing disputes"
    seed.billing_agent.handoffs[0].is_enabled = False  # simulate: no escalation path
    s.apply_button.click()
    s.step_button.click()
    assert s.run.done and s.run.result.agent_path == ["TriageAgent", "BillingSpecialist"]
    assert s.graph.highlight["active"] == node(s, seed.billing_agent)


def test_multi_turn_continue_vs_restart(seed):
    s = Stepper(seed.triage_agent, context={})
    s.send("I was charged $49.99 twice and need a refund")
    s.run_button.click()
    assert s.run.current_agent is seed.billing_agent
    s.message.value = "Also, can I get a copy of the invoice?"
    s.send_button.click()
    assert s.run.starting_agent is seed.billing_agent  # continues with the last agent
    s.run_button.click()
    assert [r.starting_agent.name for r in s.turns + [s.run]] == ["TriageAgent", "BillingSpecialist"]
    assert "turn 2 · starts at BillingSpecialist" in s.transcript.value
    s.restart_toggle.value = True
    s.send("and one more thing")
    assert s.run.starting_agent is seed.triage_agent  # seed 001's loop: back to triage


def test_errors_show_inline_with_retry_and_nothing_is_lost():
    billing = Agent(name="Billing")
    triage = Agent(name="Triage", handoffs=[billing])
    model = ScriptedModel([handoff_to("Billing"), handoff_to("Nope"), say("ok")])
    s = Stepper(triage, model=model)
    s.send("hi")
    s.step_button.click()
    s.step_button.click()  # the model calls a tool that does not exist
    assert s.error is not None and "unknown tool" in s.status.value
    assert s.retry_button.layout.display == ""
    assert [st.decision for st in s.run.steps] == ["handoff", "error"]
    assert "unknown tool" in s.transcript.value
    s.retry_button.click()
    assert s.error is None and s.retry_button.layout.display == "none"
    assert s.run.done and s.run.final_output == "ok"
    assert [st.decision for st in s.run.steps] == ["handoff", "error", "final_output"]


def test_back_without_steps_returns_the_message_for_editing(seed):
    s = Stepper(seed.triage_agent)
    s.send("typo mesage")
    s.back_button.click()
    assert s.run is None and s.message.value == "typo mesage"
    s.message.value = "The export feature is broken"
    s.send_button.click()
    s.run_button.click()
    assert s.run.result.agent_path == ["TriageAgent", "TechnicalSupport"]
    s.reset_button.click()
    assert s.run is None and s.turns == []


def test_graph_view_lays_out_once(seed, monkeypatch):
    calls = []
    real = svgmod.render_svg
    monkeypatch.setattr("handoff_nb.widgets.graph_view.render_svg", lambda src: calls.append(1) or real(src))
    s = Stepper(seed.triage_agent, context={})
    s.send(MSG)
    s.run_button.click()
    assert len(calls) == 1  # stepping only changed the highlight trait
    svg_before = s.graph.svg
    s.graph.set_state({"highlight": {"active": "a1", "visited": [], "taken": {}}})  # front-end change
    assert s.graph.svg == svg_before and s.graph.highlight["active"] == "a1"


def test_static_snapshot_bakes_the_highlight(seed):
    s = Stepper(seed.triage_agent, context={})
    s.send(MSG)
    s.step_button.click()
    bundle = s._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("Stepper('TriageAgent')\nuser: I need a refund")
    html_out = data["text/html"]
    assert 'style="' in html_out and "<style>" in html_out  # styles also inline, for viewers that drop <style>
    import base64
    import re
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html_out).group(1)).decode()
    import xml.etree.ElementTree as ET
    ET.fromstring(svg)  # a data-URI image must be well-formed XML (no duplicate attributes)
    billing_group = svg[svg.index('id="node_a3"'):]
    billing_group = billing_group[: billing_group.index("</g>")]
    assert 'fill="#fde68a"' in billing_group and 'stroke-width="3"' in billing_group
    assert "route_to_billing" in html_out and "HANDOFF_INSTRUCTIONS" in html_out


def test_bake_highlight_leaves_other_nodes():
    svg = ('<svg><g id="node_a0" class="node"><polygon fill="#f8fafc" stroke="#334155"/></g>'
           '<g id="node_a1" class="node"><polygon fill="#f8fafc" stroke="#334155"/></g></svg>')
    out = bake_highlight(svg, {"active": "a1", "visited": [], "taken": {}})
    assert out.count('fill="#fde68a"') == 1 and out.index('fill="#fde68a"') > out.index("node_a1")


def test_inspector_shows_prompt_tools_without_running(seed):
    ins = Inspector(seed.triage_agent)
    assert "HANDOFF_INSTRUCTIONS:" in ins.prompt.value and "route_to_support" in ins.tools.value
    ins.picker.value = [a.name for a in seed.triage_agent.walk()].index("BillingSpecialist")
    assert "escalate_to_manager" in ins.tools.value and "billing specialist" in ins.prompt.value
    assert ins.graph.highlight["active"] == ins.graph.model.agent_ids[id(seed.billing_agent)]
    data = ins._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert data["text/plain"] == "Inspector('TriageAgent')"
    assert "escalate_to_manager" in data["text/html"] and "data:image/svg+xml" in data["text/html"]


def test_enter_in_the_message_box_sends_and_the_click_after_it_adds_nothing():
    from handoff_nb.examples import customer_service
    s = Stepper(customer_service())
    s.message.set_state({"value": "I need a refund"})  # what the front-end sends on Enter
    assert s.run is not None and s.run.initial_items[-1]["content"] == "I need a refund"
    assert s.message.value == "" and "Press Step" in s.status.value
    s.send_button.click()  # the blur + click that often follows
    assert "Press Step" in s.status.value and len(s._all_runs()) == 1


def test_why_tab_explains_itself_before_the_first_step_and_playground_hint_is_next_to_its_button():
    from handoff_nb.examples import customer_service
    from handoff_nb.widgets import Playground
    s = Stepper(customer_service())
    assert "After a step, this tab shows why" in s.panes["Why"].value
    p = Playground(customer_service(), [("I need a refund", "BillingSpecialist")])
    p.open_button.click()
    assert "pick one in the list first" in p.open_hint.value


def test_playground_static_snapshot_is_readable_not_a_widget_dump():
    from handoff_nb.examples import customer_service
    from handoff_nb.widgets import Playground
    p = Playground(customer_service("vague"), [("I need a refund", "BillingSpecialist")])
    data = p._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert data["text/plain"] == "Playground('TriageAgent', 1 cases, 0 runs)"
    assert "Billing stuff" in data["text/html"] and "Run cases" in data["text/html"]
    assert "Textarea(" not in data["text/plain"] + data["text/html"]
    p.run()
    data = p._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "accuracy" in data["text/html"] and "latest accuracy" in data["text/plain"]


class _SlowStream:
    """Streams its answer word by word, 0.15 s apart (a real model's pace)."""

    def __init__(self, words=("The", " refund", " is", " on", " its", " way.")):
        self.words, self.calls = words, 0

    async def get_response(self, request):  # pragma: no cover - streaming is used
        raise AssertionError("the Stepper should stream")

    async def stream_response(self, request):
        import asyncio
        from handoff_nb import ModelResponse
        self.calls += 1
        for w in self.words:
            await asyncio.sleep(0.15)
            yield "text", w
        yield "response", ModelResponse(output=[{"role": "assistant", "content": "".join(self.words)}])


def _click_in_thread(button):
    import threading
    t = threading.Thread(target=button.click)
    t.start()
    return t


def _wait_for(predicate, timeout=5.0):
    import time
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_stepper_shows_text_as_it_streams_before_the_call_ends():
    model = _SlowStream()
    s = Stepper(Agent(name="Billing"), model=model, message="refund?")
    s.send()
    t = _click_in_thread(s.step_button)
    assert _wait_for(lambda: "The refund" in s.live.value), s.live.value
    assert t.is_alive() and s.busy and s.stop_button.layout.display == ""  # the call has not ended
    assert "streaming…" in s.live.value and "its way." not in s.live.value
    t.join(5)
    assert s.run.done and s.run.final_output == "The refund is on its way."
    assert s.live.value == "" and s.stop_button.layout.display == "none"
    assert "The refund is on its way." in s.transcript.value


def test_stop_cancels_the_call_keeps_the_step_interrupted_and_retry_works():
    model = _SlowStream()
    s = Stepper(Agent(name="Billing"), model=model, message="refund?")
    s.send()
    t = _click_in_thread(s.step_button)
    assert _wait_for(lambda: "refund" in s.live.value)
    s.stop_button.click()
    t.join(5)
    assert not t.is_alive() and not s.busy
    assert [st.interrupted for st in s.run.steps] == [True] and not s.run.done
    assert "Stopped" in s.status.value and s.retry_button.layout.display == ""
    s.retry_button.click()  # runs here, to the end
    assert s.run.done and model.calls == 2 and s.run.steps[-1].decision == "final_output"


def test_without_a_dot_binary_the_graph_is_sent_for_layout_in_the_browser(monkeypatch):
    from handoff_nb.examples import customer_service
    from handoff_nb.render import svg as svgmod
    from handoff_nb.widgets import GraphView
    monkeypatch.setenv("HANDOFF_NB_DOT", "/nonexistent/dot")
    svgmod._render_cached.cache_clear()
    g = GraphView(customer_service())
    assert g.svg == "" and g.dot.startswith("digraph handoffs") and len(g.viz_js) > 1_000_000
    import base64
    assert base64.b64decode(g.viz_js[:200] + "=" * (-len(g.viz_js[:200]) % 4)).startswith(b"/*!")
    assert "laid out in the browser" in g.static_svg()
    monkeypatch.delenv("HANDOFF_NB_DOT")
    with_dot = GraphView(customer_service())
    assert with_dot.svg.startswith("<svg") and with_dot.viz_js == "" and with_dot.dot == ""


def test_every_stepper_tab_has_a_title_and_content():
    from handoff_nb.examples import customer_service
    from handoff_nb.widgets.stepper import TABS
    s = Stepper(customer_service())
    assert len(s.tabs.children) == len(TABS) == 8
    assert [s.tabs.get_title(i) for i in range(len(TABS))] == TABS


def test_reset_cancels_a_step_in_flight_and_clears_its_status_and_stop_button():
    model = _SlowStream(words=("The",) + (" refund",) * 30)  # 4.5 s if nothing cancels it
    s = Stepper(Agent(name="Billing"), model=model, message="refund?")
    s.send()
    t = _click_in_thread(s.step_button)
    assert _wait_for(lambda: "refund" in s.live.value)
    assert "Calling the model" in s.status.value and s.stop_button.layout.display == ""
    s.reset_button.click()
    assert "Reset." in s.status.value and s.stop_button.layout.display == "none" and s.live.value == ""
    assert not s.busy and s.run is None and s.error is None
    t.join(5)
    assert not t.is_alive()  # cancelled, not run to its end
    # the cancelled step unwinding afterwards changes nothing in the view
    assert "Reset." in s.status.value and s.run is None and s.retry_button.layout.display == "none"
    assert "Send a message" in s.transcript.value and not s.send_button.disabled


def test_opening_a_stepper_warms_the_offline_engine_with_a_loading_status(monkeypatch):
    import threading
    from handoff_nb.models import semantic
    release, calls = threading.Event(), []

    def slow_warm():
        calls.append(1)
        release.wait(5)
    monkeypatch.setenv("HANDOFF_NB_MODEL", "offline")
    monkeypatch.setattr(semantic, "semantic_available", lambda: True)
    monkeypatch.setattr(semantic, "warm", slow_warm, raising=False)
    s = Stepper(Agent(name="Billing"), message="refund?")
    assert _wait_for(lambda: calls)
    assert "loading…" in s.loading.value  # visible while the engine loads
    release.set()
    s.warm(wait=True)
    assert s.loading.value == "" and calls == [1]  # loaded once, the line gone
    scripted = Stepper(Agent(name="Billing"), model=ScriptedModel([say("hi")]))
    assert scripted.warm() is None and scripted.loading.value == ""  # nothing local to load


def test_what_if_json_errors_name_the_box():
    from handoff_nb.examples import customer_service
    s = Stepper(customer_service(), context={}, message=MSG)
    s.send()
    for box, name in ((s.what_history, "history"), (s.what_context, "run context")):
        good = box.value
        box.value = "[not json" if box is s.what_history else "{oops"
        s.what_apply.click()
        assert f"Not applied: the {name} box is not valid JSON" in s.status.value, s.status.value
        assert "line 1, column" in s.status.value
        box.value = good
    s.what_handoff.value = "route_to_sales"
    s.what_args.value = '{"interest_area": '
    s.what_apply.click()
    assert "the handoff arguments box is not valid JSON" in s.status.value
    assert s.run._forced is None and s.run._pending_edits == []  # nothing applied


def test_stepper_for_many_agents_is_compact_and_its_step_button_works_with_a_preset_message():
    from handoff_nb.widgets.stepper import COMPACT_AGENTS
    leaves = [Agent(name=f"Specialist{i}", handoff_description=f"topic {i}") for i in range(COMPACT_AGENTS)]
    big = Stepper(Agent(name="Triage", handoffs=leaves), message="topic 3 please")
    small = Stepper(Agent(name="Triage", handoffs=leaves[:3]))
    assert big.compact and big.graph.max_height == "300px" and "hnb-compact" in big._dom_classes
    assert not small.compact and small.graph.max_height == ""
    assert not big.step_button.disabled and small.step_button.disabled  # message in the box: Step sends it
    assert big.step_picker.layout.width == "auto"  # the inspect dropdown shows whole step names


def _two_level():
    leaves = {"TechnicalTriage": ["FrontendSupport", "MobileSupport"], "BusinessTriage": ["Billing", "Sales"]}
    subs = [Agent(name=n, instructions=f"Route {n} questions.", handoff_description=f"{n} questions",
                  handoffs=[Agent(name=x, handoff_description=f"{x} questions") for x in kids])
            for n, kids in leaves.items()]
    return Agent(name="Triage", instructions="Route customers.", handoffs=subs)


def test_playground_edits_every_level_of_a_two_level_triage_and_reports_per_level_accuracy():
    from handoff_nb.widgets import Playground
    triage = _two_level()
    script = ScriptedModel([handoff_to("BusinessTriage"), handoff_to("Sales"), say("ok"),
                            handoff_to("BusinessTriage"), handoff_to("Billing"), say("ok"),
                            handoff_to("TechnicalTriage"), say("stays")])
    cases = [("I was charged twice", "Billing"), ("Refund my invoice", "Billing"), ("The app crashes", "MobileSupport")]
    p = Playground(triage, cases, model=script, concurrency=1)
    names = [a.name for a, _, _ in p.sections]
    assert names == ["Triage", "TechnicalTriage", "BusinessTriage"]  # every routing agent, entry first
    assert p.levels.titles[2] == "level 2 · BusinessTriage · 2 handoffs" and p.levels.selected_index == 0
    business = p.sections[2]
    business[1].value = "Send charges to Billing."
    business[2][0][1].value = "Charges, refunds, invoices"  # the second level's first label
    p.run()
    sub = business[0]
    assert sub is triage.handoffs[1].agent and sub.instructions == "Send charges to Billing." and sub.handoffs[0].description == "Charges, refunds, invoices"
    # level 1: 3 of 3 right; level 2 (reached rightly): Sales instead of Billing, Billing, stayed at Technical
    assert "by level: level 1 (Triage) 1.00 of 3 · level 2 (2 agents) 0.33 of 3" in p.status.value
    assert "Accuracy per level" in p.report_view.value
    assert "transfer_to_billing</code>" in p.snapshot_html()  # the second level in static views too


def test_accuracy_by_level_counts_a_level_only_when_the_levels_above_were_right():
    from handoff_nb.eval import Case, CaseResult, RoutingReport, accuracy_by_level
    triage = _two_level()
    results = [CaseResult(Case("a", "Billing"), path=["Triage", "BusinessTriage", "Billing"]),
               CaseResult(Case("b", "Billing"), path=["Triage", "TechnicalTriage", "MobileSupport"]),
               CaseResult(Case("c", "Sales"), path=["Triage", "BusinessTriage"]),
               CaseResult(Case("d", "Triage"), path=["Triage"]),
               CaseResult(Case("e", "BusinessTriage"), path=["Triage", "BusinessTriage", "Sales"])]
    levels = accuracy_by_level(triage, RoutingReport("r", results))
    assert [(d["level"], d["correct"], d["n"]) for d in levels] == [(1, 4, 5), (2, 1, 3)]
    assert levels[1]["agents"] == ["BusinessTriage"]


def test_report_latency_leaves_the_engines_one_time_loading_out(monkeypatch):
    """The engine loads (and every router's route texts are embedded) before any case runs and
    is reported apart; a model with nothing to load reports no loading."""
    from handoff_nb import Runner
    from handoff_nb.eval import evaluate_routing
    from handoff_nb.models import semantic
    order = []
    real_get = semantic.get_embedder
    monkeypatch.setattr(semantic, "get_embedder", lambda: (order.append("engine"), real_get())[1])
    real_start = Runner.start.__func__
    monkeypatch.setattr(Runner, "start", classmethod(lambda cls, *a, **k: (order.append("case"), real_start(cls, *a, **k))[1]))
    monkeypatch.setenv("HANDOFF_NB_MODEL", "offline")
    report = evaluate_routing(_two_level(), [("I was charged twice", "Billing"), ("my app crashes", "MobileSupport")])
    assert order[0] == "engine" and order.count("case") == 2
    assert report.loading_s is not None and report.loading_s >= 0
    assert "one-time loading" in report._repr_html_() and "(not in the latency)" in report.loading_summary()
    assert "one-time loading" not in str(report)  # text reprs (nbval-checked) stay as they were
    scripted = evaluate_routing(_two_level(), [("x", "Triage")], model=ScriptedModel([say("hi")]))
    assert scripted.loading_s is None and "one-time loading" not in scripted._repr_html_()
