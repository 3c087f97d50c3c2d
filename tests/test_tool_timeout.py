"""Function tools as SDK 0.24 runs them (issue 21): timeouts (handoff_nb.tool_timeout), guardrails
given to function_tool, the fixed default error sentence, async failure formatters, and a
tool's own CancelledError treated as a failure."""

from __future__ import annotations

import asyncio
from typing import Annotated

import pytest
from pydantic import Field

from handoff_nb import (Agent, RunConfig, Runner, ToolGuardrailFunctionOutput, ToolTimeoutError, UserError,
                        function_tool, tool_input_guardrail, tool_output_guardrail)
from handoff_nb.tool import FunctionTool, default_tool_timeout_error_message, invoke_function_tool
from handoff_nb.tool_context import ToolContext
from handoff_nb.models.scripted import Reply, ScriptedModel, call_tool, say

GENERIC = "An error occurred while running the tool. Please try again."


def _sent_outputs(model):
    return [i["output"] for i in model.calls[-1].input if i.get("type") == "function_call_output"]


def _run(tool, *, steps=None):
    model = ScriptedModel(steps or [call_tool(tool.name), say("done")])
    result = Runner.run_sync(Agent(name="a", tools=[tool], model=model), "go")
    return result, model


def test_a_slow_tool_is_cancelled_and_the_model_told():
    cancelled = []

    @function_tool(timeout=0.05)
    async def slow() -> str:
        """Slow."""
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return "late"

    result, model = _run(slow)
    assert result.final_output == "done" and cancelled == [True]
    assert _sent_outputs(model) == ["Tool 'slow' timed out after 0.05 seconds."]
    assert default_tool_timeout_error_message(tool_name="slow", timeout_seconds=0.05) == _sent_outputs(model)[0]


def test_timeout_behaviours_and_formatter():
    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    worded = function_tool(slow, timeout=0.02,
                           timeout_error_function=lambda ctx, e: f"{e.tool_name} gave up at {e.timeout_seconds:g}")
    assert asyncio.run(invoke_function_tool(function_tool=worded, context=None, arguments="{}")) == "slow gave up at 0.02"
    raising = function_tool(slow, timeout=0.02, timeout_behavior="raise_exception")
    with pytest.raises(ToolTimeoutError, match="timed out after 0.02 seconds"):
        _run(raising)


def test_a_timeout_error_the_tool_raises_itself_is_its_own():
    async def own() -> str:
        raise TimeoutError("upstream said no")

    tool = function_tool(own, timeout=1.0, failure_error_function=None)
    with pytest.raises(TimeoutError, match="upstream said no"):
        asyncio.run(invoke_function_tool(function_tool=tool, context=None, arguments="{}"))
    fast = function_tool(lambda: "x", name_override="fast")
    assert asyncio.run(invoke_function_tool(function_tool=fast, context=None, arguments="{}")) == "x"


def test_timeout_settings_are_checked():
    async def run(ctx, args):
        return "ok"

    for bad, err, words in ((0, ValueError, "greater than 0"), (float("inf"), ValueError, "finite"),
                            ("1", TypeError, "positive number"), (True, TypeError, "positive number")):
        with pytest.raises(err, match=words):
            FunctionTool(name="t", description="", params_json_schema={}, on_invoke_tool=run,
                         timeout_seconds=bad)
    with pytest.raises(ValueError, match="timeout_behavior must be one of"):
        FunctionTool(name="t", description="", params_json_schema={}, on_invoke_tool=run,
                     timeout_behavior="later")
    with pytest.raises(TypeError, match="timeout_error_function must be callable"):
        FunctionTool(name="t", description="", params_json_schema={}, on_invoke_tool=run,
                     timeout_error_function="no")
    with pytest.raises(ValueError, match="only supported for async"):
        function_tool(lambda: "x", timeout=1.0)
    assert FunctionTool(name="t", description="", params_json_schema={}, on_invoke_tool=run,
                        timeout_seconds=2).timeout_seconds == 2.0


def test_the_default_error_sentence_keeps_the_exception_out():
    class Unprintable(Exception):
        def __str__(self):
            raise AssertionError("the exception's text was read")

    @function_tool
    async def secret() -> str:
        """Fails."""
        raise Unprintable()

    result, model = _run(secret)
    assert result.final_output == "done" and _sent_outputs(model) == [GENERIC]
    assert "Unprintable" not in str(result.to_input_list())


def test_an_async_failure_formatter_is_awaited_and_a_tools_own_cancel_is_a_failure():
    async def word(ctx, error):
        return f"async: {type(error).__name__}"

    async def cancels() -> str:
        raise asyncio.CancelledError("the tool's own")

    result, model = _run(function_tool(cancels, failure_error_function=word))
    assert result.final_output == "done" and _sent_outputs(model) == ["async: CancelledError"]
    result, model = _run(function_tool(cancels))
    assert _sent_outputs(model) == [GENERIC]


def test_guardrails_given_to_function_tool_run():
    @tool_input_guardrail
    def no_secrets(data):
        return ToolGuardrailFunctionOutput.reject_content("not allowed")

    @tool_output_guardrail
    def passes(data):
        return ToolGuardrailFunctionOutput.allow()

    ran = []

    @function_tool(tool_input_guardrails=[no_secrets], tool_output_guardrails=[passes])
    def lookup() -> str:
        """Look up."""
        ran.append(True)
        return "secret"

    assert lookup.tool_input_guardrails == [no_secrets] and lookup.tool_output_guardrails == [passes]
    result, model = _run(lookup)
    assert ran == [] and _sent_outputs(model) == ["not allowed"]


def test_run_config_takes_trace_include_sensitive_data(monkeypatch):
    assert RunConfig().trace_include_sensitive_data is True
    monkeypatch.setenv("OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA", "false")
    assert RunConfig().trace_include_sensitive_data is False
    assert RunConfig(trace_include_sensitive_data=True).trace_include_sensitive_data is True


def test_a_tools_own_error_fails_the_run_as_a_user_error_naming_it():
    @function_tool(failure_error_function=None)
    def boom() -> str:
        """Fails."""
        raise ValueError("private detail")

    with pytest.raises(UserError, match="Error running tool boom: private detail") as info:
        _run(boom)
    assert isinstance(info.value.__cause__, ValueError)


def test_tool_arguments_errors_in_the_sdks_words(monkeypatch):
    from handoff_nb import ModelBehaviorError, _debug

    tool = function_tool(lambda value: value, name_override="echo", failure_error_function=None)
    call = lambda args: asyncio.run(tool.on_invoke_tool(None, args))  # noqa: E731
    with pytest.raises(ModelBehaviorError, match="^Invalid JSON input for tool echo: expected a JSON object$"):
        call("[1]")
    monkeypatch.setattr(_debug, "DONT_LOG_TOOL_DATA", True)
    with pytest.raises(ModelBehaviorError, match="^Invalid JSON input for tool echo$") as info:
        call('{"secret": "tok')
    assert info.value.__cause__ is None and info.value.__context__ is None
    monkeypatch.setattr(_debug, "DONT_LOG_TOOL_DATA", False)
    with pytest.raises(ModelBehaviorError, match='tool echo: {"secret": "tok$'):
        call('{"secret": "tok')


def test_run_data_and_tool_guardrail_results():
    from handoff_nb import MaxTurnsExceeded, RunErrorDetails

    @tool_input_guardrail
    def note(data):
        return ToolGuardrailFunctionOutput.allow(output_info="seen")

    @function_tool(tool_input_guardrails=[note])
    def lookup() -> str:
        """Look up."""
        return "x"

    model = ScriptedModel([call_tool("lookup"), call_tool("lookup")])
    with pytest.raises(MaxTurnsExceeded) as info:
        Runner.run_sync(Agent(name="a", tools=[lookup], model=model), "go", max_turns=2)
    data = info.value.run_data
    assert isinstance(data, RunErrorDetails) and data.last_agent.name == "a"
    assert [r.output.output_info for r in data.tool_input_guardrail_results] == ["seen", "seen"]
    assert data.tool_output_guardrail_results == [] and len(data.raw_responses) == 2
    assert UserError("outside a run").run_data is None
    result, _ = _run(lookup)
    assert [r.guardrail.get_name() for r in result.tool_input_guardrail_results] == ["note"]


def test_variadic_parameters_as_the_sdk_takes_them():
    from handoff_nb import ModelBehaviorError

    def total(label: str, *scores: Annotated[int, Field(ge=0, le=10)]) -> str:
        return f"{label}={sum(scores)}"

    def options(label: str, **opts: int) -> str:
        return f"{label}:{sorted(opts.items())}"

    call = lambda tool, args: asyncio.run(tool.on_invoke_tool(None, args))  # noqa: E731
    t = function_tool(total, failure_error_function=None)
    assert t.params_json_schema["properties"]["scores"]["type"] == "array"
    assert call(t, '{"label": "s", "scores": [1, 2]}') == "s=3"
    with pytest.raises(ModelBehaviorError):
        call(t, '{"label": "s", "scores": [11]}')
    with pytest.raises(UserError, match=r"\*\*opts.*strict_mode=False"):
        function_tool(options)
    o = function_tool(options, strict_mode=False, failure_error_function=None)
    assert call(o, '{"label": "x", "opts": {"a": 1}}') == "x:[('a', 1)]"
    with pytest.raises(ModelBehaviorError):  # a flat key beside **opts is not dropped silently
        call(o, '{"label": "x", "a": 1}')
    with pytest.raises(ModelBehaviorError, match="'label'"):
        call(o, '{"label": "x", "opts": {"label": 2}}')
    plain = function_tool(lambda: "ok", name_override="plain")
    assert call(plain, '{"unused": 1}') == "ok"  # as the SDK: keys a function does not take are ignored


def test_failure_formatter_helpers_and_streamed_guardrail_results():
    import copy
    import dataclasses

    from handoff_nb import InputGuardrail, GuardrailFunctionOutput, default_tool_error_function
    from handoff_nb.tool import (maybe_invoke_function_tool_failure_error_function as apply,
                                 resolve_function_tool_failure_error_function as resolve)

    word = lambda ctx, e: f"handled:{e}"  # noqa: E731
    tool = function_tool(lambda: "ok", name_override="t", failure_error_function=word)
    copied = dataclasses.replace(tool, name="u")
    assert resolve(copied) is word and resolve(copy.deepcopy(tool)) is word
    assert asyncio.run(apply(function_tool=copied, context=None, error=asyncio.CancelledError())) == \
        "handled:Tool execution cancelled."
    plain = function_tool(lambda: "ok", name_override="p")
    assert resolve(copy.deepcopy(plain)) is default_tool_error_function
    assert resolve(function_tool(lambda: "ok", name_override="r", failure_error_function=None)) is None
    assert asyncio.run(apply(function_tool=FunctionTool(name="m", description="", params_json_schema={},
                                                        on_invoke_tool=lambda c, a: "x"),
                             context=None, error=ValueError("no"))) == GENERIC

    async def streamed():
        ok = InputGuardrail(guardrail_function=lambda c, a, i: GuardrailFunctionOutput(None, False), name="ok")
        result = Runner.run_streamed(Agent(name="a", model=ScriptedModel([say("hi")]), input_guardrails=[ok]), "x")
        async for _ in result.stream_events():
            pass
        return result

    result = asyncio.run(streamed())
    assert [r.guardrail.get_name() for r in result.input_guardrail_results] == ["ok"]
    assert result.tool_input_guardrail_results == [] and result.output_guardrail_results == []


@pytest.mark.parametrize("streamed", [False, True])
def test_a_pause_for_approval_runs_the_other_calls_once(streamed):
    """As in the SDK: the turn's calls that need no approval run before the pause and are not run
    again on resume; a streamed run pauses too (interruptions, to_state) and streams on."""
    from handoff_nb import RunState, StopAtTools

    effects = []

    @function_tool
    def submit() -> str:
        """Submit."""
        effects.append("submit")
        return "submitted"

    @function_tool(needs_approval=True)
    def notify() -> str:
        """Notify."""
        effects.append("notify")
        return "notified"

    model = ScriptedModel([Reply(calls=(("submit", "{}"), ("notify", "{}")))])
    agent = Agent(name="orders", model=model, tools=[submit, notify],
                  tool_use_behavior=StopAtTools(stop_at_tool_names=["submit"]))

    async def run(value):
        if not streamed:
            return await Runner.run(agent, value)
        result = Runner.run_streamed(agent, value)
        async for _ in result.stream_events():
            pass
        return result

    first = asyncio.run(run("go"))
    assert effects == ["submit"] and [i.name for i in first.interruptions] == ["notify"]
    state = asyncio.run(RunState.from_string(agent, first.to_state().to_string()))
    (waiting,) = state.get_interruptions()
    state.approve(waiting)
    done = asyncio.run(run(state))
    assert done.final_output == "submitted" and effects == ["submit", "notify"]
    assert len(model.calls) == 1 and done.interruptions == []


def test_sdk_module_paths_of_names_handoff_nb_has():
    """agents.SQLiteSession/Session/SessionABC, agents.items.ToolApprovalItem / TResponseStreamEvent,
    agents.agent.ToolsToFinalOutputResult, agents.exceptions.RunErrorDetails: the SDK's paths."""
    import subprocess
    import sys

    import handoff_nb
    from handoff_nb import agent, approvals, exceptions, items, memory, tool_use
    assert handoff_nb.SQLiteSession is memory.SQLiteSession and handoff_nb.SessionABC is memory.SessionABC
    assert items.ToolApprovalItem is approvals.ToolApprovalItem
    assert agent.ToolsToFinalOutputResult is tool_use.ToolsToFinalOutputResult
    assert exceptions.RunErrorDetails is handoff_nb.RunErrorDetails
    code = ("import sys, handoff_nb.items as i; assert 'openai' not in sys.modules; "
            "t = i.TResponseStreamEvent; assert 'openai' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_pause_for_approval_keeps_what_the_calls_that_ran_wrote_to_the_context():
    """The calls that ran before the pause are done (as in the SDK): their writes to the run
    context survive the pause, and their tool hooks fire once, not again on resume."""
    from handoff_nb import RunHooks

    @function_tool
    def submit(ctx: ToolContext[dict]) -> str:
        """Submit."""
        ctx.context["submitted"] = ctx.context.get("submitted", 0) + 1
        return "submitted"

    @function_tool(needs_approval=True)
    def notify() -> str:
        """Notify."""
        return "notified"

    hooked = []

    class Hooks(RunHooks):
        async def on_tool_start(self, context, agent, tool):
            hooked.append(tool.name)

    model = ScriptedModel([Reply(calls=(("submit", "{}"), ("notify", "{}"))), say("all done")])
    agent = Agent(name="orders", model=model, tools=[submit, notify])
    context: dict = {}
    first = Runner.run_sync(agent, "go", context=context, hooks=Hooks())
    assert [i.name for i in first.interruptions] == ["notify"]
    assert context == {"submitted": 1} and hooked == ["submit"]
    state = first.to_state()
    state.approve(state.get_interruptions()[0])
    done = Runner.run_sync(agent, state, hooks=Hooks())
    assert done.final_output == "all done" and context == {"submitted": 1}
    assert hooked == ["submit", "notify"]


def test_a_run_with_a_session_pauses_for_approval_and_stores_the_turn_once_done():
    """Runner.run(..., session=) returns the interruptions like any run (it raised
    ApprovalRequired); the session gets the turn when it completes, after the resume."""
    from handoff_nb.memory import SQLiteSession

    @function_tool(needs_approval=True)
    def refund() -> str:
        """Refund."""
        return "refunded"

    model = ScriptedModel([call_tool("refund"), say("done, refunded")])
    agent = Agent(name="billing", model=model, tools=[refund])
    session = SQLiteSession("customer-1")
    first = asyncio.run(Runner.run(agent, "refund me", session=session))
    assert [i.name for i in first.interruptions] == ["refund"]
    assert asyncio.run(session.get_items()) == []  # nothing stored for a turn still waiting
    state = first.to_state()
    state.approve(state.get_interruptions()[0])
    done = asyncio.run(Runner.run(agent, state, session=session))
    assert done.final_output == "done, refunded"
    stored = asyncio.run(session.get_items())
    assert stored[0] == {"role": "user", "content": "refund me"}
    assert [i.get("type") for i in stored[1:]] == ["function_call", "function_call_output", None]
    assert stored[-1]["content"] == "done, refunded"


def test_tool_guardrail_verdicts_of_calls_that_ran_before_a_pause_reach_the_final_result():
    """A call that ran (and was checked by its tool guardrails) before the run paused for another
    call's approval is not run again on resume; its guardrail verdicts are still the run's."""
    checked = []

    @tool_input_guardrail
    def audit_in(data):
        checked.append("in")
        return ToolGuardrailFunctionOutput.allow(output_info="input ok")

    @tool_output_guardrail
    def audit_out(data):
        checked.append("out")
        return ToolGuardrailFunctionOutput.allow(output_info="output ok")

    @function_tool(tool_input_guardrails=[audit_in], tool_output_guardrails=[audit_out])
    def lookup() -> str:
        """Look up."""
        return "found"

    @function_tool(needs_approval=True)
    def refund() -> str:
        """Refund."""
        return "refunded"

    model = ScriptedModel([Reply(calls=(("lookup", "{}"), ("refund", "{}"))), say("done")])
    agent = Agent(name="billing", model=model, tools=[lookup, refund])
    first = Runner.run_sync(agent, "refund me")
    assert [i.name for i in first.interruptions] == ["refund"] and checked == ["in", "out"]
    state = first.to_state()
    state.approve(state.get_interruptions()[0])
    done = Runner.run_sync(agent, state)
    assert done.final_output == "done" and checked == ["in", "out"]  # not checked again
    assert [r.output.output_info for r in done.tool_input_guardrail_results] == ["input ok"]
    assert [r.output.output_info for r in done.tool_output_guardrail_results] == ["output ok"]


@pytest.mark.parametrize("answer, sent", [("Order IDs must start with ORD-.", "Order IDs must start with ORD-."),
                                          ("", ""), (None, GENERIC), (42, GENERIC), ("raise", GENERIC)])
def test_the_runs_tool_error_formatter_words_a_tools_exception(answer, sent, caplog):
    """RunConfig(tool_error_formatter=) words a tool's exception for the model (kind
    "tool_exception", as in the SDK) when the tool left failure_error_function out; anything but
    a string, or a formatter that raises, gives the fixed sentence, and the exception's text
    appears nowhere."""
    from handoff_nb import ToolErrorFormatterArgs

    @function_tool
    def lookup(order: str) -> str:
        """Look up an order."""
        raise ValueError("private-detail-4711")

    seen = []

    def formatter(args: ToolErrorFormatterArgs) -> object:
        seen.append((args.kind, args.tool_type, args.tool_name, args.call_id, type(args.error).__name__,
                     args.default_message))
        if answer == "raise":
            raise RuntimeError("private-detail-4711")
        return answer

    model = ScriptedModel([call_tool("lookup", '{"order": "1"}'), say("done")])
    result = Runner.run_sync(Agent(name="orders", model=model, tools=[lookup]), "where is order 1",
                             run_config=RunConfig(tool_error_formatter=formatter))
    assert result.final_output == "done" and _sent_outputs(model) == [sent]
    assert seen == [("tool_exception", "function", "lookup", seen[0][3], "ValueError", GENERIC)] and seen[0][3]
    assert "private-detail-4711" not in caplog.text + str(result.to_input_list())


def test_a_tools_own_failure_function_wins_over_the_runs_formatter():
    from handoff_nb.tool import default_tool_error_function

    called = []
    for own in (lambda ctx, e: "per-tool message", default_tool_error_function):
        @function_tool(failure_error_function=own)
        def lookup() -> str:
            """Look up."""
            raise ValueError("boom")

        model = ScriptedModel([call_tool("lookup"), say("done")])
        Runner.run_sync(Agent(name="orders", model=model, tools=[lookup]), "go",
                        run_config=RunConfig(tool_error_formatter=lambda args: called.append(args) or "run's"))
        assert _sent_outputs(model) == ["per-tool message" if own is not default_tool_error_function else GENERIC]
    assert called == []


def test_a_sync_tool_runs_in_a_worker_thread_off_the_event_loop(monkeypatch):
    """As the SDK (asyncio.to_thread): a slow sync tool does not hold up the event loop, and it
    still sees the run's context variables; without threads (Pyodide) it runs on the loop."""
    import contextvars
    import threading

    from handoff_nb import tools as tools_module

    where = contextvars.ContextVar("where", default="unset")
    seen = []

    @function_tool
    def lookup() -> str:
        """Look up."""
        seen.append((threading.get_ident(), where.get()))
        return "found"

    async def run() -> int:
        where.set("in the run")
        model = ScriptedModel([call_tool("lookup"), say("done")])
        await Runner.run(Agent(name="a", model=model, tools=[lookup]), "go")
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert seen[-1][0] != loop_thread and seen[-1][1] == "in the run"
    monkeypatch.setattr(tools_module, "THREADS", False)
    loop_thread = asyncio.run(run())
    assert seen[-1] == (loop_thread, "in the run")


def test_a_hand_made_strict_function_tool_gets_a_strict_copy_of_its_schema():
    async def noop(ctx, arguments):
        return ""

    schema = {"type": "object", "properties": {"x": {"type": "string"}}}
    tool = FunctionTool(name="t", description="d", params_json_schema=schema, on_invoke_tool=noop)
    assert schema == {"type": "object", "properties": {"x": {"type": "string"}}}  # not changed
    assert tool.params_json_schema == {"type": "object", "properties": {"x": {"type": "string"}},
                                       "additionalProperties": False, "required": ["x"]}
    loose = FunctionTool(name="t", description="d", params_json_schema=schema, on_invoke_tool=noop,
                         strict_json_schema=False)
    assert loose.params_json_schema == schema
