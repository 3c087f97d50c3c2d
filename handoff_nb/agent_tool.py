"""Agents as tools (``agent.as_tool(...)``), mirroring the SDK.

A handoff passes the conversation to another agent, which then answers the user; an agent used as
a tool is *called* by the current agent: it runs as a nested run on the input the model gives
(``{"input": "..."}``, or the fields of ``parameters=``), and its final output becomes the tool's
output. The caller keeps the conversation and writes the answer.

The nested run is a full handoff_nb run (its own steps, sharing the caller's context object); the
tool's output item keeps it as ``item.nested_run`` for the views, and ``on_stream`` receives its
stream events as ``AgentToolStreamEvent`` dicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypedDict

from ._util import maybe_await
from .errors import UserError
from .tools import FunctionTool, default_tool_error_function
from .handoffs import transform_string_function_style
from .not_mirrored import not_mirrored
from .strict_schema import ensure_strict_json_schema


class AgentToolStreamEvent(TypedDict):
    """What ``as_tool(on_stream=...)`` receives for each event of the nested run."""

    event: Any
    agent: Any
    tool_call: Any


class _ToolCall:
    """The originating tool call (``call_id``, ``name``, ``arguments``), as the SDK passes it."""

    def __init__(self, call_id: str, name: str, arguments: str) -> None:
        self.call_id, self.name, self.arguments, self.type = call_id, name, arguments, "function_call"

    def __repr__(self) -> str:
        return f"ToolCall(call_id={self.call_id!r}, name={self.name!r})"


def _input_schema(parameters: Any) -> tuple[dict[str, Any], Any]:
    from pydantic import ConfigDict, TypeAdapter, create_model

    if parameters is None:
        model = create_model("agent_tool_input", __config__=ConfigDict(extra="forbid"), input=(str, ...))
        return ensure_strict_json_schema(model.model_json_schema()), TypeAdapter(model)
    adapter = TypeAdapter(parameters)
    return ensure_strict_json_schema(adapter.json_schema()), adapter


def agent_as_tool(agent: Any, tool_name: str | None, tool_description: str | None,
                  custom_output_extractor: Callable[..., Any] | None = None, *,
                  is_enabled: Any = True, on_stream: Callable[..., Any] | None = None,
                  run_config: Any = None, max_turns: int | None = None, hooks: Any = None,
                  failure_error_function: Callable[..., str] | None = default_tool_error_function,
                  parameters: Any = None, input_builder: Callable[..., Any] | None = None,
                  include_input_schema: bool = False, needs_approval: Any = False,
                  **unsupported: Any) -> FunctionTool:
    for key, value in unsupported.items():
        if value is not None and key not in ("on_stream_max_pending_events",):
            raise not_mirrored(f"as_tool({key}=...)")
    name = tool_name or transform_string_function_style(agent.name)
    schema, adapter = _input_schema(parameters)

    def nested_input(arguments: str) -> Any:
        data = json.loads(arguments or "{}")
        if parameters is None:
            return str(data.get("input", ""))
        value = adapter.validate_python(data)
        if input_builder is not None:
            return value, True
        if include_input_schema:
            return (f"Input:\n{json.dumps(data, indent=2)}\n\nInput schema:\n"
                    f"{json.dumps(schema, indent=2)}")
        return json.dumps(data)

    async def invoke(ctx: Any, arguments: str) -> Any:
        from .run import Runner
        try:
            given = nested_input(arguments)
            if isinstance(given, tuple):  # input_builder
                given = await maybe_await(input_builder(json.loads(arguments or "{}")))
            kwargs: dict[str, Any] = {"context": ctx.context, "hooks": hooks,
                                      "run_config": run_config or getattr(ctx, "run_config", None)}
            if max_turns is not None:
                kwargs["max_turns"] = max_turns
            if on_stream is not None:
                streamed = Runner.run_streamed(agent, given, **kwargs)
                call = _ToolCall(getattr(ctx, "tool_call_id", ""), name, arguments)
                async for event in streamed.stream_events():
                    await maybe_await(on_stream(AgentToolStreamEvent(event=event, agent=agent,
                                                                     tool_call=call)))
                result = streamed
            else:
                result = await Runner.run(agent, given, **kwargs)
            if custom_output_extractor is not None:
                return await maybe_await(custom_output_extractor(result))
            return result.final_output
        except UserError:
            raise
        except Exception as e:
            if failure_error_function is None:
                raise
            return failure_error_function(ctx, e)

    tool = FunctionTool(name=name, description=tool_description or "", params_json_schema=schema,
                        on_invoke_tool=invoke, strict_json_schema=True, is_enabled=is_enabled)
    tool.needs_approval = needs_approval  # type: ignore[attr-defined]  # handoff_nb.approvals
    return tool
