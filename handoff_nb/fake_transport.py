"""FakeOpenAIServer without a socket: the same routes answered inside this Python process by an
httpx transport (the HTTP client library of the ``openai`` package).

A browser tab (Pyodide, JupyterLite) cannot ``listen()`` on a port (``OSError: [Errno 138]``), so
there :class:`~handoff_nb.fake_server.FakeOpenAIServer` serves *in process*: it gets a made-up
``http://127.0.0.1:PORT/v1`` address, and every httpx ``AsyncHTTPTransport`` (the one the openai
client creates) answers requests to that address from the server's script before any network is
touched. Everything else about the server is the same: ``requests``, ``headers``, the Chat
Completions and Responses routes (plain and streamed), the Files and Batches routes,
:func:`~handoff_nb.fake_server.status` and :func:`~handoff_nb.fake_server.garbage` answers;
:func:`~handoff_nb.fake_server.reset` raises the error a reset connection raises.

    srv = FakeOpenAIServer([reply("hi")]).in_process()    # anywhere; automatic in the browser
    transport = FakeOpenAITransport(srv)                 # or pass a transport yourself:
    client = openai.AsyncOpenAI(base_url=srv.base_url, api_key="sk-test",
                                http_client=httpx.AsyncClient(transport=transport))
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

try:  # openai >= 3 talks through httpx2; older releases through httpx
    import httpx2 as httpx
except ImportError:  # pragma: no cover - depends on the openai release installed
    import httpx  # type: ignore[no-redef]

__all__ = ["FakeOpenAITransport", "serve_in_process", "stop_in_process"]

_ROUTES: dict[tuple[str, int], FakeOpenAITransport] = {}
_PORTS = itertools.count(47101)


class _Address:
    """Stands in for the socket server: ``server_address`` is all FakeOpenAIServer reads."""

    def __init__(self, port: int) -> None:
        self.server_address = ("127.0.0.1", port)


class _Events(httpx.AsyncByteStream):
    """Server-Sent Events delivered one by one, as a streaming server sends them."""

    def __init__(self, events: list[bytes]) -> None:
        self.events = events

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in self.events:
            await asyncio.sleep(0)
            yield event


class FakeOpenAITransport(httpx.AsyncBaseTransport):
    """Answers the openai client's requests from a FakeOpenAIServer's script, in process."""

    def __init__(self, server: Any) -> None:
        self.server = server

    async def handle_async_request(self, request: Any) -> Any:
        raw = await request.aread()
        r = self.server._dispatch(request.method, request.url.path, request.headers, raw)
        if r.delay:
            await asyncio.sleep(r.delay)
        if r.reset:
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if r.events is not None:
            return httpx.Response(r.status, headers={"content-type": "text/event-stream", **r.headers},
                                  stream=_Events([f"data: {e}\n\n".encode() for e in r.events]))
        return httpx.Response(r.status, headers=r.headers, content=r.content)


def serve_in_process(server: Any) -> None:
    """Give ``server`` an address and answer it in process from now on (see the module doc)."""
    port = next(_PORTS)
    server._server = _Address(port)
    _ROUTES[("127.0.0.1", port)] = FakeOpenAITransport(server)
    _hook()


def stop_in_process(server: Any) -> None:
    address = getattr(server._server, "server_address", None)
    if address is not None:
        _ROUTES.pop((address[0], address[1]), None)


def _hook() -> None:
    """Route requests for in-process servers before httpx's own transport touches a network
    (installed once; addresses no in-process server holds go through unchanged)."""
    cls = httpx.AsyncHTTPTransport
    if getattr(cls, "_handoff_nb_in_process", False):
        return
    original = cls.handle_async_request

    async def handle_async_request(self: Any, request: Any) -> Any:
        fake = _ROUTES.get((request.url.host, request.url.port or 80))
        if fake is not None:
            return await fake.handle_async_request(request)
        return await original(self, request)

    cls.handle_async_request = handle_async_request
    cls._handoff_nb_in_process = True
