"""``agents.tool_context``: the context a function tool receives (the run context plus which call
this is). It shares the run's context object and usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from .context import RunContextWrapper

TContext = TypeVar("TContext")


@dataclass
class ToolContext(RunContextWrapper[TContext]):
    tool_name: str = ""
    tool_call_id: str = ""
    tool_arguments: str = ""
    run_config: Any = None
    """The RunConfig of the run calling the tool (agents as tools run nested with it)."""
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, ctx: RunContextWrapper[Any], tool_name: str, tool_call_id: str,
           tool_arguments: str, run_config: Any = None) -> ToolContext[Any]:
        return cls(context=ctx.context, usage=ctx.usage, tool_name=tool_name,
                   tool_call_id=tool_call_id, tool_arguments=tool_arguments, run_config=run_config)
