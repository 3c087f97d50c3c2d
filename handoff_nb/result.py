"""RunResult, mirroring ``agents.result.RunResult``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .views import bundle
from .context import RunContextWrapper
from .items import RunItem, TResponseInputItem, normalize_input
from .errors import UserError
from .streaming import RunResultStreaming
from .tool_guardrails import ToolInputGuardrailResult, ToolOutputGuardrailResult

if TYPE_CHECKING:  # pragma: no cover
    from .agent import Agent
    from .models.interface import ModelResponse
    from .run import Step


@dataclass(repr=False)
class RunResult:
    input: str | list[TResponseInputItem]
    """The input the run started with, as given."""
    new_items: list[RunItem]
    """The items the next turn builds on (after any handoff input filter), as in the SDK."""
    raw_responses: list[ModelResponse]
    final_output: Any
    last_agent: Agent
    context_wrapper: RunContextWrapper[Any]
    steps: list[Step] = field(default_factory=list)
    agent_path: list[str] = field(default_factory=list)
    """Agent names in order: the handoff chain, starting with the entry agent."""
    _input_items: list[TResponseInputItem] | None = None
    all_items: list[RunItem] = field(default_factory=list)
    """Every item generated, unfiltered: the transcript."""
    starting_agent: Agent | None = None
    input_guardrail_results: list[Any] = field(default_factory=list)
    output_guardrail_results: list[Any] = field(default_factory=list)

    @property
    def tool_input_guardrail_results(self) -> list[Any]:
        """As in the SDK: every tool input guardrail verdict of the run (handoff_nb.tool_guardrails)."""
        return [r for s in self.steps for r in s.tool_guardrail_results
                if isinstance(r, ToolInputGuardrailResult)]

    @property
    def tool_output_guardrail_results(self) -> list[Any]:
        return [r for s in self.steps for r in s.tool_guardrail_results
                if isinstance(r, ToolOutputGuardrailResult)]

    @property
    def interruptions(self) -> list[Any]:
        """Tool calls waiting for approval: none in a finished run (handoff_nb.approvals)."""
        return []

    def final_output_as(self, cls: type[Any], raise_if_incorrect_type: bool = False) -> Any:
        """The final output, typed as ``cls`` (as in the SDK: checked only on request)."""
        if raise_if_incorrect_type and not isinstance(self.final_output, cls):
            raise UserError(f"Final output is not of type {cls.__name__}")
        return self.final_output

    def __post_init__(self) -> None:
        if self.starting_agent is None:
            self.starting_agent = self.steps[0].agent if self.steps else self.last_agent

    @property
    def current_agent(self) -> Agent:
        return self.last_agent

    @property
    def initial_items(self) -> list[TResponseInputItem]:
        return normalize_input(self.input)

    def to_input_list(self) -> list[TResponseInputItem]:
        """Input items for the next run: the (filtered) history plus the new items."""
        base = self._input_items if self._input_items is not None else normalize_input(self.input)
        return [dict(i) for i in base] + [item.to_input_item() for item in self.new_items]

    @property
    def context(self) -> Any:
        return self.context_wrapper.context

    @property
    def last_response_id(self) -> str | None:
        return self.raw_responses[-1].response_id if self.raw_responses else None

    def __repr__(self) -> str:
        return (f"RunResult(last_agent={self.last_agent.name!r}, path={' -> '.join(self.agent_path)}, "
                f"final_output={self.final_output!r})")

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return bundle("result", self)  # drawn by handoff_nb.render (handoff_nb.views)


def __getattr__(name: str) -> Any:
    if name == "RunResultStreaming":  # agents.result.RunResultStreaming (in handoff_nb.streaming)
        return RunResultStreaming
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
