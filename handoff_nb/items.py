"""Run items: what a run generates, mirroring the SDK's item classes.

The raw item of every run item is a dict in the SDK's *input item* shape, so
``item.to_input_item()`` is a copy of it and ``RunResult.to_input_list()`` can feed the next run
(of handoff_nb or of the SDK):

- assistant text: ``{"role": "assistant", "content": "..."}`` (the SDK returns the Responses
  shape, ``content`` a list of ``output_text`` parts; both are accepted as input everywhere, and
  :func:`assistant_message` builds the SDK's). We keep the string form because seed 001's filter
  reads ``msg.get("content", "").startswith(...)`` on the history -- a seed must run as written
  (on the SDK itself that line fails once the history holds an assistant reply).
- a tool or handoff call: ``{"type": "function_call", "call_id", "name", "arguments"}``
- its output: ``{"type": "function_call_output", "call_id", "output"}``

Raw items are :class:`RawItem` dicts: ``item.raw_item["name"]`` and ``item.raw_item.name`` both
work, as with the SDK's Responses objects, and ``msg.get("content", "")`` works on every item.
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any, Literal, Union

from ._output_only import SHELL_OUTPUT_BOOKKEEPING, replayable
from .errors import ModelBehaviorError, UserError
from .tool_output import structured_tool_output
from .models.interface import ModelResponse

if TYPE_CHECKING:  # pragma: no cover
    from .agent import Agent

TResponseInputItem = dict[str, Any]


class RawItem(dict):  # type: ignore[type-arg]
    """A dict whose keys also read as attributes (``raw_item.name``, ``raw_item.call_id``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no {name!r} "
                                 f"(keys: {', '.join(self)})") from None


def assistant_message(text: str, item_id: str | None = None) -> RawItem:
    """Assistant text as the SDK returns it (Responses ``message`` with one ``output_text`` part).
    The id is derived from the text, so identical runs give identical items (replays match)."""
    if item_id is None:
        import hashlib
        item_id = "msg_" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:24]
    return RawItem({"id": item_id, "type": "message", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]})


_NO_DEFAULT = object()


class _HeldAgent:
    """A run item's agent field: a strong reference until :meth:`_RunItemBase.release_agent`,
    then a weak one (as the SDK's items, so a kept item does not keep its agents alive)."""

    def __init__(self, default: Any = _NO_DEFAULT) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.key = name, f"_held_{name}"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # the class's view: the dataclass default, or "no default"
            if self.default is _NO_DEFAULT:
                raise AttributeError(self.name)
            return self.default
        value = obj.__dict__.get(self.key)
        return value() if isinstance(value, weakref.ref) else value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.key] = value

    def release(self, obj: Any) -> None:
        value = obj.__dict__.get(self.key)
        if value is not None and not isinstance(value, weakref.ref):
            obj.__dict__[self.key] = weakref.ref(value)


@dataclass
class _RunItemBase:
    agent: Agent = _HeldAgent()  # type: ignore[assignment]
    raw_item: dict[str, Any]

    def __post_init__(self) -> None:
        if hasattr(self.raw_item, "model_dump"):  # an openai output object: held as its dict
            self.raw_item = self.raw_item.model_dump(exclude_unset=True)
        if type(self.raw_item) is dict:
            self.raw_item = RawItem(self.raw_item)

    def release_agent(self) -> None:
        """Hold this item's agents by weak reference from now on (as the SDK's
        ``RunItemBase.release_agent``): ``item.agent`` is None once the agent is gone."""
        for klass in type(self).__mro__:
            for held in vars(klass).values():
                if isinstance(held, _HeldAgent):
                    held.release(self)

    def to_input_item(self) -> TResponseInputItem:
        # raw items are treated as immutable: a copy that shares only immutable values keeps a
        # turn's cost linear in the history length; output-only fields are left out
        return replayable(_copy_item(self.raw_item))


@dataclass
class MessageOutputItem(_RunItemBase):
    type: Literal["message_output_item"] = "message_output_item"

    @property
    def text(self) -> str:
        return content_text(self.raw_item)


@dataclass
class ToolCallItem(_RunItemBase):
    type: Literal["tool_call_item"] = "tool_call_item"
    description: str | None = None
    """The tool's description when known (as the SDK's field; never sent to the model)."""
    title: str | None = None
    """The tool's display title when known (as the SDK's field; never sent to the model)."""

    @property
    def call_id(self) -> str | None:
        """The call's id (as the SDK's ``ToolCallItem.call_id``)."""
        return self.raw_item.get("call_id") or self.raw_item.get("id")

    @property
    def tool_name(self) -> str | None:
        """The called tool's name (as the SDK's ``ToolCallItem.tool_name``)."""
        return self.raw_item.get("name")


@dataclass
class ToolCallOutputItem(_RunItemBase):
    output: Any = None
    type: Literal["tool_call_output_item"] = "tool_call_output_item"

    def to_input_item(self) -> TResponseInputItem:
        item = super().to_input_item()
        if item.get("type") == "shell_call_output":  # a hosted tool's output: its bookkeeping stays here
            item = {k: v for k, v in item.items() if k not in SHELL_OUTPUT_BOOKKEEPING}
        return item

    @property
    def call_id(self) -> str | None:
        """The id of the call this answers (as the SDK's ``ToolCallOutputItem.call_id``)."""
        cid = self.raw_item.get("call_id") or self.raw_item.get("id")
        return str(cid) if cid is not None else None


@dataclass
class HandoffCallItem(_RunItemBase):
    type: Literal["handoff_call_item"] = "handoff_call_item"


@dataclass
class HandoffOutputItem(_RunItemBase):
    source_agent: Agent | None = _HeldAgent(None)  # type: ignore[assignment]
    target_agent: Agent | None = _HeldAgent(None)  # type: ignore[assignment]
    type: Literal["handoff_output_item"] = "handoff_output_item"


@dataclass
class ReasoningItem(_RunItemBase):
    """A reasoning item the model returned (as the SDK's ``ReasoningItem``): sent back with the
    history, never part of the text output."""

    type: Literal["reasoning_item"] = "reasoning_item"


RunItem = Union[MessageOutputItem, ToolCallItem, ToolCallOutputItem, HandoffCallItem, HandoffOutputItem,
                ReasoningItem]
TResponseOutputItem = dict[str, Any]
"""An output item of a model response (the SDK's ``TResponseOutputItem``; handoff_nb holds them as
dicts, and the SDK's openai objects are converted where they enter)."""
TOOL_ITEM_TYPES = (ToolCallItem, ToolCallOutputItem, HandoffCallItem, HandoffOutputItem)


def message(role: str, content: str) -> TResponseInputItem:
    return {"role": role, "content": content}


def function_call(call_id: str, name: str, arguments: str) -> TResponseInputItem:
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}


def function_call_output(call_id: str, output: str) -> TResponseInputItem:
    return {"type": "function_call_output", "call_id": call_id, "output": output}


def is_tool_input_item(item: TResponseInputItem) -> bool:
    return item.get("type") in ("function_call", "function_call_output")


_ATOMIC = (str, int, float, bool, type(None))


_ATOMIC_TYPES = frozenset(_ATOMIC)


def _copy_item(item: TResponseInputItem) -> TResponseInputItem:
    """A deep copy that only pays for nested values (content parts); flat items are dict copies."""
    out = dict(item)
    for k, v in out.items():
        if type(v) not in _ATOMIC_TYPES and not isinstance(v, _ATOMIC):
            out[k] = _plain_copy(v)
    return out


def _plain_copy(value: Any) -> Any:
    """A deep copy as plain JSON-shaped values: lists and dicts copied, an openai object dumped,
    and any other iterable (pydantic's ValidatorIterator in validated TypedDict input, which can
    be neither copied nor pickled) read into a list."""
    if isinstance(value, _ATOMIC):
        return value
    if isinstance(value, dict):
        return {k: _plain_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_copy(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_unset=True)
    if hasattr(value, "__iter__") and not isinstance(value, (bytes, bytearray, set, frozenset)):
        return [_plain_copy(v) for v in value]
    return copy.deepcopy(value)


def normalize_input(value: str | list[TResponseInputItem] | tuple[TResponseInputItem, ...]
                    ) -> list[TResponseInputItem]:
    """A string becomes one user message; a list of items is copied (nested values deeply, so
    the caller's list is never changed by the run) and checked."""
    if isinstance(value, str):
        return [message("user", value)]
    if not all(map(isinstance, value, repeat(dict))):
        i, item = next((i, x) for i, x in enumerate(value) if not isinstance(x, dict))
        raise UserError(f"input item {i} must be a dict such as "
                        f"{{'role': 'user', 'content': '...'}}, got {type(item).__name__}")
    out = [dict(item) for item in value]  # flat items (the usual case) need nothing more
    for d in out:
        for v in d.values():
            if type(v) not in _ATOMIC_TYPES:
                d.update(_copy_item(d))
                break
    return out


def content_text(item: TResponseInputItem) -> str:
    """The text of a message item whatever its content shape (string or list of parts)."""
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class ItemHelpers:
    @classmethod
    def text_message_output(cls, item: MessageOutputItem) -> str:
        return item.text

    @classmethod
    def text_message_outputs(cls, items: list[RunItem]) -> str:
        return "".join(i.text for i in items if isinstance(i, MessageOutputItem))

    @classmethod
    def extract_last_text(cls, message: dict[str, Any]) -> str | None:
        """The last part of an assistant message if it is text, else None (a refusal, say; as
        the SDK's helper)."""
        if hasattr(message, "model_dump"):  # an openai ResponseOutputMessage
            message = message.model_dump(exclude_none=True)
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            return content
        if isinstance(content, list) and content and isinstance(content[-1], dict):
            last = content[-1]
            return last.get("text") if last.get("type", "output_text") in ("output_text", "text") else None
        return None

    @classmethod
    def extract_last_content(cls, message: Any) -> str:
        """The last text or refusal part of an assistant message, "" for anything else (as the
        SDK's helper); a part of another kind is a ModelBehaviorError."""
        if hasattr(message, "model_dump"):
            message = message.model_dump(exclude_unset=True)
        if not isinstance(message, dict) or message.get("type", "message") != "message" \
                or message.get("role", "assistant") != "assistant":
            return ""
        content = message.get("content")
        if isinstance(content, str):
            return content
        if not content:
            return ""
        last = content[-1] if isinstance(content[-1], dict) else {}
        if last.get("type") == "output_text":
            return last.get("text") or ""
        if last.get("type") == "refusal":
            return last.get("refusal")
        kind = last.get("type", type(content[-1]).__name__)
        raise ModelBehaviorError(f"Unexpected content type: {kind}")

    @classmethod
    def extract_text(cls, message: dict[str, Any]) -> str | None:
        """All text of an assistant message, or None when it has none (as the SDK's helper)."""
        if hasattr(message, "model_dump"):  # an openai ResponseOutputMessage
            message = message.model_dump(exclude_none=True)
        if not isinstance(message, dict) or message.get("role", "assistant") != "assistant" \
                or message.get("type", "message") != "message":
            return None
        return content_text(message) or None

    @classmethod
    def tool_call_output_item(cls, tool_call: Any, output: Any) -> TResponseInputItem:
        """The ``function_call_output`` item answering ``tool_call`` (as the SDK's helper): a
        structured output (ToolOutputText/Image/FileContent, a dict of that shape, or a list of
        them) as input_text/input_image/input_file parts, a string as it is, anything else str()."""
        call_id = tool_call.get("call_id") if isinstance(tool_call, dict) else tool_call.call_id
        if isinstance(output, str):
            return function_call_output(call_id, output)
        parts = structured_tool_output(output)
        return {"type": "function_call_output", "call_id": call_id,
                "output": parts if parts is not None else str(output)}

    @classmethod
    def input_to_new_input_list(cls, input: str | list[TResponseInputItem]) -> list[TResponseInputItem]:
        return normalize_input(input)


def __getattr__(name: str) -> Any:
    if name == "ModelResponse":  # agents.items.ModelResponse (kept in models.interface)
        return ModelResponse
    if name == "ToolApprovalItem":  # agents.items.ToolApprovalItem (kept in approvals, which imports items)
        from .approvals import ToolApprovalItem
        return ToolApprovalItem
    if name == "TResponseStreamEvent":  # agents.items' alias of openai's type: openai only on request
        from openai.types.responses import ResponseStreamEvent
        return ResponseStreamEvent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
