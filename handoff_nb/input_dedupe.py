"""Duplicate input items after ``call_model_input_filter``, collapsed as the SDK 0.24 does.

A filter may return the same tool call, tool output or reasoning item twice (say, the history
plus a re-added copy). Before the model call, items with the same identity (a tool call/output:
its type and ``call_id``; otherwise its type and ``id``) are collapsed into one carrying the
*latest* value. Where it sits: a tool call or reasoning item keeps its *earliest* position (it
must stay before the output or call that follows it, or the Responses API rejects the input);
any other identified item (a tool output ...) sits at its *latest* position. Messages (anything
with a ``role``) and items without an identity are never collapsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_CALL_OUTPUT = {"function_call": "function_call_output", "custom_tool_call": "custom_tool_call_output",
                "shell_call": "shell_call_output", "apply_patch_call": "apply_patch_call_output",
                "computer_call": "computer_call_output", "local_shell_call": "local_shell_call_output",
                "tool_search_call": "tool_search_output", "program": "program_output"}
_TOOL_TYPES = frozenset(_CALL_OUTPUT) | frozenset(_CALL_OUTPUT.values())
_KEEP_EARLIEST = frozenset(_CALL_OUTPUT) | {"reasoning", "mcp_approval_request"}
_PLACEHOLDER_ID = "__fake_id__"  # the SDK's FAKE_RESPONSES_ID: not an identity


def _as_dict(item: Any) -> dict[str, Any] | None:
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump(exclude_unset=True)
    return None


def identity(item: Any) -> str | None:
    """What makes two input items "the same item", or None when nothing does."""
    d = _as_dict(item)
    if d is None or d.get("role") is not None:
        return None
    kind = d.get("type")
    if kind == "message":
        return None
    call_id, item_id = d.get("call_id"), d.get("id")
    if isinstance(call_id, str) and kind in _TOOL_TYPES:
        return f"call:{kind}:{call_id}"
    if isinstance(item_id, str) and item_id != _PLACEHOLDER_ID:
        return f"id:{kind}:{item_id}"
    if isinstance(call_id, str):
        return f"call:{kind}:{call_id}"
    if isinstance(d.get("approval_request_id"), str):
        return f"approval:{kind}:{d['approval_request_id']}"
    return None


def collapse_duplicates(items: Sequence[Any]) -> list[Any]:
    """``items`` with each identified item once: its latest value, at the position above."""
    latest: dict[str, Any] = {}
    position: dict[str, int] = {}
    for index, item in enumerate(items):
        key = identity(item)
        if key is None:
            continue
        latest[key] = item
        d = _as_dict(item) or {}
        if key not in position or d.get("type") not in _KEEP_EARLIEST:
            position[key] = index
    out = []
    for index, item in enumerate(items):
        key = identity(item)
        if key is None:
            out.append(item)
        elif position[key] == index:
            out.append(latest[key])
    return out
