"""Exceptions, mirroring ``agents.exceptions``.

Every error raised while a :class:`~handoff_nb.run.Run` is stepping carries the run (``.run``)
and, where there is one, the step it happened in (``.step``), so nothing done before the failure
is lost: ``err.run.steps`` still holds every earlier step, and ``err.run.step()`` retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .run import Run, Step


@dataclass
class RunErrorDetails:
    """What a failed run had done (``err.run_data``, as the SDK's ``agents.exceptions``)."""

    input: Any
    new_items: list[Any]
    raw_responses: list[Any]
    last_agent: Any
    context_wrapper: Any
    input_guardrail_results: list[Any]
    output_guardrail_results: list[Any]
    tool_input_guardrail_results: list[Any] = field(default_factory=list)
    tool_output_guardrail_results: list[Any] = field(default_factory=list)


class AgentsException(Exception):
    """Base class for every handoff_nb error."""

    run: Run | None = None
    step: Step | None = None
    _run_data: RunErrorDetails | None = None

    @property
    def run_data(self) -> RunErrorDetails | None:
        """As in the SDK: the failed run's input, items, responses, agent and guardrail results
        (None for an error raised outside a run). Read from ``.run`` unless set."""
        if self._run_data is not None or self.run is None:
            return self._run_data
        run = self.run
        return RunErrorDetails(
            input=run.input, new_items=list(run._generated), raw_responses=list(run.raw_responses),
            last_agent=run.current_agent, context_wrapper=run.context_wrapper,
            input_guardrail_results=list(run.input_guardrail_results),
            output_guardrail_results=list(run.output_guardrail_results),
            tool_input_guardrail_results=run.tool_input_guardrail_results,
            tool_output_guardrail_results=run.tool_output_guardrail_results)

    @run_data.setter
    def run_data(self, value: RunErrorDetails | None) -> None:
        self._run_data = value

    def __init__(self, message: str = "", *args: Any) -> None:
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(AgentsException):
    """The library was used wrongly (bad configuration, bad callback, bad argument)."""


class ModelBehaviorError(AgentsException):
    """The model produced something the runner cannot act on (unknown tool, invalid arguments)."""


class MaxTurnsExceeded(AgentsException):
    """The run used up ``max_turns`` model calls without a final output."""


class ModelError(AgentsException):
    """Calling a model failed (HTTP error, timeout, connection refused...).

    The message never contains an API key: it names the step, the model and the cause.
    """


class HandoffCallbackError(UserError):
    """An ``on_handoff`` callback or an ``input_filter`` raised; ``__cause__`` is the original."""


class ScriptExhausted(AgentsException):
    """A :class:`~handoff_nb.models.scripted.ScriptedModel` was asked for more replies than scripted."""


class ReplayMismatch(AgentsException):
    """A :class:`~handoff_nb.models.replay.ReplayModel` got a request its cassette does not hold."""
