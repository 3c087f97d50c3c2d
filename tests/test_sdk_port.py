"""Bring your own SDK code: ported names behave as the SDK's, SDK agents open in every view,
and our agents go back to the SDK. Parity tests run the same behaviour on ``openai-agents``.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import sys
import tarfile

import pytest
from pydantic import BaseModel

import handoff_nb as hn
from handoff_nb import (Agent, RawResponsesStreamEvent, RunConfig,
                        RunItemStreamEvent, Runner, UserError, handoff)
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.models.scripted import Reply, ScriptedModel, call_tool, handoff_to, say
from handoff_nb.testing import FakeOpenAIServer, reply

sdk = pytest.importorskip("agents")


# -- helpers: a canned model for the real SDK ---------------------------------------------------

def _sdk_canned(plan):
    from agents.items import ModelResponse
    from agents.models.interface import Model
    from agents.usage import Usage
    from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

    class Canned(Model):
        def __init__(self):
            self.i, self.inputs = 0, []

        async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                               handoffs, tracing, **kwargs):
            self.inputs.append([dict(x) if isinstance(x, dict) else x.model_dump() for x in input]
                               if not isinstance(input, str) else input)
            kind, arg = plan[self.i]
            self.i += 1
            if kind == "text":
                item = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                             content=[ResponseOutputText(type="output_text", text=arg,
                                                                         annotations=[])])
            else:
                item = ResponseFunctionToolCall(id="f", call_id=f"c{self.i}", type="function_call",
                                                name=arg[0], arguments=arg[1])
            return ModelResponse(output=[item], usage=Usage(), response_id=None)

        def stream_response(self, *args, **kwargs):  # pragma: no cover - unused
            raise NotImplementedError

    return Canned()


def _shape(items):
    """Input items reduced to what both libraries agree on (text, not the message envelope)."""
    out = []
    for i in items:
        i = i if isinstance(i, dict) else i.model_dump()
        if i.get("role"):
            content = i.get("content")
            text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
            out.append((i["role"], text))
        else:
            out.append((i["type"], i.get("name") or i.get("output")))
    return out


@pytest.fixture(autouse=True)
def _no_sdk_tracing():
    sdk.set_tracing_disabled(True)
    yield


# -- parity with the SDK --------------------------------------------------------------------------

def test_to_input_list_after_a_filtered_handoff_matches_the_sdk():
    from agents.extensions import handoff_filters as theirs

    from handoff_nb.extensions import handoff_filters as ours

    @sdk.function_tool
    def lookup(q: str) -> str:
        """Look up."""
        return "found"

    @hn.function_tool
    def lookup_ours(q: str) -> str:
        """Look up."""
        return "found"
    lookup_ours.name = "lookup"

    plan = [("call", ("lookup", '{"q": "x"}')), ("call", ("transfer_to_b", "{}")), ("text", "done")]
    m = _sdk_canned(plan)
    their_a = sdk.Agent(name="A", tools=[lookup], handoffs=[sdk.handoff(sdk.Agent(name="B"),
                                                                         input_filter=theirs.remove_all_tools)])
    theirs_result = asyncio.run(sdk.Runner.run(their_a, "hi", run_config=sdk.RunConfig(model=m)))
    our_b = Agent(name="B")
    our_a = Agent(name="A", tools=[lookup_ours], handoffs=[handoff(our_b, input_filter=ours.remove_all_tools)])
    scripted = ScriptedModel([call_tool("lookup", {"q": "x"}), handoff_to("B"), say("done")])
    ours_result = Runner.run_sync(our_a, "hi", run_config=RunConfig(model=scripted, handoff_instructions=False))
    assert _shape(ours_result.to_input_list()) == _shape(theirs_result.to_input_list())
    assert _shape(scripted.calls[2].input) == _shape(m.inputs[2]) == [("user", "hi")]


def test_function_tool_schema_with_docstring_args_matches_the_sdk():
    async def update_seat(confirmation_number: str, new_seat: str) -> str:
        """
        Update the seat for a given confirmation number.

        Args:
            confirmation_number: The confirmation number for the flight.
            new_seat: The new seat to update to.
        """
        return "ok"

    from handoff_nb.decorators import tool
    ours, theirs = tool(update_seat), sdk.function_tool(update_seat)
    assert ours.params_json_schema == theirs.params_json_schema
    assert ours.description == theirs.description
    named = tool(name_override="seat_tool", description_override="Seats.")(update_seat)
    assert (named.name, named.description) == ("seat_tool", "Seats.")


def test_recommended_prompt_prefix_is_the_sdks_when_installed():
    from agents.extensions.handoff_prompt import RECOMMENDED_PROMPT_PREFIX as theirs

    from handoff_nb.extensions.handoff_prompt import HANDOFF_NB_PROMPT_PREFIX, RECOMMENDED_PROMPT_PREFIX
    assert RECOMMENDED_PROMPT_PREFIX == theirs != HANDOFF_NB_PROMPT_PREFIX


def test_reset_tool_choice_stops_a_forced_tool_loop():
    """A server that obeys tool_choice: the SDK's default drops the forced choice after a tool
    call, so the run ends; without it the run loops to max_turns."""
    def obeying(body):
        forced = isinstance(body.get("tool_choice"), dict) or body.get("tool_choice") == "required"
        return reply(tool_calls=[("ping", "{}")]) if forced else reply("done")

    @hn.function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    with FakeOpenAIServer([obeying], repeat=True) as srv:
        model = OpenAIChatModel("m", base_url=srv.base_url, max_retries=0)
        settings = hn.ModelSettings(tool_choice="ping")
        r = Runner.run_sync(Agent(name="A", tools=[ping], model_settings=settings), "go",
                            run_config=RunConfig(model=model))
        assert r.final_output == "done" and len(r.steps) == 2
        assert "tool_choice" not in srv.requests[1]
        with pytest.raises(hn.MaxTurnsExceeded):
            Runner.run_sync(Agent(name="A", tools=[ping], model_settings=settings, reset_tool_choice=False),
                            "go", run_config=RunConfig(model=model), max_turns=3)


# -- ported names -------------------------------------------------------------------------------------

def test_trace_groups_runs_spans_and_processors_see_them():
    seen = []

    class Processor:
        def on_trace_start(self, t):
            seen.append(("start", t.name))

        def on_trace_end(self, t):
            seen.append(("end", t.name))

        def on_span_end(self, s):
            seen.append(("span", s.name))

    hn.set_trace_processors([Processor()])
    try:
        with hn.trace("Customer service", group_id="conv-1") as t:
            with hn.custom_span("lookup", {"k": 1}):
                pass
            r1 = Runner.start(Agent(name="A"), "hi", run_config=RunConfig(model=ScriptedModel([say("a")])))
            r1.run()
            assert hn.get_current_trace() is t
        assert t.runs == [r1] and r1.trace is t and [s.name for s in t.spans] == ["lookup"]
        assert seen == [("start", "Customer service"), ("span", "lookup"), ("end", "Customer service")]
        assert t.trace_id.startswith("trace_") and len(hn.gen_trace_id()) == 38
        from handoff_nb.render.mime import run_bundle
        assert "trace: Customer service · group conv-1" in run_bundle(r1)["text/html"]
        outside = Runner.start(Agent(name="A"), "hi", run_config=RunConfig(workflow_name="Mine"))
        assert outside.trace.name == "Mine" and outside.trace.automatic
        assert Runner.start(Agent(name="A"), "hi", run_config=RunConfig(tracing_disabled=True)).trace is None
    finally:
        hn.set_trace_processors([])


def test_streamed_run_yields_the_sdks_event_classes_in_order_offline():
    from openai.types.responses import ResponseContentPartDoneEvent, ResponseTextDeltaEvent

    async def main():
        billing = Agent(name="Billing")
        triage = Agent(name="Triage", handoffs=[billing])
        res = Runner.run_streamed(triage, "refund", run_config=RunConfig(
            model=ScriptedModel([handoff_to("Billing"), say("Refund on its way.")])))
        events = [e async for e in res.stream_events()]
        return res, events

    res, events = asyncio.run(main())
    names = [e.name if isinstance(e, RunItemStreamEvent) else type(e).__name__ for e in events]
    non_raw = [n for n in names if n != "RawResponsesStreamEvent"]
    assert non_raw == ["AgentUpdatedStreamEvent", "handoff_requested", "handoff_occured",
                       "AgentUpdatedStreamEvent", "message_output_created"]
    deltas = [e.data for e in events if isinstance(e, RawResponsesStreamEvent)
              and isinstance(e.data, ResponseTextDeltaEvent)]
    assert "".join(d.delta for d in deltas) == "Refund on its way." and len(deltas) == 4
    last_turn = [e.data.type for e in events[names.index("AgentUpdatedStreamEvent", 1):]
                 if isinstance(e, RawResponsesStreamEvent)]
    assert last_turn == ["response.created", "response.output_item.added", "response.content_part.added",
                         *["response.output_text.delta"] * 4, "response.content_part.done",
                         "response.output_item.done", "response.completed"]  # the SDK's set, in order
    done = [e.data for e in events if isinstance(e, RawResponsesStreamEvent)
            and isinstance(e.data, ResponseContentPartDoneEvent)]
    assert done[-1].part.text == "Refund on its way."
    assert res.is_complete and res.current_agent.name == "Billing" and res.final_output == "Refund on its way."
    assert res.to_input_list()[-1] == {"role": "assistant", "content": "Refund on its way."}


def test_streaming_over_real_http_delivers_tokens_and_argument_chunks():
    from openai.types.responses import ResponseFunctionCallArgumentsDeltaEvent, ResponseTextDeltaEvent

    async def main(srv):
        triage = Agent(name="Triage", handoffs=[Agent(name="Billing")])
        res = Runner.run_streamed(triage, "refund", run_config=RunConfig(
            model=OpenAIChatModel("m", base_url=srv.base_url, max_retries=0)))
        return res, [e async for e in res.stream_events()]

    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}" + " " * 20)]),
                           reply("Hello there, billing here.")]) as srv:
        res, events = asyncio.run(main(srv))
        assert all(body.get("stream") is True for body in srv.requests)
    raw = [e.data for e in events if isinstance(e, RawResponsesStreamEvent)]
    assert any(isinstance(d, ResponseFunctionCallArgumentsDeltaEvent) for d in raw)
    assert [d.delta for d in raw if isinstance(d, ResponseTextDeltaEvent)] == ["Hello ", "there, ", "billing ", "here."]
    assert res.final_output == "Hello there, billing here." and res.run.agent_path == ["Triage", "Billing"]
    assert res.run.steps[1].usage.input_tokens == 10


def test_streamed_run_errors_reach_the_consumer_with_the_run():
    async def main():
        res = Runner.run_streamed(Agent(name="A"), "hi", run_config=RunConfig(model=ScriptedModel([])))
        with pytest.raises(hn.ScriptExhausted) as info:
            async for _ in res.stream_events():
                pass
        return res, info.value

    res, err = asyncio.run(main())
    assert err.run is res.run and not res.is_complete


def test_raw_items_read_as_attributes_max_turns_none_and_is_gpt_5_default(monkeypatch):
    r = Runner.run_sync(Agent(name="T", handoffs=[Agent(name="B")]), "x", max_turns=None,
                        run_config=RunConfig(model=ScriptedModel([handoff_to("B"), say("ok")])))
    call = r.new_items[0].raw_item
    assert call.name == call["name"] == "transfer_to_b" and call.call_id and call.arguments == "{}"
    with pytest.raises(AttributeError, match="no 'nope'"):
        call.nope
    assert Runner.start(Agent(name="A"), "x", max_turns=None).max_turns is None
    from handoff_nb.models import is_gpt_5_default
    monkeypatch.delenv("OPENAI_DEFAULT_MODEL", raising=False)
    assert is_gpt_5_default() is False
    monkeypatch.setenv("OPENAI_DEFAULT_MODEL", "gpt-5-mini")
    assert is_gpt_5_default() is True


def test_call_model_input_filter_edits_what_is_sent_and_the_step_shows_it():
    def shorten(data):
        return hn.ModelInputData(input=data.model_data.input[-1:], instructions="Be brief.")

    model = ScriptedModel([say("ok")])
    history = [{"role": "user", "content": "old"}, {"role": "user", "content": "new"}]
    r = Runner.run_sync(Agent(name="A", instructions="Long."), history,
                        run_config=RunConfig(model=model, call_model_input_filter=shorten))
    assert model.calls[0].input == [{"role": "user", "content": "new"}]
    assert r.steps[0].request.instructions == "Be brief." and len(r.steps[0].request.input) == 1
    with pytest.raises(UserError, match="must return ModelInputData"):
        Runner.run_sync(Agent(name="A"), "x", run_config=RunConfig(model=ScriptedModel([say("x")]),
                                                                  call_model_input_filter=lambda d: None))


def test_nest_handoff_history_passes_one_summary_and_keeps_the_items():
    b = Agent(name="B")
    a = Agent(name="A", handoffs=[handoff(b, nest_handoff_history=True)])
    model = ScriptedModel([handoff_to("B"), say("done")])
    r = Runner.run_sync(a, [{"role": "user", "content": "first"}, {"role": "user", "content": "help"}],
                        run_config=RunConfig(model=model))
    seen = model.calls[1].input
    assert len(seen) == 1 and seen[0]["role"] == "assistant"
    text = seen[0]["content"]
    assert "<CONVERSATION HISTORY>" in text and "1. user: first" in text and "transfer_to_b" in text
    assert [type(i).__name__ for i in r.new_items] == ["HandoffCallItem", "HandoffOutputItem", "MessageOutputItem"]
    assert r.steps[0].handoff.history_after == seen
    # run-wide, with a custom mapper
    model = ScriptedModel([handoff_to("B"), say("done")])
    Runner.run_sync(Agent(name="A", handoffs=[b]), "hi", run_config=RunConfig(
        model=model, nest_handoff_history=True,
        handoff_history_mapper=lambda items: [{"role": "user", "content": f"{len(items)} items"}]))
    assert model.calls[1].input == [{"role": "user", "content": "3 items"}]


def test_input_items_change_what_the_next_model_sees_not_the_result():
    def only_user(data):
        return data.clone(input_items=tuple(i for i in data.new_items if not i.type.startswith("handoff")))

    model = ScriptedModel([handoff_to("B"), say("done")])
    r = Runner.run_sync(Agent(name="A", handoffs=[handoff(Agent(name="B"), input_filter=only_user)]), "hi",
                        run_config=RunConfig(model=model))
    assert model.calls[1].input == [{"role": "user", "content": "hi"}]
    assert [i["type"] for i in r.to_input_list()[1:3]] == ["function_call", "function_call_output"]


def test_keep_last_n_messages_moved_with_a_warning():
    from handoff_nb.filters import keep_last_n_messages
    with pytest.warns(DeprecationWarning, match="handoff_nb.filters"):
        from handoff_nb.extensions.handoff_filters import keep_last_n_messages as old
    assert old is keep_last_n_messages
    import handoff_nb.extensions.handoff_filters as ext
    assert "keep_last_n_messages" not in ext.__all__


# -- SDK agents in every view, and back -----------------------------------------------------------

class Escalation(BaseModel):
    reason: str


def _sdk_graph():
    from agents.extensions import handoff_filters as theirs

    async def on_escalate(ctx, data: Escalation):
        ctx.context["escalated"] = data.reason

    def billing_open(ctx, agent):
        return True

    @sdk.function_tool
    def refund_status(order_id: str) -> str:
        """Look up a refund.

        Args:
            order_id: The order number.
        """
        return f"refund for {order_id} is on its way"

    manager = sdk.Agent(name="Manager", instructions="Resolve escalations.")
    billing = sdk.Agent(name="Billing Agent", handoff_description="Charges, refunds and invoices",
                        tools=[refund_status],
                        handoffs=[sdk.handoff(manager, on_handoff=on_escalate, input_type=Escalation,
                                              tool_name_override="escalate")])
    tech = sdk.Agent(name="Tech Support", handoff_description="Bugs, errors and crashes")
    triage = sdk.Agent(name="Triage", instructions="Route billing to Billing Agent, bugs to Tech Support.",
                       handoffs=[sdk.handoff(billing, is_enabled=billing_open),
                                 sdk.handoff(tech, input_filter=theirs.remove_all_tools)])
    manager.handoffs.append(triage)  # a cycle
    return triage


def test_from_sdk_is_faithful():
    from handoff_nb.sdk import from_sdk
    theirs = _sdk_graph()
    ours = from_sdk(theirs)
    assert from_sdk(theirs) is ours  # cached: views and runs agree on identities
    by_name = {a.name: a for a in ours.walk()}
    assert list(by_name) == ["Triage", "Billing Agent", "Tech Support", "Manager"]
    their_by_name = {a.name: a for a in [theirs, theirs.handoffs[0]._agent_ref(), theirs.handoffs[1]._agent_ref()]}
    for name, their in their_by_name.items():
        mine = by_name[name]
        assert [h.tool_name for h in mine.handoff_objects()] == [h.tool_name if not hasattr(h, "instructions")
                                                                 else sdk.Handoff.default_tool_name(h)
                                                                 for h in their.handoffs]
    esc = by_name["Billing Agent"].handoff_objects()[0]
    their_esc = theirs.handoffs[0]._agent_ref().handoffs[0]
    assert esc.tool_name == "escalate" and esc.input_type is Escalation
    assert esc.input_json_schema == their_esc.input_json_schema
    assert esc.tool_description == their_esc.tool_description
    tool = by_name["Billing Agent"].tools[0]
    assert tool.params_json_schema["properties"]["order_id"]["description"] == "The order number."
    from handoff_nb.extensions.handoff_filters import remove_all_tools
    assert ours.handoff_objects()[1].input_filter is remove_all_tools
    assert callable(ours.handoff_objects()[0].is_enabled)
    assert by_name["Manager"].handoff_objects()[0].agent is ours


def test_sdk_agents_open_in_every_view_and_run_here():
    from handoff_nb.eval import evaluate_routing
    from handoff_nb.extensions.visualization import draw_graph
    from handoff_nb.lint import lint
    from handoff_nb.widgets import GraphView, Inspector, Playground, Stepper
    theirs = _sdk_graph()
    ctx = {}
    r = Runner.run_sync(theirs, "I was charged twice on my invoice", context=ctx)
    assert r.agent_path == ["Triage", "Billing Agent"]
    s = Stepper(theirs, message="My app crashes with an error")
    s.step_button.click()
    assert s.run.agent_path == ["Triage", "Tech Support"]
    assert GraphView(theirs).model.nodes and Inspector(theirs).picker.options
    assert evaluate_routing(theirs, [("my invoice is wrong", "Billing Agent")]).accuracy == 1.0
    assert "Triage" in draw_graph(theirs).source and lint(theirs) is not None
    Playground(theirs, [("my invoice is wrong", "Billing Agent")])
    ran = Runner.run_sync(theirs, "refund status", run_config=RunConfig(model=ScriptedModel([
        handoff_to("Billing Agent"), call_tool("refund_status", {"order_id": "A1"}), say("ok")])))
    assert "refund for A1 is on its way" in json.dumps(ran.to_input_list())  # the SDK tool ran


def test_what_cannot_be_converted_is_named():
    from handoff_nb.sdk import from_sdk

    class Out(BaseModel):
        x: int

    # output_type, guardrails and tool_use_behavior convert now (issue 21); MCP servers do not
    typed = from_sdk(sdk.Agent(name="Typed", output_type=Out, tool_use_behavior="stop_on_first_tool"))
    assert typed.output_type is Out and typed.tool_use_behavior == "stop_on_first_tool"
    with pytest.raises(UserError, match="'Served'.*mcp_servers.*engine='sdk'"):
        from_sdk(sdk.Agent(name="Served", mcp_servers=[object()]))
    with pytest.raises(UserError, match="'Inner'.*model object"):
        from_sdk(sdk.Agent(name="Triage", handoffs=[sdk.Agent(name="Inner", model=_sdk_canned([]))]))
    with pytest.raises(UserError, match="handoff_nb Agent"):
        Runner.start(object(), "hi")


def test_round_trip_ours_to_sdk_to_ours_is_identical():
    from handoff_nb.examples import customer_service
    from handoff_nb.sdk import from_sdk, to_sdk
    ours = customer_service()
    theirs = to_sdk(ours)
    assert isinstance(theirs, sdk.Agent)
    back = from_sdk(theirs)

    def describe(agent):
        out = []
        for a in agent.walk():
            out.append((a.name, a.instructions, a.handoff_description,
                        [(h.tool_name, h.tool_description, h.description, h.input_type, h.on_handoff,
                          h.input_json_schema, h.tool_name_overridden) for h in a.handoff_objects()]))
        return out

    assert describe(back) == describe(ours)
    # the SDK itself can run the converted graph on its own runner
    m = _sdk_canned([("call", ("route_to_billing", json.dumps(
        {"billing_issue_type": "refund", "amount_mentioned": None, "summary": "refund"}))), ("text", "done")])
    result = asyncio.run(sdk.Runner.run(theirs, "refund", context={}, run_config=sdk.RunConfig(model=m)))
    assert result.last_agent.name == "BillingSpecialist"


def test_to_sdk_code_builds_the_same_graph():
    from handoff_nb.examples import load_system
    from handoff_nb.sdk import from_sdk, to_sdk_code
    ours, _ = load_system("travel")
    code = to_sdk_code(ours)
    assert code.startswith("from agents import Agent, handoff")
    namespace: dict = {}
    exec(compile(code, "<to_sdk_code>", "exec"), namespace)
    built = namespace["travel_concierge_agent"]
    assert [a.name for a in from_sdk(built).walk()] == [a.name for a in ours.walk()]
    assert [h.tool_name for h in from_sdk(built).handoff_objects()] == [h.tool_name for h in ours.handoff_objects()]


# -- the SDK's own examples, with only the import changed -------------------------------------------

EXAMPLES = ["examples/handoffs/message_filter.py", "examples/handoffs/message_filter_streaming.py",
            "examples/agent_patterns/routing.py", "examples/customer_service/main.py"]


@pytest.fixture(scope="module")
def sdk_examples(tmp_path_factory):
    """The examples from the openai-agents 0.24.0 source distribution (downloaded, not committed),
    with ``agents`` replaced by ``handoff_nb`` in the import lines only."""
    import re
    cache = pathlib.Path(os.environ.get("HANDOFF_NB_SDK_SDIST_DIR", tmp_path_factory.mktemp("sdist")))
    sdists = sorted(cache.glob("openai_agents-0.24.0.tar.gz"))
    if not sdists:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                               "openai-agents==0.24.0", "-d", str(cache), "-q"], capture_output=True, text=True)
        sdists = sorted(cache.glob("openai_agents-0.24.0.tar.gz"))
        if not sdists:
            pytest.skip(f"could not download the openai-agents sdist (no registry?): {proc.stderr[-300:]}")
    root = tmp_path_factory.mktemp("examples")
    with tarfile.open(sdists[0]) as tar:
        members = [m for m in tar.getmembers() if "/examples/" in m.name and m.name.endswith(".py")]
        tar.extractall(root, members=members, filter="data")
    src = next(root.glob("openai_agents-*/examples")).parent
    for rel in EXAMPLES:
        path = src / rel
        text = path.read_text()
        ported = re.sub(r"^(from|import) agents(\.|\b)", r"\1 handoff_nb\2", text, flags=re.M)
        assert ported != text
        assert [ln for ln in ported.splitlines() if not ln.startswith(("from ", "import "))] == \
            [ln for ln in text.splitlines() if not ln.startswith(("from ", "import "))]
        path.write_text(ported)
    return src


@pytest.mark.parametrize("rel", EXAMPLES)
def test_the_sdks_examples_run_offline_after_changing_the_import(sdk_examples, rel):
    module = rel[:-3].replace("/", ".")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    env.update(EXAMPLES_INTERACTIVE_MODE="auto", HANDOFF_NB_MODEL="offline",
               PYTHONPATH=str(sdk_examples))
    proc = subprocess.run([sys.executable, "-m", module], cwd=sdk_examples, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    if "message_filter" in rel:
        assert "Step 4 done" in out and "[offline model \\u00b7 Spanish Assistant]" in out
        messages = json.loads("[" + out.split("===Final messages===")[1].strip().replace("}\n{", "},{") + "]")
        # the filter removed the first two messages and every tool item, as the example says
        assert messages[0]["content"] == "Can you generate a random number between 0 and 100?"
        assert not any(m.get("type", "").startswith("function_call") for m in messages)
    elif "routing" in rel:
        assert "[offline model · english_agent]" in out
    else:
        assert "Triage Agent:" in out


# -- real SDK runs, captured ------------------------------------------------------------------------

def _sdk_chat_run(srv, capture_agent=False):
    from agents import OpenAIChatCompletionsModel
    from openai import AsyncOpenAI

    from handoff_nb.sdk import capture

    @sdk.function_tool
    def lookup(q: str) -> str:
        """Look up an order."""
        return "found it"

    model = OpenAIChatCompletionsModel("m", openai_client=AsyncOpenAI(base_url=srv.base_url, api_key="x",
                                                                      max_retries=0))
    billing = sdk.Agent(name="Billing", model=model, handoff_description="Charges and refunds")
    triage = sdk.Agent(name="Triage", instructions="Route.", tools=[lookup], handoffs=[billing], model=model)
    sdk.set_tracing_disabled(False)
    try:
        with capture(triage.clone(model="gpt-4o", handoffs=[billing.clone(model="gpt-4o")])
                     if capture_agent else None) as cap:
            result = asyncio.run(sdk.Runner.run(triage, "refund"))
    finally:
        sdk.set_tracing_disabled(True)
    return cap, result


SCRIPT = [lambda: reply(tool_calls=[("lookup", '{"q":"x"}')], call_id_prefix="a"),
          lambda: reply(tool_calls=[("transfer_to_billing", "{}")], call_id_prefix="b"),
          lambda: reply("billing here")]


def test_a_captured_sdk_run_opens_in_the_views():
    from handoff_nb.render.mime import run_bundle
    from handoff_nb.sdk import view
    with FakeOpenAIServer([f() for f in SCRIPT]) as srv:
        cap, result = _sdk_chat_run(srv)
        sent = srv.requests
    run = cap.run
    assert run.agent_path == ["Triage", "Billing"] and run.final_output == result.final_output == "billing here"
    assert [s.decision for s in run.steps] == ["run_again", "handoff", "final_output"]
    # each step holds exactly what the SDK sent
    from handoff_nb.models.interface import to_chat_messages
    for step, body in zip(run.steps, sent):
        # (we send "" where the SDK sends null content next to tool calls: llama.cpp needs it)
        assert to_chat_messages(step.request.system_prompt, step.request.input) == [
            {k: ("" if k == "content" and v is None else v) for k, v in m.items()
             if k in ("role", "content", "tool_calls", "tool_call_id")} for m in body["messages"]]
    assert run.steps[0].items[1].output == "found it"
    assert run.steps[1].handoff.history_after == run.steps[2].request.input
    stepper = view(cap)
    assert stepper.read_only and stepper.step_button.layout.display == "none"
    assert "billing here" in stepper.transcript.value and "Billing" in run_bundle(run)["text/html"]
    with pytest.raises(UserError, match="finished"):
        run.step()


def test_capture_with_the_agent_shows_real_descriptions_and_schemas():
    with FakeOpenAIServer([f() for f in SCRIPT]) as srv:
        cap, _ = _sdk_chat_run(srv, capture_agent=True)
    step = cap.run.steps[0]
    names = [t["function"]["name"] for t in step.request.tools]
    assert names == ["lookup", "transfer_to_billing"]
    assert "Charges and refunds" in step.request.tools[1]["function"]["description"]


def test_nothing_captured_says_why():
    from handoff_nb.sdk import capture, view
    with capture() as cap:
        pass
    with pytest.raises(UserError, match="tracing disabled"):
        cap.run
    with pytest.raises(UserError, match="capture"):
        view(object())


def test_handoff_whose_target_is_chosen_in_code():
    from handoff_nb.render.dot import graph_dot, graph_model
    from handoff_nb.sdk import from_sdk
    spanish, english = Agent(name="Spanish"), Agent(name="English")

    async def pick(ctx, arguments):
        return spanish if json.loads(arguments).get("lang") == "es" else english

    h = hn.Handoff(tool_name="transfer_to_speaker", tool_description="A native speaker.",
                   input_json_schema={"type": "object", "properties": {"lang": {"type": "string"}},
                                      "required": ["lang"], "additionalProperties": False},
                   agent_name="Speaker", on_invoke_handoff=pick)
    router = Agent(name="Router", handoffs=[h])
    r = Runner.run_sync(router, "hola", run_config=RunConfig(model=ScriptedModel([
        Reply(calls=(("transfer_to_speaker", '{"lang": "es"}'),)), say("¡Hola!")])))
    assert r.agent_path == ["Router", "Spanish"] and r.last_agent is spanish
    assert "Speaker (chosen in code)" in graph_dot(graph_model(router))
    # the same, built by hand with the SDK
    their_spanish = sdk.Agent(name="Spanish")

    async def their_pick(ctx, arguments):
        return their_spanish

    their_h = sdk.Handoff(tool_name="transfer_to_speaker", tool_description="A native speaker.",
                          input_json_schema={}, on_invoke_handoff=their_pick, agent_name="Speaker")
    ours = from_sdk(sdk.Agent(name="Router", handoffs=[their_h]))
    r = Runner.run_sync(ours, "hola", run_config=RunConfig(model=ScriptedModel([
        Reply(calls=(("transfer_to_speaker", "{}"),)), say("¡Hola!")])))
    assert r.agent_path == ["Router", "Spanish"]
    with pytest.raises(UserError, match="must return an Agent"):
        bad = hn.Handoff(tool_name="t", tool_description="", input_json_schema={}, agent_name="X",
                         on_invoke_handoff=lambda ctx, a: None)
        Runner.run_sync(Agent(name="R", handoffs=[bad]), "x",
                        run_config=RunConfig(model=ScriptedModel([Reply(calls=(("t", "{}"),))])))


def test_view_of_an_sdk_run_result_rebuilds_the_steps():
    from handoff_nb.sdk import run_from_result, view

    @sdk.function_tool
    def lookup(q: str) -> str:
        """Look up."""
        return "found"

    b = sdk.Agent(name="B")
    a = sdk.Agent(name="A", tools=[lookup], handoffs=[b])
    m = _sdk_canned([("call", ("lookup", '{"q": "x"}')), ("call", ("transfer_to_b", "{}")), ("text", "done")])
    result = asyncio.run(sdk.Runner.run(a, "hi", run_config=sdk.RunConfig(model=m)))
    run = run_from_result(result)
    assert [s.decision for s in run.steps] == ["run_again", "handoff", "final_output"]
    assert run.agent_path == ["A", "B"] and run.final_output == "done"
    # the rebuilt inputs are what the SDK sent (no filter here)
    assert [_shape(s.request.input) for s in run.steps] == [_shape(x) for x in m.inputs]
    assert run.steps[0].items[1].output == "found"
    stepper = view(result)
    assert "[1] handoff A -> B via transfer_to_b" in repr(stepper) and stepper.read_only


def test_capture_without_a_key_does_not_end_with_the_sdks_trace_export_warning(monkeypatch):
    """Notebook 10 is offline: the SDK's default exporter sits out a capture when there is no
    key (else it logs "OPENAI_API_KEY is not set, skipping trace export" in red), and is back after."""
    import logging

    from agents import OpenAIChatCompletionsModel
    from openai import AsyncOpenAI

    from handoff_nb.sdk import capture
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    provider = sdk.tracing.get_trace_provider()
    before = tuple(provider._multi_processor._processors)
    records = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    logging.getLogger("openai.agents").addHandler(handler)
    sdk.set_tracing_disabled(False)
    try:
        async def main():
            with FakeOpenAIServer([reply("hello")]) as srv:
                m = OpenAIChatCompletionsModel("m", openai_client=AsyncOpenAI(base_url=srv.base_url, api_key="x"))
                with capture() as cap:
                    await sdk.Runner.run(sdk.Agent(name="A", instructions="hi", model=m), "hi")
            return cap
        cap = asyncio.run(main())
        provider.force_flush()
    finally:
        sdk.set_tracing_disabled(True)
        logging.getLogger("openai.agents").removeHandler(handler)
    assert len(cap.run.steps) == 1  # captured
    assert not [r for r in records if "trace export" in r], records
    assert tuple(provider._multi_processor._processors) == before  # the SDK's processors restored
