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

from .._secrets import configured_secrets, guard_logs, scrub, scrub_data, scrub_exception
from ..context import Usage
from ..errors import AgentsException, ModelBehaviorError, ModelError, UserError
from ..ratelimit import retry_after_seconds
from ..stream_synthesis import ChatStreamAssembler
from .interface import ModelRequest, ModelResponse
from .wire import is_official_openai

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

    def payload(self, request: ModelRequest, *, stream: bool = False) -> dict[str, Any]:
        """The exact body this model sends for ``request`` (the Request tab shows it), with
        ``extra_body`` under its own key for the client to merge."""
        body = self._body(request, stream)
        if request.model_settings.extra_body:
            body["extra_body"] = request.model_settings.extra_body
        return body

    @property
    def official(self) -> bool:
        """This model talks to api.openai.com (the SDK then adds ``store`` / ``include_usage``)."""
        return is_official_openai(getattr(self.client, "base_url", ""))

    @staticmethod
    def _options(request: ModelRequest) -> dict[str, Any]:
        """``create()`` arguments that are not in the JSON body (headers, query)."""
        s = request.model_settings
        out: dict[str, Any] = {}
        if s.extra_headers:
            out["extra_headers"] = s.extra_headers
        if s.extra_query:
            out["extra_query"] = s.extra_query
        return out

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        body = self.payload(request)
        client = self._client_for_loop()
        async with self._errors():
            answer = await self._create(client, {**body, **self._options(request)})
        return replace(self._parse(answer), sent=self._sent(body))

    # -- what differs between the two OpenAI APIs (OpenAIResponsesModel overrides these) --------
    def _body(self, request: ModelRequest, stream: bool = False) -> dict[str, Any]:
        return request.chat_payload(self.model, merge_extra_body=False, stream=stream,
                                    official=self.official)

    async def _create(self, client: Any, body: dict[str, Any]) -> Any:
        return await client.chat.completions.create(**body)

    def _parse(self, completion: Any) -> ModelResponse:
        return self._to_response(completion)

    @contextlib.asynccontextmanager
    async def _errors(self, progress: Any = None) -> AsyncIterator[None]:
        """openai exceptions -> ModelError naming model, server and the whole cause (chained).
        ``progress`` (a stream's assembler): a failure after chunks arrived is a connection lost
        mid-stream, reported with what arrived -- not "could not connect"."""
        import openai
        try:
            yield
        except AgentsException:
            raise
        except Exception as e:
            scrub_exception(e, self._key, *self._secrets)  # the chained cause Jupyter prints too
            if progress is not None and progress.chunks:
                cause = type(e.__cause__ or e).__name__
                raise self._cut_error(progress, f"the connection was lost mid-stream ({cause})") from e
            if isinstance(e, openai.APITimeoutError):
                raise self._error("the request timed out", e) from e
            if isinstance(e, openai.APIConnectionError):
                cause = type(e.__cause__).__name__ if e.__cause__ else "connection error"
                raise self._error(f"could not connect ({cause})", e) from e
            if isinstance(e, openai.APIStatusError):
                raise self._error(f"HTTP {e.status_code}: {_message(e)}", e) from e
            if isinstance(e, openai.OpenAIError):
                raise self._error(f"{type(e).__name__}: {e}", e) from e
            if type(e).__name__ == "JSONDecodeError":  # a malformed server-sent event
                raise self._error(f"the server sent a stream event that is not JSON ({e.msg}): "
                                  f"{str(getattr(e, 'doc', ''))[:200]!r} -- is base_url an "
                                  "OpenAI-compatible server?", e) from e
            raise

    def _sent(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"api": self.api, "body": scrub_data(body, self._key, *self._secrets)}

    async def stream_response(self, request: ModelRequest) -> AsyncIterator[tuple[str, Any]]:
        """Chat Completions with ``stream=True``. Yields ``("raw", event)`` for each of the SDK's
        synthesized Responses events (:mod:`handoff_nb.stream_synthesis`), ``("text", delta)``
        and ``("arguments", (call_id, index, delta))`` as they arrive, then ``("response",
        ModelResponse)``. A stream cut before its ``finish_reason`` is a ModelError carrying the
        text so far (``err.partial_output``), never a final answer."""
        body = self.payload(request, stream=True)
        s = request.model_settings
        asm = ChatStreamAssembler(self.model, tool_choice=s.tool_choice, temperature=s.temperature,
                                  top_p=s.top_p, parallel_tool_calls=s.parallel_tool_calls)
        client = self._client_for_loop()
        model_name = None
        async with self._errors(asm):
            stream = await client.chat.completions.create(**body, **self._options(request))
            try:
                async for chunk in stream:
                    asm.chunks += 1
                    model_name = getattr(chunk, "model", None) or model_name
                    if getattr(chunk, "id", None):
                        asm.response_id = chunk.id
                    if getattr(chunk, "usage", None):
                        asm.usage = _chat_usage(chunk.usage)
                    for raw in asm.start():
                        yield "raw", raw
                    choice = next((c for c in getattr(chunk, "choices", None) or []
                                   if getattr(c, "index", 0) == 0), None)
                    if choice is None:
                        continue
                    if getattr(choice, "finish_reason", None):
                        asm.finish_reason = choice.finish_reason
                    delta = choice.delta
                    if delta is None:
                        continue
                    if getattr(delta, "content", None):
                        for raw in asm.feed_text(delta.content):
                            yield "raw", raw
                        yield "text", delta.content
                    for tc in getattr(delta, "tool_calls", None) or []:
                        fn = tc.function
                        for raw in asm.feed_tool_call(tc.index, tc.id, fn.name if fn else None,
                                                      fn.arguments if fn else None):
                            yield "raw", raw
                        if fn is not None and fn.arguments:
                            call_id = asm.calls[tc.index]["call_id"]
                            yield "arguments", (call_id, tc.index, fn.arguments)
            finally:
                await _close(stream)
        if asm.finish_reason is None:
            raise self._cut_error(asm, "the stream ended before the model finished (no "
                                       "finish_reason: the connection was closed mid-answer)")
        if asm.finish_reason == "length" and not asm.text and not asm.calls:
            raise self._cut_error(asm, "finish_reason 'length' with no text and no tool call: "
                                       "max_tokens reached before any output (raise max_tokens)",
                                  behavior=True)
        for raw in asm.finish():
            yield "raw", raw
        yield "response", ModelResponse(output=_assembled_output(asm), usage=_usage_from(asm.usage),
                                        model_name=model_name or self.model,
                                        response_id=asm.response_id, sent=self._sent(body))

    def _cut_error(self, asm: Any, what: str, *, behavior: bool = False) -> ModelError:
        """A stream that ended early: the error names what happened and keeps what arrived."""
        output = _assembled_output(asm)
        so_far = asm.text
        calls = ", ".join(f"{c['name'] or '?'}({c['arguments']})" for c in asm.calls.values())
        detail = f"; the text so far: {so_far!r}" if so_far else ""
        detail += f"; tool calls so far: {calls}" if calls else ""
        err = self._error(f"{what} after {asm.chunks} chunks{detail}", None,
                          cls=ModelBehaviorError if behavior else ModelError)
        err.partial_output = output  # type: ignore[attr-defined]
        err.retryable = not behavior  # type: ignore[attr-defined]
        if behavior:
            err.hint = "max_tokens reached: raise max_tokens"  # type: ignore[attr-defined]
        return err

    def _error(self, what: str, cause: Exception | None, cls: type[AgentsException] = ModelError
               ) -> Any:
        err = cls(scrub(f"model {self.model!r} at {self.server}: {what}", self._key,
                               *self._secrets))
        err.status_code = getattr(cause, "status_code", None)  # type: ignore[attr-defined]
        err.request_id = getattr(cause, "request_id", None)  # type: ignore[attr-defined]
        response = getattr(cause, "response", None)
        headers = dict(getattr(response, "headers", None) or {})
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


def _chat_usage(reported: Any) -> dict[str, int]:
    return {"input_tokens": getattr(reported, "prompt_tokens", 0) or 0,
            "output_tokens": getattr(reported, "completion_tokens", 0) or 0,
            "total_tokens": getattr(reported, "total_tokens", 0) or 0}


def _usage_from(usage: dict[str, int] | None) -> Usage:
    if not usage:
        return Usage(requests=1)
    return Usage(requests=1, **usage)


def _assembled_output(asm: Any) -> list[dict[str, Any]]:
    """The items a (possibly partial) Chat stream produced, in handoff_nb's item shape."""
    output: list[dict[str, Any]] = []
    if asm.text:
        output.append({"role": "assistant", "content": asm.text})
    for _i, c in sorted(asm.calls.items()):
        output.append({"type": "function_call", "call_id": c["call_id"], "name": c["name"],
                       "arguments": c["arguments"].strip() or "{}"})
    return output


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
    """Every credential the client was configured with (key, the value of every default header
    whatever its name, a base_url password...), remembered for scrubbing everywhere."""
    guard_logs()
    return configured_secrets(client)


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


async def _close(stream: Any) -> None:
    """Close a stream's HTTP response now (also when the consumer stopped or an error cut it)."""
    close = getattr(stream, "close", None)
    if close is None:
        return
    try:
        await close()
    except Exception:  # pragma: no cover - best effort
        pass
