"""The model protocol and the request/response values that cross it.

A :class:`ModelRequest` holds exactly what the runner hands a model: the system prompt in its two
parts (the agent's instructions and the HANDOFF_INSTRUCTIONS block, kept apart so views can
highlight the block), the input items, the tools in Chat Completions shape (function tools first,
then handoffs), and the model settings. ``handoffs`` carries the handoffs' labels and targets as
metadata: real models ignore it, the offline model and the views use it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .._output_only import replayable
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
    target_instructions: str | None = None
    """The target agent's own instructions when they are a plain string (the offline model reads
    them as route text; real models never see them)."""
    target_routes: tuple[tuple[str, str, str], ...] = ()
    """(name, handoff_description or "", instructions or "") of the routes below the target (a
    mid-level desk is as good as what it leads to)."""


def routes_below(agent: Any) -> tuple[tuple[str, str, str], ...]:
    """(name, handoff_description, instructions) of each handoff of ``agent`` (Agents or
    Handoffs; dynamic instructions read as "")."""
    out = []
    for h in getattr(agent, "handoffs", None) or ():
        target = getattr(h, "agent", None) if hasattr(h, "tool_name") else h
        name = getattr(h, "agent_name", None) or getattr(target, "name", "") or ""
        desc = getattr(target, "handoff_description", None) or getattr(h, "description", None) or ""
        instructions = getattr(target, "instructions", None)
        out.append((str(name), str(desc), instructions if isinstance(instructions, str) else ""))
    return tuple(out)


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
    tool_objects: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """The FunctionTool objects the request was built from (what an SDK-style ``Model`` is given
    as ``tools``, as the SDK gives them); empty for a request built elsewhere."""
    handoff_objects: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    """The Handoff objects the request was built from (an SDK-style ``Model``'s ``handoffs``)."""

    @property
    def system_prompt(self) -> str:
        return join_system_prompt(self.instructions, self.handoff_instructions)

    def responses_payload(self, model: str, *, stream: bool = False) -> dict[str, Any]:
        """The body a Responses API call (``/v1/responses``) sends, as the SDK sends it
        (:func:`handoff_nb.models.wire.responses_body`)."""
        from .wire import responses_body
        return responses_body(self, model, stream=stream)

    def chat_messages(self) -> list[dict[str, Any]]:
        """The input as Chat Completions messages (system prompt first)."""
        return to_chat_messages(self.system_prompt, self.input)

    def chat_payload(self, model: str, *, merge_extra_body: bool = True, stream: bool = False,
                     official: bool = False) -> dict[str, Any]:
        """The body a Chat Completions call sends, as the SDK sends it (what the Request view
        shows; :func:`handoff_nb.models.wire.chat_body`)."""
        from .wire import chat_body
        return chat_body(self, model, official=official, stream=stream,
                         merge_extra_body=merge_extra_body)

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

    def to_input_items(self) -> list[dict[str, Any]]:
        """The output as input items for the next call (as the SDK's ``to_input_items``): each
        item as a dict (an openai output object dumped with the fields it was given)."""
        return [replayable(o.model_dump(exclude_unset=True) if hasattr(o, "model_dump") else dict(o))
                for o in self.output]

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


def to_responses_input(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Input items in the Responses API's shape (see :mod:`handoff_nb.models.wire`)."""
    from .wire import to_responses_input as convert
    return convert(items)


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
    """Input items as Chat Completions messages (see :mod:`handoff_nb.models.wire`)."""
    from .wire import to_chat_messages as convert
    return convert(system_prompt, items)


def __getattr__(name: str) -> Any:
    if name == "ModelTracing":  # agents.models.interface.ModelTracing (handoff_nb.models.sdk_model)
        from .sdk_model import ModelTracing
        return ModelTracing
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
