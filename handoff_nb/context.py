"""Run context and usage, mirroring ``agents.run_context`` / ``agents.usage``."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

TContext = TypeVar("TContext")


@dataclass
class InputTokensDetails:
    cached_tokens: int = 0


@dataclass
class OutputTokensDetails:
    reasoning_tokens: int = 0


@dataclass
class RequestUsage:
    """One model call's usage (an entry of ``Usage.request_usage_entries``, as in the SDK)."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: InputTokensDetails = field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = field(default_factory=OutputTokensDetails)


@dataclass
class Usage:
    """Token counts summed over a run (``requests`` counts model calls).

    As in the SDK, :meth:`add` keeps one :class:`RequestUsage` per model call that reported
    tokens in ``request_usage_entries`` (kept out of the saved/serialised fields)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def __post_init__(self) -> None:
        self._entries: list[RequestUsage] = []

    @property
    def request_usage_entries(self) -> list[RequestUsage]:
        return self._entries

    @request_usage_entries.setter
    def request_usage_entries(self, value: list[RequestUsage]) -> None:
        self._entries = list(value)

    @property
    def input_tokens_details(self) -> InputTokensDetails:
        return InputTokensDetails()

    @property
    def output_tokens_details(self) -> OutputTokensDetails:
        return OutputTokensDetails()

    def add(self, other: Usage) -> None:
        self.requests += other.requests or 0
        self.input_tokens += other.input_tokens or 0
        self.output_tokens += other.output_tokens or 0
        self.total_tokens += other.total_tokens or 0
        entries = getattr(other, "_entries", None) or []
        if entries:
            self._entries.extend(copy.deepcopy(entries))
        elif other.requests == 1 and (other.input_tokens or other.output_tokens or other.total_tokens):
            self._entries.append(RequestUsage(other.input_tokens, other.output_tokens,
                                              other.total_tokens))


@dataclass
class RunContextWrapper(Generic[TContext]):
    """Wraps the user's context object. The context is never sent to the model."""

    context: TContext
    usage: Usage = field(default_factory=Usage)


@dataclass
class AgentHookContext(RunContextWrapper[TContext]):
    """What agent-start hooks receive (as in the SDK): the run context plus the input of the
    turn the agent starts with (``turn_input``). It shares the run's context and usage."""

    turn_input: list[Any] = field(default_factory=list)
