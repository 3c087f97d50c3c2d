"""Function tools: a Python function -> a strict JSON schema the model sees, and its invocation."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_type_hints

from . import _debug
from ._util import maybe_await
from .context import RunContextWrapper
from .errors import ModelBehaviorError, UserError
from .strict_schema import ensure_strict_json_schema
from .tool_timeout import check_async_handler, check_timeout_config


def default_tool_error_function(ctx: RunContextWrapper[Any], error: Exception) -> str:
    """What the model is told when a tool raises, as in SDK 0.24: a fixed sentence, so the
    exception's text (which may hold private data) never reaches the model. Pass your own
    ``failure_error_function`` to tell the model (and the Stepper) what went wrong."""
    return "An error occurred while running the tool. Please try again."


_OMITTED: Any = object()  # function_tool(failure_error_function=) not given


@dataclass
class FunctionTool:
    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke_tool: Callable[[RunContextWrapper[Any], str], Any]
    strict_json_schema: bool = True
    is_enabled: bool | Callable[..., Any] = True
    tool_input_guardrails: list[Any] | None = None
    """handoff_nb.tool_guardrails: checked before each call (may reject it or stop the run)."""
    tool_output_guardrails: list[Any] | None = None
    """handoff_nb.tool_guardrails: checked on each output before the model sees it."""
    needs_approval: Any = False
    """handoff_nb.approvals: True, or ``(ctx, params, call_id) -> bool``, pauses the run for approval."""
    timeout_seconds: float | None = None
    """handoff_nb.tool_timeout: seconds one call may take (None: no limit)."""
    timeout_behavior: Literal["error_as_result", "raise_exception"] = "error_as_result"
    timeout_error_function: Callable[..., Any] | None = None
    """``(ctx, ToolTimeoutError) -> str``: what the model is told when a call times out."""
    failure_error_function: Callable[..., Any] | None = field(
        default=default_tool_error_function, kw_only=True, repr=False)
    """``(ctx, error) -> str``: how a failed call is worded for the model; None: a failure fails
    the run. ``function_tool``'s calls apply it; a hand-made FunctionTool's ``on_invoke_tool``
    handles its own errors (:func:`maybe_invoke_function_tool_failure_error_function` reads it)."""

    def __post_init__(self) -> None:
        check_timeout_config(self)
        if self.strict_json_schema:  # as the SDK: what strict function calling accepts, on a copy
            self.params_json_schema = ensure_strict_json_schema(self.params_json_schema)

    def chat_spec(self) -> dict[str, Any]:
        """The Chat Completions ``tools`` entry for this tool."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description,
            "parameters": self.params_json_schema, "strict": self.strict_json_schema}}


def resolve_function_tool_failure_error_function(tool: FunctionTool) -> Callable[..., Any] | None:
    """The function that words ``tool``'s failures for the model (None: failures raise)."""
    return tool.failure_error_function


async def maybe_invoke_function_tool_failure_error_function(
        *, function_tool: FunctionTool, context: Any, error: BaseException) -> str | None:
    """As in the SDK: ``function_tool``'s failure formatter applied to ``error`` (a
    CancelledError is passed as an Exception saying the call was cancelled); None if it has none."""
    formatter = resolve_function_tool_failure_error_function(function_tool)
    if formatter is None:
        return None
    if not isinstance(error, Exception):
        error = Exception("Tool execution cancelled.")
    return await maybe_await(formatter(context, error))


def _doc_summary(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params|Returns?|Raises|Yields|Examples?|Notes?)\s*:\s*$")


def _doc_args(fn: Callable[..., Any]) -> dict[str, str]:
    """Parameter descriptions from a Google-style ``Args:`` section (as the SDK puts them in the
    schema): ``name: text`` or ``name (type): text``, continuation lines indented further."""
    doc = inspect.getdoc(fn) or ""
    out: dict[str, str] = {}
    in_args, current, indent = False, None, None
    for line in doc.splitlines():
        m = _SECTION.match(line.strip())
        if m and (len(line) - len(line.lstrip())) == 0:
            in_args = m.group(1) in ("Args", "Arguments", "Parameters", "Params")
            current = None
            continue
        if not in_args or not line.strip():
            continue
        lead = len(line) - len(line.lstrip())
        entry = re.match(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", line)
        if entry and (indent is None or lead <= indent):
            indent = lead
            current = entry.group(1).lstrip("*")
            out[current] = entry.group(2).strip()
        elif current is not None:
            out[current] = (out[current] + " " + line.strip()).strip()
    return out


def _parse_arguments(tool_name: str, arguments: str, args_model: Any, validation_error: type) -> Any:
    """The model's arguments as the tool's pydantic model; ModelBehaviorError in the SDK's words
    ("Invalid JSON input for tool <name>"), with the arguments and the cause only where
    ``handoff_nb._debug.DONT_LOG_TOOL_DATA`` is off (they may hold private data)."""
    base = f"Invalid JSON input for tool {tool_name}"
    detail: str | None = None
    cause: Exception | None = None
    try:
        data = json.loads(arguments) if arguments else {}
    except ValueError as e:
        detail, cause = f"{base}: {arguments}", e
    else:
        if not isinstance(data, dict):
            raise ModelBehaviorError(f"{base}: expected a JSON object")
        try:
            return args_model.model_validate(data)
        except validation_error as e:
            detail, cause = f"{base}: {e}", e
    if _debug.DONT_LOG_TOOL_DATA:
        raise ModelBehaviorError(base)  # outside the except: no __context__ holding the payload
    raise ModelBehaviorError(detail) from cause


def _call_arguments(params: list[inspect.Parameter], parsed: Any, tool_name: str) -> tuple[list[Any], dict[str, Any]]:
    """The call's positional and keyword arguments from the parsed model: parameters before a
    ``*args`` positionally, ``*args`` spread, ``**kwargs`` merged (a key naming another parameter
    is the model's mistake: ModelBehaviorError)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    named = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for p in params:
        value = getattr(parsed, p.name)
        if p.kind == p.VAR_POSITIONAL:
            args.extend(value)
        elif p.kind == p.VAR_KEYWORD:
            clash = sorted(k for k in value if k in named)
            if clash:
                raise ModelBehaviorError(f"Invalid JSON input for tool {tool_name}: **{p.name} repeats "
                                         f"the parameter(s) {', '.join(map(repr, clash))}")
            kwargs.update(value)
        elif p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs


THREADS = sys.platform != "emscripten"
"""Whether a sync tool may run in a worker thread (Pyodide, JupyterLite's kernel, has none)."""


async def run_sync_tool(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a sync tool function as the SDK does, in a worker thread (``asyncio.to_thread``, the
    run's context variables copied), so a slow one does not hold up the event loop (other runs of
    an evaluation, a notebook's widgets); where there are no threads, on the loop itself. Calls
    of one turn still run one after another."""
    if not THREADS:
        return fn(*args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)


def _being_cancelled() -> bool:
    """Whether the current task was asked to stop (a CancelledError from it is not the tool's)."""
    task = asyncio.current_task()
    return task is None or not hasattr(task, "cancelling") or task.cancelling() > 0


def _takes_context(fn: Callable[..., Any]) -> bool:
    params = list(inspect.signature(fn).parameters.values())
    if not params:
        return False
    try:
        hints = get_type_hints(fn)
    except Exception:  # unresolved forward refs: fall back to the raw annotation
        hints = {}
    ann = hints.get(params[0].name, params[0].annotation)
    origin = getattr(ann, "__origin__", ann)
    return ((isinstance(origin, type) and issubclass(origin, RunContextWrapper))  # ToolContext too
            or (isinstance(ann, str) and ann.startswith(("RunContextWrapper", "ToolContext"))))


def function_tool(func: Callable[..., Any] | None = None, *, name_override: str | None = None,
                  description_override: str | None = None,
                  failure_error_function: Callable[..., str] | None = _OMITTED,  # type: ignore[assignment]
                  strict_mode: bool = True, is_enabled: bool | Callable[..., Any] = True,
                  needs_approval: Any = False, tool_input_guardrails: list[Any] | None = None,
                  tool_output_guardrails: list[Any] | None = None, timeout: float | None = None,
                  timeout_behavior: Literal["error_as_result", "raise_exception"] = "error_as_result",
                  timeout_error_function: Callable[..., Any] | None = None) -> Any:
    """Decorator turning a (sync or async) function into a :class:`FunctionTool`.

    The first parameter may be a ``RunContextWrapper``; the others become the JSON schema, built
    with pydantic from the type hints (strict: every property required, no extra properties).
    The description is the docstring's first paragraph; a Google-style ``Args:`` section gives
    each parameter's ``description`` in the schema, as the SDK does.

    When the tool raises: ``failure_error_function``'s text goes to the model (None: the run
    fails). Left out, the run's ``RunConfig(tool_error_formatter=...)`` words it (kind
    ``"tool_exception"``) if it returns a string, else the SDK's fixed sentence is used.
    """
    run_formatter = failure_error_function is _OMITTED
    if run_formatter:
        failure_error_function = default_tool_error_function

    def build(fn: Callable[..., Any]) -> FunctionTool:
        from pydantic import ConfigDict, Field, ValidationError, create_model
        if not callable(fn):
            raise UserError(f"function_tool needs a function, got {fn!r}")
        check_async_handler(fn, timeout)
        takes_ctx = _takes_context(fn)
        is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
        try:
            hints = get_type_hints(fn, include_extras=True)  # Annotated[int, Field(ge=0)] kept
        except Exception as e:
            raise UserError(f"cannot read type hints of {fn.__name__}: {e}") from e
        params = list(inspect.signature(fn).parameters.values())[1 if takes_ctx else 0:]
        arg_docs = _doc_args(fn)
        model_fields: dict[str, Any] = {}
        for p in params:
            ann = hints.get(p.name, Any)
            described = arg_docs.get(p.name)
            if p.kind == p.VAR_POSITIONAL:  # as the SDK: *scores is a list field "scores"
                model_fields[p.name] = (list[ann], Field(default_factory=list, description=described))
            elif p.kind == p.VAR_KEYWORD:  # **options is an object field "options"
                if strict_mode:
                    raise UserError(
                        f"function_tool {fn.__name__}: **{p.name} takes free-form keys, which a "
                        f"strict schema cannot describe; use strict_mode=False (the model then "
                        f"sends them nested under {p.name!r})")
                model_fields[p.name] = (dict[str, ann], Field(default_factory=dict, description=described))
            else:
                default = ... if p.default is inspect.Parameter.empty else p.default
                model_fields[p.name] = (ann, Field(default=default, description=described))
        # as the SDK: keys the function does not take are ignored, except beside a **kwargs
        # (where a flat key would otherwise be dropped silently instead of reaching it)
        extra = "forbid" if any(p.kind == p.VAR_KEYWORD for p in params) else "ignore"
        args_model = create_model(f"{fn.__name__}_args", __config__=ConfigDict(extra=extra),
                                  **model_fields)
        schema = args_model.model_json_schema()  # made strict by FunctionTool (strict_mode)
        tool_name = name_override or fn.__name__

        async def invoke(ctx: RunContextWrapper[Any], arguments: str) -> Any:
            called = getattr(ctx, "tool_name", None) or tool_name  # the name the model used
            try:
                parsed = _parse_arguments(called, arguments, args_model, ValidationError)
                args, kwargs = _call_arguments(params, parsed, called)
                if takes_ctx:
                    args = (ctx, *args)
                result = fn(*args, **kwargs) if is_async else await run_sync_tool(fn, *args, **kwargs)
                return await maybe_await(result)
            except asyncio.CancelledError as e:  # the tool's own, not this run being cancelled
                if failure_error_function is None or _being_cancelled():
                    raise
                return await maybe_await(failure_error_function(ctx, e))
            except Exception as e:
                if failure_error_function is None:
                    raise
                if run_formatter:
                    from .approvals import formatted_tool_error
                    worded = await formatted_tool_error(ctx, called, e)
                    if worded is not None:
                        return worded
                return await maybe_await(failure_error_function(ctx, e))

        tool = FunctionTool(name=tool_name, description=description_override or _doc_summary(fn),
                            params_json_schema=schema, on_invoke_tool=invoke,
                            strict_json_schema=strict_mode, is_enabled=is_enabled,
                            tool_input_guardrails=tool_input_guardrails,
                            tool_output_guardrails=tool_output_guardrails,
                            needs_approval=needs_approval, timeout_seconds=timeout,
                            timeout_behavior=timeout_behavior,
                            timeout_error_function=timeout_error_function,
                            failure_error_function=failure_error_function)
        return tool

    if func is not None:
        return build(func)
    return build


def tool_output_text(value: Any) -> str:
    """How a tool's return value is shown to the model."""
    if isinstance(value, str):
        return value
    if hasattr(value, "model_dump_json"):
        return value.model_dump_json()
    try:
        return json.dumps(value)
    except TypeError:
        return str(value)
