"""The real SDK as an engine (handoff_nb.sdk_engine): agents.Runner runs each turn, gated one model
call per Step; Back/fork replays the recorded responses and continues live."""

from __future__ import annotations

import asyncio

import pytest

import handoff_nb as hn
from handoff_nb.eval import evaluate_routing

sdk = pytest.importorskip("agents")


@pytest.fixture(autouse=True)
def _no_sdk_tracing():
    sdk.set_tracing_disabled(True)
    yield


def _sdk_model(answer):
    """An SDK Model whose n-th call answers ``answer(n, input, tools, handoffs)``: ("text", str) or
    ("call", (tool name, arguments)); counts its calls."""
    from agents.items import ModelResponse
    from agents.models.interface import Model
    from agents.usage import Usage

    from handoff_nb.testing import assistant_message, function_call

    class Answering(Model):
        def __init__(self):
            self.calls = 0

        async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                               handoffs, tracing, **kwargs):
            kind, arg = answer(self.calls, input, tools, handoffs)
            self.calls += 1
            item = (assistant_message(arg) if kind == "text"
                    else function_call(arg[0], arg[1], call_id=f"c{self.calls}"))
            return ModelResponse(output=[item], usage=Usage(requests=1, input_tokens=4, output_tokens=1,
                                                            total_tokens=5), response_id=f"r{self.calls}")

        def stream_response(self, *a, **k):  # pragma: no cover - the engine calls get_response
            raise NotImplementedError

    return Answering()


def _canned(plan):
    return _sdk_model(lambda n, *_: plan[n % len(plan)])


def _graph():
    @sdk.function_tool
    def lookup(q: str) -> str:
        """Look up an order."""
        return "found " + q

    triage_model = _canned([("call", ("lookup", '{"q":"x"}')), ("call", ("transfer_to_billing", "{}"))])
    billing_model = _canned([("text", "billing here")])
    billing = sdk.Agent(name="Billing", model=billing_model, handoff_description="Charges")
    triage = sdk.Agent(name="Triage", instructions="Route.", tools=[lookup], handoffs=[billing],
                       model=triage_model)
    return triage, triage_model, billing_model


def test_the_sdk_runs_one_model_call_per_step():
    triage, tm, bm = _graph()
    run = hn.Runner.start(triage, "refund", engine="sdk")
    assert run.steps == [] and tm.calls == 0  # nothing runs before the first Step
    s0 = run.step()
    assert (s0.agent.name, s0.decision, tm.calls, bm.calls) == ("Triage", "run_again", 1, 0)
    assert [type(i).__name__ for i in s0.items] == ["ToolCallItem", "ToolCallOutputItem"]
    assert s0.items[1].raw_item["output"] == "found x"  # the SDK ran the tool
    assert s0.request.instructions == "Route." and [t["function"]["name"] for t in s0.request.tools] == \
        ["lookup", "transfer_to_billing"]
    s1 = run.step()
    assert s1.decision == "handoff" and s1.handoff.target.name == "Billing" and bm.calls == 0
    s2 = run.step()
    assert (s2.agent.name, s2.decision, s2.final_output) == ("Billing", "final_output", "billing here")
    assert run.done and run.agent_path == ["Triage", "Billing"]
    assert s1.handoff.history_after == s2.request.input  # the history the SDK passed on
    assert type(run.result).__module__.startswith("agents.") and run.result.final_output == "billing here"
    assert run.context_wrapper.usage.requests == 3


def test_fork_replays_the_recorded_responses_then_continues_live():
    triage, tm, bm = _graph()
    run = hn.Runner.start(triage, "refund", engine="sdk")
    run.run()
    assert (tm.calls, bm.calls) == (2, 1)
    fork = run.fork(1)
    assert len(fork.steps) == 1 and not fork.done and tm.calls == 2  # replayed, no model call
    assert fork.steps[0].items[1].raw_item["output"] == "found x"
    step = fork.step()  # live again: the canned model's third answer
    assert tm.calls == 3 and step.decision == "run_again"


def test_runner_run_with_the_sdk_engine_returns_the_sdks_result():
    triage, _, _ = _graph()
    result = asyncio.run(hn.Runner.run(triage, "refund", engine="sdk"))
    assert result.final_output == "billing here" and result.last_agent.name == "Billing"


def test_the_stepper_steps_and_goes_back_on_the_sdk_engine():
    pytest.importorskip("ipywidgets")
    from handoff_nb.widgets import Stepper
    triage, tm, _ = _graph()
    s = Stepper(triage, engine="sdk", message="refund")
    s.step_button.click()
    assert type(s.run).__name__ == "SDKRun" and len(s.run.steps) == 1 and s.error is None
    s.step_button.click()
    s.step_button.click()
    assert s.run.done and s.run.agent_path == ["Triage", "Billing"]
    s.back()
    assert len(s.run.steps) == 2 and not s.run.done
    s.step_button.click()
    assert len(s.run.steps) == 3


def test_what_the_engine_refuses_is_named():
    with pytest.raises(hn.UserError, match="agents.Agent"):
        hn.Runner.start(hn.Agent(name="Ours"), "x", engine="sdk")
    with pytest.raises(hn.UserError, match="engine must be"):
        hn.Runner.start(hn.Agent(name="Ours"), "x", engine="nope")
    triage, _, _ = _graph()
    run = hn.Runner.start(triage, "refund", engine="sdk")
    with pytest.raises(hn.UserError, match="fork"):
        run.edit_history([])


def _routing_model():
    """Routes on the user's words: charges go to Billing, anything else stays."""
    def answer(n, input, tools, handoffs):
        text = input if isinstance(input, str) else " ".join(
            str(i.get("content")) for i in input if isinstance(i, dict) and i.get("role") == "user")
        names = [t.name for t in tools] + [h.tool_name for h in handoffs]
        if "charge" in text and "transfer_to_billing" in names:
            return "call", ("transfer_to_billing", "{}")
        return "text", f"answered {text!r}"
    return _sdk_model(answer)


def test_evaluate_routing_runs_each_case_through_the_sdk_engine():
    model = _routing_model()
    billing = sdk.Agent(name="Billing", model=model, handoff_description="Charges")
    triage = sdk.Agent(name="Triage", instructions="Route.", handoffs=[billing], model=model)
    cases = [("I was charged twice", "Billing"), ("a double charge", "Billing"),
             ("what are your hours?", "Triage"), ("my parcel is late", "Billing")]
    report = evaluate_routing(triage, cases, engine="sdk", concurrency=2)
    assert report.accuracy == 0.75 and model.calls == 6  # 2 handoffs x 2 calls + 2 stays x 1 call
    by_message = {r.case.message: r for r in report.results}
    assert by_message["I was charged twice"].path == ["Triage", "Billing"]
    assert by_message["I was charged twice"].model_calls == 2
    assert by_message["my parcel is late"].path == ["Triage"]  # the miss is counted, not dropped
    assert by_message["what are your hours?"].final_output == "answered 'what are your hours?'"
    assert report.results[0].input_tokens == 8  # two calls of 4
    with pytest.raises(hn.UserError, match="agents.RunConfig"):
        evaluate_routing(triage, cases, engine="sdk", model="gpt-4o-mini")
    with pytest.raises(hn.UserError, match="agents.Agent"):
        evaluate_routing(hn.Agent(name="Ours"), [("x", "Ours")], engine="sdk")


def test_reasoning_items_are_kept_in_the_step_and_in_the_history_passed_on():
    """The SDK sends a model's reasoning items back with the history; a Step shows them, and the
    history a handoff passed on holds them, as the SDK's next request does."""
    from agents.items import ModelResponse
    from agents.models.interface import Model
    from agents.usage import Usage
    from openai.types.responses import ResponseReasoningItem

    from handoff_nb.testing import function_call

    class Thinking(Model):
        calls = 0

        async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                               handoffs, tracing, **kwargs):
            self.calls += 1
            return ModelResponse(output=[ResponseReasoningItem(id="rs_1", summary=[], type="reasoning"),
                                         function_call("transfer_to_billing", "{}", call_id="c1")],
                                 usage=Usage(requests=1), response_id="r1")

        def stream_response(self, *a, **k):  # pragma: no cover
            raise NotImplementedError

    billing = sdk.Agent(name="Billing", model=_canned([("text", "billing here")]), handoff_description="Charges")
    triage = sdk.Agent(name="Triage", instructions="Route.", handoffs=[billing], model=Thinking())
    run = hn.Runner.start(triage, "refund", engine="sdk")
    s0 = run.step()
    assert [type(i).__name__ for i in s0.items][:1] == ["ReasoningItem"] and s0.decision == "handoff"
    s1 = run.step()
    assert s1.final_output == "billing here"
    assert any(i.get("type") == "reasoning" and i.get("id") == "rs_1" for i in s1.request.input)
    assert s0.handoff.history_after == s1.request.input
    from handoff_nb.sdk import run_from_result
    rebuilt = run_from_result(run.result)
    assert "ReasoningItem" in [type(i).__name__ for i in rebuilt.steps[0].items]
