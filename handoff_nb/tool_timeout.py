"""Function tool timeouts, as in SDK 0.24: ``function_tool(timeout=2.0)`` (or
``FunctionTool(timeout_seconds=...)``) bounds one call of an async tool.

When the time runs out the call is cancelled and, by ``timeout_behavior``:

- ``"error_as_result"`` (default): the model gets ``timeout_error_function(ctx, ToolTimeoutError)``
  or, without one, ``Tool '<name>' timed out after <n> seconds.``;
- ``"raise_exception"``: the run fails with :class:`~handoff_nb.exceptions.ToolTimeoutError`.

A ``TimeoutError`` the tool raises itself is the tool's own error and is not reworded.

The seam with the runner is one call: :func:`invoke_function_tool` (tool guardrails call it in
place of ``tool.on_invoke_tool``); :func:`check_timeout_config` is FunctionTool's validation.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from ._util import maybe_await
from .exceptions import ToolTimeoutError

TIMEOUT_BEHAVIORS = ("error_as_result", "raise_exception")


def default_tool_timeout_error_message(*, tool_name: str, timeout_seconds: float) -> str:
    """What the model is told when a tool ran out of time (the SDK's words)."""
    return f"Tool '{tool_name}' timed out after {timeout_seconds:g} seconds."


def check_timeout_config(tool: Any) -> None:
    """Validate (and normalise to float) a FunctionTool's timeout settings; raises as the SDK."""
    seconds = tool.timeout_seconds
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"FunctionTool {tool.name!r}: timeout_seconds must be a positive number "
                            f"of seconds or None, got {seconds!r}")
        if not math.isfinite(seconds):
            raise ValueError(f"FunctionTool {tool.name!r}: timeout_seconds must be a finite number, "
                             f"got {seconds!r}")
        if seconds <= 0:
            raise ValueError(f"FunctionTool {tool.name!r}: timeout_seconds must be greater than 0, "
                             f"got {seconds!r}")
        tool.timeout_seconds = float(seconds)
    if tool.timeout_behavior not in TIMEOUT_BEHAVIORS:
        raise ValueError(f"FunctionTool {tool.name!r}: timeout_behavior must be one of "
                         f"{', '.join(TIMEOUT_BEHAVIORS)}; got {tool.timeout_behavior!r}")
    if tool.timeout_error_function is not None and not callable(tool.timeout_error_function):
        raise TypeError(f"FunctionTool {tool.name!r}: timeout_error_function must be callable or None")


def check_async_handler(fn: Any, timeout: float | None) -> None:
    """``function_tool(timeout=...)`` needs an async function: a sync one cannot be cancelled."""
    if timeout is not None and not asyncio.iscoroutinefunction(fn):
        raise ValueError(f"function_tool {getattr(fn, '__name__', fn)!r}: timeout is only supported "
                         "for async @function_tool handlers (a sync function cannot be stopped)")


async def invoke_function_tool(*, function_tool: Any, context: Any, arguments: str) -> Any:
    """Call ``function_tool`` with ``arguments``, bounded by its ``timeout_seconds`` if it has one."""
    seconds = getattr(function_tool, "timeout_seconds", None)
    if seconds is None:
        return await function_tool.on_invoke_tool(context, arguments)
    task = asyncio.ensure_future(function_tool.on_invoke_tool(context, arguments))
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if done:
        return task.result()  # the tool's own errors, TimeoutError included, as they are
    task.cancel()
    await asyncio.wait({task})  # let the cancelled call end; how it ended is not the outcome
    if not task.cancelled():
        task.exception()
    error = ToolTimeoutError(tool_name=function_tool.name, timeout_seconds=seconds)
    if getattr(function_tool, "timeout_behavior", "error_as_result") == "raise_exception":
        raise error
    formatter = getattr(function_tool, "timeout_error_function", None)
    if formatter is None:
        return default_tool_timeout_error_message(tool_name=function_tool.name, timeout_seconds=seconds)
    return await maybe_await(formatter(context, error))
