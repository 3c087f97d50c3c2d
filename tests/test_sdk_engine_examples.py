"""The SDK's own examples, imports unchanged (they import ``agents``), stepped through the SDK
engine with the SDK's scripted model: one Step per model call, the examples' own tools and
handoffs run by the SDK, Back/fork replaying the recorded responses (issue 21)."""

from __future__ import annotations

import importlib
import sys

import pytest

import handoff_nb as hn
from tests.test_sdk_examples import _sdk_source

agents = pytest.importorskip("agents")
testing = pytest.importorskip("agents.testing")


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    src = _sdk_source(tmp_path_factory)
    sys.path.insert(0, str(src))
    for name in [m for m in sys.modules if m == "examples" or m.startswith("examples.")]:
        del sys.modules[name]  # the SDK's examples package, not another one
    agents.set_tracing_disabled(True)
    yield lambda name: importlib.import_module(f"examples.{name}")
    sys.path.remove(str(src))


def _scripted(*steps):
    return agents.RunConfig(model=testing.ScriptedModel([list(s) for s in steps]))


def test_routing_example_steps_on_the_sdk_engine(examples):
    routing = examples("agent_patterns.routing")
    cfg = _scripted([testing.function_call("transfer_to_spanish_agent", "{}", call_id="h1")],
                    [testing.assistant_message("¡Hola! Estoy bien.")])
    run = hn.Runner.start(routing.triage_agent, "Hola, ¿cómo estás?", engine="sdk", run_config=cfg)
    s0 = run.step()
    assert s0.decision == "handoff" and s0.handoff.target.name == "spanish_agent"
    assert s0.request.instructions == routing.triage_agent.instructions
    s1 = run.step()
    assert (s1.agent.name, s1.final_output, run.done) == ("spanish_agent", "¡Hola! Estoy bien.", True)
    assert run.result.last_agent is routing.spanish_agent  # the example's own agent object


def test_customer_service_example_runs_its_tools_and_forks(examples):
    cs = examples("customer_service.main")
    model = testing.ScriptedModel([
        [testing.function_call("transfer_to_faq_agent", "{}", call_id="h1")],
        [testing.function_call("faq_lookup_tool", {"question": "How much baggage can I bring?"}, call_id="t1")],
        [testing.assistant_message("One bag under 50 pounds.")]])
    context = cs.AirlineAgentContext()
    run = hn.Runner.start(cs.triage_agent, "How much baggage can I bring?", context=context, engine="sdk",
                          run_config=agents.RunConfig(model=model))
    run.run()
    assert run.agent_path == ["Triage Agent", "FAQ Agent"] and len(run.steps) == 3
    tool_output = run.steps[1].items[1].raw_item["output"]
    assert "bag" in tool_output.lower()  # the example's own faq_lookup_tool ran
    assert run.final_output == "One bag under 50 pounds."
    model.extend([[testing.assistant_message("Two bags, actually.")]])
    fork = run.fork(2)  # steps 0 and 1 replayed (the tool runs again), step 2 live
    assert len(fork.steps) == 2 and model.remaining_steps == 1
    assert fork.step().final_output == "Two bags, actually."


def test_message_filter_example_in_the_stepper(examples):
    pytest.importorskip("ipywidgets")
    from handoff_nb.widgets import Stepper
    mf = examples("handoffs.message_filter")
    cfg = _scripted([testing.assistant_message("Hi Sora, nice to meet you.")])
    s = Stepper(mf.first_agent, engine="sdk", run_config=cfg, message="Hi, my name is Sora.")
    s.step_button.click()
    assert s.error is None and s.run.done and s.run.final_output == "Hi Sora, nice to meet you."
