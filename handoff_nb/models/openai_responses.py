"""OpenAIResponsesModel: the Responses API (``/v1/responses``), the Agents SDK's default.

Same construction, per-event-loop clients, errors and key scrubbing as
:class:`~handoff_nb.models.openai_chat.OpenAIChatModel`; the request is the SDK's
(:func:`handoff_nb.models.wire.responses_body`: system prompt as ``instructions``, items as
``input``, function tools flat, ``include`` and ``tools`` always present). After the first model
output the input holds the server's own items back, as the SDK sends them (``message`` items with
``id``, ``status`` and ``output_text`` parts; ``function_call`` items with ``id`` and ``status``).

Streamed, the server's own events pass through ``RawResponsesStreamEvent`` as openai's typed
objects. Terminal states are explicit, plain and streamed: ``status: "incomplete"`` (or a
``response.incomplete`` event) is a ModelBehaviorError naming the reason and what to change
(``err.hint``, e.g. "max_output_tokens reached: raise max_tokens"), ``failed`` / an ``error`` event
a ModelError naming the server's error; either way the text that did arrive is kept
(``err.partial_output``, and in the message). Select it with ``RunConfig(model=...)``, or for model
names with ``set_default_openai_api("responses")`` / ``HANDOFF_NB_OPENAI_API=responses``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from ..errors import ModelBehaviorError, ModelError
from .interface import ModelRequest, ModelResponse
from .openai_chat import OpenAIChatModel, _close, usage_of
from .wire import WIRE_ITEMS

_HINTS = {
    "max_output_tokens": "max_output_tokens reached: raise max_tokens (ModelSettings(max_tokens=...))",
    "content_filter": "the content filter stopped the answer: change the request",
}


class OpenAIResponsesModel(OpenAIChatModel):
    api = "responses"

    def __init__(self, model: str, client: Any = None, *, openai_client: Any = None,
                 **kwargs: Any) -> None:
        """``openai_client=`` as in the SDK's constructor (``client=`` works too)."""
        super().__init__(model, client if client is not None else openai_client, **kwargs)

    def _body(self, request: ModelRequest, stream: bool = False) -> dict[str, Any]:
        return request.responses_payload(self.model, stream=stream)

    async def _create(self, client: Any, body: dict[str, Any]) -> Any:
        return await client.responses.create(**body)

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[tuple[str, Any]]:
        """Yields ``("raw", event)`` for every server event (typed openai objects), ``("text",
        delta)`` and ``("arguments", (call_id, output_index, delta))`` as they arrive, then
        ``("response", ModelResponse)`` from ``response.completed``."""
        body = self.payload(request, stream=True)
        client = self._client_for_loop()
        progress = _Progress()
        final = None
        async with self._errors(progress):
            stream = await client.responses.create(**body, **self._options(request))
            try:
                async for event in stream:
                    progress.chunks += 1
                    yield "raw", event
                    kind = getattr(event, "type", "")
                    if kind == "response.output_item.added":
                        item = getattr(event, "item", None)
                        if getattr(item, "type", None) == "function_call":
                            progress.call_ids[getattr(item, "id", None)] = item.call_id
                            progress.calls[item.call_id] = {"name": item.name, "arguments": ""}
                    elif kind == "response.output_text.delta":
                        progress.text += event.delta
                        yield "text", event.delta
                    elif kind == "response.function_call_arguments.delta":
                        call_id = progress.call_ids.get(event.item_id, event.item_id)
                        if call_id in progress.calls:
                            progress.calls[call_id]["arguments"] += event.delta
                        yield "arguments", (call_id, getattr(event, "output_index", 0), event.delta)
                    elif kind == "response.completed":
                        final = event.response
                    elif kind in ("response.incomplete", "response.failed"):
                        raise self._terminal_error(getattr(event, "response", None), progress)
                    elif kind == "error":
                        raise self._event_error(event, progress)
            finally:
                await _close(stream)
        if final is None:
            raise self._cut_error(progress, "the stream ended without a terminal event "
                                            "(response.completed / incomplete / failed)")
        yield "response", replace(self._parse(final), sent=self._sent(body))

    def _parse(self, response: Any) -> ModelResponse:
        if isinstance(response, (str, bytes)) or not hasattr(response, "output"):
            text = response.decode("utf-8", "replace") if isinstance(response, bytes) else str(response)
            raise self._error("the server answered 200 but not with a Responses JSON body (is "
                              f"base_url right?): {' '.join(text.split())[:300]!r}", None)
        if getattr(response, "status", None) in ("incomplete", "failed"):
            raise self._terminal_error(response, None)
        output = _items_of(response)
        usage = usage_of(getattr(response, "usage", None), "input_tokens", "output_tokens")
        return ModelResponse(output=output, usage=usage,
                             model_name=getattr(response, "model", None) or self.model,
                             response_id=getattr(response, "id", None))

    # -- terminal states -------------------------------------------------------------------------
    def _terminal_error(self, response: Any, progress: _Progress | None) -> Any:
        status = getattr(response, "status", None) or "incomplete"
        partial = _items_of(response, remember=False) if response is not None else []
        if not partial and progress is not None:
            partial = progress.output()
        text = "".join(o.get("content") or "" for o in partial if o.get("role") == "assistant")
        so_far = f"; the text so far: {text!r}" if text else ""
        if status == "failed":
            error = getattr(response, "error", None)
            code, message = getattr(error, "code", None), getattr(error, "message", None) or error
            err = self._error(f"the response failed ({code or 'no code'}: {message}){so_far}", None)
            err.retryable = True  # type: ignore[attr-defined]
            err.hint = None  # type: ignore[attr-defined]
        else:
            details = getattr(response, "incomplete_details", None)
            reason = getattr(details, "reason", None) or "no reason given"
            hint = _HINTS.get(reason, f"the answer is incomplete ({reason})")
            err = self._error(f"the response is incomplete: {reason} -- {hint}{so_far}", None,
                              cls=ModelBehaviorError)
            err.reason = reason  # type: ignore[attr-defined]
            err.retryable = False  # type: ignore[attr-defined]
            err.hint = hint  # type: ignore[attr-defined]
        err.status = status  # type: ignore[attr-defined]
        err.partial_output = partial  # type: ignore[attr-defined]
        return err

    def _event_error(self, event: Any, progress: _Progress) -> ModelError:
        code, message = getattr(event, "code", None), getattr(event, "message", None)
        so_far = f"; the text so far: {progress.text!r}" if progress.text else ""
        err = self._error(f"the stream reported an error ({code or 'no code'}: {message}){so_far}", None)
        err.partial_output = progress.output()  # type: ignore[attr-defined]
        err.retryable = True  # type: ignore[attr-defined]
        return err

    def _cut_error(self, asm: Any, what: str, *, behavior: bool = False) -> ModelError:
        if isinstance(asm, _Progress):
            so_far = f"; the text so far: {asm.text!r}" if asm.text else ""
            err = self._error(f"{what} after {asm.chunks} events{so_far}", None)
            err.partial_output = asm.output()  # type: ignore[attr-defined]
            err.retryable = True  # type: ignore[attr-defined]
            return err
        return super()._cut_error(asm, what, behavior=behavior)


class _Progress:
    """What a Responses stream delivered so far (for errors that cut it)."""

    def __init__(self) -> None:
        self.chunks = 0
        self.text = ""
        self.call_ids: dict[Any, str] = {}
        self.calls: dict[str, dict[str, str]] = {}

    def output(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.text:
            out.append({"role": "assistant", "content": self.text})
        for call_id, c in self.calls.items():
            out.append({"type": "function_call", "call_id": call_id, "name": c["name"],
                        "arguments": c["arguments"] or "{}"})
        return out


def _items_of(response: Any, remember: bool = True) -> list[dict[str, Any]]:
    """A Responses output as handoff_nb items (assistant text as a string, calls with the
    server's id and status); the server's own items are remembered to be sent back as they were."""
    output: list[dict[str, Any]] = []
    for item in getattr(response, "output", None) or []:
        kind = getattr(item, "type", None)
        if kind == "message":
            text = "".join(getattr(p, "text", "") or "" for p in (item.content or [])
                           if getattr(p, "type", "") == "output_text")
            ours: dict[str, Any] = {"role": "assistant", "content": text}
        elif kind == "function_call":
            ours = {"type": "function_call", "call_id": item.call_id, "name": item.name,
                    "arguments": (item.arguments or "").strip() or "{}"}
            for key in ("id", "status"):
                if getattr(item, key, None) is not None:
                    ours[key] = getattr(item, key)
        else:
            continue
        if remember and hasattr(item, "model_dump"):
            WIRE_ITEMS.put(ours, item.model_dump(exclude_unset=True))
        output.append(ours)
    return output
