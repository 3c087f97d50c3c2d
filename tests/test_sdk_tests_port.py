"""Done means (issue 21), the SDK's own unit tests: files of openai-agents 0.24.0's ``tests/``
(from its sdist, downloaded and cached as in test_sdk_examples.py, or ``HANDOFF_NB_SDK_SRC``)
ported by changing ``agents`` to ``handoff_nb`` in the import lines, run offline.

Most of the SDK's handoff/run-loop/tool/item/stream/tracing tests import its internals
(``agents.run_internal``, ``agents._tool_identity``, ``tests.fake_model`` built on them ...) and
stop at their imports; this runs the in-scope files whose imports handoff_nb has and fails below
the number measured when it was written. Their conftest (it sets up the SDK's own trace provider
and default runner) is left out. Needs pytest-asyncio (as the SDK's suite does): skipped without.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.test_sdk_examples import _sdk_source

FILES = ["test_strict_schema.py", "test_agent_hooks.py", "test_agent_llm_hooks.py",
         "test_global_hooks.py", "test_call_model_input_filter.py", "test_handoff_prompt.py",
         "test_tool_output_conversion.py", "test_tool_guardrails.py",
         "test_start_hook_tools.py", "test_items_helpers.py", "test_function_tool.py",
         "test_tool_exception_formatter.py", "test_default_tool_error_redaction.py",
         "test_agent_tool_enablement_snapshot.py", "test_decorators.py",
         "test_call_model_input_filter_unit.py", "test_agent_memory_leak.py",
         "test_agent_instructions_signature.py", "test_agent_clone_shallow_copy.py",
         "test_stream_input_guardrail_timing.py", "test_resume_tool_use_behavior.py",
         "test_soft_cancel.py", "test_run_error_details.py"]
THRESHOLD = 320
"""Tests of FILES that pass (325 when measured; of the 1,530 in the 28 files issue 21 counts,
these are what ports by changing the import)."""


def test_the_sdks_unit_tests_pass_with_only_the_import_changed(tmp_path_factory):
    pytest.importorskip("pytest_asyncio", reason="the SDK's tests need pytest-asyncio")
    src = _sdk_source(tmp_path_factory)
    if not (src / "tests").is_dir():
        pytest.skip(f"{src} has no tests/ directory")
    dst = tmp_path_factory.mktemp("sdk_tests")
    shutil.copytree(src / "tests", dst / "tests", ignore=shutil.ignore_patterns(
        "sandbox", "realtime", "voice", "mcp", "extensions", "fastapi", "models", "memory", "fixtures"))
    for path in (dst / "tests").rglob("*.py"):  # the files and the helpers they import
        text = path.read_text()
        new = re.sub(r"^(\s*)(from|import) agents(\.|\b)", r"\1\2 handoff_nb\3", text, flags=re.M)
        assert all(re.match(r"\s*(from|import) ", a) for a, b in zip(text.splitlines(), new.splitlines()) if a != b)
        path.write_text(new)
    (dst / "tests" / "conftest.py").write_text("")  # the SDK's own trace provider and runner setup
    (dst / "pyproject.toml").write_text("[tool.pytest.ini_options]\nasyncio_mode = 'auto'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    env["HANDOFF_NB_MODEL"] = "offline"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "pytest_asyncio",
                           "-o", "addopts=", *[f"tests/{f}" for f in FILES]], cwd=dst, env=env,
                          capture_output=True, text=True, timeout=600)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", summary)) else 0
    print(f"SDK unit tests ported: {summary}")
    assert passed >= THRESHOLD, f"{passed} passed (threshold {THRESHOLD}): {summary}\n{proc.stdout[-3000:]}"
    shutil.rmtree(dst, ignore_errors=True)


def test_a_structured_tool_output_reaches_the_model_as_input_parts():
    """As in the SDK: a tool returning ToolOutputImage/Text/FileContent (or a list of them) is sent
    as input_image/input_text/input_file parts, not as its repr (test_tool_output_conversion.py)."""
    from handoff_nb import Agent, ItemHelpers, Runner, ToolOutputImage, ToolOutputText, function_tool
    from handoff_nb.models.scripted import ScriptedModel, call_tool, say

    @function_tool
    def chart() -> list:
        """Draw the chart."""
        return [ToolOutputText(text="the chart"), ToolOutputImage(image_url="data:image/png;base64,AA")]

    model = ScriptedModel([call_tool("chart"), say("done")])
    result = Runner.run_sync(Agent(name="a", tools=[chart], model=model), "draw")
    assert result.final_output == "done"
    sent = [i for i in model.calls[-1].input if i.get("type") == "function_call_output"]
    assert sent[0]["output"] == [{"type": "input_text", "text": "the chart"},
                                 {"type": "input_image", "image_url": "data:image/png;base64,AA"}]
    assert ItemHelpers.tool_call_output_item({"call_id": "c"}, {"type": "text"})["output"] == "{'type': 'text'}"
    assert ItemHelpers.tool_call_output_item({"call_id": "c"}, "plain")["output"] == "plain"


def test_agent_hooks_as_the_sdk_calls_them():
    """As in SDK 0.24: a falsy AgentHooks object still runs, and on_handoff goes to the hooks of
    the agent handing off (agent=the target, source=itself) (test_agent_hooks.py)."""
    from handoff_nb import Agent, AgentHooks, Runner
    from handoff_nb.models.scripted import ScriptedModel, handoff_to, say

    heard = []

    class Hooks(AgentHooks):
        def __bool__(self):
            return False

        async def on_start(self, context, agent):
            heard.append(("start", agent.name))

        async def on_handoff(self, context, agent, source):
            heard.append(("handoff", agent.name, source.name))

    model = ScriptedModel([handoff_to("b"), say("hi")])
    b = Agent(name="b", model=model)
    a = Agent(name="a", model=model, handoffs=[b], hooks=Hooks())
    assert Runner.run_sync(a, "x").final_output == "hi"
    assert heard == [("start", "a"), ("handoff", "b", "a")]


def test_call_model_input_filter_duplicates_collapse_as_in_the_sdk():
    """As in SDK 0.24: duplicates a call_model_input_filter returns are sent once, with the latest
    value; a call stays before its output (test_call_model_input_filter.py)."""
    from handoff_nb import Agent, ModelInputData, RunConfig, Runner
    from handoff_nb.models.scripted import ScriptedModel, say

    call = {"type": "function_call", "call_id": "c1", "name": "t", "arguments": "{}"}
    extra = [{"type": "function_call_output", "call_id": "c2", "output": "old"},
             call, {"type": "function_call_output", "call_id": "c1", "output": "r"}, dict(call),
             {"type": "function_call_output", "call_id": "c2", "output": "new"}]
    model = ScriptedModel([say("ok")])
    cfg = RunConfig(call_model_input_filter=lambda d: ModelInputData(
        input=list(d.model_data.input) + extra, instructions=d.model_data.instructions))
    Runner.run_sync(Agent(name="a", model=model), "start", run_config=cfg)
    sent = [(i.get("type"), i.get("call_id"), i.get("output")) for i in model.calls[-1].input if i.get("type")]
    assert sent == [("function_call", "c1", None), ("function_call_output", "c1", "r"),
                    ("function_call_output", "c2", "new")]


def test_an_sdk_style_model_is_given_the_tool_and_handoff_objects():
    """As in the SDK: Model.get_response receives the agent's FunctionTool and Handoff objects
    themselves, and a subclass wrapping get_response(*args, **kwargs) is still an SDK-style model
    (test_start_hook_tools.py, test_start_hook_tool_concurrency.py)."""
    from handoff_nb import Agent, Runner, function_tool
    from handoff_nb.testing import ScriptedModel

    @function_tool
    def lookup() -> str:
        """Look up."""
        return "x"

    seen = []

    class Wrapping(ScriptedModel):
        async def get_response(self, *args, **kwargs):
            seen.append((kwargs.get("tools", args[3] if len(args) > 3 else None),
                         kwargs.get("handoffs", args[5] if len(args) > 5 else None)))
            return await super().get_response(*args, **kwargs)

    from openai.types.responses import ResponseOutputMessage, ResponseOutputText
    msg = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                content=[ResponseOutputText(text="hi", type="output_text", annotations=[])])
    b = Agent(name="b")
    a = Agent(name="a", tools=[lookup], handoffs=[b], model=Wrapping([[msg]]))
    assert Runner.run_sync(a, "x").final_output == "hi"
    (tools, handoffs), = seen
    assert tools == [lookup] and tools[0] is lookup
    assert [h.agent_name for h in handoffs] == ["b"] and type(handoffs[0]).__name__ == "Handoff"


def test_a_reasoning_output_is_a_reasoning_item_sent_back_not_text():
    """As in the SDK: a reasoning item the model returns is a ReasoningItem (no text, event
    ``reasoning_item_created``) and goes back with the history (test_items_helpers.py)."""
    from openai.types.responses import ResponseOutputMessage, ResponseOutputText, ResponseReasoningItem

    from handoff_nb import Agent, ItemHelpers, ReasoningItem, Runner
    from handoff_nb.models.interface import ModelResponse
    from handoff_nb.streaming import item_event_name
    from handoff_nb.testing import ScriptedModel

    reasoning = ResponseReasoningItem(id="r1", summary=[], type="reasoning")
    msg = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                content=[ResponseOutputText(text="hi", type="output_text", annotations=[])])
    result = Runner.run_sync(Agent(name="a", model=ScriptedModel([[reasoning, msg]])), "x")
    kinds = [type(i).__name__ for i in result.new_items]
    assert kinds == ["ReasoningItem", "MessageOutputItem"] and result.final_output == "hi"
    assert isinstance(result.new_items[0], ReasoningItem)
    assert item_event_name(result.new_items[0]) == "reasoning_item_created"
    assert ItemHelpers.text_message_outputs(result.new_items) == "hi"
    assert [i.get("type") or i.get("role") for i in result.to_input_list()] == ["user", "reasoning", "assistant"]
    assert ModelResponse(output=[reasoning]).to_input_items() == [{"id": "r1", "summary": [], "type": "reasoning"}]
    assert ItemHelpers.extract_last_content(msg) == "hi"


def test_a_failing_is_enabled_check_cancels_the_others():
    """As in the SDK: is_enabled checks run concurrently; one raising cancels the rest
    (test_function_tool.py; it hung before)."""
    import asyncio

    from handoff_nb import Agent, RunContextWrapper, function_tool

    cancelled = []

    async def slow(ctx, agent):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def failing(ctx, agent):
        await asyncio.sleep(0)
        raise RuntimeError("enablement failed")

    tools = [function_tool(lambda: "a", name_override="a", is_enabled=slow),
             function_tool(lambda: "b", name_override="b", is_enabled=failing)]

    async def main():
        with pytest.raises(RuntimeError, match="enablement failed"):
            await asyncio.wait_for(Agent(name="t", tools=tools).get_enabled_tools(RunContextWrapper(None)), 5)

    asyncio.run(main())
    assert cancelled == [True]
