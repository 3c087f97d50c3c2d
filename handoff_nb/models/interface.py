"""The model protocol and the request/response values that cross it.

A :class:`ModelRequest` holds exactly what the runner hands a model: the system prompt in its two
parts (the agent's instructions and the HANDOFF_INSTRUCTIONS block, kept apart so views can
highlight the block), the input items, the tools in Chat Completions shape (function tools first,
then handoffs), and the model settings. ``handoffs`` carries the handoffs' labels and targets as
metadata: real models ignore it, the offline model and the views use it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..context import Usage
from ..model_settings import ModelSettings
from ..prompts import join_system_prompt

if TYPE_CHECKING:  # pragma: no cover
    from ..agent import Agent


@dataclass(frozen=True)
class HandoffInfo:
    tool_name: str
    target: str
    tool_description: str
    description: str | None
    target_handoff_description: str | None
    input_json_schema: dict[str, Any]


@dataclass(frozen=True)
class ModelRequest:
    agent_name: str
    instructions: str | None
    handoff_instructions: str | None
    input: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    model_settings: ModelSettings = field(default_factory=ModelSettings)
    handoffs: tuple[HandoffInfo, ...] = ()
    step_index: int = 0
    output_schema: Any = None
    """The agent's output schema (an ``AgentOutputSchemaBase``) when it has an ``output_type``:
    the model is asked for JSON in it. None: plain text."""

    @property
    def system_prompt(self) -> str:
        return join_system_prompt(self.instructions, self.handoff_instructions)

    def responses_payload(self, model: str) -> dict[str, Any]:
        """The body a Responses API call (``/v1/responses``) would send."""
        body: dict[str, Any] = {"model": model, "input": to_responses_input(self.input)}
        if self.system_prompt:
            body["instructions"] = self.system_prompt
        if self.tools:
            body["tools"] = [{"type": "function", "name": t["function"]["name"],
                              "description": t["function"].get("description") or "",
                              "parameters": t["function"].get("parameters") or {},
                              "strict": t["function"].get("strict", True)} for t in self.tools]
        s = self.model_settings
        for key in ("temperature", "top_p"):
            if getattr(s, key) is not None:
                body[key] = getattr(s, key)
        if s.max_tokens is not None:
            body["max_output_tokens"] = s.max_tokens
        if s.tool_choice is not None and self.tools:
            body["tool_choice"] = (s.tool_choice if s.tool_choice in ("auto", "required", "none")
                                   else {"type": "function", "name": s.tool_choice})
        if s.parallel_tool_calls is not None and self.tools:
            body["parallel_tool_calls"] = s.parallel_tool_calls
        return body

    def chat_messages(self) -> list[dict[str, Any]]:
        """The input as Chat Completions messages (system prompt first)."""
        return to_chat_messages(self.system_prompt, self.input)

    def chat_payload(self, model: str, *, merge_extra_body: bool = True) -> dict[str, Any]:
        """The body a Chat Completions call would send (what the Request view shows)."""
        body: dict[str, Any] = {"model": model, "messages": self.chat_messages()}
        if self.tools:
            body["tools"] = self.tools
        s = self.model_settings
        for key in ("temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens",
                    "seed"):
            if getattr(s, key) is not None:
                body[key] = getattr(s, key)
        if s.tool_choice is not None and self.tools:
            body["tool_choice"] = (s.tool_choice if s.tool_choice in ("auto", "required", "none")
                                   else {"type": "function", "function": {"name": s.tool_choice}})
        if s.parallel_tool_calls is not None and self.tools:
            body["parallel_tool_calls"] = s.parallel_tool_calls
        if s.extra_body and merge_extra_body:
            body.update(s.extra_body)
        return body

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-able form used to match recorded requests (no step index: it is positional)."""
        out = {"agent": self.agent_name, "system_prompt": self.system_prompt,
               "input": self.input, "tools": self.tools,
               "model_settings": self.model_settings.to_json_dict()}
        if self.output_schema is not None:
            out["output_schema"] = self.output_schema.json_schema()
        return out


@dataclass(frozen=True)
class ModelResponse:
    """``output`` holds input-shaped items: ``{"role": "assistant", "content": text}`` and
    ``{"type": "function_call", "call_id", "name", "arguments"}``."""

    output: list[dict[str, Any]]
    usage: Usage = field(default_factory=Usage)
    model_name: str = ""
    response_id: str | None = None
    explanation: dict[str, Any] | None = None
    """Why the model did what it did (the offline model fills it: scores and matched words)."""
    agent: Agent | None = field(default=None, compare=False, repr=False)
    """The agent that made the call (set by the runner)."""
    sent: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """What went over the wire, when a model reports it: ``{"api": "chat"|"responses", "body"}``
    (secrets scrubbed). The Request tab shows it."""

    @property
    def text(self) -> str:
        return "".join(o.get("content") or "" for o in self.output if o.get("role") == "assistant")

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return [o for o in self.output if o.get("type") == "function_call"]

    def to_json_dict(self) -> dict[str, Any]:
        return {"output": self.output, "usage": asdict(self.usage), "model_name": self.model_name,
                "response_id": self.response_id, "explanation": self.explanation}

    @classmethod
    def from_json_dict(cls, d: dict[str, Any]) -> ModelResponse:
        return cls(output=d["output"], usage=Usage(**d.get("usage") or {}),
                   model_name=d.get("model_name", ""), response_id=d.get("response_id"),
                   explanation=d.get("explanation"))


@dataclass
class ModelInputData:
    """What ``RunConfig.call_model_input_filter`` may change: the input and the instructions."""

    input: list[dict[str, Any]]
    instructions: str | None


@dataclass
class CallModelData:
    """Given to ``RunConfig.call_model_input_filter`` before each model call (as in the SDK)."""

    model_data: ModelInputData
    agent: Any
    context: Any


@runtime_checkable
class Model(Protocol):
    async def get_response(self, request: ModelRequest) -> ModelResponse: ...


def model_label(model: Any) -> str:
    """A short, key-free name for a model object."""
    return str(getattr(model, "model", None) or getattr(model, "name", None) or type(model).__name__)


def _output_text(output: Any) -> str:
    """A tool output as the string both OpenAI APIs expect."""
    return output if isinstance(output, str) else json.dumps(output)


def to_responses_input(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Input items in the Responses API's shape (messages with text content, calls, outputs)."""
    from ..items import content_text
    out: list[dict[str, Any]] = []
    for item in items:
        kind = item.get("type")
        if kind == "function_call":
            out.append({"type": "function_call", "call_id": item["call_id"], "name": item["name"],
                        "arguments": item.get("arguments") or "{}"})
        elif kind == "function_call_output":
            out.append({"type": "function_call_output", "call_id": item["call_id"],
                        "output": _output_text(item.get("output"))})
        elif "role" in item:
            out.append({"role": item["role"], "content": content_text(item)})
        else:
            raise ValueError(f"cannot map input item to the Responses API: {item!r}")
    return out


def from_chat_messages(messages: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """The inverse of :func:`to_chat_messages`: (system prompt, input items)."""
    system: list[str] = []
    items: list[dict[str, Any]] = []
    for m in messages:
        role = m.get("role")
        if role in ("system", "developer"):
            system.append(m.get("content") if isinstance(m.get("content"), str) else "")
        elif role == "tool":
            items.append({"type": "function_call_output", "call_id": m.get("tool_call_id", ""),
                          "output": m.get("content")})
        elif role == "assistant" and m.get("tool_calls"):
            if m.get("content"):
                items.append({"role": "assistant", "content": m["content"]})
            for call in m["tool_calls"]:
                fn = call.get("function") or {}
                items.append({"type": "function_call", "call_id": call.get("id", ""),
                              "name": fn.get("name", ""), "arguments": fn.get("arguments") or "{}"})
        elif role is not None:
            items.append({"role": role, "content": m.get("content")})
        elif m.get("type") in ("function_call", "function_call_output"):
            items.append(dict(m))
    return ("\n\n".join(system) if system else None), items


def to_chat_messages(system_prompt: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from ..items import content_text
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    for item in items:
        kind = item.get("type")
        if kind == "function_call":
            call = {"id": item["call_id"], "type": "function",
                    "function": {"name": item["name"], "arguments": item.get("arguments") or "{}"}}
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant":
                last.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append({"role": "tool", "tool_call_id": item["call_id"],
                             "content": _output_text(item.get("output"))})
        elif "role" in item:
            messages.append({"role": item["role"], "content": content_text(item)})
        else:
            raise ValueError(f"cannot map input item to a chat message: {item!r}")
    return messages


def __getattr__(name: str) -> Any:
    if name == "ModelTracing":  # agents.models.interface.ModelTracing (handoff_nb.models.sdk_model)
        from .sdk_model import ModelTracing
        return ModelTracing
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
