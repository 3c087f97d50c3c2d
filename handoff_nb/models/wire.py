"""Request bodies exactly as the Agents SDK 0.24 sends them, for both OpenAI APIs.

:func:`chat_body` and :func:`responses_body` build, from a :class:`~handoff_nb.models.interface.ModelRequest`,
the JSON body ``OpenAIChatCompletionsModel`` / ``OpenAIResponsesModel`` would send for the same
agent, settings and history: the same fields, present exactly when the SDK sends them
(``tests/test_wire_parity.py`` diffs the two on a loopback capture server). Deliberate differences:
an assistant message that only carries tool calls has ``content: ""`` (the SDK sends ``null``,
which some OpenAI-compatible servers reject), and ``ModelSettings.seed`` (ours) is sent to Chat
Completions when set.

Input items map as the SDK maps them: text, ``input_image``, ``input_file`` and ``input_audio``
parts go to both APIs (``image_url`` / ``file`` / ``input_audio`` parts for Chat), ``reasoning``
items go to Responses and are dropped for Chat, anything else that cannot be mapped is a
:class:`~handoff_nb.errors.UserError` naming the item and why.

The Python-facing items stay seed-compatible (assistant text is ``{"role": "assistant", "content":
"..."}``); the Responses model remembers the server's own items (:data:`WIRE_ITEMS`) and sends those
back, so after the first model output the Responses input holds the SDK's
``{"type": "message", "id", "status", "content": [{"type": "output_text", ...}]}`` and
``function_call`` items with ``id`` and ``status``.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..agent_output import response_format, text_format
from ..errors import UserError
from ..model_settings import plain

if TYPE_CHECKING:  # pragma: no cover
    from .interface import ModelRequest

FAKE_ID = "__fake_id__"
_LITERAL_CHOICES = ("auto", "required", "none")


def is_official_openai(base_url: Any) -> bool:
    """api.openai.com over https (where the SDK sends ``store`` / ``include_usage`` by default)."""
    parts = urlsplit(str(base_url or ""))
    return parts.scheme == "https" and parts.hostname == "api.openai.com"


def _short(item: Any, limit: int = 160) -> str:
    text = repr(item)
    return text if len(text) <= limit else text[:limit] + "…"


# -- Chat Completions ----------------------------------------------------------------------------
def chat_body(request: ModelRequest, model: str, *, official: bool = False, stream: bool = False,
              merge_extra_body: bool = True) -> dict[str, Any]:
    """The body ``OpenAIChatCompletionsModel`` sends (``official``: the client talks to
    api.openai.com). With ``merge_extra_body=False`` ``extra_body`` is left for the client."""
    s = request.model_settings
    body: dict[str, Any] = {"model": model,
                            "messages": to_chat_messages(request.system_prompt, request.input)}
    if request.tools:
        body["tools"] = request.tools
    for key in ("temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens"):
        if getattr(s, key) is not None:
            body[key] = getattr(s, key)
    if s.tool_choice is not None:
        body["tool_choice"] = (s.tool_choice if s.tool_choice in _LITERAL_CHOICES
                               else {"type": "function", "function": {"name": s.tool_choice}})
    if s.parallel_tool_calls is not None and request.tools:
        body["parallel_tool_calls"] = s.parallel_tool_calls
    if stream:
        body["stream"] = True
        include_usage = s.include_usage if s.include_usage is not None else (True if official else None)
        if include_usage is not None:
            body["stream_options"] = {"include_usage": include_usage}
    store = s.store if s.store is not None else (True if official else None)
    if store is not None:
        body["store"] = store
    effort = _reasoning_effort(s.reasoning)
    if effort is not None:
        body["reasoning_effort"] = effort
    if s.verbosity is not None:
        body["verbosity"] = s.verbosity
    if s.top_logprobs is not None:
        body["top_logprobs"] = s.top_logprobs
        if "logprobs" not in (s.extra_args or {}):
            body["logprobs"] = True
    for key in ("prompt_cache_retention", "prompt_cache_options", "metadata"):
        if getattr(s, key) is not None:
            body[key] = plain(getattr(s, key))
    if s.seed is not None:
        body["seed"] = s.seed
    if request.output_schema is not None:  # Agent(output_type=...): JSON in the schema, as the SDK asks
        body["response_format"] = response_format(request.output_schema)
    _merge_extra_args(body, s.extra_args, "chat.completions.create()")
    if s.extra_body and merge_extra_body:
        body.update(s.extra_body)
    return body


def _reasoning_effort(reasoning: Any) -> Any:
    if reasoning is None:
        return None
    if isinstance(reasoning, dict):
        return reasoning.get("effort")
    return getattr(reasoning, "effort", None)


def _merge_extra_args(body: dict[str, Any], extra: dict[str, Any] | None, what: str) -> None:
    if not extra:
        return
    duplicate = sorted(k for k in extra if k in body)
    if duplicate:
        raise UserError(f"ModelSettings.extra_args sets {', '.join(map(repr, duplicate))}, which "
                        f"{what} already gets from the other settings: set it in one place only")
    body.update({k: plain(v) for k, v in extra.items()})


def to_chat_messages(system_prompt: str | None, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Input items as Chat Completions messages, system prompt first (the SDK's mapping)."""
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    open_assistant = False  # the last message is an assistant message tool calls may join
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise UserError(f"input item {i} is a {type(item).__name__}, not a dict: {_short(item)}")
        kind, role = item.get("type"), item.get("role")
        if kind == "function_call":
            call = {"id": item["call_id"], "type": "function",
                    "function": {"name": item["name"], "arguments": item.get("arguments") or "{}"}}
            if open_assistant:
                messages[-1].setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
                open_assistant = True
        elif kind == "function_call_output":
            if item.get("call_id") is None:
                raise UserError(f"input item {i} is a function_call_output without call_id: Chat "
                                f"Completions cannot send it (a Responses model can): {_short(item)}")
            messages.append({"role": "tool", "tool_call_id": item["call_id"],
                             "content": _tool_output_for_chat(item.get("output"), i)})
            open_assistant = False
        elif kind == "reasoning":
            continue  # the SDK drops reasoning items for Chat Completions
        elif role == "assistant":
            messages.append({"role": "assistant", "content": _assistant_text(item)})
            open_assistant = True
        elif role in ("user", "system", "developer") and kind in (None, "message"):
            content = item.get("content")
            if role == "user":
                messages.append({"role": "user", "content": _chat_parts(content, i)})
            else:
                parts = _chat_parts(content, i)
                if isinstance(parts, list) and any(p.get("type") != "text" for p in parts):
                    raise UserError(f"input item {i}: a {role} message can only hold text for Chat "
                                    f"Completions: {_short(item)}")
                messages.append({"role": role, "content": parts})
            open_assistant = False
        else:
            raise UserError(f"input item {i} cannot be sent to Chat Completions "
                            f"({'type ' + repr(kind) if kind else 'no type and no role'}): "
                            f"{_short(item)}")
    return messages


def _assistant_text(item: dict[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content
                         if isinstance(p, dict) and p.get("type") in ("output_text", "text", "input_text"))
    return ""


def _chat_parts(content: Any, i: int) -> Any:
    """A message's content for Chat Completions: a string stays a string, parts are mapped."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if not isinstance(content, list):
        raise UserError(f"input item {i}: content must be a string or a list of parts, got "
                        f"{type(content).__name__}")
    out: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "text", "output_text"):
            out.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            url = part.get("image_url")
            if not url:
                raise UserError(f"input item {i}: an input_image part needs image_url for Chat "
                                f"Completions (a file_id image is Responses only): {_short(part)}")
            detail = part.get("detail", "auto")
            out.append({"type": "image_url", "image_url": {
                "url": url, "detail": "high" if detail == "original" else detail}})
        elif kind == "input_file":
            if part.get("file_data"):
                file: dict[str, Any] = {"file_data": part["file_data"]}
            elif part.get("file_id"):
                file = {"file_id": part["file_id"]}
            else:
                raise UserError(f"input item {i}: an input_file part needs file_data or file_id for "
                                f"Chat Completions (file_url is Responses only): {_short(part)}")
            if part.get("filename"):
                file["filename"] = part["filename"]
            out.append({"type": "file", "file": file})
        elif kind == "input_audio":
            audio = part.get("input_audio")
            if not isinstance(audio, dict) or not audio.get("data") or not audio.get("format"):
                raise UserError(f"input item {i}: an input_audio part needs input_audio with data "
                                f"and format: {_short(part)}")
            out.append({"type": "input_audio",
                        "input_audio": {"data": audio["data"], "format": audio["format"]}})
        else:
            raise UserError(f"input item {i}: content part {_short(part)} cannot be sent to Chat "
                            "Completions (known: input_text, input_image, input_file, input_audio)")
    return out


def _tool_output_for_chat(output: Any, i: int) -> Any:
    if isinstance(output, list) and all(isinstance(p, dict) and "type" in p for p in output):
        texts = [p for p in _chat_parts(output, i) if p.get("type") == "text"]
        return texts
    return output_text(output)


def output_text(output: Any) -> str:
    """A tool output as the string both OpenAI APIs expect."""
    return output if isinstance(output, str) else json.dumps(output)


# -- Responses -----------------------------------------------------------------------------------
def responses_body(request: ModelRequest, model: str, *, stream: bool = False,
                   remembered: bool = True) -> dict[str, Any]:
    """The body ``OpenAIResponsesModel`` sends. ``remembered``: send back the server's own items
    for earlier outputs (:data:`WIRE_ITEMS`), as the SDK does."""
    s = request.model_settings
    body: dict[str, Any] = {}
    if request.system_prompt:
        body["instructions"] = request.system_prompt
    body["model"] = model
    body["input"] = to_responses_input(request.input, remembered=remembered)
    include = list(dict.fromkeys(s.response_include or []))
    if s.top_logprobs is not None and "message.output_text.logprobs" not in include:
        include.append("message.output_text.logprobs")
    body["include"] = include
    body["tools"] = [{"type": "function", "name": t["function"]["name"],
                      "description": t["function"].get("description") or "",
                      "parameters": t["function"].get("parameters") or {},
                      "strict": t["function"].get("strict", True)} for t in request.tools]
    for key in ("temperature", "top_p", "truncation"):
        if getattr(s, key) is not None:
            body[key] = getattr(s, key)
    if s.max_tokens is not None:
        body["max_output_tokens"] = s.max_tokens
    if s.tool_choice is not None:
        body["tool_choice"] = (s.tool_choice if s.tool_choice in _LITERAL_CHOICES
                               else {"type": "function", "name": s.tool_choice})
    if s.parallel_tool_calls is not None and body["tools"]:
        body["parallel_tool_calls"] = s.parallel_tool_calls
    if stream:
        body["stream"] = True
    text = text_format(request.output_schema) if request.output_schema is not None else None
    if s.verbosity is not None:
        text = {**(text or {}), "verbosity": s.verbosity}
    if text is not None:
        body["text"] = text
    for key in ("store", "prompt_cache_retention", "prompt_cache_options", "reasoning",
                "metadata", "context_management"):
        if getattr(s, key) is not None:
            body[key] = plain(getattr(s, key))
    extra = dict(s.extra_args or {})
    if s.top_logprobs is not None:
        extra["top_logprobs"] = s.top_logprobs
    _merge_extra_args(body, extra, "responses.create()")
    return body


def to_responses_input(items: list[dict[str, Any]], *, remembered: bool = True) -> list[dict[str, Any]]:
    """Input items for the Responses API: passed through as the SDK does (without its
    placeholder ids and provider data), tool outputs as strings, earlier outputs as the server
    sent them when remembered."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise UserError(f"input item {i} is a {type(item).__name__}, not a dict: {_short(item)}")
        kind, role = item.get("type"), item.get("role")
        if kind is None and role is None:
            raise UserError(f"input item {i} cannot be sent to the Responses API (no type and no "
                            f"role): {_short(item)}")
        wire = WIRE_ITEMS.get(item) if remembered else None
        if wire is not None:
            out.append(wire)
            continue
        sent = {k: v for k, v in item.items() if k != "provider_data"}
        if sent.get("id") == FAKE_ID:
            del sent["id"]
        if kind == "function_call":
            sent["arguments"] = item.get("arguments") or "{}"
        elif kind == "function_call_output" and not isinstance(item.get("output"), (str, list)):
            sent["output"] = output_text(item.get("output"))
        elif kind == "reasoning" and item.get("provider_data"):
            continue  # another provider's reasoning (the SDK drops it too)
        out.append(sent)
    return out


class _WireItems:
    """The server's own output items (as the SDK would send them back), by the key of the item
    handoff_nb keeps for them: ``call_id`` for a call, the text for a message. Bounded."""

    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(item: dict[str, Any]) -> tuple[str, str] | None:
        if item.get("type") == "function_call" and item.get("call_id"):
            return ("call", f"{item['call_id']}\0{item.get('name')}\0{item.get('arguments')}")
        if item.get("role") == "assistant" and isinstance(item.get("content"), str) and (
                set(item) <= {"role", "content", "type"}):
            return ("message", item["content"])
        return None

    def put(self, item: dict[str, Any], wire: dict[str, Any]) -> None:
        key = self.key(item)
        if key is None:
            return
        with self._lock:
            self._items[key] = wire
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, item: dict[str, Any]) -> dict[str, Any] | None:
        key = self.key(item)
        if key is None:
            return None
        with self._lock:
            wire = self._items.get(key)
        return json.loads(json.dumps(wire)) if wire is not None else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


WIRE_ITEMS = _WireItems()
"""Output items a Responses server sent (see the module docstring)."""
