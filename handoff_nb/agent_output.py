"""Structured final output (``Agent(output_type=...)``), mirroring ``agents.agent_output``.

The seam with the runner: :func:`output_schema_of` gives the request its output schema (the
model is asked for JSON in it: ``response_format`` in Chat Completions, ``text.format`` in the
Responses API), and :func:`final_output_of` turns the final text into the typed final output.
The offline model answers a request with a schema with JSON that fits it
(:func:`example_for_schema`).
"""

from __future__ import annotations

import abc
import json
from typing import Any

from .errors import ModelBehaviorError, UserError
from .strict_schema import ensure_strict_json_schema

_WRAPPER_KEY = "response"


class AgentOutputSchemaBase(abc.ABC):
    """What the runner needs from an output type (as in the SDK)."""

    @abc.abstractmethod
    def is_plain_text(self) -> bool: ...

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def json_schema(self) -> dict[str, Any]: ...

    @abc.abstractmethod
    def is_strict_json_schema(self) -> bool: ...

    @abc.abstractmethod
    def validate_json(self, json_str: str) -> Any: ...


def _type_name(t: Any) -> str:
    origin = getattr(t, "__origin__", None)
    if origin is not None:
        args = ", ".join(_type_name(a) for a in getattr(t, "__args__", ()))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    return getattr(t, "__name__", str(t))


def _wraps(t: Any) -> bool:
    """Types other than pydantic models and dict-like classes are wrapped in {"response": ...}."""
    from pydantic import BaseModel
    origin = getattr(t, "__origin__", None) or t
    if not isinstance(origin, type):
        return True
    return not issubclass(origin, (BaseModel, dict))


class AgentOutputSchema(AgentOutputSchemaBase):
    """The schema of an output type (pydantic model, dataclass, TypedDict, list[...], ...)."""

    def __init__(self, output_type: type[Any], strict_json_schema: bool = True) -> None:
        from pydantic import BaseModel, TypeAdapter, create_model
        self.output_type = output_type
        self._strict = strict_json_schema
        if output_type is None or output_type is str:
            self._plain, self._schema, self._wrapped = True, {"type": "string"}, False
            self._adapter = TypeAdapter(str)
            return
        self._plain = False
        self._wrapped = _wraps(output_type)
        if self._wrapped:
            wrapper: type[BaseModel] = create_model("OutputWrapper", **{_WRAPPER_KEY: (output_type, ...)})
            self._adapter = TypeAdapter(wrapper)
        else:
            self._adapter = TypeAdapter(output_type)
        self._schema = self._adapter.json_schema()
        if strict_json_schema:
            try:
                self._schema = ensure_strict_json_schema(self._schema)
            except UserError as e:
                raise UserError("Strict JSON schema is enabled, but the output type is not valid. "
                                "Either make the output type strict, or wrap your type with "
                                "AgentOutputSchema(YourType, strict_json_schema=False)") from e

    def is_plain_text(self) -> bool:
        return self._plain

    def is_strict_json_schema(self) -> bool:
        return self._strict

    def json_schema(self) -> dict[str, Any]:
        if self._plain:
            raise UserError("Output type is plain text, so no JSON schema is available")
        return self._schema

    def name(self) -> str:
        return _type_name(self.output_type)

    def validate_json(self, json_str: str) -> Any:
        try:
            value = self._adapter.validate_json(json_str)
        except Exception as e:
            raise ModelBehaviorError(f"Invalid JSON when parsing {json_str!r} for {self.name()}: {e}"
                                     [:2000]) from e
        if self._wrapped:
            return getattr(value, _WRAPPER_KEY) if not isinstance(value, dict) else value[_WRAPPER_KEY]
        return value


def output_schema_of(agent: Any) -> AgentOutputSchemaBase | None:
    """The agent's output schema, or None for plain text (no output_type, or ``str``)."""
    t = getattr(agent, "output_type", None)
    if t is None or t is str:
        return None
    duck = all(callable(getattr(t, m, None)) for m in ("is_plain_text", "json_schema", "validate_json"))
    schema = t if isinstance(t, AgentOutputSchemaBase) or duck else AgentOutputSchema(t)  # SDK schemas too
    return None if schema.is_plain_text() else schema


def final_output_of(agent: Any, text: str, schema: AgentOutputSchemaBase | None = None) -> Any:
    """The final output of ``agent`` for the model's final text (validated into its type)."""
    schema = schema if schema is not None else output_schema_of(agent)
    return text if schema is None else schema.validate_json(text)


def response_format(schema: AgentOutputSchemaBase) -> dict[str, Any]:
    """The Chat Completions ``response_format`` asking for JSON in the schema."""
    return {"type": "json_schema", "json_schema": {"name": "final_output",
                                                   "strict": schema.is_strict_json_schema(),
                                                   "schema": schema.json_schema()}}


def text_format(schema: AgentOutputSchemaBase) -> dict[str, Any]:
    """The Responses API ``text.format`` asking for JSON in the schema."""
    return {"format": {"type": "json_schema", "name": "final_output",
                       "schema": schema.json_schema(), "strict": schema.is_strict_json_schema()}}


def example_for_schema(schema: dict[str, Any], text: str = "") -> Any:
    """A value that fits a JSON schema: ``text`` for the first string, the first enum value,
    true, 1, one item per array (used by the offline model)."""
    root = schema
    used = [False]

    def fill(node: Any, depth: int = 0) -> Any:
        if not isinstance(node, dict) or depth > 12:
            return None
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            return fill(target, depth + 1)
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][0]
        for key in ("anyOf", "oneOf", "allOf"):
            options = [o for o in node.get(key) or [] if o.get("type") != "null"]
            if options:
                return fill(options[0], depth + 1)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in node:
            out = {k: fill(v, depth + 1) for k, v in (node.get("properties") or {}).items()}
            extra = node.get("additionalProperties")
            if not out and isinstance(extra, dict):
                out = {"1": fill(extra, depth + 1)}
            return out
        if kind == "array":
            item = node.get("items")
            return [fill(item, depth + 1)] if isinstance(item, dict) else []
        if kind == "boolean":
            return True
        if kind == "integer":
            return max(1, int(node.get("minimum", 1)))
        if kind == "number":
            return float(node.get("minimum", 1))
        if kind == "null":
            return None
        if not used[0] and text:
            used[0] = True
            return text
        return node.get("title") or "example"

    return fill(schema)


def example_json(schema: AgentOutputSchemaBase, text: str = "") -> str:
    return json.dumps(example_for_schema(schema.json_schema(), text))
