"""Output-only fields of Responses items, dropped before an item is sent back as input.

Its own module (no imports) so that both ``items`` and ``models.interface`` use it.
"""

from __future__ import annotations

from typing import Any

OUTPUT_ONLY_FIELDS = frozenset({"created_by"})
"""Fields the Responses API puts on output items but refuses on input items."""


def replayable(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` as the Responses API takes it back as input (as the SDK's replay sanitizer):
    without the output-only ``created_by``, also inside each chunk of a ``shell_call_output``.
    Returns ``item`` itself when there is nothing to drop; never changes it."""
    shell_output = item.get("type") == "shell_call_output"
    if not shell_output and OUTPUT_ONLY_FIELDS.isdisjoint(item):
        return item
    out = {k: v for k, v in item.items() if k not in OUTPUT_ONLY_FIELDS}
    if shell_output and isinstance(out.get("output"), list):
        out["output"] = [{k: v for k, v in c.items() if k not in OUTPUT_ONLY_FIELDS}
                         if isinstance(c, dict) else c for c in out["output"]]
    return type(item)(out)


SHELL_OUTPUT_BOOKKEEPING = ("status", "shell_output", "provider_data")
"""What a ``shell_call_output`` run item carries for the run's own books and the Responses API
does not take back (the SDK's ``ToolCallOutputItem.to_input_item`` drops them too)."""
