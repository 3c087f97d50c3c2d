"""The SDK's ``agents.exceptions`` module path: every error handoff_nb raises."""

from __future__ import annotations

from typing import Any

from .errors import (AgentsException, HandoffCallbackError, MaxTurnsExceeded, ModelBehaviorError,
                     ModelError, ReplayMismatch, RunErrorDetails, ScriptExhausted, UserError)


class ToolTimeoutError(AgentsException):
    """A function tool call took longer than its ``timeout`` (as the SDK's ``ToolTimeoutError``)."""

    def __init__(self, tool_name: str, timeout_seconds: float) -> None:
        self.tool_name, self.timeout_seconds = tool_name, timeout_seconds
        super().__init__(f"Tool '{tool_name}' timed out after {timeout_seconds:g} seconds.")


class InputGuardrailTripwireTriggered(AgentsException):
    """An input guardrail's tripwire was triggered (``guardrail_result`` says which)."""

    def __init__(self, guardrail_result: Any) -> None:
        self.guardrail_result = guardrail_result
        super().__init__(f"Guardrail {type(guardrail_result.guardrail).__name__} triggered tripwire")


class OutputGuardrailTripwireTriggered(AgentsException):
    """An output guardrail's tripwire was triggered (``guardrail_result`` says which)."""

    def __init__(self, guardrail_result: Any) -> None:
        self.guardrail_result = guardrail_result
        super().__init__(f"Guardrail {type(guardrail_result.guardrail).__name__} triggered tripwire")


__all__ = ["AgentsException", "HandoffCallbackError", "InputGuardrailTripwireTriggered",
           "MaxTurnsExceeded", "ModelBehaviorError", "ModelError", "OutputGuardrailTripwireTriggered",
           "ReplayMismatch", "RunErrorDetails", "ScriptExhausted", "ToolTimeoutError", "UserError"]
