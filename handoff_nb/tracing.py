"""Tracing, mirroring the names of ``agents.tracing`` -- recorded locally as handoff_nb records.

``with trace("Customer service", group_id=conversation_id):`` groups the runs started inside it;
``custom_span("lookup")`` records a named span. Nothing is exported anywhere: a trace is a value
you can look at (``trace.runs``, ``trace.spans``), and every Run started inside a trace knows it
(``run.trace``), so the Run view shows the workflow and group names. Processors registered with
:func:`add_trace_processor` get ``on_trace_start/on_trace_end/on_span_start/on_span_end`` calls,
as SDK processors do; :func:`set_tracing_disabled` turns all of it off.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .run import Run

__all__ = ["Span", "Trace", "add_trace_processor", "custom_span", "gen_span_id", "gen_trace_id",
           "get_current_trace", "set_trace_processors", "set_tracing_disabled", "trace"]

_current: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("handoff_nb_trace", default=None)
_processors: list[Any] = []
_disabled = False


def gen_trace_id() -> str:
    """A new trace id in the SDK's format: ``trace_`` and 32 hex digits."""
    return f"trace_{uuid.uuid4().hex}"


def gen_span_id() -> str:
    return f"span_{uuid.uuid4().hex[:24]}"


def set_tracing_disabled(disabled: bool) -> None:
    """Turn tracing off (or on) for the whole process."""
    global _disabled
    _disabled = bool(disabled)


def add_trace_processor(processor: Any) -> None:
    """Call ``processor.on_trace_start/on_trace_end/on_span_start/on_span_end`` (each optional)."""
    _processors.append(processor)


def set_trace_processors(processors: list[Any]) -> None:
    _processors[:] = list(processors)


def _notify(event: str, obj: Any) -> None:
    for p in list(_processors):
        fn = getattr(p, event, None)
        if callable(fn):
            fn(obj)


@dataclass
class Span:
    name: str
    data: dict[str, Any] = field(default_factory=dict)
    span_id: str = field(default_factory=gen_span_id)
    trace_id: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    error: str | None = None

    def start(self, mark_as_current: bool = False) -> None:
        self.started_at = time.time()
        _notify("on_span_start", self)

    def finish(self, reset_current: bool = False) -> None:
        self.ended_at = time.time()
        _notify("on_span_end", self)

    def __enter__(self) -> Span:
        self.start()
        return self

    def export(self) -> dict[str, Any]:
        """The span as the SDK's exporters receive it."""
        return {"object": "trace.span", "id": self.span_id, "trace_id": self.trace_id,
                "parent_id": None, "started_at": self.started_at, "ended_at": self.ended_at,
                "span_data": {"type": "custom", "name": self.name, "data": self.data},
                "error": self.error}

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is not None:
            self.error = f"{type(exc).__name__}: {exc}"
        self.finish()


@dataclass
class Trace:
    """A workflow: the runs and spans started inside ``with trace(...)``."""

    name: str
    trace_id: str = field(default_factory=gen_trace_id)
    group_id: str | None = None
    metadata: dict[str, Any] | None = None
    disabled: bool = False
    runs: list[Run] = field(default_factory=list, repr=False)
    spans: list[Span] = field(default_factory=list, repr=False)
    started_at: float | None = None
    ended_at: float | None = None
    automatic: bool = False
    """Made by a run started outside any ``with trace(...)`` (named by RunConfig.workflow_name)."""
    _token: Any = field(default=None, repr=False)

    @property
    def workflow_name(self) -> str:
        return self.name

    def start(self, mark_as_current: bool = False) -> None:
        self.started_at = time.time()
        if mark_as_current:
            self._token = _current.set(self)
        if not self.disabled:
            _notify("on_trace_start", self)

    def finish(self, reset_current: bool = False) -> None:
        self.ended_at = time.time()
        if reset_current and self._token is not None:
            _current.reset(self._token)
            self._token = None
        if not self.disabled:
            _notify("on_trace_end", self)

    def __enter__(self) -> Trace:
        self.start(mark_as_current=True)
        return self

    def export(self) -> dict[str, Any] | None:
        """The trace as the SDK's exporters receive it."""
        return {"object": "trace", "id": self.trace_id, "workflow_name": self.name,
                "group_id": self.group_id, "metadata": self.metadata}

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.finish(reset_current=True)

    def label(self) -> str:
        """"workflow · group" as the views show it."""
        return self.name + (f" · group {self.group_id}" if self.group_id else "")


def trace(workflow_name: str, trace_id: str | None = None, group_id: str | None = None,
          metadata: dict[str, Any] | None = None, disabled: bool = False) -> Trace:
    """A trace for ``with trace(...)``; runs started inside it are recorded in ``trace.runs``."""
    return Trace(name=workflow_name, trace_id=trace_id or gen_trace_id(), group_id=group_id,
                 metadata=metadata, disabled=disabled or _disabled)


def get_current_trace() -> Trace | None:
    return _current.get()


def custom_span(name: str, data: dict[str, Any] | None = None, disabled: bool = False) -> Span:
    """A named span in the current trace (``with custom_span("lookup"): ...``)."""
    current = _current.get()
    span = Span(name=name, data=dict(data or {}), trace_id=current.trace_id if current else None)
    if current is not None and not (disabled or _disabled or current.disabled):
        current.spans.append(span)
    return span


def _register_run(run: Run) -> Trace | None:
    """Called by Run: the trace the run belongs to (the current one), or None."""
    current = _current.get()
    if current is None or current.disabled or _disabled:
        return None
    current.runs.append(run)
    return current
