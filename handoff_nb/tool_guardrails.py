"""Tool input/output guardrails, mirroring ``agents.tool_guardrails``: set a function tool's
``tool_input_guardrails`` / ``tool_output_guardrails``; each guardrail allows the call, rejects it
(the model gets the guardrail's message instead of the tool's output) or raises
``ToolInputGuardrailTripwireTriggered`` / ``ToolOutputGuardrailTripwireTriggered``.

The seam with the runner is one call: :func:`invoke_guarded` runs a tool through its guardrails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypedDict, TypeVar

from ._util import maybe_await
from .errors import AgentsException, UserError
from .tool_timeout import invoke_function_tool

TContext = TypeVar("TContext")


class AllowBehavior(TypedDict):
    type: Literal["allow"]


class RejectContentBehavior(TypedDict):
    type: Literal["reject_content"]
    message: str


class RaiseExceptionBehavior(TypedDict):
    type: Literal["raise_exception"]


@dataclass
class ToolGuardrailFunctionOutput:
    output_info: Any
    behavior: Any = field(default_factory=lambda: AllowBehavior(type="allow"))

    @classmethod
    def allow(cls, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        return cls(output_info=output_info, behavior=AllowBehavior(type="allow"))

    @classmethod
    def reject_content(cls, message: str, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        return cls(output_info=output_info,
                   behavior=RejectContentBehavior(type="reject_content", message=message))

    @classmethod
    def raise_exception(cls, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        return cls(output_info=output_info, behavior=RaiseExceptionBehavior(type="raise_exception"))


@dataclass
class ToolInputGuardrailData:
    context: Any
    agent: Any


@dataclass
class ToolOutputGuardrailData(ToolInputGuardrailData):
    output: Any


@dataclass
class ToolInputGuardrail(Generic[TContext]):
    guardrail_function: Callable[[ToolInputGuardrailData], Any]
    name: str | None = None

    def get_name(self) -> str:
        return self.name or self.guardrail_function.__name__

    async def run(self, data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        if not callable(self.guardrail_function):
            raise UserError(f"Guardrail function must be callable, got {self.guardrail_function}")
        return await maybe_await(self.guardrail_function(data))


@dataclass
class ToolOutputGuardrail(Generic[TContext]):
    guardrail_function: Callable[[ToolOutputGuardrailData], Any]
    name: str | None = None

    def get_name(self) -> str:
        return self.name or self.guardrail_function.__name__

    async def run(self, data: ToolOutputGuardrailData) -> ToolGuardrailFunctionOutput:
        if not callable(self.guardrail_function):
            raise UserError(f"Guardrail function must be callable, got {self.guardrail_function}")
        return await maybe_await(self.guardrail_function(data))


@dataclass
class ToolInputGuardrailResult:
    """One tool input guardrail's verdict on one call (``RunResult.tool_input_guardrail_results``)."""

    guardrail: ToolInputGuardrail[Any]
    output: ToolGuardrailFunctionOutput


@dataclass
class ToolOutputGuardrailResult:
    """One tool output guardrail's verdict on one call (``RunResult.tool_output_guardrail_results``)."""

    guardrail: ToolOutputGuardrail[Any]
    output: ToolGuardrailFunctionOutput


class ToolInputGuardrailTripwireTriggered(AgentsException):
    def __init__(self, guardrail: ToolInputGuardrail[Any], output: ToolGuardrailFunctionOutput) -> None:
        self.guardrail, self.output = guardrail, output
        super().__init__(f"Tool input guardrail {type(guardrail).__name__} triggered tripwire")


class ToolOutputGuardrailTripwireTriggered(AgentsException):
    def __init__(self, guardrail: ToolOutputGuardrail[Any], output: ToolGuardrailFunctionOutput) -> None:
        self.guardrail, self.output = guardrail, output
        super().__init__(f"Tool output guardrail {type(guardrail).__name__} triggered tripwire")


def tool_input_guardrail(func: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    def wrap(f: Callable[..., Any]) -> ToolInputGuardrail[Any]:
        return ToolInputGuardrail(guardrail_function=f, name=name or f.__name__)
    return wrap(func) if func is not None else wrap


def tool_output_guardrail(func: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    def wrap(f: Callable[..., Any]) -> ToolOutputGuardrail[Any]:
        return ToolOutputGuardrail(guardrail_function=f, name=name or f.__name__)
    return wrap(func) if func is not None else wrap


def _behavior(out: Any) -> dict[str, Any]:
    behavior = getattr(out, "behavior", None) or {"type": "allow"}
    return behavior if isinstance(behavior, dict) else {"type": getattr(behavior, "type", "allow")}


async def invoke_guarded(tool: Any, tool_ctx: Any, arguments: str, agent: Any,
                         results: list[Any] | None = None) -> Any:
    """Run ``tool`` through its input guardrails, the tool (bounded by its timeout, see
    handoff_nb.tool_timeout), then its output guardrails. Each verdict that let the step go on
    (allow / reject) is appended to ``results`` (the step's; a tripwire's is in the error)."""
    results = [] if results is None else results
    for g in getattr(tool, "tool_input_guardrails", None) or []:
        out = await g.run(ToolInputGuardrailData(context=tool_ctx, agent=agent))
        b = _behavior(out)
        if b["type"] == "raise_exception":
            raise ToolInputGuardrailTripwireTriggered(g, out)
        results.append(ToolInputGuardrailResult(guardrail=g, output=out))
        if b["type"] == "reject_content":
            return b.get("message", "")
    try:
        value = await invoke_function_tool(function_tool=tool, context=tool_ctx, arguments=arguments)
    except Exception as e:  # as the SDK: a tool's own error fails the run as a UserError naming it
        if isinstance(e, AgentsException):
            raise
        raise UserError(f"Error running tool {tool.name}: {e}") from e
    for g in getattr(tool, "tool_output_guardrails", None) or []:
        out = await g.run(ToolOutputGuardrailData(context=tool_ctx, agent=agent, output=value))
        b = _behavior(out)
        if b["type"] == "raise_exception":
            raise ToolOutputGuardrailTripwireTriggered(g, out)
        results.append(ToolOutputGuardrailResult(guardrail=g, output=out))
        if b["type"] == "reject_content":
            return b.get("message", "")
    return value
