"""SDK code as it is (issue 21): the SDK's module paths, its Model interface, its test model, and
the behaviours ported code relies on -- each checked against what SDK 0.24 does."""

from __future__ import annotations

import asyncio
import importlib
import logging

import pytest
from pydantic import BaseModel

import handoff_nb as hn
from handoff_nb import Agent, RunConfig, Runner, UserError, function_tool, handoff
from handoff_nb.testing import (ModelStep, ScriptedModel, UnconsumedModelSteps, UnexpectedModelCall,
                                assistant_message, function_call)

pytest.importorskip("openai")


def _cfg(*steps, **kw):
    return RunConfig(model=ScriptedModel(steps), **kw)


# -- module paths ---------------------------------------------------------------------------------

SDK_PATHS = ["exceptions", "tool", "run_context", "tool_context", "usage", "run_config", "items",
             "lifecycle", "handoffs", "agent", "result", "stream_events", "model_settings",
             "strict_schema", "decorators", "testing", "tracing", "tracing.processor_interface",
             "tracing.processors", "guardrail", "agent_output", "memory", "models.interface",
             "models.openai_chatcompletions", "models.openai_responses", "extensions.handoff_filters",
             "extensions.handoff_prompt", "extensions.visualization"]


@pytest.mark.parametrize("path", SDK_PATHS)
def test_the_sdks_module_paths_import(path):
    importlib.import_module(f"handoff_nb.{path}")


def test_names_the_sdk_examples_import():
    from handoff_nb.items import ModelResponse
    from handoff_nb.models.interface import ModelTracing
    from handoff_nb.tracing.processor_interface import TracingExporter, TracingProcessor
    from handoff_nb.tracing.processors import BatchTraceProcessor
    assert ModelResponse is hn.ModelResponse and ModelTracing.DISABLED.is_disabled()
    assert issubclass(BatchTraceProcessor, TracingProcessor) and TracingExporter
    m = hn.OpenAIChatCompletionsModel(model="m", openai_client=__import__("openai").AsyncOpenAI(
        api_key="sk-test", base_url="http://127.0.0.1:9/v1"))
    assert m.model == "m"


def test_what_is_not_mirrored_imports_and_names_the_sdk_engine():
    from handoff_nb import ModelRetrySettings, ResponsesWebSocketSession
    with pytest.raises(UserError, match="SDK engine"):
        ResponsesWebSocketSession()
    with pytest.raises(UserError, match="retry"):
        ModelRetrySettings(max_retries=2)
    with pytest.raises(AttributeError):
        hn.NoSuchName  # noqa: B018


def test_tool_approvals_pause_the_run_and_go_on_from_the_same_response():
    ran = []

    @function_tool(needs_approval=True)
    def refund(order: str) -> str:
        """Refund an order."""
        ran.append(order)
        return f"refunded {order}"

    a = Agent(name="A", tools=[refund])
    m = ScriptedModel([[function_call("refund", {"order": "A1"}, call_id="r1")], [assistant_message("done")]])
    cfg = RunConfig(model=m)
    result = asyncio.run(Runner.run(a, "refund A1", run_config=cfg))
    assert [i.name for i in result.interruptions] == ["refund"] and result.final_output is None
    assert ran == [] and m.remaining_steps == 1
    state = result.to_state()
    state = asyncio.run(hn.RunState.from_json(a, state.to_json()))  # in this process
    state.approve(result.interruptions[0])
    final = asyncio.run(Runner.run(a, state))
    assert final.final_output == "done" and ran == ["A1"] and len(m.calls) == 2  # no second call for the turn
    assert final.interruptions == [] and not final.steps[0].edited

    # rejected: the model is told, in the rejection's words or the formatter's
    for reject, expected in [({"rejection_message": "not today"}, "not today"), ({}, "formatted: refund")]:
        m = ScriptedModel([[function_call("refund", {"order": "B2"}, call_id="r2")], [assistant_message("ok")]])
        cfg = RunConfig(model=m, tool_error_formatter=lambda args: f"formatted: {args.tool_name}")
        paused = asyncio.run(Runner.run(a, "refund B2", run_config=cfg))
        state = paused.to_state()
        state.reject(paused.interruptions[0], **reject)
        asyncio.run(Runner.run(a, state))
        assert m.calls[1].input[-1]["output"] == expected and ran == ["A1"]

    asked = []

    def only_big(ctx, params, call_id):
        asked.append(call_id)
        return params["order"].startswith("BIG")

    small = Agent(name="S", tools=[function_tool(refund.on_invoke_tool and (lambda order: f"ok {order}"),
                                                 name_override="refund", needs_approval=only_big)])
    r = Runner.run_sync(small, "x", run_config=_cfg([function_call("refund", {"order": "A"}, call_id="c")],
                                                    [assistant_message("fine")]))
    assert r.final_output == "fine" and asked == ["c"]


# -- the SDK's Model interface and ScriptedModel ---------------------------------------------------

def test_a_users_own_sdk_style_model_runs_in_our_runner():
    from handoff_nb.items import ModelResponse
    from handoff_nb.models.interface import Model
    from handoff_nb.usage import Usage

    class Mine(Model):
        def __init__(self):
            self.calls = []

        async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                               handoffs, tracing, *, previous_response_id, conversation_id, prompt):
            self.calls.append((system_instructions, input, [t.name for t in tools],
                               [h.tool_name for h in handoffs]))
            if len(self.calls) == 1:
                item = function_call("transfer_to_billing", "{}", call_id="c1")
            else:
                item = assistant_message("billing here")
            return ModelResponse(output=[item], usage=Usage(requests=1, input_tokens=3, output_tokens=2,
                                                            total_tokens=5), response_id="r1")

        async def stream_response(self, *a, **k):  # pragma: no cover
            raise NotImplementedError

    m = Mine()
    triage = Agent(name="Triage", instructions="Route.", handoffs=[Agent(name="Billing")])
    r = Runner.run_sync(triage, "refund", run_config=RunConfig(model=m, handoff_instructions=False))
    assert r.agent_path == ["Triage", "Billing"] and r.final_output == "billing here"
    assert m.calls[0] == ("Route.", [{"role": "user", "content": "refund"}], [], ["transfer_to_billing"])
    assert m.calls[1][1][-1] == {"type": "function_call_output", "call_id": "c1",
                                 "output": '{"assistant": "Billing"}'}
    usage = r.context_wrapper.usage
    assert (usage.requests, usage.total_tokens) == (2, 10)
    assert [e.input_tokens for e in usage.request_usage_entries] == [3, 3]
    assert r.last_response_id == "r1"


def test_scripted_model_has_the_sdks_api():
    @function_tool
    def lookup(q: str) -> str:
        """Look up."""
        return "found " + q

    m = ScriptedModel([[function_call("lookup", {"q": "x"}, call_id="c1")],
                       ModelStep(output=[function_call("transfer_to_billing", "{}", call_id="c2")]),
                       {"output": [assistant_message("done")]}])
    triage = Agent(name="Triage", tools=[lookup], handoffs=[Agent(name="Billing")])
    r = Runner.run_sync(triage, "hi", run_config=RunConfig(model=m))
    assert r.agent_path == ["Triage", "Billing"] and r.final_output == "done"
    assert m.remaining_steps == 0 and len(m.calls) == 3 and not m.first_call.streamed
    assert [t.name for t in m.first_call.tools] == ["lookup"]
    assert m.calls[1].input[-1] == {"type": "function_call_output", "call_id": "c1", "output": "found x"}
    m.assert_complete()
    with pytest.raises(UnexpectedModelCall):
        Runner.run_sync(triage, "again", run_config=RunConfig(model=m))
    left = ScriptedModel([[assistant_message("a")], [assistant_message("b")]])
    Runner.run_sync(Agent(name="A"), "x", run_config=RunConfig(model=left))
    with pytest.raises(UnconsumedModelSteps):
        left.assert_complete()
    boom = ScriptedModel([ModelStep.raise_error(RuntimeError("boom"))])
    with pytest.raises(RuntimeError, match="boom"):
        Runner.run_sync(Agent(name="A"), "x", run_config=RunConfig(model=boom))


# -- behaviours ------------------------------------------------------------------------------------

def test_agent_hook_context_has_the_turn_input_and_tool_hooks_get_a_tool_context():
    seen = []

    class Hooks(hn.RunHooks):
        async def on_agent_start(self, context, agent):
            seen.append(("start", type(context).__name__, context.turn_input))

        async def on_tool_start(self, context, agent, tool):
            seen.append(("tool", context.tool_name, context.tool_call_id))

    @function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    Runner.run_sync(Agent(name="A", tools=[ping]), "hi", hooks=Hooks(),
                    run_config=_cfg([function_call("ping", "{}", call_id="k1")], [assistant_message("ok")]))
    assert seen == [("start", "AgentHookContext", [{"role": "user", "content": "hi"}]),
                    ("tool", "ping", "k1")]


def test_colliding_tool_names_warn_and_keep_the_last_as_the_sdk(caplog):
    first, second = Agent(name="Billing Agent"), Agent(name="billing agent")
    t = Agent(name="T", handoffs=[first, second])  # the SDK accepts this at construction
    with caplog.at_level(logging.WARNING, logger="openai.agents"):
        r = Runner.run_sync(t, "x", run_config=_cfg([function_call("transfer_to_billing_agent", "{}",
                                                                   call_id="c")], [assistant_message("hi")]))
    assert r.last_agent is second and "transfer_to_billing_agent" in caplog.text
    with pytest.raises(UserError, match="used twice"):
        Runner.run_sync(t, "x", run_config=_cfg([assistant_message("hi")],
                                                tool_name_collision_policy="error"))


class Verdict(BaseModel):
    score: str
    ok: bool


def test_output_type_asks_for_json_and_types_the_final_output():
    m = ScriptedModel([[assistant_message('{"score": "pass", "ok": true}')]])
    r = Runner.run_sync(Agent(name="Judge", output_type=Verdict), "judge", run_config=RunConfig(model=m))
    assert r.final_output == Verdict(score="pass", ok=True)
    assert m.first_call.output_schema.json_schema()["required"] == ["score", "ok"]
    with pytest.raises(hn.ModelBehaviorError, match="Invalid JSON"):
        Runner.run_sync(Agent(name="Judge", output_type=Verdict), "judge",
                        run_config=_cfg([assistant_message("not json")]))
    # lists are wrapped as the SDK wraps them; the offline model answers in the schema
    r = Runner.run_sync(Agent(name="L", output_type=list[int]), "numbers", run_config=RunConfig(model="offline"))
    assert isinstance(r.final_output, list) and all(isinstance(x, int) for x in r.final_output)
    with pytest.raises(UserError, match="strict_json_schema=False"):
        Runner.run_sync(Agent(name="D", output_type=dict[int, str]), "x", run_config=RunConfig(model="offline"))


def test_tool_use_behavior_stops_on_the_first_tool_or_at_named_tools():
    @function_tool
    def weather(city: str) -> dict:
        """Weather."""
        return {"city": city, "sky": "sunny"}

    calls = [function_call("weather", {"city": "Oslo"}, call_id="w")]
    r = Runner.run_sync(Agent(name="W", tools=[weather], tool_use_behavior="stop_on_first_tool"), "x",
                        run_config=_cfg(calls))
    assert r.final_output == {"city": "Oslo", "sky": "sunny"}
    r = Runner.run_sync(Agent(name="W", tools=[weather], tool_use_behavior={"stop_at_tool_names": ["nope"]}),
                        "x", run_config=_cfg(calls, [assistant_message("done")]))
    assert r.final_output == "done"

    def custom(ctx, results):
        return hn.ToolsToFinalOutputResult(is_final_output=True, final_output=results[0].output["sky"])
    r = Runner.run_sync(Agent(name="W", tools=[weather], tool_use_behavior=custom), "x", run_config=_cfg(calls))
    assert r.final_output == "sunny"


def test_input_and_output_guardrails_trip_as_in_the_sdk():
    @hn.input_guardrail
    def no_homework(ctx, agent, input):
        return hn.GuardrailFunctionOutput(output_info="hw", tripwire_triggered="homework" in str(input))

    @hn.output_guardrail
    def no_secrets(ctx, agent, output):
        return hn.GuardrailFunctionOutput(output_info=None, tripwire_triggered="secret" in output)

    a = Agent(name="A", input_guardrails=[no_homework], output_guardrails=[no_secrets])
    m = ScriptedModel([[assistant_message("fine")]])
    r = Runner.run_sync(a, "hello", run_config=RunConfig(model=m))
    assert r.final_output == "fine" and len(r.input_guardrail_results) == 1
    assert r.output_guardrail_results[0].output.tripwire_triggered is False
    blocked = ScriptedModel([[assistant_message("never")]])
    with pytest.raises(hn.InputGuardrailTripwireTriggered) as e:
        Runner.run_sync(a, "do my homework", run_config=RunConfig(model=blocked))
    assert e.value.guardrail_result.output.output_info == "hw" and blocked.remaining_steps == 1
    with pytest.raises(hn.OutputGuardrailTripwireTriggered):
        Runner.run_sync(a, "hello", run_config=_cfg([assistant_message("the secret is 42")]))


def test_an_agent_as_a_tool_runs_nested_and_the_caller_keeps_the_conversation():
    spanish = Agent(name="Spanish", instructions="Translate to Spanish.")
    m = ScriptedModel([[function_call("translate_to_spanish", {"input": "hello"}, call_id="t")],
                       [assistant_message("hola")],  # the nested run
                       [assistant_message("In Spanish: hola")]])
    orchestrator = Agent(name="Orchestrator", tools=[spanish.as_tool("translate_to_spanish", "Translate")])
    r = Runner.run_sync(orchestrator, "say hello in Spanish", run_config=RunConfig(model=m))
    assert r.final_output == "In Spanish: hola" and r.agent_path == ["Orchestrator"]
    assert m.calls[1].input == [{"role": "user", "content": "hello"}]
    assert m.calls[2].input[-1]["output"] == "hola"


def test_sessions_remember_the_conversation():
    from handoff_nb.memory import SQLiteSession
    session = SQLiteSession("user-1")
    m = ScriptedModel([[assistant_message("first")], [assistant_message("second")]])
    a = Agent(name="A")
    Runner.run_sync(a, "one", session=session, run_config=RunConfig(model=m))
    Runner.run_sync(a, "two", session=session, run_config=RunConfig(model=m))
    assert [i.get("content") if isinstance(i.get("content"), str) else "a" for i in m.calls[1].input] == \
        ["one", "first", "two"]
    assert len(asyncio.run(session.get_items())) == 4


def test_batch_trace_processor_exports_through_an_exporter():
    from handoff_nb.tracing.processor_interface import TracingExporter
    from handoff_nb.tracing.processors import BatchTraceProcessor
    got = []

    class Exp(TracingExporter):
        def export(self, items):
            got.extend(i.export() for i in items)

    p = BatchTraceProcessor(Exp())
    hn.set_trace_processors([p])
    try:
        with hn.trace("wf"):
            with hn.custom_span("op", data={"k": 1}):
                pass
        p.shutdown()
    finally:
        hn.set_trace_processors([])
    assert [g["object"] for g in got] == ["trace", "trace.span"] and got[1]["span_data"]["data"] == {"k": 1}


def test_item_helpers_and_tool_call_items_as_the_sdk():
    from handoff_nb import ItemHelpers
    assert ItemHelpers.extract_text(assistant_message("hi")) == "hi"
    assert ItemHelpers.extract_text({"role": "user", "content": "x"}) is None
    r = Runner.run_sync(Agent(name="A", tools=[function_tool(lambda: "x", name_override="t")]), "x",
                        run_config=_cfg([function_call("t", "{}", call_id="c9")], [assistant_message("y")]))
    call = next(i for i in r.new_items if isinstance(i, hn.ToolCallItem))
    assert (call.call_id, call.tool_name) == ("c9", "t")


def test_tool_guardrails_allow_reject_or_raise():
    from handoff_nb.decorators import tool_input_guardrail, tool_output_guardrail

    @function_tool
    def send(to: str) -> str:
        """Send."""
        return f"sent to {to}"

    @tool_input_guardrail
    def no_acme(data):
        if "acme" in data.context.tool_arguments:
            return hn.ToolGuardrailFunctionOutput.reject_content("blocked: acme")
        return hn.ToolGuardrailFunctionOutput(output_info="ok")

    @tool_output_guardrail
    def no_ssn(data):
        if "ssn" in str(data.output):
            return hn.ToolGuardrailFunctionOutput.raise_exception(output_info={"tool": data.context.tool_name})
        return hn.ToolGuardrailFunctionOutput.allow()

    send.tool_input_guardrails = [no_acme]
    send.tool_output_guardrails = [no_ssn]
    a = Agent(name="A", tools=[send])
    m = ScriptedModel([[function_call("send", {"to": "acme"}, call_id="s")], [assistant_message("ok")]])
    Runner.run_sync(a, "x", run_config=RunConfig(model=m))
    assert m.calls[1].input[-1]["output"] == "blocked: acme"
    with pytest.raises(hn.ToolOutputGuardrailTripwireTriggered) as e:
        Runner.run_sync(a, "x", run_config=_cfg([function_call("send", {"to": "ssn"}, call_id="s")]))
    assert e.value.output.output_info == {"tool": "send"}


def test_nest_handoff_history_orders_summaries_and_messages_as_sdk_024():
    """SDK 0.24 (checked against agents.Runner with nest_handoff_history=True): a summary of
    what came before, this turn's assistant message as it is, then a summary of the handoff call
    and its output; items holding openai objects are summarised too."""
    @function_tool
    def lookup(q: str) -> str:
        """Look up."""
        return "found " + q

    m = ScriptedModel([[function_call("lookup", {"q": "x"}, call_id="c1")],
                       [assistant_message("Let me transfer you."),
                        function_call("transfer_to_billing", "{}", call_id="c2")],
                       [assistant_message("billing here")]])
    t = Agent(name="Triage", tools=[lookup], handoffs=[Agent(name="Billing")])
    Runner.run_sync(t, "refund please", run_config=RunConfig(model=m, nest_handoff_history=True,
                                                             handoff_instructions=False))
    got = m.last_call.input
    assert [g["role"] for g in got] == ["assistant", "assistant", "assistant"]
    first, message, last = (g["content"] for g in got)
    assert first.splitlines()[:3] == [hn.handoffs.HISTORY_PREAMBLE, "<CONVERSATION HISTORY>",
                                      "1. user: refund please"]
    assert '"name": "lookup"' in first and "found x" in first and message == "Let me transfer you."
    assert '"transfer_to_billing"' in last and last.endswith("</CONVERSATION HISTORY>")
    # an earlier summary is unpacked, not nested inside the next one
    data = hn.HandoffInputData(input_history=tuple(got), pre_handoff_items=(), new_items=())
    again = hn.nest_handoff_history(data).input_history
    assert len(again) == 1 and again[0]["content"].count("<CONVERSATION HISTORY>") == 1
    assert "1. user: refund please" in again[0]["content"]


def test_handoff_fills_on_invoke_handoff_and_remove_all_tools_drops_hosted_items():
    from handoff_nb.extensions.handoff_filters import remove_all_tools
    seen = []
    billing = Agent(name="Billing")
    h = handoff(billing, on_handoff=lambda ctx: seen.append("called"))
    target = asyncio.run(h.on_invoke_handoff(hn.RunContextWrapper(None), "{}"))
    assert target is billing and seen == ["called"]
    r = Runner.run_sync(Agent(name="T", handoffs=[h]), "x", run_config=_cfg(
        [function_call("transfer_to_billing", "{}", call_id="h")], [assistant_message("ok")]))
    assert r.last_agent is billing and seen == ["called", "called"]  # once per invocation
    data = hn.HandoffInputData(input_history=({"role": "user", "content": "hi"},
                                              {"type": "reasoning", "id": "rs", "summary": []},
                                              {"type": "web_search_call", "id": "ws", "status": "completed"}),
                               pre_handoff_items=(), new_items=())
    assert remove_all_tools(data).input_history == ({"role": "user", "content": "hi"},)


def test_draw_graph_returns_what_the_sdks_returns():
    pytest.importorskip("graphviz")
    agents = pytest.importorskip("agents")
    from handoff_nb.examples import customer_service
    from handoff_nb.extensions.visualization import draw_graph, draw_handoff_graph
    from handoff_nb.sdk import to_sdk
    ours = customer_service()
    same = Agent(name="X")
    dup = Agent(name="T", handoffs=[same, handoff(Agent(name="X"), tool_name_override="other")],
                tools=[function_tool(lambda: "1", name_override="X")])  # colliding labels
    for a in (ours, dup):
        g = draw_graph(a)
        assert type(g).__name__ == "Source" and g.source == draw_graph(to_sdk(a)).source
        assert g.source == agents.extensions.visualization.draw_graph(to_sdk(a)).source
    assert type(draw_handoff_graph(ours)).__name__ == "Digraph"


def test_sdk_agents_with_output_type_and_guardrails_convert_and_run_here():
    agents = pytest.importorskip("agents")
    from handoff_nb.sdk import to_sdk

    @agents.input_guardrail
    def no_homework(ctx, agent, input):
        return agents.GuardrailFunctionOutput(output_info=None, tripwire_triggered="homework" in str(input))

    theirs = agents.Agent(name="Judge", output_type=Verdict, input_guardrails=[no_homework])
    m = ScriptedModel([[assistant_message('{"score": "pass", "ok": true}')]])
    r = Runner.run_sync(theirs, "judge this", run_config=RunConfig(model=m))
    assert r.final_output == Verdict(score="pass", ok=True)
    with pytest.raises(hn.InputGuardrailTripwireTriggered):
        Runner.run_sync(theirs, "do my homework", run_config=_cfg([assistant_message("{}")]))
    back = to_sdk(Agent(name="Typed", output_type=Verdict, tool_use_behavior="stop_on_first_tool",
                        output_guardrails=[hn.output_guardrail(lambda c, a, o: hn.GuardrailFunctionOutput(None, False))]))
    assert back.output_type is Verdict and back.tool_use_behavior == "stop_on_first_tool"
    assert type(back.output_guardrails[0]).__module__.startswith("agents")


def _strict_cases():
    class Inner(BaseModel):
        a: int
        b: str | None = None

    class Outer(BaseModel):
        inner: Inner
        items: list[Inner]
        tag: str = "x"

    from pydantic import TypeAdapter
    deep: dict = {"type": "object", "properties": {}}
    cur = deep
    for _ in range(120):
        cur["properties"]["x"] = cur = {"type": "object", "properties": {}}
    return [{}, {"type": "object", "properties": {"x": {"type": "string"}}},
            {"anyOf": [{"type": "object", "properties": {}}, {"type": "null"}]},
            {"type": ["object", "null"], "properties": {"x": {"type": "string"}}},
            {"type": "object", "additionalProperties": {}}, {"type": "object", "additionalProperties": True},
            {"additionalProperties": {"type": "string"}}, {"properties": {"x": {"type": "integer"}}},
            Outer.model_json_schema(), TypeAdapter(dict[str, int]).json_schema(),
            TypeAdapter(list[Inner]).json_schema(), deep]


@pytest.mark.parametrize("index", range(12))
def test_strict_schemas_accept_and_refuse_what_the_sdk_does(index):
    import copy
    strict = pytest.importorskip("agents.strict_schema")
    from agents.exceptions import UserError as SDKUserError

    from handoff_nb.strict_schema import ensure_strict_json_schema
    case = _strict_cases()[index]
    try:
        expected, refused = strict.ensure_strict_json_schema(copy.deepcopy(case)), False
    except SDKUserError:
        expected, refused = None, True
    if refused:
        with pytest.raises(UserError):
            ensure_strict_json_schema(copy.deepcopy(case))
    else:
        assert ensure_strict_json_schema(copy.deepcopy(case)) == expected


def test_function_schema_at_the_sdks_path():
    from handoff_nb.function_schema import function_schema

    def f(ctx: hn.ToolContext, a: int, b: str = "x") -> str:
        """Repeat b.

        Args:
            a: how often
        """
        return b * a

    s = function_schema(f)
    assert (s.name, s.description, s.takes_context) == ("f", "Repeat b.", True)
    assert s.params_json_schema["required"] == ["a", "b"] and not s.params_json_schema["additionalProperties"]
    assert s.params_json_schema["properties"]["a"]["description"] == "how often"
    assert s.to_call_args(s.params_pydantic_model(a=2)) == ([2, "x"], {})
    tool = function_tool(f)  # a ToolContext first parameter is the context, not an argument
    assert list(tool.params_json_schema["properties"]) == ["a", "b"]


def test_output_type_reaches_the_wire_as_the_sdk_sends_it():
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.models.openai_responses import OpenAIResponsesModel
    from handoff_nb.testing import FakeOpenAIServer, reply
    for cls in (OpenAIChatModel, OpenAIResponsesModel):
        with FakeOpenAIServer([reply('{"score": "pass", "ok": true}')]) as srv:
            model = cls("m", base_url=srv.base_url, api_key="sk-test", max_retries=0)
            r = Runner.run_sync(Agent(name="Judge", output_type=Verdict), "judge",
                                run_config=RunConfig(model=model))
            body = srv.requests[0]
        assert r.final_output == Verdict(score="pass", ok=True)
        schema = {"name": "final_output", "strict": True}
        if cls is OpenAIChatModel:
            got = body["response_format"]
            assert got["type"] == "json_schema" and {k: got["json_schema"][k] for k in schema} == schema
            assert got["json_schema"]["schema"]["required"] == ["score", "ok"]
        else:
            got = body["text"]["format"]
            assert got["type"] == "json_schema" and {k: got[k] for k in schema} == schema


def test_output_type_request_matches_the_sdks():
    agents = pytest.importorskip("agents")
    from openai import AsyncOpenAI

    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.testing import FakeOpenAIServer, reply
    agents.set_tracing_disabled(True)
    bodies = []
    for ours in (False, True):
        with FakeOpenAIServer([reply('{"score": "pass", "ok": true}')]) as srv:
            if ours:
                Runner.run_sync(Agent(name="Judge", output_type=Verdict), "judge", run_config=RunConfig(
                    model=OpenAIChatModel("m", base_url=srv.base_url, api_key="sk-test", max_retries=0),
                    handoff_instructions=False))
            else:
                model = agents.OpenAIChatCompletionsModel("m", openai_client=AsyncOpenAI(
                    base_url=srv.base_url, api_key="sk-test", max_retries=0))
                asyncio.run(agents.Runner.run(agents.Agent(name="Judge", output_type=Verdict, model=model), "judge"))
            bodies.append(srv.requests[0])
    assert bodies[1]["response_format"] == bodies[0]["response_format"]


def test_output_only_created_by_is_never_sent_back_to_the_model():
    """A Responses output item may carry ``created_by``, which the API refuses on input: the next
    turn's input and ``to_input_list()`` leave it out, and so do an item's ``to_input_item()``
    and ``ModelResponse.to_input_items()`` (as in the SDK; nested in a shell_call_output's chunks
    too), without changing the item they read."""
    from handoff_nb.items import ModelResponse, ToolCallItem, ToolCallOutputItem
    from handoff_nb.usage import Usage

    @function_tool
    def lookup(q: str) -> str:
        """Look up."""
        return "found " + q

    call = {"type": "function_call", "call_id": "c1", "name": "lookup", "arguments": '{"q": "x"}',
            "created_by": "server"}
    m = ScriptedModel([[call], [assistant_message("done")]])
    r = Runner.run_sync(Agent(name="Desk", tools=[lookup]), "hi", run_config=RunConfig(model=m))
    assert r.final_output == "done"
    sent = [i for i in m.calls[1].input if i.get("type") == "function_call"]
    assert sent and all("created_by" not in i for i in sent)
    assert all("created_by" not in i for i in r.to_input_list())
    assert "created_by" not in ToolCallItem(Agent(name="Desk"), call).to_input_item()
    shell = {"type": "shell_call_output", "call_id": "s1", "status": "completed", "created_by": "server",
             "output": [{"stdout": "ok", "stderr": "", "outcome": {"type": "exit", "exit_code": 0},
                         "created_by": "server"}]}
    replay = ModelResponse(output=[shell], usage=Usage(), response_id=None).to_input_items()
    assert replay == [{"type": "shell_call_output", "call_id": "s1", "status": "completed",
                       "output": [{"stdout": "ok", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}]}]
    as_output = ToolCallOutputItem(Agent(name="Desk"), shell, output="ok").to_input_item()
    assert "status" not in as_output and "created_by" not in as_output["output"][0]
    assert shell["created_by"] == "server" and shell["output"][0]["created_by"] == "server"
    assert call["created_by"] == "server"


def test_run_items_release_their_agents_to_weak_references():
    import gc
    import weakref

    from handoff_nb.items import HandoffOutputItem

    source, target = Agent(name="Triage"), Agent(name="Billing")
    item = HandoffOutputItem(agent=source, raw_item={"type": "function_call_output", "call_id": "c",
                                                     "output": "{}"}, source_agent=source, target_agent=target)
    item.release_agent()
    assert item.agent is source and item.target_agent is target  # alive while referenced elsewhere
    ref = weakref.ref(target)
    del target
    gc.collect()
    assert ref() is None and item.target_agent is None and item.agent is source
