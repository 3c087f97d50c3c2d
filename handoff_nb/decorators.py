"""``handoff_nb.decorators.tool``: the SDK's ``agents.decorators.tool`` -- ``function_tool`` under
the name the SDK's examples import (``@tool``, ``@tool(name_override=..., description_override=...)``)."""

from .tools import function_tool as tool

__all__ = ["tool"]
