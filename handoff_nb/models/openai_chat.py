"""OpenAIChatModel: Chat Completions through ``openai.AsyncOpenAI``.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, LM Studio):

    OpenAIChatModel("gpt-4o-mini")                                   # OPENAI_API_KEY from the env
    OpenAIChatModel("llama3.1", base_url="http://localhost:11434/v1")  # no key needed
    OpenAIChatModel("gpt-4o", client=my_async_openai_client)

Retries and timeouts are the client's own (``max_retries``, ``timeout``). Failures become
:class:`~handoff_nb.errors.ModelError` with a message naming the model, the server and the whole
cause (the openai exception is chained as ``__cause__``: request id, headers) -- never the API key.
``openai`` is imported when this class is first used, not before.

**Any event loop.** An ``AsyncOpenAI`` client (its httpx pool) belongs to the event loop it was
first used on. One model serves ``await Runner.run`` in a notebook, ``Runner.run_sync``,
``asyncio.run(...)`` and other threads: it keeps one client per event loop (copies of the given
client) and closes each when its loop shuts down (``asyncio.run``'s and handoff_nb's own loops run
``shutdown_asyncgens``, which closes the client). A client you passed in is never closed for you.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import weakref
from dataclasses import replace
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from .._secrets import scrub
from ..context import Usage
from ..errors import ModelError, UserError
from .interface import ModelRequest, ModelResponse

_NO_KEY = "no-key-needed"


class OpenAIChatModel:
    """Chat Completions (``/v1/chat/completions``); see the module docstring."""

    api = "chat"

    def __init__(self, model: str, client: Any = None, *, base_url: str | None = None,
                 api_key: str | None = None, max_retries: int | None = None,
                 timeout: float | None = None) -> None:
        if not isinstance(model, str) or not model.strip():
            raise UserError(f"{type(self).__name__} needs a model name, got {model!r}")
        self.model = model
        _given = {"client"} if client is not None else set()
        if client is None:
            try:
                from openai import AsyncOpenAI
            except ImportError as e:  # pragma: no cover - depends on the install
                raise UserError(f"{type(self).__name__} needs the openai package: pip install "
                                "'handoff_nb[openai]'") from e
            key = api_key or os.environ.get("OPENAI_API_KEY")
            if key is None and base_url is None and not os.environ.get("OPENAI_BASE_URL"):
                raise UserError(f"{type(self).__name__}: set OPENAI_API_KEY, pass api_key=..., or "
                                "pass base_url=... for a local OpenAI-compatible server")
            kwargs: dict[str, Any] = {"api_key": key or _NO_KEY}
            if base_url is not None:
                kwargs["base_url"] = base_url
            if max_retries is not None:
                kwargs["max_retries"] = max_retries
            if timeout is not None:
                kwargs["timeout"] = timeout
            client = AsyncOpenAI(**kwargs)
        self.client = client
        self._owns_client = "client" not in _given
        self._key = getattr(client, "api_key", None)
        self._secrets = _header_secrets(client)
        self._clients: dict[int, tuple[weakref.ref[Any], Any, Any]] = {}
        self._clients_lock = threading.Lock()
        self._template_used = False

    def _client_for_loop(self) -> Any:
        """This event loop's client (see the module docstring)."""
        loop = asyncio.get_running_loop()
        with self._clients_lock:
            for key in [k for k, (ref, _c, _g) in self._clients.items() if ref() is None]:
                del self._clients[key]
            entry = self._clients.get(id(loop))
            if entry is not None and entry[0]() is loop:
                return entry[1]
            if not self._template_used:
                self._template_used = True
                client, ours = self.client, self._owns_client
            else:
                client, ours = _fresh_copy(self.client), True
            closer = _close_with_loop(client) if ours else None
            self._clients[id(loop)] = (weakref.ref(loop), client, closer)
        if closer is not None:
            loop.create_task(closer.__anext__())  # parks the generator until shutdown_asyncgens
        return client

    @property
    def server(self) -> str:
        url = str(getattr(self.client, "base_url", "") or "")
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}" if parts.hostname else url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, server={self.server!r})"

    def payload(self, request: ModelRequest) -> dict[str, Any]:
        """The exact body this model sends for ``request`` (the Request tab shows it)."""
        body = self._body(request)
        if request.model_settings.extra_body:
            body["extra_body"] = request.model_settings.extra_body
        return body

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        body = self.payload(request)
        client = self._client_for_loop()
        async with self._errors():
            answer = await self._create(client, body)
        return replace(self._parse(answer), sent=self._sent(body))

    # -- what differs between the two OpenAI APIs (OpenAIResponsesModel overrides these) --------
    def _body(self, request: ModelRequest) -> dict[str, Any]:
        return request.chat_payload(self.model, merge_extra_body=False)

    async def _create(self, client: Any, body: dict[str, Any]) -> Any:
        return await client.chat.completions.create(**body)

    def _parse(self, completion: Any) -> ModelResponse:
        return self._to_response(completion)

    @contextlib.asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        """openai exceptions -> ModelError naming model, server and the whole cause (chained)."""
        import openai
        try:
            yield
        except openai.APITimeoutError as e:
            raise self._error("the request timed out", e) from e
        except openai.APIConnectionError as e:
            cause = type(e.__cause__).__name__ if e.__cause__ else "connection error"
            raise self._error(f"could not connect ({cause})", e) from e
        except openai.APIStatusError as e:
            raise self._error(f"HTTP {e.status_code}: {_message(e)}", e) from e
        except openai.OpenAIError as e:
            raise self._error(f"{type(e).__name__}: {e}", e) from e

    def _sent(self, body: dict[str, Any]) -> dict[str, Any]:
        from .._secrets import scrub_data
        return {"api": self.api, "body": scrub_data(body, self._key, *self._secrets)}

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[tuple[str, Any]]:
        """Chat Completions with ``stream=True``: yields ``("text", delta)``, ``("arguments",
        (call_id, index, delta))`` as they arrive, then ``("response", ModelResponse)``."""
        body = self.payload(request)
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
        client = self._client_for_loop()
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        usage, model_name, response_id = None, None, None
        async with self._errors():
            stream = await client.chat.completions.create(**body)
            async for chunk in stream:
                model_name = getattr(chunk, "model", None) or model_name
                response_id = getattr(chunk, "id", None) or response_id
                if getattr(chunk, "usage", None):
                    usage = chunk.usage
                for choice in getattr(chunk, "choices", None) or []:
                    delta = choice.delta
                    if getattr(delta, "content", None):
                        text.append(delta.content)
                        yield "text", delta.content
                    for tc in getattr(delta, "tool_calls", None) or []:
                        entry = calls.setdefault(tc.index, {"call_id": "", "name": "", "arguments": ""})
                        if tc.id:
                            entry["call_id"] = tc.id
                        fn = tc.function
                        if fn is not None and fn.name:
                            entry["name"] += fn.name
                        if fn is not None and fn.arguments:
                            entry["arguments"] += fn.arguments
                            yield "arguments", (entry["call_id"], tc.index, fn.arguments)
        output: list[dict[str, Any]] = []
        if text:
            output.append({"role": "assistant", "content": "".join(text)})
        for _i, c in sorted(calls.items()):
            output.append({"type": "function_call", "call_id": c["call_id"], "name": c["name"],
                           "arguments": c["arguments"].strip() or "{}"})
        u = usage_of(usage, "prompt_tokens", "completion_tokens")
        yield "response", ModelResponse(output=output, usage=u, model_name=model_name or self.model,
                                        response_id=response_id, sent=self._sent(body))

    def _error(self, what: str, cause: Exception | None) -> ModelError:
        err = ModelError(scrub(f"model {self.model!r} at {self.server}: {what}", self._key,
                               *self._secrets))
        err.status_code = getattr(cause, "status_code", None)  # type: ignore[attr-defined]
        err.request_id = getattr(cause, "request_id", None)  # type: ignore[attr-defined]
        response = getattr(cause, "response", None)
        headers = dict(getattr(response, "headers", None) or {})
        from ..ratelimit import retry_after_seconds
        err.retry_after = retry_after_seconds(headers)  # type: ignore[attr-defined]
        return err

    def _to_response(self, completion: Any) -> ModelResponse:
        if isinstance(completion, (str, bytes)) or not hasattr(completion, "choices"):
            text = completion.decode("utf-8", "replace") if isinstance(completion, bytes) else str(completion)
            raise self._error("the server answered 200 but not with a Chat Completions JSON body "
                              f"(is base_url right, or is a proxy/login page in the way?): "
                              f"{' '.join(text.split())[:300]!r}", None)
        if not completion.choices:
            raise self._error("the response has no choices", None)
        msg = completion.choices[0].message
        if msg is None:
            raise self._error("the response's first choice has no message", None)
        output: list[dict[str, Any]] = []
        if msg.content:
            output.append({"role": "assistant", "content": msg.content})
        for call in msg.tool_calls or []:
            fn = call.function
            output.append({"type": "function_call", "call_id": call.id, "name": fn.name,
                           "arguments": (fn.arguments or "").strip() or "{}"})
        usage = usage_of(completion.usage, "prompt_tokens", "completion_tokens")
        return ModelResponse(output=output, usage=usage,
                             model_name=getattr(completion, "model", None) or self.model,
                             response_id=getattr(completion, "id", None))


def usage_of(reported: Any, input_field: str, output_field: str) -> Usage:
    """One request's :class:`Usage` from the usage object a server reported (it may be missing
    or leave fields out); the two OpenAI APIs name the token counts differently."""
    if not reported:
        return Usage(requests=1)
    return Usage(requests=1, input_tokens=getattr(reported, input_field, 0) or 0,
                 output_tokens=getattr(reported, output_field, 0) or 0,
                 total_tokens=getattr(reported, "total_tokens", 0) or 0)


MAX_ERROR_CHARS = 4000
"""A server's error message is shown whole up to this (the cause is often on its last line)."""


def _message(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:MAX_ERROR_CHARS]
        if isinstance(err, str):
            return err[:MAX_ERROR_CHARS]
    return str(getattr(e, "message", e))[:MAX_ERROR_CHARS]


def _header_secrets(client: Any) -> list[str]:
    """Values of secret-bearing custom headers (``api-key``, ``x-api-key``...) the client sends."""
    from .._secrets import _SECRET_HEADERS
    headers = getattr(client, "_custom_headers", None) or getattr(client, "default_headers", None) or {}
    out = []
    for k, v in dict(headers).items():
        if str(k).lower() in _SECRET_HEADERS and isinstance(v, str) and len(v) >= 6:
            out.append(v.split(" ", 1)[-1] if v.lower().startswith("bearer ") else v)
    return out


def _fresh_copy(client: Any) -> Any:
    """The same client settings over a new connection pool (``copy()`` alone shares the pool,
    which is bound to the loop it was first used on)."""
    import openai
    return client.copy(http_client=openai.DefaultAsyncHttpxClient())


async def _close_with_loop(client: Any) -> AsyncIterator[None]:
    """Parked on a loop until its shutdown_asyncgens(): then the client is closed on that loop."""
    try:
        yield
    finally:
        try:
            await client.close()
        except Exception:  # pragma: no cover - best effort at shutdown
            pass
