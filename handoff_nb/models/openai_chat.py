"""OpenAIChatModel: Chat Completions through ``openai.AsyncOpenAI``.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, LM Studio):

    OpenAIChatModel("gpt-4o-mini")                                   # OPENAI_API_KEY from the env
    OpenAIChatModel("llama3.1", base_url="http://localhost:11434/v1")  # no key needed
    OpenAIChatModel("gpt-4o", client=my_async_openai_client)

Retries and timeouts are the client's own (``max_retries``, ``timeout``). Failures become
:class:`~handoff_nb.errors.ModelError` with a message naming the model, the server and the cause
-- never the API key. ``openai`` is imported when this class is first used, not before.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from .._secrets import scrub
from ..context import Usage
from ..errors import ModelError, UserError
from .interface import ModelRequest, ModelResponse

_NO_KEY = "no-key-needed"


class OpenAIChatModel:
    def __init__(self, model: str, client: Any = None, *, base_url: str | None = None,
                 api_key: str | None = None, max_retries: int | None = None,
                 timeout: float | None = None) -> None:
        if not isinstance(model, str) or not model.strip():
            raise UserError(f"OpenAIChatModel needs a model name, got {model!r}")
        self.model = model
        if client is None:
            try:
                from openai import AsyncOpenAI
            except ImportError as e:  # pragma: no cover - depends on the install
                raise UserError("OpenAIChatModel needs the openai package: pip install "
                                "'handoff_nb[openai]'") from e
            key = api_key or os.environ.get("OPENAI_API_KEY")
            if key is None and base_url is None and not os.environ.get("OPENAI_BASE_URL"):
                raise UserError("OpenAIChatModel: set OPENAI_API_KEY, pass api_key=..., or pass "
                                "base_url=... for a local OpenAI-compatible server")
            kwargs: dict[str, Any] = {"api_key": key or _NO_KEY}
            if base_url is not None:
                kwargs["base_url"] = base_url
            if max_retries is not None:
                kwargs["max_retries"] = max_retries
            if timeout is not None:
                kwargs["timeout"] = timeout
            client = AsyncOpenAI(**kwargs)
        self.client = client
        self._key = getattr(client, "api_key", None)

    @property
    def server(self) -> str:
        url = str(getattr(self.client, "base_url", "") or "")
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}" if parts.hostname else url

    def __repr__(self) -> str:
        return f"OpenAIChatModel({self.model!r}, server={self.server!r})"

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        import openai

        body = request.chat_payload(self.model, merge_extra_body=False)
        if request.model_settings.extra_body:
            body["extra_body"] = request.model_settings.extra_body
        try:
            completion = await self.client.chat.completions.create(**body)
        except openai.APITimeoutError as e:
            raise self._error("the request timed out", e) from None
        except openai.APIConnectionError as e:
            raise self._error(f"could not connect ({type(e.__cause__).__name__ if e.__cause__ else 'connection error'})", e) from None
        except openai.APIStatusError as e:
            raise self._error(f"HTTP {e.status_code}: {_short(e)}", e) from None
        except openai.OpenAIError as e:
            raise self._error(f"{type(e).__name__}: {e}", e) from None
        return self._to_response(completion)

    def _error(self, what: str, cause: Exception) -> ModelError:
        err = ModelError(scrub(f"model {self.model!r} at {self.server}: {what}", self._key))
        err.status_code = getattr(cause, "status_code", None)  # type: ignore[attr-defined]
        return err

    def _to_response(self, completion: Any) -> ModelResponse:
        if not completion.choices:
            raise ModelError(f"model {self.model!r} at {self.server}: the response has no choices")
        msg = completion.choices[0].message
        output: list[dict[str, Any]] = []
        if msg.content:
            output.append({"role": "assistant", "content": msg.content})
        for call in msg.tool_calls or []:
            fn = call.function
            output.append({"type": "function_call", "call_id": call.id, "name": fn.name,
                           "arguments": (fn.arguments or "").strip() or "{}"})
        u = completion.usage
        usage = Usage(requests=1, input_tokens=getattr(u, "prompt_tokens", 0) or 0,
                      output_tokens=getattr(u, "completion_tokens", 0) or 0,
                      total_tokens=getattr(u, "total_tokens", 0) or 0) if u else Usage(requests=1)
        return ModelResponse(output=output, usage=usage,
                             model_name=getattr(completion, "model", None) or self.model,
                             response_id=getattr(completion, "id", None))


def _short(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
    return str(getattr(e, "message", e))[:300]
