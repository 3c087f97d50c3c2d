"""Input and output guardrails, mirroring ``agents.guardrail``.

The seam with the runner is two calls: :func:`run_input_guardrails` before the first model call of
a run (here always before it, so a stepped run never pays for a call a tripwire rejects; the SDK
may run them in parallel with it) and :func:`run_output_guardrails` on the final output. A
triggered tripwire raises ``InputGuardrailTripwireTriggered`` / ``OutputGuardrailTripwireTriggered``
(handoff_nb.exceptions) with the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._util import maybe_await
from .errors import UserError
from .exceptions import InputGuardrailTripwireTriggered
from .exceptions import OutputGuardrailTripwireTriggered

TContext = TypeVar("TContext")


@dataclass
class GuardrailFunctionOutput:
    output_info: Any
    tripwire_triggered: bool


@dataclass
class InputGuardrailResult:
    guardrail: InputGuardrail[Any]
    output: GuardrailFunctionOutput


@dataclass
class OutputGuardrailResult:
    guardrail: OutputGuardrail[Any]
    agent_output: Any
    agent: Any
    output: GuardrailFunctionOutput


@dataclass
class InputGuardrail(Generic[TContext]):
    guardrail_function: Callable[..., Any]
    """``(ctx, agent, input) -> GuardrailFunctionOutput`` (sync or async)."""
    name: str | None = None
    run_in_parallel: bool = True

    def get_name(self) -> str:
        return self.name or getattr(self.guardrail_function, "__name__", "input_guardrail")

    async def run(self, agent: Any, input: Any, context: Any) -> InputGuardrailResult:
        if not callable(self.guardrail_function):
            raise UserError(f"Guardrail function must be callable, got {self.guardrail_function}")
        out = await maybe_await(self.guardrail_function(context, agent, input))
        return InputGuardrailResult(guardrail=self, output=out)


@dataclass
class OutputGuardrail(Generic[TContext]):
    guardrail_function: Callable[..., Any]
    """``(ctx, agent, agent_output) -> GuardrailFunctionOutput`` (sync or async)."""
    name: str | None = None

    def get_name(self) -> str:
        return self.name or getattr(self.guardrail_function, "__name__", "output_guardrail")

    async def run(self, context: Any, agent: Any, agent_output: Any) -> OutputGuardrailResult:
        if not callable(self.guardrail_function):
            raise UserError(f"Guardrail function must be callable, got {self.guardrail_function}")
        out = await maybe_await(self.guardrail_function(context, agent, agent_output))
        return OutputGuardrailResult(guardrail=self, agent=agent, agent_output=agent_output, output=out)


def input_guardrail(func: Callable[..., Any] | None = None, *, name: str | None = None,
                    run_in_parallel: bool = True) -> Any:
    """Decorator: a function ``(ctx, agent, input)`` becomes an :class:`InputGuardrail`."""
    def wrap(f: Callable[..., Any]) -> InputGuardrail[Any]:
        return InputGuardrail(guardrail_function=f, name=name or f.__name__,
                              run_in_parallel=run_in_parallel)
    return wrap(func) if func is not None else wrap


def output_guardrail(func: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Decorator: a function ``(ctx, agent, agent_output)`` becomes an :class:`OutputGuardrail`."""
    def wrap(f: Callable[..., Any]) -> OutputGuardrail[Any]:
        return OutputGuardrail(guardrail_function=f, name=name or f.__name__)
    return wrap(func) if func is not None else wrap


async def run_input_guardrails(run: Any, agent: Any) -> None:
    """Before the run's first model call: the RunConfig's then the agent's input guardrails."""
    guardrails = list(getattr(run.run_config, "input_guardrails", None) or []) + list(agent.input_guardrails)
    if not guardrails:
        return
    run.input_guardrail_results = []  # a retried first step runs them again
    for g in guardrails:
        result = await g.run(agent, run.input, run.context_wrapper)
        run.input_guardrail_results.append(result)
        if result.output.tripwire_triggered:
            raise InputGuardrailTripwireTriggered(result)


async def run_output_guardrails(run: Any, agent: Any, final_output: Any) -> None:
    """On the final output: the RunConfig's then the agent's output guardrails."""
    guardrails = list(getattr(run.run_config, "output_guardrails", None) or []) + list(agent.output_guardrails)
    if not guardrails:
        return
    for g in guardrails:
        result = await g.run(run.context_wrapper, agent, final_output)
        run.output_guardrail_results.append(result)
        if result.output.tripwire_triggered:
            raise OutputGuardrailTripwireTriggered(result)
