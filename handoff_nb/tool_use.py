"""``Agent(tool_use_behavior=...)``, mirroring the SDK: whether a turn's function-tool results end
the run (and with which final output) or go back to the model.

The seam with the runner: after a turn ran its function tools (and took no handoff),
:func:`tools_to_final_output` decides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypedDict, Union

from ._util import maybe_await
from .errors import UserError


@dataclass
class FunctionToolResult:
    tool: Any
    """The FunctionTool that ran."""
    output: Any
    """What it returned (not converted to text)."""
    run_item: Any
    """The ToolCallOutputItem it produced."""


@dataclass
class ToolsToFinalOutputResult:
    is_final_output: bool
    final_output: Any = None


class StopAtTools(TypedDict):
    stop_at_tool_names: list[str]


ToolsToFinalOutputFunction = Callable[[Any, list[FunctionToolResult]],
                                      Union[ToolsToFinalOutputResult, Awaitable[ToolsToFinalOutputResult]]]

_NOT_FINAL = ToolsToFinalOutputResult(is_final_output=False, final_output=None)


async def tools_to_final_output(agent: Any, ctx: Any, results: list[FunctionToolResult]
                                ) -> ToolsToFinalOutputResult:
    behavior = getattr(agent, "tool_use_behavior", "run_llm_again")
    if not results or behavior == "run_llm_again":
        return _NOT_FINAL
    if behavior == "stop_on_first_tool":
        return ToolsToFinalOutputResult(is_final_output=True, final_output=results[0].output)
    if isinstance(behavior, dict):
        names = behavior.get("stop_at_tool_names", [])
        for r in results:
            if r.tool.name in names:
                return ToolsToFinalOutputResult(is_final_output=True, final_output=r.output)
        return _NOT_FINAL
    if callable(behavior):
        out = await maybe_await(behavior(ctx, results))
        if not isinstance(out, ToolsToFinalOutputResult):
            raise UserError(f"tool_use_behavior of {agent.name!r} must return "
                            f"ToolsToFinalOutputResult, got {type(out).__name__}")
        return out
    raise UserError(f"Agent {agent.name!r}: invalid tool_use_behavior {behavior!r}")
