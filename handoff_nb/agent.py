"""The Agent, mirroring ``agents.Agent``."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .views import bundle
from ._util import count_positional_params, maybe_await
from .context import RunContextWrapper
from .errors import UserError
from .handoffs import Handoff, handoff
from .lifecycle import AgentHooks
from .model_settings import ModelSettings
from .tools import FunctionTool
from .tool_use import StopAtTools, ToolsToFinalOutputFunction, ToolsToFinalOutputResult  # noqa: F401 - agents.agent's names
from .agent_tool import agent_as_tool
from .not_mirrored import not_mirrored

if TYPE_CHECKING:  # pragma: no cover
    from .models.interface import Model

TContext = TypeVar("TContext")


@dataclass(eq=False, repr=False)
class Agent(Generic[TContext]):
    """An LLM with instructions, tools and handoffs.

    ``instructions`` is a string or a callable ``(ctx, agent) -> str`` (sync or async).
    ``model`` is a model name (``"gpt-4o"``; resolved by the provider: OpenAI with a key, else the
    offline model), a Model object, or None (the default model).
    """

    name: str
    instructions: str | Callable[..., Any] | None = None
    handoff_description: str | None = None
    handoffs: list[Agent[Any] | Handoff[Any]] = field(default_factory=list)
    model: str | Model | None = None
    model_settings: ModelSettings = field(default_factory=ModelSettings)
    tools: list[FunctionTool] = field(default_factory=list)
    hooks: AgentHooks[TContext] | None = None
    reset_tool_choice: bool = True
    """As in the SDK: after this agent called a function tool, later requests in the run drop a
    forced ``tool_choice`` (so a server that obeys it does not loop until max_turns)."""
    output_type: Any = None
    """As in the SDK: the type of the final output (a pydantic model, dataclass, TypedDict, list...,
    or an ``AgentOutputSchemaBase``); the model is asked for JSON in its schema and the final text
    is validated into it (handoff_nb.agent_output). None or ``str``: plain text."""
    input_guardrails: list[Any] = field(default_factory=list)
    """As in the SDK: ``@input_guardrail`` functions run on the input of the run's first turn."""
    output_guardrails: list[Any] = field(default_factory=list)
    """As in the SDK: ``@output_guardrail`` functions run on the final output."""
    prompt: Any = None
    """Not mirrored (a Responses API prompt template): setting it raises UserError."""
    mcp_servers: list[Any] = field(default_factory=list)
    """Not mirrored (MCP servers): setting it raises UserError."""
    tool_use_behavior: Any = "run_llm_again"
    """As in the SDK: "run_llm_again", "stop_on_first_tool", ``StopAtTools(stop_at_tool_names=[...])``
    or a function ``(ctx, [FunctionToolResult]) -> ToolsToFinalOutputResult``
    (handoff_nb.tool_use)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise UserError(f"Agent name must be a non-empty string, got {self.name!r}")
        if self.instructions is not None and not (isinstance(self.instructions, str)
                                                  or callable(self.instructions)):
            raise UserError(f"Agent {self.name!r}: instructions must be a string or a callable "
                            f"(ctx, agent) -> str, got {type(self.instructions).__name__}")
        if callable(self.instructions) and count_positional_params(self.instructions) not in (2, None):
            raise UserError(f"Agent {self.name!r}: an instructions callable must take (ctx, agent)")
        self.handoffs = list(self.handoffs)
        self.tools = list(self.tools)
        if self.model_settings is None:
            self.model_settings = ModelSettings()
        for h in self.handoffs:
            if not isinstance(h, (Agent, Handoff)):
                raise UserError(f"Agent {self.name!r}: handoffs must be Agents or handoff(...) "
                                f"objects, got {h!r}")
        for t in self.tools:
            if not isinstance(t, FunctionTool):
                raise UserError(f"Agent {self.name!r}: tools must be @function_tool functions, "
                                f"got {t!r}. Hosted, MCP and other tool kinds run on the SDK "
                                "engine (handoff_nb.sdk_engine) only")
        for name, what in (("prompt", "prompt templates"), ("mcp_servers", "MCP servers")):
            if getattr(self, name):
                raise not_mirrored(f"Agent({name}=...) ({what})")
        self.input_guardrails = list(self.input_guardrails or [])
        self.output_guardrails = list(self.output_guardrails or [])
        # tool-name collisions: the SDK warns when a run meets them and keeps the last
        # (handoff_nb.tool_names); lint reports them (check_tool_names)

    def check_tool_names(self) -> None:
        """Raise UserError if two tools or handoffs of this agent share a tool name."""
        seen: dict[str, str] = {}
        entries = [(t.name, f"function tool {t.name!r}") for t in self.tools]
        entries += [(h.tool_name, f"handoff to {h.agent_name!r}") for h in self.handoff_objects()]
        for tool_name, what in entries:
            if tool_name in seen:
                raise UserError(f"Agent {self.name!r}: tool name {tool_name!r} is used twice: by "
                                f"{seen[tool_name]} and by {what}. Give one of them a "
                                "tool_name_override.")
            seen[tool_name] = what

    def as_tool(self, tool_name: str | None = None, tool_description: str | None = None,
                custom_output_extractor: Callable[..., Any] | None = None, **options: Any
                ) -> FunctionTool:
        """This agent as a function tool another agent calls (as in the SDK): the tool runs this
        agent on the input the model gives and returns its final output. The caller keeps the
        conversation (compare handoffs, which pass it on). See handoff_nb.agent_tool."""
        return agent_as_tool(self, tool_name, tool_description, custom_output_extractor, **options)

    def handoff_objects(self) -> list[Handoff[Any]]:
        """Every handoff as a Handoff (bare agents get the SDK defaults, built fresh each time so
        edits to the target's name or handoff_description show up)."""
        return [h if isinstance(h, Handoff) else handoff(h) for h in self.handoffs]

    async def get_enabled_handoffs(self, ctx: RunContextWrapper[Any]) -> list[Handoff[Any]]:
        return [h for h in self.handoff_objects() if await h.enabled(ctx, self)]

    async def get_all_tools(self, ctx: RunContextWrapper[Any]) -> list[FunctionTool]:
        """The tools the model is shown now (as the SDK's; only function tools here)."""
        return await self.get_enabled_tools(ctx)

    async def get_enabled_tools(self, ctx: RunContextWrapper[Any]) -> list[FunctionTool]:
        """The tools whose ``is_enabled`` holds now. As in the SDK, the callable checks run
        concurrently, and when one raises the others are cancelled (and waited for)."""
        tools = list(self.tools)
        if not any(callable(t.is_enabled) for t in tools):
            return [t for t in tools if t.is_enabled]

        async def check(t: FunctionTool) -> bool:
            return bool(await maybe_await(t.is_enabled(ctx, self) if callable(t.is_enabled)
                                          else t.is_enabled))

        tasks = [asyncio.ensure_future(check(t)) for t in tools]
        try:
            flags = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [t for t, ok in zip(tools, flags) if ok]

    async def get_system_prompt(self, ctx: RunContextWrapper[Any]) -> str | None:
        if callable(self.instructions):
            value = await maybe_await(self.instructions(ctx, self))
            if value is not None and not isinstance(value, str):
                raise UserError(f"Agent {self.name!r}: instructions callable returned "
                                f"{type(value).__name__}, expected str")
            return value
        return self.instructions

    def clone(self, **changes: Any) -> Agent[TContext]:
        """A shallow copy with some fields changed (lists are copied, not shared)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["handoffs"] = list(self.handoffs)
        values["tools"] = list(self.tools)
        values.update(changes)
        return type(self)(**values)

    def walk(self) -> list[Agent[Any]]:
        """This agent and every agent reachable through handoffs, each once, in BFS order."""
        seen: dict[int, Agent[Any]] = {id(self): self}
        queue = [self]
        while queue:
            a = queue.pop(0)
            for h in a.handoff_objects():
                if h.agent is not None and id(h.agent) not in seen:
                    seen[id(h.agent)] = h.agent
                    queue.append(h.agent)
        return list(seen.values())

    def __repr__(self) -> str:
        targets = ", ".join(h.agent_name for h in self.handoff_objects())
        return f"Agent(name={self.name!r}, handoffs=[{targets}], tools={[t.name for t in self.tools]})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return bundle("agent", self)  # drawn by handoff_nb.render (handoff_nb.views)


AgentBase = Agent
"""The SDK's common base of agents (``agents.AgentBase``): here the Agent itself."""
