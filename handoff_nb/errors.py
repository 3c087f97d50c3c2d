"""Exceptions, mirroring ``agents.exceptions``.

Every error raised while a :class:`~handoff_nb.run.Run` is stepping carries the run (``.run``)
and, where there is one, the step it happened in (``.step``), so nothing done before the failure
is lost: ``err.run.steps`` still holds every earlier step, and ``err.run.step()`` retries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .run import Run, Step


class AgentsException(Exception):
    """Base class for every handoff_nb error."""

    run: Run | None = None
    step: Step | None = None

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
