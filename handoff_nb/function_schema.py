"""``agents.function_schema``: a Python function's JSON schema, as function tools build it.

:func:`function_schema` returns a :class:`FuncSchema` (name, description from the docstring,
a pydantic model of the parameters and its strict JSON schema, whether the first parameter is
the run context) and ``to_call_args`` turns validated arguments back into a call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from .context import RunContextWrapper
from .errors import UserError
from .strict_schema import ensure_strict_json_schema
from .tools import _doc_args, _doc_summary, _takes_context


@dataclass
class FuncSchema:
    name: str
    description: str | None
    params_pydantic_model: Any
    params_json_schema: dict[str, Any]
    signature: inspect.Signature
    takes_context: bool = False
    strict_json_schema: bool = True
    return_annotation: Any = inspect.Signature.empty

    def to_call_args(self, data: Any) -> tuple[list[Any], dict[str, Any]]:
        """Positional and keyword arguments for the function from validated ``data``."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        params = list(self.signature.parameters.values())[1 if self.takes_context else 0:]
        seen_var_positional = False
        for p in params:
            value = getattr(data, p.name, None)
            if p.kind == p.VAR_POSITIONAL:
                args.extend(value or [])
                seen_var_positional = True
            elif p.kind == p.VAR_KEYWORD:
                kwargs.update(value or {})
            elif p.kind == p.POSITIONAL_ONLY or (p.kind == p.POSITIONAL_OR_KEYWORD and not seen_var_positional):
                args.append(value)
            else:
                kwargs[p.name] = value
        return args, kwargs


def function_schema(func: Callable[..., Any], docstring_style: Any = None, name_override: str | None = None,
                    description_override: str | None = None, use_docstring_info: bool = True,
                    strict_json_schema: bool = True) -> FuncSchema:
    from pydantic import ConfigDict, Field, create_model
    try:
        hints = get_type_hints(func)
    except Exception as e:
        raise UserError(f"cannot read type hints of {getattr(func, '__name__', func)}: {e}") from e
    sig = inspect.signature(func)
    takes_ctx = _takes_context(func)
    params = list(sig.parameters.values())
    for p in params[1:]:
        ann = hints.get(p.name)
        if ann is not None and _is_context(ann):
            raise UserError(f"RunContextWrapper/ToolContext param found at non-first position in "
                            f"function {func.__name__}")
    docs = _doc_args(func) if use_docstring_info else {}
    fields: dict[str, Any] = {}
    for p in params[1 if takes_ctx else 0:]:
        ann = hints.get(p.name, Any)
        default = ... if p.default is inspect.Parameter.empty else p.default
        if p.kind == p.VAR_POSITIONAL:
            ann, default = list[ann], []  # type: ignore[valid-type]
        elif p.kind == p.VAR_KEYWORD:
            ann, default = dict[str, ann], {}  # type: ignore[valid-type]
        fields[p.name] = (ann, Field(default=default, description=docs.get(p.name)))
    model = create_model(f"{func.__name__}_args", __config__=ConfigDict(extra="forbid"), **fields)
    schema = model.model_json_schema()
    if strict_json_schema:
        schema = ensure_strict_json_schema(schema)
    description = description_override or ((_doc_summary(func) or None) if use_docstring_info else None)
    return FuncSchema(name=name_override or func.__name__, description=description,
                      params_pydantic_model=model, params_json_schema=schema, signature=sig,
                      takes_context=takes_ctx, strict_json_schema=strict_json_schema,
                      return_annotation=hints.get("return", sig.return_annotation))


def _is_context(ann: Any) -> bool:
    origin = getattr(ann, "__origin__", ann)
    return isinstance(origin, type) and issubclass(origin, RunContextWrapper)


__all__ = ["FuncSchema", "function_schema"]
