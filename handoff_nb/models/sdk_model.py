"""The SDK's ``Model`` interface, accepted as a model: a user's own subclass with

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                           handoffs, tracing, *, previous_response_id, conversation_id, prompt)

returning ``ModelResponse(output=[openai Responses output objects], usage, response_id)`` runs in
handoff_nb's runner. This module is the seam: :func:`adapt` wraps such a model (recognised by its
``get_response`` signature) in :class:`SDKModelAdapter`, which speaks handoff_nb's protocol
(``get_response(ModelRequest) -> ModelResponse`` of input-shaped dicts). Nothing else in the
runner knows the SDK's signature.
"""

from __future__ import annotations

import enum
import inspect
import weakref
from dataclasses import dataclass
from typing import Any

from ..context import Usage
from ..errors import ModelBehaviorError
from ..items import content_text
from ..not_mirrored import not_mirrored
from .interface import ModelRequest, ModelResponse, to_responses_input


class ModelTracing(enum.Enum):
    """As ``agents.models.interface.ModelTracing``: what a model may record in traces."""

    DISABLED = 0
    ENABLED = 1
    ENABLED_WITHOUT_DATA = 2

    def is_disabled(self) -> bool:
        return self is ModelTracing.DISABLED

    def include_data(self) -> bool:
        return self is ModelTracing.ENABLED


@dataclass(frozen=True)
class ToolSpec:
    """A tool as an SDK-style model sees it (name, description, JSON schema)."""

    name: str
    description: str
    params_json_schema: dict[str, Any]
    strict_json_schema: bool = True


@dataclass(frozen=True)
class HandoffSpec:
    """A handoff as an SDK-style model sees it."""

    tool_name: str
    tool_description: str
    input_json_schema: dict[str, Any]
    agent_name: str
    strict_json_schema: bool = True


_styles: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
"""is_sdk_style per ``get_response`` function (a method's answer holds for every instance; the
signature is read once, not on every turn)."""


def is_sdk_style(model: Any) -> bool:
    """Does ``model.get_response`` take the SDK's arguments (``system_instructions``, ...)?"""
    fn = getattr(model, "get_response", None)
    if fn is None:
        return False
    key = getattr(fn, "__func__", None)
    if key is not None:
        try:
            return _styles[key]
        except (KeyError, TypeError):
            pass
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if params and all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params.values()):
        # get_response(*args, **kwargs) wrapping super(): the first base that names its arguments
        for cls in type(model).__mro__[1:]:
            base = cls.__dict__.get("get_response")
            if base is None:
                continue
            try:
                named = inspect.signature(base).parameters
            except (TypeError, ValueError):
                break
            if not all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in named.values()):
                params = {k: v for k, v in named.items() if k != "self"}
                break
    style = "system_instructions" in params or len([
        p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) >= 7
    if key is not None:
        try:
            _styles[key] = style
        except TypeError:  # not weak-referenceable
            pass
    return style


_adapters: weakref.WeakKeyDictionary[Any, SDKModelAdapter] = weakref.WeakKeyDictionary()


def adapt(model: Any) -> Any:
    """``model`` as handoff_nb's runner calls it (SDK-style models wrapped, others unchanged)."""
    if isinstance(model, SDKModelAdapter) or not is_sdk_style(model):
        return model
    try:
        cached = _adapters.get(model)
    except TypeError:  # not weak-referenceable
        return SDKModelAdapter(model)
    if cached is None:
        cached = SDKModelAdapter(model)
        _adapters[model] = cached
    return cached


def _plain(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return dict(item)
    if hasattr(item, "model_dump"):
        return item.model_dump(exclude_none=True)
    raise ModelBehaviorError(f"model output item of type {type(item).__name__} is not a Responses "
                             f"output item: {item!r}"[:400])


def output_items(output: Any, who: str = "model") -> list[dict[str, Any]]:
    """Responses output items (openai objects or dicts) as the runner's input-shaped items.
    Reasoning items are kept (the run holds them as ReasoningItems); hosted-tool calls are not mirrored."""
    out: list[dict[str, Any]] = []
    for raw in output:
        d = _plain(raw)
        kind = d.get("type")
        if kind == "message" or (kind is None and d.get("role") == "assistant"):
            content = d.get("content")
            text = content if isinstance(content, str) else content_text(d)
            out.append({"role": "assistant", "content": text})
        elif kind == "function_call":
            out.append({"type": "function_call", "call_id": d.get("call_id") or d.get("id") or "",
                        "name": d.get("name", ""), "arguments": d.get("arguments") or "{}"})
        elif kind == "reasoning":
            out.append(d)  # a ReasoningItem in the run, sent back with the history (SDK)
        else:
            raise not_mirrored(f"{who} returned a {kind!r} output item (hosted tools and other "
                               "Responses item kinds)")
    return out


def usage_of(usage: Any) -> Usage:
    if isinstance(usage, Usage):
        return usage
    if usage is None:
        return Usage(requests=1)
    get = (usage.get if isinstance(usage, dict) else lambda k, d=0: getattr(usage, k, d))
    u = Usage(requests=int(get("requests", 1) or 1), input_tokens=int(get("input_tokens", 0) or 0),
              output_tokens=int(get("output_tokens", 0) or 0), total_tokens=int(get("total_tokens", 0) or 0))
    return u


def sdk_input(request: ModelRequest) -> list[dict[str, Any]]:
    """The request's input as the SDK passes it to models (Responses input items)."""
    return to_responses_input(list(request.input))


class SDKModelAdapter:
    """An SDK-style model speaking handoff_nb's model protocol (see the module docstring)."""

    def __init__(self, model: Any) -> None:
        self.sdk_model = model
        self.model = getattr(model, "model", None) or type(model).__name__

    def __repr__(self) -> str:
        return f"SDKModelAdapter({type(self.sdk_model).__name__})"

    def _arguments(self, request: ModelRequest) -> dict[str, Any]:
        tools = [ToolSpec(t["function"]["name"], t["function"].get("description") or "",
                          t["function"].get("parameters") or {}, t["function"].get("strict", True))
                 for t in request.tools if t["function"]["name"] not in {h.tool_name for h in request.handoffs}]
        handoffs = [HandoffSpec(h.tool_name, h.tool_description, h.input_json_schema, h.target)
                    for h in request.handoffs]
        if request.tool_objects or request.handoff_objects:  # the objects themselves, as the SDK passes
            tools, handoffs = list(request.tool_objects), list(request.handoff_objects)
        return dict(system_instructions=request.system_prompt or None, input=sdk_input(request),
                    model_settings=request.model_settings, tools=tools,
                    output_schema=request.output_schema, handoffs=handoffs,
                    tracing=ModelTracing.DISABLED, previous_response_id=None, conversation_id=None,
                    prompt=None)

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        raw = await self.sdk_model.get_response(**self._arguments(request))
        who = f"model {type(self.sdk_model).__name__}"
        output = getattr(raw, "output", None)
        if output is None:
            raise ModelBehaviorError(f"{who} returned {type(raw).__name__}, not a ModelResponse")
        return ModelResponse(output=output_items(output, who), usage=usage_of(getattr(raw, "usage", None)),
                             model_name=str(self.model), response_id=getattr(raw, "response_id", None))
