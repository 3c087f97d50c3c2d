"""``handoff_nb.decorators.tool``: the SDK's ``agents.decorators.tool`` -- ``function_tool`` under
the name the SDK's examples import (``@tool``, ``@tool(name_override=..., description_override=...)``)."""

from ._sdk_names import lookup as _lookup
from .guardrail import input_guardrail, output_guardrail
from .tools import function_tool
from .tools import function_tool as tool


def __getattr__(name: str) -> object:
    return _lookup(name)  # the SDK's other names: handoff_nb._sdk_names


__all__ = ["function_tool", "input_guardrail", "output_guardrail", "tool"]
