"""The raw stream events of a model turn, as the Agents SDK 0.24 yields them for Chat Completions.

``Runner.run_streamed(...).stream_events()`` yields ``RawResponsesStreamEvent``s whose ``data`` is a
Responses stream event. For the Responses API the server's own events pass through
(:mod:`handoff_nb.models.openai_responses`); for Chat Completions, and for models that do not
stream (the offline and scripted models), :class:`ChatStreamAssembler` synthesizes the SDK's set in
the SDK's order::

    response.created
    response.output_item.added          (a message, or a function call once its name and id arrived)
    response.content_part.added         (the message's output_text part)
    response.output_text.delta ...      (and response.function_call_arguments.delta ...)
    response.content_part.done
    response.output_item.done           (each function call, then the message)
    response.completed                  (the whole response: output, usage, id)

**No openai on the offline path.** ``import openai`` costs seconds cold. The event objects are
openai's typed classes (built without validation) when ``openai`` is already imported -- a real
model imported it, or your code did to ``isinstance``-check events -- and otherwise
:class:`EventData` stand-ins with the same attributes (``type``, ``delta``, ``item``, ``response``...)
and a ``model_dump()``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

from .items import content_text

FAKE_ID = "__fake_id__"
"""The item id the SDK gives every item it synthesizes from a Chat Completions stream."""


class EventData:
    """A stand-in for an openai Responses object: attributes, ``model_dump()``, a readable repr."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return {k: _dump(v) for k, v in self.__dict__.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventData) and other.__dict__ == self.__dict__

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"EventData({inner})"


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return value


_TYPED = {
    "response": "Response", "message": "ResponseOutputMessage", "output_text": "ResponseOutputText",
    "function_call": "ResponseFunctionToolCall", "usage": "ResponseUsage",
    "response.created": "ResponseCreatedEvent", "response.completed": "ResponseCompletedEvent",
    "response.output_item.added": "ResponseOutputItemAddedEvent",
    "response.output_item.done": "ResponseOutputItemDoneEvent",
    "response.content_part.added": "ResponseContentPartAddedEvent",
    "response.content_part.done": "ResponseContentPartDoneEvent",
    "response.output_text.delta": "ResponseTextDeltaEvent",
    "response.function_call_arguments.delta": "ResponseFunctionCallArgumentsDeltaEvent",
    "input_tokens_details": "response_usage.InputTokensDetails",
    "output_tokens_details": "response_usage.OutputTokensDetails",
}


def typed_events_available() -> bool:
    """True when openai is already imported (typed objects then cost nothing to build)."""
    return "openai" in sys.modules


def make(kind: str, **fields: Any) -> Any:
    """An openai Responses object of ``kind`` (an event type or "message", "output_text"...),
    built without validation -- or an :class:`EventData` when openai is not loaded."""
    if kind.startswith("response.") or kind in ("message", "output_text", "function_call"):
        fields.setdefault("type", kind)
    if typed_events_available():
        try:
            from openai.types import responses as r
            cls: Any = r
            for name in _TYPED[kind].split("."):
                cls = getattr(cls, name)
            return cls.model_construct(**fields)
        except (ImportError, AttributeError, KeyError):  # pragma: no cover - other openai versions
            pass
    return EventData(**fields)


class ChatStreamAssembler:
    """Chat Completions stream chunks in, the SDK's Responses events and the final output out.

    ``feed_*`` methods return the events a piece of the stream produces; :meth:`finish` returns the
    closing events (ending with ``response.completed``). ``text``, ``calls``, ``usage`` and
    ``finish_reason`` hold what arrived so far (a failed stream keeps them for the error).
    """

    def __init__(self, model: str, *, tool_choice: Any = None, temperature: float | None = None,
                 top_p: float | None = None, parallel_tool_calls: bool | None = None) -> None:
        self.model = model
        self.response_id: str | None = None
        self.text = ""
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, int] | None = None
        self.finish_reason: str | None = None
        self.chunks = 0
        self._seq = 0
        self._started = False
        self._message_index: int | None = None
        self._call_index: dict[int, int] = {}
        self._streaming: dict[int, bool] = {}
        self._response_fields = {
            "created_at": time.time(), "object": "response",
            "tool_choice": _responses_tool_choice(tool_choice), "top_p": top_p,
            "temperature": temperature, "tools": [],
            "parallel_tool_calls": bool(parallel_tool_calls), "reasoning": None}

    # -- pieces of a stream --------------------------------------------------------------------
    def _event(self, kind: str, **fields: Any) -> Any:
        event = make(kind, sequence_number=self._seq, **fields)
        self._seq += 1
        return event

    def _response(self, output: list[Any], usage: Any = None) -> Any:
        fields = {"id": self.response_id or FAKE_ID, "model": self.model, "output": output,
                  **self._response_fields}
        if usage is not None:
            fields["usage"] = usage
        return make("response", **fields)

    def start(self) -> list[Any]:
        if self._started:
            return []
        self._started = True
        return [self._event("response.created", response=self._response([]))]

    def feed_text(self, delta: str) -> list[Any]:
        if not delta:
            return []
        events = self.start()
        if self._message_index is None:
            self._message_index = len(self._call_index)
            events.append(self._event("response.output_item.added", output_index=self._message_index,
                                      item=make("message", id=FAKE_ID, content=[], role="assistant",
                                                status="in_progress")))
            events.append(self._event("response.content_part.added", content_index=0,
                                      item_id=FAKE_ID, output_index=self._message_index,
                                      part=make("output_text", text="", annotations=[], logprobs=[])))
        self.text += delta
        events.append(self._event("response.output_text.delta", content_index=0, delta=delta,
                                  item_id=FAKE_ID, output_index=self._message_index, logprobs=[]))
        return events

    def feed_tool_call(self, index: int, call_id: str | None, name: str | None,
                       arguments: str | None) -> list[Any]:
        """One tool-call delta. The name is *assigned* (llama.cpp repeats it in every chunk;
        OpenAI sends it once), the arguments appended."""
        events = self.start()
        call = self.calls.setdefault(index, {"call_id": "", "name": "", "arguments": ""})
        if name:
            call["name"] = name
        if call_id:
            call["call_id"] = call_id
        call["arguments"] += arguments or ""
        if not self._streaming.get(index) and call["name"] and call["call_id"]:
            self._streaming[index] = True
            events.append(self._event("response.output_item.added",
                                      output_index=self._output_index(index),
                                      item=self._call_item(call, "")))
            arguments = call["arguments"]  # what arrived before the name, if anything
        if self._streaming.get(index) and arguments:
            events.append(self._event("response.function_call_arguments.delta", delta=arguments,
                                      item_id=FAKE_ID, output_index=self._output_index(index)))
        return events

    def _output_index(self, index: int) -> int:
        if index not in self._call_index:
            before = 0 if self._message_index is None else 1
            self._call_index[index] = before + len(self._call_index)
        return self._call_index[index]

    @staticmethod
    def _call_item(call: dict[str, Any], arguments: str) -> Any:
        return make("function_call", id=FAKE_ID, call_id=call["call_id"], arguments=arguments,
                    name=call["name"])

    def finish(self, usage: dict[str, int] | None = None) -> list[Any]:
        """The closing events: content part and items done, then ``response.completed``."""
        if usage is not None:
            self.usage = usage
        events = self.start()
        part = make("output_text", text=self.text, annotations=[], logprobs=[])
        if self._message_index is not None:
            events.append(self._event("response.content_part.done", content_index=0,
                                      item_id=FAKE_ID, output_index=self._message_index, part=part))
        output: list[tuple[int, Any]] = []
        for index, call in self.calls.items():
            item = self._call_item(call, call["arguments"])
            if not self._streaming.get(index):  # the name never came first: all at once
                events.append(self._event("response.output_item.added",
                                          output_index=self._output_index(index), item=item))
                events.append(self._event("response.function_call_arguments.delta",
                                          delta=call["arguments"], item_id=FAKE_ID,
                                          output_index=self._output_index(index)))
            events.append(self._event("response.output_item.done",
                                      output_index=self._output_index(index), item=item))
            output.append((self._output_index(index), item))
        if self._message_index is not None:
            message = make("message", id=FAKE_ID, content=[part], role="assistant", status="completed")
            events.append(self._event("response.output_item.done", output_index=self._message_index,
                                      item=message))
            output.append((self._message_index, message))
        output.sort(key=lambda pair: pair[0])
        events.append(self._event("response.completed",
                                  response=self._response([o for _, o in output], self._usage())))
        return events

    def _usage(self) -> Any:
        if self.usage is None:
            return None
        u = self.usage
        return make("usage", input_tokens=u.get("input_tokens", 0),
                    output_tokens=u.get("output_tokens", 0), total_tokens=u.get("total_tokens", 0),
                    input_tokens_details=make("input_tokens_details", cached_tokens=0),
                    output_tokens_details=make("output_tokens_details", reasoning_tokens=0))

    # -- a whole response at once (models that do not stream) ------------------------------------
    def replay(self, output: list[dict[str, Any]], usage: dict[str, int] | None,
               chunks: Any) -> Iterator[Any]:
        """Events for a finished response's ``output`` items, its text in ``chunks(text)``."""
        yield from self.start()
        calls = 0
        for item in output:
            if item.get("type") == "function_call":
                yield from self.feed_tool_call(calls, item.get("call_id") or FAKE_ID,
                                               item.get("name"), item.get("arguments"))
                calls += 1
            elif item.get("role") == "assistant":
                for piece in chunks(content_text(item)):
                    yield from self.feed_text(piece)
        yield from self.finish(usage)


def _responses_tool_choice(tool_choice: Any) -> Any:
    if tool_choice in ("auto", "required", "none"):
        return tool_choice
    if isinstance(tool_choice, str) and tool_choice:
        return {"type": "function", "name": tool_choice}
    return "auto"
