"""Test doubles, mirroring ``agents.testing``: :class:`ScriptedModel` answers each model call with
the next :class:`ModelStep` (Responses output items: :func:`assistant_message`,
:func:`function_call`) and records every call (:class:`ModelCall`).

It is written against the SDK's ``Model`` interface (``get_response(system_instructions, input,
model_settings, tools, output_schema, handoffs, tracing, *, previous_response_id,
conversation_id, prompt)``), so it runs in handoff_nb's runner through
:mod:`handoff_nb.models.sdk_model` -- exactly as a user's own SDK model subclass does.

The loopback OpenAI-compatible server lives in :mod:`handoff_nb.fake_server`;
``from handoff_nb.testing import FakeOpenAIServer, reply`` keeps working.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict

from .context import Usage
from .incremental import SharedSnapshots
from .fake_server import Answer, FakeOpenAIServer, garbage, reply, reset, status
from .models.interface import ModelResponse
from .models.sdk_model import ModelTracing


class ModelScriptError(Exception):
    """A scripted model was used in a way its script does not allow."""


class InvalidModelStep(ModelScriptError):
    def __init__(self, message: str, *, input_index: int = 0, reason: str = "invalid") -> None:
        super().__init__(message)
        self.input_index, self.reason = input_index, reason


class UnexpectedModelCall(ModelScriptError):
    def __init__(self, message: str, *, call: ModelCall, call_index: int) -> None:
        super().__init__(message)
        self.call, self.call_index = call, call_index


class UnconsumedModelSteps(ModelScriptError):
    def __init__(self, message: str, *, remaining_steps: int) -> None:
        super().__init__(message)
        self.remaining_steps = remaining_steps


@dataclass
class ModelCall:
    """What one model call received."""

    system_instructions: str | None
    input: Any
    model_settings: Any
    tools: list[Any]
    output_schema: Any
    handoffs: list[Any]
    tracing: Any
    previous_response_id: str | None
    conversation_id: str | None
    prompt: Any
    streamed: bool


class _RecordedCall(ModelCall):
    """A recorded call whose ``input`` (a list, as recorded) is read from the model's shared
    snapshots on access (handoff_nb.incremental.SharedSnapshots)."""

    @property  # type: ignore[override]
    def input(self) -> Any:
        log, n = self.__dict__["_ref"]
        return log[:n]

    @input.setter
    def input(self, value: Any) -> None:
        self.__dict__["_ref"] = (list(value), len(value))


@dataclass
class ModelStep:
    """One model call's result: ``output`` items, or ``error`` to raise, or ``responder(call)``."""

    output: Sequence[Any] = field(default_factory=tuple)
    usage: Usage = field(default_factory=Usage)
    response_id: str | None = "resp-789"
    request_id: str | None = None
    raw_usage: dict[str, Any] | None = None
    error: Exception | None = None
    responder: Callable[[ModelCall], Any] | None = None
    stream_events: Any = None
    retry_advice: Any = None

    @classmethod
    def raise_error(cls, error: Exception, *, retry_advice: Any = None) -> ModelStep:
        return cls(error=error, retry_advice=retry_advice)

    @classmethod
    def respond(cls, responder: Callable[[ModelCall], Any]) -> ModelStep:
        return cls(responder=responder)

    @classmethod
    def stream(cls, events: Any, *, output: Sequence[Any] = (), usage: Usage | None = None,
               response_id: str | None = "resp-789") -> ModelStep:
        return cls(output=output, usage=usage or Usage(), response_id=response_id,
                   stream_events=events if callable(events) else tuple(events))


class ModelStepSpec(TypedDict, total=False):
    output: Sequence[Any]
    usage: Usage
    response_id: str | None
    request_id: str | None
    raw_usage: dict[str, Any] | None
    error: Exception | None
    responder: Any
    stream_events: Any
    retry_advice: Any


_STEP_FIELDS = set(ModelStepSpec.__annotations__)


def assistant_message(text: str, *, item_id: str = "scripted-message") -> Any:
    """One assistant text output item (an openai ``ResponseOutputMessage`` when openai is
    installed, else the same as a dict)."""
    try:
        from openai.types.responses import ResponseOutputMessage, ResponseOutputText
    except ImportError:  # pragma: no cover - openai is optional
        return {"id": item_id, "type": "message", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}]}
    return ResponseOutputMessage(id=item_id, type="message", role="assistant", status="completed",
                                 content=[ResponseOutputText(text=text, type="output_text",
                                                             annotations=[], logprobs=[])])


def function_call(name: str, arguments: str | Mapping[str, Any], *, call_id: str,
                  item_id: str | None = None, namespace: str | None = None) -> Any:
    """One function-tool (or handoff) call output item."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False,
                                                                   separators=(",", ":"))
    fields: dict[str, Any] = {"id": call_id if item_id is None else item_id, "call_id": call_id,
                              "type": "function_call", "name": name, "arguments": args}
    if namespace is not None:
        fields["namespace"] = namespace
    try:
        from openai.types.responses import ResponseFunctionToolCall
    except ImportError:  # pragma: no cover
        return fields
    return ResponseFunctionToolCall(**fields)


def _coerce(step: Any, index: int) -> ModelStep:
    if isinstance(step, ModelStep):
        out = step
    elif isinstance(step, ModelResponse):
        out = ModelStep(output=step.output, usage=step.usage, response_id=step.response_id)
    elif isinstance(step, Exception):
        out = ModelStep.raise_error(step)
    elif isinstance(step, Mapping):
        unknown = [k for k in step if k not in _STEP_FIELDS]
        if unknown:
            raise InvalidModelStep(f"Invalid model step at index {index}: contains unsupported "
                                   f"fields {unknown}", input_index=index, reason="unsupported_field")
        out = ModelStep(**dict(step))
    elif isinstance(step, (list, tuple)):
        out = ModelStep(output=tuple(step))
    else:
        raise InvalidModelStep(f"Invalid model step at index {index}: {type(step).__name__}",
                               input_index=index, reason="unsupported_type")
    if out.error is not None and out.output:
        raise InvalidModelStep(f"Invalid model step at index {index}: error and output are "
                               "mutually exclusive", input_index=index, reason="error_with_output")
    return replace(out, output=tuple(out.output))


class ScriptedModel:
    """A deterministic model for tests (the SDK's ``agents.testing.ScriptedModel``)."""

    def __init__(self, steps: Iterable[Any] = (), *, emit_traces: bool = False,
                 default_usage: Usage | None = None) -> None:
        self._steps = [_coerce(s, i) for i, s in enumerate(steps)]
        self._emit_traces = emit_traces
        self._default_usage = copy.deepcopy(default_usage)
        self._calls: list[ModelCall] = []
        self._snapshots = SharedSnapshots()  # recorded inputs, linear in memory (incremental.py)

    @property
    def calls(self) -> tuple[ModelCall, ...]:
        return tuple(copy.copy(c) for c in self._calls)

    @property
    def remaining_steps(self) -> int:
        return len(self._steps)

    @property
    def first_call(self) -> ModelCall | None:
        return copy.copy(self._calls[0]) if self._calls else None

    @property
    def last_call(self) -> ModelCall | None:
        return copy.copy(self._calls[-1]) if self._calls else None

    def enqueue(self, step: Any) -> None:
        self._steps.append(_coerce(step, 0))

    def extend(self, steps: Iterable[Any]) -> None:
        self._steps.extend(_coerce(s, i) for i, s in enumerate(steps))

    def set_default_usage(self, usage: Usage | None) -> None:
        self._default_usage = copy.deepcopy(usage)

    def assert_complete(self) -> None:
        if self._steps:
            raise UnconsumedModelSteps(f"{len(self._steps)} scripted model step(s) were not consumed.",
                                       remaining_steps=len(self._steps))

    async def _next(self, call: ModelCall) -> ModelStep:
        if not self._steps:
            mode = "streaming" if call.streamed else "non-streaming"
            raise UnexpectedModelCall(f"Unexpected {mode} model call #{len(self._calls)}: no "
                                      "scripted steps remain.", call=call, call_index=len(self._calls) - 1)
        step = self._steps.pop(0)
        while step.responder is not None:
            result = step.responder(call)
            if inspect.isawaitable(result):
                result = await result
            step = _coerce(result, 0)
        usage = step.usage if step.usage != Usage() else (
            self._default_usage if self._default_usage is not None else Usage(requests=1))
        return replace(step, usage=copy.deepcopy(usage))

    def _record(self, streamed: bool, **kwargs: Any) -> ModelCall:
        if type(kwargs["input"]) is list:  # a snapshot sharing the earlier calls' items
            call: ModelCall = _RecordedCall(**{**kwargs, "input": (), "tools": list(kwargs["tools"]),
                                               "handoffs": list(kwargs["handoffs"])}, streamed=streamed)
            call.__dict__["_ref"] = self._snapshots.record(kwargs["input"])
        else:
            call = ModelCall(**{**kwargs, "input": copy.deepcopy(kwargs["input"]),
                                "tools": list(kwargs["tools"]), "handoffs": list(kwargs["handoffs"])},
                             streamed=streamed)
        self._calls.append(call)
        return call

    async def get_response(self, system_instructions: str | None, input: Any, model_settings: Any,
                           tools: list[Any], output_schema: Any, handoffs: list[Any],
                           tracing: Any = ModelTracing.DISABLED, *, previous_response_id: str | None = None,
                           conversation_id: str | None = None, prompt: Any = None) -> ModelResponse:
        call = self._record(False, system_instructions=system_instructions, input=input,
                            model_settings=model_settings, tools=tools, output_schema=output_schema,
                            handoffs=handoffs, tracing=tracing, previous_response_id=previous_response_id,
                            conversation_id=conversation_id, prompt=prompt)
        step = await self._next(call)
        if step.error is not None:
            raise step.error
        return ModelResponse(output=list(step.output), usage=step.usage, response_id=step.response_id)

    async def stream_response(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        """Streamed runs call :meth:`get_response` and replay its text (handoff_nb.streaming)."""
        raise NotImplementedError("handoff_nb streams a ScriptedModel's get_response output")
        yield


__all__ = ["Answer", "FakeOpenAIServer", "InvalidModelStep", "ModelCall", "ModelScriptError",
           "ModelStep", "ModelStepSpec", "ScriptedModel", "UnconsumedModelSteps",
           "UnexpectedModelCall", "assistant_message", "function_call", "garbage", "reply", "reset",
           "status"]
