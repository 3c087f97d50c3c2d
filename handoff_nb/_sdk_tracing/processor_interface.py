"""``agents.tracing.processor_interface``: the processor and exporter interfaces."""

from __future__ import annotations

import abc
from typing import Any


class TracingProcessor(abc.ABC):
    """Receives traces and spans as they start and end (``add_trace_processor``)."""

    @abc.abstractmethod
    def on_trace_start(self, trace: Any) -> None: ...

    @abc.abstractmethod
    def on_trace_end(self, trace: Any) -> None: ...

    @abc.abstractmethod
    def on_span_start(self, span: Any) -> None: ...

    @abc.abstractmethod
    def on_span_end(self, span: Any) -> None: ...

    def shutdown(self) -> None:  # noqa: B027 - optional, as in the SDK
        pass

    def force_flush(self) -> None:  # noqa: B027
        pass


class TracingExporter(abc.ABC):
    """Sends finished traces and spans somewhere (``export(items)``)."""

    @abc.abstractmethod
    def export(self, items: list[Any]) -> None: ...
