"""A loopback OpenAI-compatible server for tests, benchmarks and offline demos of real HTTP (also importable from ``handoff_nb.testing``).

    with FakeOpenAIServer([reply(tool_calls=[("route_to_billing", "{}")]), reply("Hello!")]) as srv:
        model = OpenAIChatModel("fake", base_url=srv.base_url, api_key="sk-test")

Each scripted item answers one ``POST /v1/chat/completions`` -- or ``POST /v1/responses``, where
the same scripted completion is sent in the Responses API's shape (and, with ``stream: true``, as
Responses stream events): a :func:`reply` (200 with a chat
completion), :func:`status` (an error status with an OpenAI-style error body), or a callable
``(request_json) -> item``. :func:`garbage` (a 200 that is not JSON, e.g. a proxy's HTML page) and :func:`reset` (the connection
is reset without an answer) script broken servers. ``delay`` seconds are slept before answering. With ``repeat=True`` the
last item answers every further request. ``srv.requests`` holds each received JSON body and
``srv.headers`` the headers. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    """Send these bytes as the body instead of ``body`` as JSON."""
    content_type: str = "application/json"
    reset: bool = False
    """Reset the connection (TCP RST) instead of answering."""


def reply(content: str | None = None, tool_calls: Sequence[tuple[str, str]] = (), *,
          model: str = "fake-model", delay: float = 0.0, usage: tuple[int, int] = (10, 5),
          call_id_prefix: str = "call_") -> Answer:
    calls = [{"id": f"{call_id_prefix}{i}", "type": "function",
              "function": {"name": name, "arguments": args}} for i, (name, args) in enumerate(tool_calls)]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    body = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                      "total_tokens": usage[0] + usage[1]}}
    return Answer(200, body, delay)


def status(code: int, message: str = "error", *, delay: float = 0.0,
           retry_after_ms: int | None = None) -> Answer:
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    return Answer(code, {"error": {"message": message, "type": "test_error", "code": code}}, delay, headers)


def garbage(text: str = "<html>Please sign in to the proxy</html>", *, code: int = 200,
            content_type: str = "text/html", delay: float = 0.0) -> Answer:
    return Answer(code, {}, delay, raw=text.encode("utf-8"), content_type=content_type)


def reset(*, delay: float = 0.0) -> Answer:
    return Answer(0, {}, delay, reset=True)


def _stream_chunks(completion: dict[str, Any]) -> Any:
    """chat.completion.chunk JSON strings for a scripted completion: text word by word, each
    tool call's arguments in pieces, then the usage."""
    import re
    base = {"id": completion.get("id", "chatcmpl-fake"), "object": "chat.completion.chunk",
            "created": 0, "model": completion.get("model", "fake-model")}
    message = completion["choices"][0]["message"]

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    yield chunk({"role": "assistant", "content": ""})
    for word in re.findall(r"\S+\s*|\s+", message.get("content") or ""):
        yield chunk({"content": word})
    for i, call in enumerate(message.get("tool_calls") or []):
        yield chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                     "function": {"name": call["function"]["name"], "arguments": ""}}]})
        args = call["function"]["arguments"]
        for j in range(0, len(args), 8):
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": args[j:j + 8]}}]})
    yield chunk({}, completion["choices"][0].get("finish_reason", "stop"))
    yield json.dumps({**base, "choices": [], "usage": completion.get("usage")})


def _as_response(completion: dict[str, Any]) -> dict[str, Any]:
    """A scripted chat completion in the Responses API's shape."""
    message = completion["choices"][0]["message"]
    output: list[dict[str, Any]] = []
    if message.get("content"):
        output.append({"type": "message", "id": "msg_fake", "status": "completed", "role": "assistant",
                       "content": [{"type": "output_text", "text": message["content"], "annotations": []}]})
    for i, call in enumerate(message.get("tool_calls") or []):
        output.append({"type": "function_call", "id": f"fc_{i}", "call_id": call["id"], "status": "completed",
                       "name": call["function"]["name"], "arguments": call["function"]["arguments"]})
    usage = completion.get("usage") or {}
    return {"id": "resp_" + completion.get("id", "fake").replace("chatcmpl-", ""), "object": "response",
            "created_at": 0, "model": completion.get("model", "fake-model"), "status": "completed",
            "output": output, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "usage": {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0),
                      "total_tokens": usage.get("total_tokens", 0), "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}}}


def _response_stream_events(completion: dict[str, Any]) -> Any:
    """Responses stream events for a scripted completion: text deltas word by word, argument
    deltas in pieces, then response.completed with the whole response."""
    import re
    response = _as_response(completion)
    seq = 0

    def event(kind: str, **fields: Any) -> str:
        nonlocal seq
        seq += 1
        return json.dumps({"type": kind, "sequence_number": seq, **fields})

    yield event("response.created", response={**response, "status": "in_progress", "output": []})
    for index, item in enumerate(response["output"]):
        yield event("response.output_item.added", output_index=index, item=item)
        if item["type"] == "message":
            for word in re.findall(r"\S+\s*|\s+", item["content"][0]["text"]):
                yield event("response.output_text.delta", item_id=item["id"], output_index=index,
                            content_index=0, delta=word, logprobs=[])
        else:
            args = item["arguments"]
            for j in range(0, len(args), 8):
                yield event("response.function_call_arguments.delta", item_id=item["id"],
                            output_index=index, delta=args[j:j + 8])
    yield event("response.completed", response=response)


@dataclass
class _Reply:
    """What one request gets, whatever carries it (the socket server or the in-process transport):
    ``events`` (Server-Sent Events, sent one by one) or ``content`` with ``status``/``headers``,
    after sleeping ``delay`` seconds; ``reset`` closes the connection without an answer."""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    events: list[str] | None = None
    delay: float = 0.0
    reset: bool = False


def _json_reply(code: int, value: Any) -> _Reply:
    return _Reply(code, {"content-type": "application/json"}, json.dumps(value).encode())


class FakeOpenAIServer:
    def __init__(self, script: Sequence[Answer | Callable[[dict[str, Any]], Answer]] = (), *,
                 repeat: bool = False) -> None:
        self.script = list(script)
        self.repeat = repeat
        self.requests: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        """Uploaded and generated files (the Batch API endpoints), by id."""
        self.batches: dict[str, dict[str, Any]] = {}
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _next(self, body: dict[str, Any]) -> Answer:
        with self._lock:
            self.requests.append(body)
            index = len(self.requests) - 1
            if index < len(self.script):
                item = self.script[index]
            elif self.repeat and self.script:
                item = self.script[-1]
            else:
                item = status(500, f"FakeOpenAIServer: no scripted answer for request {index + 1}")
        return item(body) if callable(item) else item

    # -- the Batch API: files and batches --------------------------------------------------------
    def _store_upload(self, content_type: str, raw: bytes) -> str:
        from email.parser import BytesParser
        message = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        data = b""
        for part in message.walk():
            if part.get_param("name", header="content-disposition") == "file":
                data = part.get_payload(decode=True) or b""
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = data
        return file_id

    def _create_batch(self, params: dict[str, Any]) -> dict[str, Any]:
        """Run every request of the input file through the script now; report "in_progress" on
        the first poll and "completed" after (so clients exercise their polling)."""
        lines = [json.loads(x) for x in self.files[params["input_file_id"]].decode().splitlines() if x.strip()]
        out = []
        for i, line in enumerate(lines):
            answer = self._next(line["body"])
            body = answer.body
            if answer.status == 200 and line.get("url", "").endswith("/responses"):
                body = _as_response(body)
            out.append(json.dumps({"id": f"batch_req_{i}", "custom_id": line["custom_id"],
                                   "response": {"status_code": answer.status, "request_id": f"req_{i}",
                                                "body": body}, "error": None}))
        with self._lock:
            output_id = f"file-{len(self.files) + 1}"
            self.files[output_id] = ("\n".join(out) + "\n").encode()
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": params["endpoint"],
                "input_file_id": params["input_file_id"], "completion_window": "24h",
                "status": "validating", "output_file_id": None, "created_at": 0,
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0}, "_output": output_id}
            return {k: v for k, v in self.batches[batch_id].items() if not k.startswith("_")}

    def _poll_batch(self, batch_id: str) -> dict[str, Any] | None:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return None
            if batch["status"] == "validating":
                batch["status"] = "in_progress"
            elif batch["status"] == "in_progress":
                n = batch["request_counts"]["total"]
                batch.update(status="completed", output_file_id=batch["_output"],
                             request_counts={"total": n, "completed": n, "failed": 0})
            return {k: v for k, v in batch.items() if not k.startswith("_")}

    def _dispatch(self, method: str, path: str, headers: Any, raw: bytes) -> _Reply:
        """The answer to one request: the Files and Batches routes, else the next scripted item
        (Chat Completions, or the Responses API's shape at ``/responses``; streamed on ``stream``)."""
        path = path.split("?")[0].rstrip("/")
        parts = path.split("/")
        if method == "GET":
            if "/files/" in path and path.endswith("/content"):
                data = self.files.get(parts[-2])
                if data is None:
                    return _json_reply(404, {"error": {"message": "no such file"}})
                return _Reply(200, {"content-type": "application/octet-stream"}, data)
            if "/batches/" in path:
                batch = self._poll_batch(parts[-1])
                return _json_reply(200 if batch else 404, batch or {"error": {"message": "no such batch"}})
            return _json_reply(404, {"error": {"message": f"no route {path}"}})
        if path.endswith("/files"):
            file_id = self._store_upload(headers.get("content-type", ""), raw)
            return _json_reply(200, {"id": file_id, "object": "file", "bytes": len(self.files[file_id]),
                                     "created_at": 0, "filename": "batch.jsonl", "purpose": "batch",
                                     "status": "processed"})
        if path.endswith("/batches"):
            return _json_reply(200, self._create_batch(json.loads(raw)))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        with self._lock:
            self.headers.append({k.lower(): v for k, v in headers.items()})
        answer = self._next(body)
        if answer.reset:
            return _Reply(delay=answer.delay, reset=True)
        if path.endswith("/responses") and answer.status == 200 and answer.raw is None:
            if body.get("stream"):
                return _Reply(events=list(_response_stream_events(answer.body)), delay=answer.delay)
            answer = Answer(200, _as_response(answer.body), answer.delay, answer.headers)
        elif body.get("stream") and answer.status == 200 and answer.raw is None:
            return _Reply(events=list(_stream_chunks(answer.body)) + ["[DONE]"], delay=answer.delay)
        data = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
        return _Reply(answer.status, {"content-type": answer.content_type, **answer.headers}, data,
                      delay=answer.delay)

    def in_process(self) -> FakeOpenAIServer:
        """Serve without a socket, inside this process (:mod:`handoff_nb.fake_transport`); what a
        browser tab (Pyodide) does on ``with``. Returns the started server."""
        from .fake_transport import serve_in_process
        serve_in_process(self)
        return self

    def __enter__(self) -> FakeOpenAIServer:
        if self._server is not None:  # already serving (in_process())
            return self
        import sys
        if sys.platform == "emscripten":  # a browser tab cannot listen(): serve in process
            return self.in_process()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stalls per response
            wbufsize = 1 << 16  # headers and body leave in one write (flushed per request)

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)) if method == "POST" else b""
                r = outer._dispatch(method, self.path, self.headers, raw)
                if r.delay:
                    time.sleep(r.delay)
                if r.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                try:
                    self.send_response(r.status)
                    for k, v in r.headers.items():
                        self.send_header(k, v)
                    if r.events is None:
                        self.send_header("content-length", str(len(r.content)))
                        self.end_headers()
                        self.wfile.write(r.content)
                        return
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    for event in r.events:
                        payload = f"data: {event}\n\n".encode()
                        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None and not hasattr(self._server, "shutdown"):  # in process
            from .fake_transport import stop_in_process
            stop_in_process(self)
            return
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
