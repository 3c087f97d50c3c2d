"""How a function tool's structured return value becomes a ``function_call_output`` item.

As in the SDK (``ItemHelpers.tool_call_output_item``): a ``ToolOutputText`` / ``ToolOutputImage`` /
``ToolOutputFileContent`` (or a dict of that shape with an explicit ``type``), or a non-empty list
of them, is sent as a list of ``input_text`` / ``input_image`` / ``input_file`` parts; anything else
is not structured (None here) and the caller words it as text.
"""

from __future__ import annotations

from typing import Any

from .tool import ToolOutputFileContent, ToolOutputImage, ToolOutputText

_FIELDS = {"text": (ToolOutputText, ("text",)),
           "image": (ToolOutputImage, ("image_url", "file_id", "detail")),
           "file": (ToolOutputFileContent, ("file_data", "file_url", "file_id", "filename"))}
_PART = {"text": "input_text", "image": "input_image", "file": "input_file"}
_DETAILS = ("low", "high", "auto")


def _as_model(value: Any) -> Any:
    """``value`` as one of the three ToolOutput classes, or None when it is not one."""
    if isinstance(value, (ToolOutputText, ToolOutputImage, ToolOutputFileContent)):
        return value
    if not isinstance(value, dict) or value.get("type") not in _FIELDS:
        return None
    cls, fields = _FIELDS[value["type"]]
    kwargs = {k: value[k] for k in fields if k in value}
    if any(v is not None and not isinstance(v, str) for v in kwargs.values()):
        return None
    if cls is ToolOutputText and not isinstance(kwargs.get("text"), str):
        return None  # {"type": "text"} without text is no text output
    if cls is ToolOutputImage:
        if kwargs.get("detail") is not None and kwargs["detail"] not in _DETAILS:
            return None
        if kwargs.get("image_url") is None and kwargs.get("file_id") is None:
            return None
    if cls is ToolOutputFileContent and all(
            kwargs.get(k) is None for k in ("file_data", "file_url", "file_id")):
        return None
    return cls(**kwargs)


def _part(model: Any) -> dict[str, Any]:
    _cls, fields = _FIELDS[model.type]
    part: dict[str, Any] = {"type": _PART[model.type]}
    for name in fields:
        if getattr(model, name) is not None:
            part[name] = getattr(model, name)
    return part


def structured_tool_output(value: Any) -> list[dict[str, Any]] | None:
    """The Responses output parts of a structured tool output, or None for any other value."""
    if isinstance(value, (list, tuple)):
        models = [_as_model(v) for v in value]
        if models and all(m is not None for m in models):
            return [_part(m) for m in models]
        return None
    model = _as_model(value)
    return [_part(model)] if model is not None else None
