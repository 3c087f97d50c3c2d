"""Run context and usage, mirroring ``agents.run_context`` / ``agents.usage``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

TContext = TypeVar("TContext")


@dataclass
class Usage:
    """Token counts summed over a run (``requests`` counts model calls)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.requests += other.requests
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.total_tokens += other.total_tokens


@dataclass
class RunContextWrapper(Generic[TContext]):
    """Wraps the user's context object. The context is never sent to the model."""

    context: TContext
    usage: Usage = field(default_factory=Usage)
