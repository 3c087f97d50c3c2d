"""``agents.tracing.processors``: a processor that batches finished traces/spans to an exporter.

Unlike the SDK's, it keeps no background thread: items are exported when ``max_batch_size`` are
queued, on :meth:`force_flush` and on :meth:`shutdown` (nothing leaves the process on its own).
"""

from __future__ import annotations

import threading
from typing import Any

from .processor_interface import TracingExporter, TracingProcessor


class BatchTraceProcessor(TracingProcessor):
    def __init__(self, exporter: TracingExporter, max_queue_size: int = 8192,
                 max_batch_size: int = 128, schedule_delay: float = 5.0,
                 export_trigger_ratio: float = 0.7) -> None:
        self._exporter = exporter
        self._max_queue = max_queue_size
        self._max_batch = max_batch_size
        self._queue: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    def _add(self, item: Any) -> None:
        with self._lock:
            if self._closed or len(self._queue) >= self._max_queue:
                return
            self._queue.append(item)
            full = len(self._queue) >= self._max_batch
        if full:
            self.force_flush()

    def on_trace_start(self, trace: Any) -> None:
        self._add(trace)  # the SDK exports traces when they start

    def on_trace_end(self, trace: Any) -> None:
        pass

    def on_span_start(self, span: Any) -> None:
        pass

    def on_span_end(self, span: Any) -> None:
        self._add(span)

    def force_flush(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        while batch:
            self._exporter.export(batch[:self._max_batch])
            batch = batch[self._max_batch:]

    def shutdown(self, timeout: float | None = None) -> None:
        self.force_flush()
        self._closed = True
