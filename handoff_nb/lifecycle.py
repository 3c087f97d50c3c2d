"""Lifecycle hooks, mirroring ``agents.lifecycle``. Override the methods you need."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .context import RunContextWrapper

if TYPE_CHECKING:  # pragma: no cover
    from .agent import Agent
    from .models.interface import ModelResponse
    from .tools import FunctionTool

TContext = TypeVar("TContext")


class RunHooks(Generic[TContext]):
    """Hooks for a whole run (passed as ``Runner.run(..., hooks=...)``)."""

    async def on_llm_start(self, context: RunContextWrapper[TContext], agent: Agent,
                           system_prompt: str | None, input_items: list[dict[str, Any]]) -> None: ...

    async def on_llm_end(self, context: RunContextWrapper[TContext], agent: Agent,
                         response: ModelResponse) -> None: ...

    async def on_agent_start(self, context: RunContextWrapper[TContext], agent: Agent) -> None: ...

    async def on_agent_end(self, context: RunContextWrapper[TContext], agent: Agent,
                           output: Any) -> None: ...

    async def on_handoff(self, context: RunContextWrapper[TContext], from_agent: Agent,
                         to_agent: Agent) -> None: ...

    async def on_tool_start(self, context: RunContextWrapper[TContext], agent: Agent,
                            tool: FunctionTool) -> None: ...

    async def on_tool_end(self, context: RunContextWrapper[TContext], agent: Agent,
                          tool: FunctionTool, result: str) -> None: ...


class AgentHooks(Generic[TContext]):
    """Hooks for one agent (set as ``Agent(hooks=...)``)."""

    async def on_start(self, context: RunContextWrapper[TContext], agent: Agent) -> None: ...

    async def on_end(self, context: RunContextWrapper[TContext], agent: Agent, output: Any) -> None: ...

    async def on_handoff(self, context: RunContextWrapper[TContext], agent: Agent,
                         source: Agent) -> None: ...

    async def on_tool_start(self, context: RunContextWrapper[TContext], agent: Agent,
                            tool: FunctionTool) -> None: ...

    async def on_tool_end(self, context: RunContextWrapper[TContext], agent: Agent,
                          tool: FunctionTool, result: str) -> None: ...

    async def on_llm_start(self, context: RunContextWrapper[TContext], agent: Agent,
                           system_prompt: str | None, input_items: list[dict[str, Any]]) -> None: ...

    async def on_llm_end(self, context: RunContextWrapper[TContext], agent: Agent,
                         response: ModelResponse) -> None: ...
