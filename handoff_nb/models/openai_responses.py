"""OpenAIResponsesModel: the Responses API (``/v1/responses``), the Agents SDK's default.

Same construction, per-event-loop clients, errors and key scrubbing as
:class:`~handoff_nb.models.openai_chat.OpenAIChatModel`; the request is
``ModelRequest.responses_payload`` (system prompt as ``instructions``, items as ``input``,
function tools flat), and ``stream_response`` streams ``response.output_text.delta`` and
``response.function_call_arguments.delta`` events. Select it with ``RunConfig(model=...)``, or
for model names with ``set_default_openai_api("responses")`` / ``HANDOFF_NB_OPENAI_API=responses``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from .interface import ModelRequest, ModelResponse
from .openai_chat import OpenAIChatModel, usage_of


class OpenAIResponsesModel(OpenAIChatModel):
    api = "responses"

    def _body(self, request: ModelRequest) -> dict[str, Any]:
        return request.responses_payload(self.model)

    async def _create(self, client: Any, body: dict[str, Any]) -> Any:
        return await client.responses.create(**body)

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[tuple[str, Any]]:
        body = {**self.payload(request), "stream": True}
        client = self._client_for_loop()
        final = None
        async with self._errors():
            stream = await client.responses.create(**body)
            async for event in stream:
                kind = getattr(event, "type", "")
                if kind == "response.output_text.delta":
                    yield "text", event.delta
                elif kind == "response.function_call_arguments.delta":
                    yield "arguments", (event.item_id, getattr(event, "output_index", 0), event.delta)
                elif kind == "response.completed":
                    final = event.response
                elif kind in ("response.failed", "error"):
                    err = getattr(getattr(event, "response", None), "error", None) or event
                    raise self._error(f"the stream failed: {getattr(err, 'message', err)}", None)
        if final is None:
            raise self._error("the stream ended without a response.completed event", None)
        yield "response", replace(self._parse(final), sent=self._sent(body))

    def _parse(self, response: Any) -> ModelResponse:
        if isinstance(response, (str, bytes)) or not hasattr(response, "output"):
            text = response.decode("utf-8", "replace") if isinstance(response, bytes) else str(response)
            raise self._error("the server answered 200 but not with a Responses JSON body (is "
                              f"base_url right?): {' '.join(text.split())[:300]!r}", None)
        output: list[dict[str, Any]] = []
        for item in response.output or []:
            kind = getattr(item, "type", None)
            if kind == "message":
                text = "".join(getattr(p, "text", "") or "" for p in (item.content or [])
                               if getattr(p, "type", "") == "output_text")
                output.append({"role": "assistant", "content": text})
            elif kind == "function_call":
                output.append({"type": "function_call", "call_id": item.call_id, "name": item.name,
                               "arguments": (item.arguments or "").strip() or "{}"})
        usage = usage_of(getattr(response, "usage", None), "input_tokens", "output_tokens")
        return ModelResponse(output=output, usage=usage,
                             model_name=getattr(response, "model", None) or self.model,
                             response_id=getattr(response, "id", None))
