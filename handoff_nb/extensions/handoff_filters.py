"""Common handoff input filters, mirroring ``agents.extensions.handoff_filters``: ``remove_all_tools``,
``nest_handoff_history`` and ``default_handoff_history_mapper``.

``keep_last_n_messages`` is handoff_nb's own (not in the SDK): it lives in :mod:`handoff_nb.filters`
so code written here ports back to the SDK; importing it from here still works, with a warning.
"""

from __future__ import annotations

from ..handoffs import HandoffInputData
from ..items import TOOL_ITEM_TYPES, RunItem, is_tool_input_item

from ..handoffs import default_handoff_history_mapper, nest_handoff_history

__all__ = ["default_handoff_history_mapper", "nest_handoff_history", "remove_all_tools"]


def _strip_items(items: tuple[RunItem, ...]) -> tuple[RunItem, ...]:
    return tuple(i for i in items if not isinstance(i, TOOL_ITEM_TYPES))


# as SDK 0.24: every tool-ish input item type, hosted tools and reasoning included
_TOOL_INPUT_TYPES = frozenset({
    "function_call", "function_call_output", "computer_call", "computer_call_output",
    "file_search_call", "tool_search_call", "tool_search_output", "web_search_call", "mcp_call",
    "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "reasoning",
    "code_interpreter_call", "image_generation_call", "local_shell_call", "local_shell_call_output",
    "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output",
    "custom_tool_call", "custom_tool_call_output", "hosted_tool_call", "program", "program_output"})


def remove_all_tools(handoff_input_data: HandoffInputData) -> HandoffInputData:
    """Drop every tool and handoff call and output (hosted-tool and reasoning items too, as SDK
    0.24 does) from the history, the earlier items, the new items and ``input_items``."""
    history = handoff_input_data.input_history
    if not isinstance(history, str):
        history = tuple(i for i in history
                        if not (is_tool_input_item(i) or i.get("type") in _TOOL_INPUT_TYPES))
    existing = handoff_input_data.input_items
    return handoff_input_data.clone(
        input_history=history,
        pre_handoff_items=_strip_items(handoff_input_data.pre_handoff_items),
        new_items=_strip_items(handoff_input_data.new_items),
        input_items=_strip_items(existing) if existing is not None else None)




def __getattr__(name: str) -> object:
    if name == "keep_last_n_messages":
        import warnings
        warnings.warn("keep_last_n_messages is handoff_nb's own filter, not the SDK's: import it from "
                      "handoff_nb.filters", DeprecationWarning, stacklevel=2)
        from ..filters import keep_last_n_messages
        return keep_last_n_messages
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
