"""The loop, stepping, results, hooks, errors."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from handoff_nb import (Agent, AgentHooks, HandoffCallbackError, MaxTurnsExceeded,
                        ModelBehaviorError, ModelSettings, RunConfig, RunContextWrapper, RunHooks,
                        Runner, ScriptExhausted, UserError, function_tool, handoff)
from handoff_nb.extensions.handoff_filters import remove_all_tools
from handoff_nb.filters import keep_last_n_messages
from handoff_nb.items import HandoffCallItem, HandoffOutputItem, MessageOutputItem
from handoff_nb.models.scripted import ScriptedModel, call_tool, handoff_to, say


class Meta(BaseModel):
    reason: str
    priority: str


def graph(**kw):
    esc = Agent(name="Escalation", instructions="Senior.")
    billing = Agent(name="Billing", instructions="Bill.", handoff_description="refunds",
                    handoffs=[handoff(esc, input_type=Meta, **kw)])
    tech = Agent(name="Tech", instructions="Fix.")
    triage = Agent(name="Triage", instructions="Route.", handoffs=[billing, tech])
    return triage, billing, tech, esc


def cfg(model, **kw):
    return RunConfig(model=model, **kw)


def test_handoff_then_final_output_and_the_request_shape():
    triage, billing, tech, esc = graph()
    m = ScriptedModel([handoff_to("Billing"), say("Refunded.")])
    result = Runner.run_sync(triage, "I want a refund", run_config=cfg(m))
    m.assert_complete()
    assert result.final_output == "Refunded."
    assert result.last_agent is billing
    assert result.agent_path == ["Triage", "Billing"]
    first, second = m.calls
    assert first.instructions == "Route."
    assert first.handoff_instructions.splitlines() == [
        "HANDOFF_INSTRUCTIONS:", "You can hand off to the following agents:",
        "- transfer_to_billing: Handoff to the Billing agent to handle the request. refunds",
        "- transfer_to_tech: Handoff to the Tech agent to handle the request.",
        "When you hand off, the target agent will continue the conversation."]
    assert first.system_prompt == first.instructions + "\n\n" + first.handoff_instructions
    assert [t["function"]["name"] for t in first.tools] == ["transfer_to_billing", "transfer_to_tech"]
    # the next agent sees the full history under its own instructions and tools
    assert second.instructions == "Bill."
    assert [t["function"]["name"] for t in second.tools] == ["transfer_to_escalation"]
    assert second.input == [
        {"role": "user", "content": "I want a refund"},
        {"type": "function_call", "call_id": "call_1_0", "name": "transfer_to_billing", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1_0", "output": '{"assistant": "Billing"}'}]
    kinds = [type(i) for i in result.new_items]
    assert kinds == [HandoffCallItem, HandoffOutputItem, MessageOutputItem]
    assert result.new_items[1].source_agent is triage and result.new_items[1].target_agent is billing
    assert result.to_input_list() == second.input + [{"role": "assistant", "content": "Refunded."}]
    # raw items read as attributes too, as the SDK's Responses objects do
    assert result.new_items[2].raw_item.content == "Refunded."
    assert result.new_items[0].raw_item.name == "transfer_to_billing"
    assert result.new_items[0].raw_item.call_id == "call_1_0"
    assert [r.agent.name for r in result.raw_responses] == ["Triage", "Billing"]


def test_handoff_instructions_can_be_switched_off():
    triage, *_ = graph()
    m = ScriptedModel([say("hi")])
    Runner.run_sync(triage, "hello", run_config=cfg(m, handoff_instructions=False))
    assert m.calls[0].system_prompt == "Route."
    assert m.calls[0].handoff_instructions is None


def test_description_label_is_used_in_the_block():
    b = Agent(name="B")
    t = Agent(name="T", handoffs=[handoff(b, description="Billing specialist",
                                          tool_description_override="long text")])
    m = ScriptedModel([say("x")])
    Runner.run_sync(t, "x", run_config=cfg(m))
    assert "- transfer_to_b: Billing specialist" in m.calls[0].system_prompt
    assert m.calls[0].tools[0]["function"]["description"] == "long text"


def test_stepping_records_each_turn():
    triage, billing, tech, esc = graph()
    m = ScriptedModel([handoff_to("Billing"), handoff_to("Escalation", {"reason": "angry", "priority": "high"}),
                       say("I will fix this.")])
    run = Runner.start(triage, "refund, your team was unhelpful", run_config=cfg(m))
    s0 = run.step()
    assert (s0.index, s0.agent_name, s0.decision) == (0, "Triage", "handoff")
    assert s0.handoff.source is triage and s0.handoff.target is billing
    assert s0.handoff.tool_name == "transfer_to_billing" and s0.handoff.input is None
    assert run.current_agent is billing and not run.done and run.result is None
    s1 = run.step()
    assert s1.handoff.input == Meta(reason="angry", priority="high")
    assert s1.request.agent_name == "Billing"
    s2 = run.step()
    assert s2.decision == "final_output" and s2.final_output == "I will fix this."
    assert run.done and run.result.agent_path == ["Triage", "Billing", "Escalation"]
    assert [s.index for s in run.steps] == [0, 1, 2]
    assert all(s.duration_s >= 0 and s.model_name == "scripted" for s in run.steps)
    with pytest.raises(UserError, match="finished"):
        run.step()


def test_step_works_inside_a_running_event_loop():
    triage, *_ = graph()
    m = ScriptedModel([say("hi")])

    async def inside_notebook_cell():
        run = Runner.start(triage, "hello", run_config=cfg(m))
        step = run.step()  # sync call while a loop runs in this thread
        result = Runner.run_sync(triage, "again", run_config=cfg(ScriptedModel([say("ok")])))
        return step, result

    step, result = asyncio.run(inside_notebook_cell())
    assert step.final_output == "hi" and result.final_output == "ok"


def test_astep_and_runner_instance_run():
    triage, *_ = graph()

    async def go():
        run = Runner.start(triage, "hello", run_config=cfg(ScriptedModel([say("a")])))
        s = await run.astep()
        r = await Runner().run(triage, "x", run_config=cfg(ScriptedModel([say("b")])))
        return s, r

    s, r = asyncio.run(go())
    assert s.final_output == "a" and r.final_output == "b"


def test_function_tools_run_before_the_handoff_and_tools_come_first():
    seen = []

    @function_tool
    def lookup(order_id: str) -> str:
        """Look up an order."""
        seen.append(order_id)
        return f"order {order_id}: paid"

    billing = Agent(name="Billing")
    triage = Agent(name="Triage", tools=[lookup], handoffs=[billing])
    m = ScriptedModel([call_tool("lookup", {"order_id": "42"}).then(handoff_to("Billing")), say("done")])
    run = Runner.start(triage, "order 42", run_config=cfg(m))
    step = run.step()
    assert [t["function"]["name"] for t in m.calls[0].tools] == ["lookup", "transfer_to_billing"]
    assert m.calls[0].tools[0]["function"]["parameters"] == {
        "additionalProperties": False, "type": "object", "required": ["order_id"],
        "properties": {"order_id": {"title": "Order Id", "type": "string"}}, "title": "lookup_args"}
    assert seen == ["42"] and step.decision == "handoff"
    outputs = [i.raw_item for i in step.items if i.raw_item.get("type") == "function_call_output"]
    assert outputs[0]["output"] == "order 42: paid"


def test_tool_error_goes_back_to_the_model():
    """As in SDK 0.24: the model is told a tool failed in a fixed sentence (the exception's text
    stays out of the history); a failure_error_function words it itself."""
    def explode(x: int) -> str:
        """Fails."""
        raise ValueError("boom")

    generic = "An error occurred while running the tool. Please try again."
    for tool, told in ((function_tool(explode), generic),
                       (function_tool(explode, failure_error_function=lambda ctx, e: f"failed: {e}"),
                        "failed: boom")):
        a = Agent(name="A", tools=[tool])
        m = ScriptedModel([call_tool("explode", {"x": 1}), say("sorry")])
        run = Runner.start(a, "go", run_config=cfg(m))
        s = run.step()
        assert s.decision == "run_again"
        assert s.items[-1].raw_item["output"] == told
        assert m.calls and run.step().final_output == "sorry"
        assert m.calls[1].input[-1]["output"] == told


def test_multiple_handoffs_first_wins_others_ignored():
    b, c = Agent(name="B"), Agent(name="C")
    t = Agent(name="T", handoffs=[b, c])
    m = ScriptedModel([handoff_to("C").then(handoff_to("B")), say("hi from C")])
    result = Runner.run_sync(t, "x", run_config=cfg(m))
    assert result.last_agent is c
    outputs = [i.raw_item["output"] for i in result.steps[0].items if "output" in i.raw_item]
    assert "Multiple handoffs detected, ignoring this one." in outputs
    assert '{"assistant": "C"}' in outputs


def test_on_handoff_variants_and_context():
    log = []

    def sync_cb(ctx):
        ctx.context["who"] = "sync"

    async def async_cb(ctx, data: Meta):
        log.append(data.reason)

    def one_arg_with_type(ctx):
        log.append("no input param")

    targets = [Agent(name=n) for n in "XYZ"]
    t = Agent(name="T", handoffs=[handoff(targets[0], on_handoff=sync_cb),
                                  handoff(targets[1], on_handoff=async_cb, input_type=Meta),
                                  handoff(targets[2], on_handoff=one_arg_with_type, input_type=Meta)])
    ctx = {}
    for target, args in [("X", None), ("Y", {"reason": "r1", "priority": "p"}),
                         ("Z", {"reason": "r2", "priority": "p"})]:
        m = ScriptedModel([handoff_to(target, args), say("ok")])
        Runner.run_sync(t, "x", context=ctx, run_config=cfg(m))
    assert ctx == {"who": "sync"} and log == ["r1", "no input param"]


def test_is_enabled_is_checked_every_turn():
    calls = []

    async def enabled(ctx, agent):
        calls.append(agent.name)
        return ctx.context["open"]

    b = Agent(name="B")
    t = Agent(name="T", handoffs=[handoff(b, is_enabled=enabled), handoff(Agent(name="C"), is_enabled=False)])

    @function_tool
    def close(ctx: RunContextWrapper[dict]) -> str:
        """Close billing."""
        ctx.context["open"] = False
        return "closed"

    t.tools.append(close)
    m = ScriptedModel([call_tool("close"), say("ok")])
    Runner.run_sync(t, "x", context={"open": True}, run_config=cfg(m))
    assert [x["function"]["name"] for x in m.calls[0].tools] == ["close", "transfer_to_b"]
    assert [x["function"]["name"] for x in m.calls[1].tools] == ["close"]
    assert "transfer_to_b" not in m.calls[1].system_prompt and m.calls[1].handoff_instructions is None
    assert calls == ["T", "T"]


def test_input_filter_precedence_and_history_records():
    seen = []

    def run_level(data):
        seen.append("run")
        return data

    b = Agent(name="B")
    c = Agent(name="C")
    t = Agent(name="T", handoffs=[handoff(b, input_filter=remove_all_tools), c])
    m = ScriptedModel([handoff_to("B"), say("ok")])
    r = Runner.run_sync(t, [{"role": "user", "content": "hi"}], run_config=cfg(m, handoff_input_filter=run_level))
    assert seen == []  # the handoff's own filter wins
    rec = r.steps[0].handoff
    assert rec.filter_name == "remove_all_tools"
    assert [i.get("type", i.get("role")) for i in rec.history_before] == ["user", "function_call", "function_call_output"]
    assert rec.history_after == [{"role": "user", "content": "hi"}]
    assert m.calls[1].input == [{"role": "user", "content": "hi"}]
    # the transcript keeps everything
    assert any(isinstance(i, HandoffCallItem) for i in r.all_items)
    assert not any(isinstance(i, HandoffCallItem) for i in r.new_items)
    m2 = ScriptedModel([handoff_to("C"), say("ok")])
    Runner.run_sync(t, "hi", run_config=cfg(m2, handoff_input_filter=run_level))
    assert seen == ["run"]


def test_keep_last_n_messages():
    b = Agent(name="B")
    t = Agent(name="T", handoffs=[handoff(b, input_filter=keep_last_n_messages(2))])
    history = [{"role": "user", "content": f"m{i}"} for i in range(5)]
    m = ScriptedModel([handoff_to("B"), say("ok")])
    Runner.run_sync(t, history, run_config=cfg(m))
    assert m.calls[1].input == history[-2:]
    with pytest.raises(ValueError):
        keep_last_n_messages(0)


def test_max_turns_keeps_the_partial_run():
    @function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    a = Agent(name="A", tools=[ping])
    m = ScriptedModel([call_tool("ping")] * 3)
    with pytest.raises(MaxTurnsExceeded) as e:
        Runner.run_sync(a, "x", max_turns=3, run_config=cfg(m))
    assert len(e.value.run.steps) == 3 and "Max turns (3)" in str(e.value)
    assert Runner.start(a, "x").max_turns == 10
    assert Runner.start(a, "x", run_config=RunConfig(max_turns=4)).max_turns == 4


def test_bad_handoff_arguments_name_everything_and_run_survives():
    triage, billing, tech, esc = graph()
    m = ScriptedModel([handoff_to("Billing"), handoff_to("Escalation", '{"reason": "x"'),
                       handoff_to("Escalation", {"reason": 5, "priority": "high"}),
                       handoff_to("Escalation", {"reason": "ok", "priority": "high"}), say("fine")])
    run = Runner.start(triage, "x", run_config=cfg(m))
    run.step()
    with pytest.raises(ModelBehaviorError) as e:
        run.step()
    msg = str(e.value)
    assert "'Billing'" in msg and "transfer_to_escalation" in msg and '{"reason": "x"' in msg
    assert "not valid JSON" in msg and msg.startswith("step 1 (Billing)")
    assert e.value.step is run.steps[1] and run.steps[1].decision == "error"
    with pytest.raises(ModelBehaviorError, match="do not match Meta"):
        run.step()  # strict: 5 is not a str
    assert len(run.steps) == 3 and run.current_agent is billing
    assert run.step().decision == "handoff"  # retry succeeds
    assert run.step().final_output == "fine"
    assert run.result.agent_path == ["Triage", "Billing", "Escalation"]


def test_unknown_tool_lists_available_tools():
    triage, *_ = graph()
    m = ScriptedModel([call_tool("transfer_to_sales")])
    with pytest.raises(ModelBehaviorError, match="unknown tool 'transfer_to_sales'; available tools: transfer_to_billing, transfer_to_tech"):
        Runner.run_sync(triage, "x", run_config=cfg(m))


def test_errors_can_go_back_to_the_model():
    triage, billing, *_ = graph()
    m = ScriptedModel([call_tool("nope"), handoff_to("Billing"),
                       handoff_to("Escalation", "not json"), say("ok")])
    r = Runner.run_sync(triage, "x", run_config=cfg(m, model_errors="return_to_model"))
    assert "unknown tool 'nope'" in m.calls[1].input[-1]["output"]
    assert "not valid JSON" in m.calls[3].input[-1]["output"]
    assert r.last_agent is billing and [s.decision for s in r.steps] == [
        "run_again", "handoff", "run_again", "final_output"]


def test_exceptions_in_callbacks_and_filters_are_surfaced_with_the_step():
    def bad_cb(ctx):
        raise KeyError("department")

    def bad_filter(data):
        raise RuntimeError("filter broke")

    t = Agent(name="T", handoffs=[handoff(Agent(name="B"), on_handoff=bad_cb),
                                  handoff(Agent(name="C"), input_filter=bad_filter)])
    run = Runner.start(t, "x", run_config=cfg(ScriptedModel([handoff_to("B"), handoff_to("C")])))
    with pytest.raises(HandoffCallbackError, match=r"step 0 \(T\): on_handoff of 'transfer_to_b'.*KeyError") as e:
        run.step()
    assert isinstance(e.value.__cause__, KeyError)
    with pytest.raises(HandoffCallbackError, match="input_filter bad_filter.*filter broke"):
        run.step()
    assert [s.decision for s in run.steps] == ["error", "error"]
    t2 = Agent(name="T", handoffs=[handoff(Agent(name="B"), input_filter=lambda d: "oops")])
    with pytest.raises(UserError, match="must return HandoffInputData"):
        Runner.run_sync(t2, "x", run_config=cfg(ScriptedModel([handoff_to("B")])))


def test_scripted_model_runs_out_loudly():
    a = Agent(name="A")
    m = ScriptedModel([])
    with pytest.raises(ScriptExhausted, match="ran out of replies.*'A'.*'hello'"):
        Runner.run_sync(a, "hello", run_config=cfg(m))
    m2 = ScriptedModel([say("a"), say("b")])
    Runner.run_sync(a, "x", run_config=cfg(m2))
    with pytest.raises(AssertionError, match="1 scripted reply was never used"):
        m2.assert_complete()


def test_hooks_fire_in_order():
    events = []

    class H(RunHooks):
        async def on_agent_start(self, ctx, agent): events.append(("start", agent.name))
        async def on_agent_end(self, ctx, agent, out): events.append(("end", agent.name, out))
        async def on_handoff(self, ctx, a, b): events.append(("handoff", a.name, b.name))
        async def on_tool_start(self, ctx, agent, tool): events.append(("tool", tool.name))
        async def on_tool_end(self, ctx, agent, tool, result): events.append(("tool_end", result))

    class AH(AgentHooks):
        async def on_handoff(self, ctx, agent, source): events.append(("agent_hook", agent.name, source.name))

    @function_tool
    def t1() -> str:
        """T."""
        return "r"

    b = Agent(name="B")  # SDK 0.24 calls the handing-off agent's AgentHooks.on_handoff
    a = Agent(name="A", tools=[t1], handoffs=[b], hooks=AH())
    m = ScriptedModel([call_tool("t1"), handoff_to("B"), say("bye")])
    Runner.run_sync(a, "x", hooks=H(), run_config=cfg(m))
    assert events == [("start", "A"), ("tool", "t1"), ("tool_end", "r"), ("handoff", "A", "B"),
                      ("agent_hook", "B", "A"), ("start", "B"), ("end", "B", "bye")]


def test_dynamic_instructions_and_model_settings():
    async def instr(ctx, agent):
        return f"You are {agent.name} for {ctx.context['user']}"

    a = Agent(name="A", instructions=instr, model_settings=ModelSettings(temperature=0.2, tool_choice="auto"))
    m = ScriptedModel([say("x")])
    Runner.run_sync(a, "x", context={"user": "ann"},
                    run_config=cfg(m, model_settings=ModelSettings(temperature=0.9)))
    assert m.calls[0].system_prompt == "You are A for ann"
    assert m.calls[0].model_settings.temperature == 0.9
    assert m.calls[0].model_settings.tool_choice == "auto"
    with pytest.raises(UserError, match="instructions callable must take"):
        Agent(name="A", instructions=lambda ctx: "x")


def test_fork_rewinds_state_and_context():
    def cb(ctx):
        ctx.context["dept"] = "billing"

    b = Agent(name="B")
    c = Agent(name="C")
    t = Agent(name="T", handoffs=[handoff(b, on_handoff=cb), c])
    m = ScriptedModel([handoff_to("B"), say("b says"), handoff_to("C"), say("c says")])
    run = Runner.start(t, "x", context={}, run_config=cfg(m))
    run.run()
    assert run.context == {"dept": "billing"} and run.steps[0].context_after == {"dept": "billing"}
    forked = run.fork(0)
    assert forked.steps == [] and forked.current_agent is t and forked.context == {}
    r2 = forked.run()
    assert r2.agent_path == ["T", "C"] and r2.final_output == "c says"
    assert run.result.agent_path == ["T", "B"]  # the original is untouched
    f1 = run.fork(1)
    assert f1.current_agent is b and len(f1.steps) == 1 and f1.context == {"dept": "billing"}
    with pytest.raises(UserError):
        run.fork(5)


def test_next_turn_continues_with_last_agent_or_restarts():
    b = Agent(name="B")
    t = Agent(name="T", handoffs=[b])
    m = ScriptedModel([handoff_to("B"), say("hi, billing here"), say("still billing"), say("triage again")])
    run = Runner.start(t, "refund", run_config=cfg(m))
    run.run()
    cont = run.next_turn("and the invoice?")
    assert cont.current_agent is b
    cont.run()
    assert m.calls[2].agent_name == "B"
    assert m.calls[2].input[-1] == {"role": "user", "content": "and the invoice?"}
    restart = run.next_turn("hello?", restart=True)
    restart.run()
    assert m.calls[3].agent_name == "T"


def test_input_validation():
    with pytest.raises(UserError, match="input item 0"):
        Runner.start(Agent(name="A"), ["hi"])
    with pytest.raises(UserError, match="starting agent"):
        Runner.start("A", "hi")
    with pytest.raises(UserError, match="max_turns"):
        Runner.start(Agent(name="A"), "hi", max_turns=0)


def test_run_sync_from_the_background_loop_thread_does_not_deadlock():
    from handoff_nb._util import _background_loop, run_sync
    triage, *_ = graph()

    async def on_bg_loop():
        run = Runner.start(triage, "hi", run_config=cfg(ScriptedModel([say("x")])))
        return run.preview_next_request().agent_name, run.step().final_output

    future = asyncio.run_coroutine_threadsafe(on_bg_loop(), _background_loop())
    assert future.result(timeout=10) == ("Triage", "x")
    assert run_sync(asyncio.sleep(0, result=5)) == 5
