"""Streaming runs: ``Runner.run_streamed`` and the sink that carries a model's output as it arrives.

The seam with the runner is one call: while a streamed run is stepping, ``run._call_model`` asks
:func:`active_sink` for the current sink and lets it make the model call
(:meth:`StreamSink.call_model`). A model with ``stream_response(request)`` (``OpenAIChatModel``)
streams real tokens; any other model is called as usual and its text is replayed in chunks. The
runner's step logic is the same streamed or not: a streamed run is a :class:`~handoff_nb.run.Run`
stepped by :class:`RunResultStreaming`, which turns each finished Step into item events.

Consumers, as in the SDK: breaking out of ``stream_events()`` leaves the run going on to its end
(closing the generator waits for it); ``rs.cancel()`` (or ``rs.cancel(mode="after_turn")``) is
the way to stop a streamed run. A second ``stream_events()`` after the end returns at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ReasoningItem, RunItem,
                    ToolCallItem, ToolCallOutputItem, TResponseInputItem)
from .stream_events import (AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent,
                            StreamEvent)
from .approvals import ApprovalRequired, RunState
from .errors import UserError
from .models.interface import model_label
from .stream_synthesis import ChatStreamAssembler

if TYPE_CHECKING:  # pragma: no cover
    from .agent import Agent
    from .models.interface import ModelRequest
    from .result import RunResult
    from .run import Run

_sink: contextvars.ContextVar[StreamSink | None] = contextvars.ContextVar("handoff_nb_stream_sink",
                                                                         default=None)
_CHUNK = re.compile(r"\S+\s*|\s+")


def active_sink() -> StreamSink | None:
    """The sink of the streamed run stepping in this task, if any."""
    return _sink.get()


class StreamSink:
    """Receives a model's output as it arrives and turns it into raw stream events (the SDK's set,
    see :mod:`handoff_nb.stream_synthesis`). ``emit=None``: no events are built at all, only the
    listeners are called (the Stepper's live view)."""

    def __init__(self, emit: Callable[[StreamEvent], None] | None) -> None:
        self._emit = emit
        self.text_listeners: list[Callable[[str], None]] = []
        """Extra callbacks for each text chunk (the Stepper's live transcript uses one)."""
        self.argument_listeners: list[Callable[[str, str], None]] = []
        """Extra callbacks ``(call_id, chunk)`` for each tool-argument chunk."""

    def raw(self, data: Any) -> None:
        if self._emit is not None:
            self._emit(RawResponsesStreamEvent(data))

    def _text(self, delta: str) -> None:
        for listener in list(self.text_listeners):
            listener(delta)

    def _arguments(self, call_id: str, delta: str) -> None:
        for listener in list(self.argument_listeners):
            listener(call_id, delta)

    async def call_model(self, model: Any, request: ModelRequest) -> Any:
        """Call ``model``, streaming what it produces; returns what the model returned.

        A model with ``stream_response`` yields ``("raw", event)`` (passed on as it is),
        ``("text", delta)``, ``("arguments", (call_id, index, delta))`` and ``("response", r)``;
        a model that yields no raw events gets them synthesized from its text and calls. Any
        other model is called as usual and its response replayed in the SDK's event order, its
        text word by word."""
        stream = getattr(model, "stream_response", None)
        if callable(stream):
            response, raw_seen = None, False
            asm = None if self._emit is None else _assembler(model, request)
            async for kind, value in stream(request):
                if kind == "raw":
                    raw_seen = True
                    self.raw(value)
                elif kind == "text":
                    if asm is not None and not raw_seen:
                        for event in asm.feed_text(value):
                            self.raw(event)
                    self._text(value)
                elif kind == "arguments":
                    call_id, index, delta = value
                    if asm is not None and not raw_seen:
                        for event in asm.feed_tool_call(index, call_id or "call", "", delta):
                            self.raw(event)
                    self._arguments(call_id, delta)
                elif kind == "response":
                    response = value
            if asm is not None and not raw_seen and response is not None:
                for event in asm.finish(_usage_dict(response)):
                    self.raw(event)
            return response
        response = await model.get_response(request)
        output = getattr(response, "output", None)
        if not isinstance(output, list):
            return response  # the runner reports the malformed response
        asm = None if self._emit is None else _assembler(model, request)
        calls = 0
        if asm is not None:
            for event in asm.start():
                self.raw(event)
        for item in output:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "function_call":
                if asm is not None:
                    for event in asm.feed_tool_call(calls, item.get("call_id") or "call",
                                                    item.get("name"), item.get("arguments")):
                        self.raw(event)
                self._arguments(item.get("call_id") or "", item.get("arguments") or "")
                calls += 1
            elif item.get("role") == "assistant":
                content = item.get("content")
                text = content if isinstance(content, str) else ""
                for chunk in _CHUNK.findall(text):  # offline/scripted text, replayed word by word
                    if asm is not None:
                        for event in asm.feed_text(chunk):
                            self.raw(event)
                    self._text(chunk)
                    await asyncio.sleep(0)
        if asm is not None:
            for event in asm.finish(_usage_dict(response)):
                self.raw(event)
        return response


def _assembler(model: Any, request: ModelRequest) -> Any:
    s = request.model_settings
    return ChatStreamAssembler(model_label(model), tool_choice=s.tool_choice,
                               temperature=s.temperature, top_p=s.top_p,
                               parallel_tool_calls=s.parallel_tool_calls)


def _usage_dict(response: Any) -> dict[str, int] | None:
    usage = getattr(response, "usage", None)
    if usage is None or not getattr(usage, "total_tokens", 0):
        return None
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens}


ITEM_EVENT_NAMES: list[tuple[type, str]] = [
    (HandoffCallItem, "handoff_requested"), (HandoffOutputItem, "handoff_occured"),
    (MessageOutputItem, "message_output_created"), (ToolCallItem, "tool_called"),
    (ToolCallOutputItem, "tool_output"), (ReasoningItem, "reasoning_item_created")]


def item_event_name(item: RunItem) -> str:
    for cls, name in ITEM_EVENT_NAMES:  # handoff classes first: they subclass nothing here
        if isinstance(item, cls):
            return name
    raise TypeError(f"no stream event for {type(item).__name__}")  # pragma: no cover


_DONE = object()


class RunResultStreaming:
    """What ``Runner.run_streamed`` returns (mirrors the SDK's class of the same name).

    Iterate ``stream_events()`` to drive the run; afterwards ``final_output``, ``new_items``,
    ``to_input_list()``, ``last_agent`` read as on a RunResult. ``run`` is the underlying
    :class:`~handoff_nb.run.Run` (every Step, for the views).

    Stopping: ``rs.cancel()`` stops the run. Breaking out of ``stream_events()`` does not: as in
    the SDK, the run goes on to its end (its tools run, its model calls are made and paid).
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.current_agent: Agent = run.current_agent
        self.is_complete = False
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[Any] | None = None
        self._error: BaseException | None = None
        self._cancelled = False
        self._cancel_mode: str | None = None
        self._paused: ApprovalRequired | None = None
        """Set when the run paused for tool approvals (handoff_nb.approvals)."""
        self.sink = StreamSink(self._queue.put_nowait)

    # -- the SDK's surface ----------------------------------------------------------------------
    async def stream_events(self) -> AsyncIterator[StreamEvent]:
        """The run's events as they happen (the first call starts the run).

        As in the SDK (0.24): breaking out of the loop does **not** stop the run -- when the
        generator is closed (``async for`` does it when the generator is dropped), its cleanup
        waits for the run to go on to its end (tools run, further model calls are made). To stop,
        call :meth:`cancel`. A consumer cancelled while waiting for an event (an interrupted
        cell) cancels the run. Calling ``stream_events()`` again after the end returns at once
        (re-raising the run's error, if any) instead of waiting forever."""
        if self._task is None and not self._cancelled:
            self._task = asyncio.ensure_future(self._drive())
        cancelled = False
        try:
            while self._task is not None:
                try:
                    event = await self._queue.get()
                except asyncio.CancelledError:
                    cancelled = True
                    self.cancel()
                    raise
                if event is _DONE:
                    self._queue.put_nowait(_DONE)  # stays last: a later call ends at once
                    break
                yield event
        finally:
            if not cancelled and self._task is not None and not self._task.done():
                await asyncio.wait([self._task])  # the consumer left early: the run goes on
        if self._error is not None:
            raise self._error

    def cancel(self, mode: str = "immediate") -> None:
        """Stop the run (the documented way to stop a streamed run; mirrors the SDK).

        ``"immediate"``: the model call or tool in flight is cancelled (the step is recorded as
        interrupted) and ``stream_events()`` ends after the events already queued.
        ``"after_turn"``: the current turn finishes (its tools run), then the run stops.
        Either way ``is_complete`` becomes True, as in the SDK; ``final_output`` stays None
        unless the run had finished."""
        if mode not in ("immediate", "after_turn"):
            raise UserError(f"cancel(mode=...) must be 'immediate' or 'after_turn', got {mode!r}")
        self._cancel_mode = mode
        if mode == "after_turn" and self._task is not None and not self._task.done():
            return  # _drive stops before its next turn
        self._cancelled = True
        self.is_complete = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._queue.put_nowait(_DONE)

    @property
    def result(self) -> RunResult | None:
        return self.run.result

    @property
    def final_output(self) -> Any:
        return self.run.final_output

    @property
    def last_agent(self) -> Agent:
        return self.run.current_agent

    @property
    def new_items(self) -> list[RunItem]:
        return list(self.run._generated)

    @property
    def raw_responses(self) -> list[Any]:
        return list(self.run.raw_responses)

    @property
    def context_wrapper(self) -> Any:
        return self.run.context_wrapper

    @property
    def input_guardrail_results(self) -> list[Any]:
        """As in the SDK: the input guardrails' results so far (handoff_nb.guardrail)."""
        return list(self.run.input_guardrail_results)

    @property
    def output_guardrail_results(self) -> list[Any]:
        return list(self.run.output_guardrail_results)

    @property
    def tool_input_guardrail_results(self) -> list[Any]:
        """The tool input guardrail verdicts of the completed steps (handoff_nb.tool_guardrails)."""
        return self.run.tool_input_guardrail_results

    @property
    def tool_output_guardrail_results(self) -> list[Any]:
        return self.run.tool_output_guardrail_results

    @property
    def interruptions(self) -> list[Any]:
        """Tool calls waiting for approval once the stream ended paused (handoff_nb.approvals)."""
        return list(self._paused.items) if self._paused is not None else []

    def to_state(self) -> RunState:
        """The paused run, to approve or reject its calls and go on with
        ``Runner.run_streamed(agent, state)`` (or ``Runner.run``), as in the SDK."""
        if self._paused is None:
            raise UserError("this streamed run is not paused for approvals (interruptions is empty)")
        return RunState(self.run, self._paused.items, self._paused.response)

    @property
    def last_response_id(self) -> str | None:
        return self.run.raw_responses[-1].response_id if self.run.raw_responses else None

    def final_output_as(self, cls: type[Any], raise_if_incorrect_type: bool = False) -> Any:
        if raise_if_incorrect_type and not isinstance(self.final_output, cls):
            raise UserError(f"Final output is not of type {cls.__name__}")
        return self.final_output

    @property
    def input(self) -> Any:
        return self.run.input

    def to_input_list(self) -> list[TResponseInputItem]:
        result = self.run.result
        if result is not None:
            return result.to_input_list()
        return [dict(i) for i in self.run._input] + [i.to_input_item() for i in self.run._generated]

    def __repr__(self) -> str:
        state = "complete" if self.is_complete else "streaming"
        return f"RunResultStreaming({state}, current_agent={self.current_agent.name!r})"

    # -- the driver -----------------------------------------------------------------------------
    async def _drive(self) -> None:
        token = _sink.set(self.sink)
        try:
            self._queue.put_nowait(AgentUpdatedStreamEvent(self.current_agent))
            while not self.run.done and self._cancel_mode != "after_turn":
                step = await self.run.astep()
                for item in step.items:
                    self._queue.put_nowait(RunItemStreamEvent(item_event_name(item), item))
                    if isinstance(item, HandoffOutputItem) and step.handoff is not None:
                        self.current_agent = step.handoff.target
                        self._queue.put_nowait(AgentUpdatedStreamEvent(self.current_agent))
            self.is_complete = True
        except ApprovalRequired as e:  # paused: the stream ends with interruptions, no error
            if self.run.steps and self.run.steps[-1].error is e:
                self.run.steps.pop()  # the paused attempt is taken again on resume
            self._paused, self.is_complete = e, True
        except BaseException as e:  # delivered to the consumer after the last event
            self._error = e
            if isinstance(e, asyncio.CancelledError):
                self._error = None
                raise
        finally:
            _sink.reset(token)
            self._queue.put_nowait(_DONE)


def run_streamed(run: Run) -> RunResultStreaming:
    return RunResultStreaming(run)


async def astep_streaming(run: Run, on_text: Callable[[str], None] | None = None,
                          on_arguments: Callable[[str, str], None] | None = None) -> Any:
    """``run.astep()`` with the model's output delivered as it arrives: ``on_text(chunk)`` for
    text, ``on_arguments(call_id, chunk)`` for tool-call arguments (the Stepper's live view).
    Cancelling the task stops the call; the step is recorded as interrupted and can be retried."""
    sink = StreamSink(None)
    if on_text is not None:
        sink.text_listeners.append(on_text)
    if on_arguments is not None:
        sink.argument_listeners.append(on_arguments)
    token = _sink.set(sink)
    try:
        return await run.astep()
    finally:
        _sink.reset(token)
