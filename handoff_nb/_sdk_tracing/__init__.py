"""The SDK's ``agents.tracing.*`` submodule paths over handoff_nb.tracing (a module, not a
package): :func:`install` registers ``handoff_nb.tracing.processor_interface``,
``.processors``, ``.spans``, ``.traces`` and ``.create`` so ``from handoff_nb.tracing.processors
import BatchTraceProcessor`` works as the SDK's import does."""

from __future__ import annotations

import sys
from .. import tracing


def install() -> None:
    from . import processor_interface, processors
    tracing.TracingProcessor = processor_interface.TracingProcessor  # type: ignore[attr-defined]
    tracing.TracingExporter = processor_interface.TracingExporter  # type: ignore[attr-defined]
    tracing.BatchTraceProcessor = processors.BatchTraceProcessor  # type: ignore[attr-defined]
    for name, module in (("processor_interface", processor_interface), ("processors", processors),
                         ("spans", tracing), ("traces", tracing), ("create", tracing)):
        sys.modules.setdefault(f"{tracing.__name__}.{name}", module)
        setattr(tracing, name, module) if not hasattr(tracing, name) else None
