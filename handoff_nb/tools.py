"""Function tools: a Python function -> a strict JSON schema the model sees, and its invocation."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from ._util import maybe_await
from .context import RunContextWrapper
from .errors import ModelBehaviorError, UserError
from .strict_schema import ensure_strict_json_schema


@dataclass
class FunctionTool:
    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke_tool: Callable[[RunContextWrapper[Any], str], Any]
    strict_json_schema: bool = True
    is_enabled: bool | Callable[..., Any] = True

    def chat_spec(self) -> dict[str, Any]:
        """The Chat Completions ``tools`` entry for this tool."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description,
            "parameters": self.params_json_schema, "strict": self.strict_json_schema}}


def default_tool_error_function(ctx: RunContextWrapper[Any], error: Exception) -> str:
    return f"An error occurred while running the tool. Please try again. Error: {error}"


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
                  failure_error_function: Callable[..., str] | None = default_tool_error_function,
                  strict_mode: bool = True, is_enabled: bool | Callable[..., Any] = True,
                  needs_approval: Any = False) -> Any:
    """Decorator turning a (sync or async) function into a :class:`FunctionTool`.

    The first parameter may be a ``RunContextWrapper``; the others become the JSON schema, built
    with pydantic from the type hints (strict: every property required, no extra properties).
    The description is the docstring's first paragraph; a Google-style ``Args:`` section gives
    each parameter's ``description`` in the schema, as the SDK does.
    """

    def build(fn: Callable[..., Any]) -> FunctionTool:
        from pydantic import ConfigDict, Field, ValidationError, create_model
        if not callable(fn):
            raise UserError(f"function_tool needs a function, got {fn!r}")
        takes_ctx = _takes_context(fn)
        try:
            hints = get_type_hints(fn)
        except Exception as e:
            raise UserError(f"cannot read type hints of {fn.__name__}: {e}") from e
        params = list(inspect.signature(fn).parameters.values())[1 if takes_ctx else 0:]
        arg_docs = _doc_args(fn)
        model_fields: dict[str, Any] = {}
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise UserError(f"function_tool {fn.__name__}: *args/**kwargs are not supported")
            ann = hints.get(p.name, Any)
            default = ... if p.default is inspect.Parameter.empty else p.default
            model_fields[p.name] = (ann, Field(default=default, description=arg_docs.get(p.name)))
        args_model = create_model(f"{fn.__name__}_args", __config__=ConfigDict(extra="forbid"),
                                  **model_fields)
        schema = args_model.model_json_schema()
        if strict_mode:
            schema = ensure_strict_json_schema(schema)
        tool_name = name_override or fn.__name__

        async def invoke(ctx: RunContextWrapper[Any], arguments: str) -> Any:
            try:
                try:
                    parsed = args_model.model_validate_json(arguments or "{}")
                except ValidationError as e:
                    raise ModelBehaviorError(
                        f"invalid arguments for tool {tool_name!r}: {arguments!r}: {e}") from e
                kwargs = {p.name: getattr(parsed, p.name) for p in params}
                result = fn(ctx, **kwargs) if takes_ctx else fn(**kwargs)
                return await maybe_await(result)
            except Exception as e:
                if failure_error_function is None:
                    raise
                return failure_error_function(ctx, e)

        tool = FunctionTool(name=tool_name, description=description_override or _doc_summary(fn),
                            params_json_schema=schema, on_invoke_tool=invoke,
                            strict_json_schema=strict_mode, is_enabled=is_enabled)
        tool.needs_approval = needs_approval  # type: ignore[attr-defined]  # handoff_nb.approvals
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
