"""A request cache: the same request to the same model is answered from disk, not paid again.

``CachedModel(inner, path)`` keys each call by a hash of everything that changes the answer: the
model's identity (:func:`model_identity`: its class and API, the server's base_url, organization
and project, and *fingerprints* -- never the values -- of the API key and of every default header
and query value) and the exact request (model name, system prompt, input, tools, settings,
``extra_body``; secrets in them fingerprinted too). Two servers, two keys or the two OpenAI APIs
serving a model of the same name never share entries. Responses are stored in a JSONL file in
the cassette format (``{"key", "model", "request", "response"}``, secrets scrubbed: the key, header
values and values under secret names such as ``extra_body["api_key"]`` never reach the file).
Identical requests -- an unchanged evaluation re-run, or the 100 cases that share a first turn --
make no model call; the same request in flight from several tasks, threads or event loops is
sent once. ``stats`` counts hits, misses and the money the hits saved (for models with a known
price), each call counted once.

A damaged line (a crash mid-write, a hand edit) is skipped with a warning naming the file and the
line; the rest of the cache is used and new entries go on lines of their own.

Evaluations use it by default with real models (``evaluate_routing(..., cache=True)``; ``False``
bypasses it; a path chooses the file). The offline and scripted models are never cached.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import os
import pathlib
import threading
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._secrets import is_secret_name, remember, scrub, scrub_data, secrets_in
from .models.interface import ModelRequest, ModelResponse, model_label
from .pricing import cost

DEFAULT_PATH = pathlib.Path(".handoff_nb_cache") / "requests.jsonl"
KEY_VERSION = 2
"""Bumped when what goes into a key changes (older entries then simply never match)."""
MAX_WARNINGS = 5


def fingerprint(value: Any) -> str | None:
    """A short one-way fingerprint of a secret (to tell two keys apart without keeping either)."""
    if value is None:
        return None
    digest = hashlib.sha256(b"handoff_nb request cache\0" + str(value).encode("utf-8")).hexdigest()
    return "fp:" + digest[:20]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def model_identity(model: Any) -> dict[str, Any]:
    """What, besides the request, decides a model's answer: class, API, model name, and for a
    model with an openai-style client its server (base_url, organization, project) and
    fingerprints of its key, default headers and default query (see the module docstring)."""
    ident: dict[str, Any] = {"class": type(model).__name__, "api": getattr(model, "api", None),
                             "model": getattr(model, "model", None) or model_label(model)}
    client = getattr(model, "client", None)
    if client is None:
        return ident
    url = str(getattr(client, "base_url", "") or "")
    ident["base_url"] = _without_password(url)
    if ident["base_url"] != url:
        ident["url"] = fingerprint(url)
    for attr in ("organization", "project", "websocket_base_url"):
        value = getattr(client, attr, None)
        if value is not None:
            ident[attr] = str(value)
    ident["key"] = fingerprint(getattr(client, "api_key", None))
    headers = _configured(client, "_custom_headers", "default_headers")
    if headers:
        ident["headers"] = {str(k).lower(): fingerprint(v) for k, v in sorted(headers.items())
                            if isinstance(v, str)}
    query = _configured(client, "_custom_query", "default_query")
    if query:
        ident["query"] = {str(k): fingerprint(v) for k, v in sorted(query.items())}
    return ident


def _configured(client: Any, own: str, public: str) -> dict[str, Any]:
    """What the user configured (openai's ``_custom_headers``), not the client's own additions."""
    value = getattr(client, own) if hasattr(client, own) else getattr(client, public, None)
    return dict(value or {})


def _fingerprinted(value: Any, secret: bool = False) -> Any:
    """``value`` with credential values (under secret names) replaced by their fingerprints."""
    if isinstance(value, dict):
        return {k: _fingerprinted(v, secret or is_secret_name(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fingerprinted(v, secret) for v in value]
    if secret and isinstance(value, str):
        return fingerprint(value)
    return value


def _request_dict(request: ModelRequest) -> dict[str, Any]:
    data = request.to_json_dict()
    settings = dict(data.get("model_settings") or {})
    for field in ("extra_headers", "extra_query"):  # every value may be a credential
        if settings.get(field):
            settings[field] = {k: fingerprint(v) for k, v in dict(settings[field]).items()}
    data["model_settings"] = _fingerprinted(settings)
    return data


def request_key(model: Any, request: ModelRequest) -> str:
    """A stable hash of who is asked and what is sent: same key <=> same request to the same
    model on the same server with the same credentials. ``model`` is a model object (or, as
    before, a model name)."""
    ident = model_identity(model) if not isinstance(model, str) else {"model": model}
    payload = json.dumps({"v": KEY_VERSION, "identity": ident, **_request_dict(request)},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    saved_usd: float = 0.0
    saved_tokens: int = 0

    def __str__(self) -> str:
        money = f", saved ${self.saved_usd:.4f}" if self.saved_usd else ""
        return f"cache: {self.hits} hits, {self.misses} misses ({self.saved_tokens} tokens not re-sent{money})"


class CachedModel:
    """Wraps a model; answers repeated requests from ``path`` (see the module docstring)."""

    def __init__(self, inner: Any, path: str | os.PathLike[str] = DEFAULT_PATH) -> None:
        self.inner = inner
        self.path = pathlib.Path(path)
        self.model = model_label(inner)
        self.name = f"cached:{self.model}"
        self.stats = CacheStats()
        self._identity = model_identity(inner)
        self._lock = threading.RLock()
        self._entries: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, concurrent.futures.Future[None]] = {}
        self._load()

    def key_for(self, request: ModelRequest) -> str:
        """This request's cache key (see :func:`request_key`)."""
        return request_key(self.inner, request)

    def _load(self) -> None:
        if not self.path.exists():
            return
        bad: list[tuple[int, str]] = []
        text = self.path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                ModelResponse.from_json_dict(entry["response"])  # readable as a response
                self._entries[str(entry["key"])] = entry["response"]
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                bad.append((n, f"{type(e).__name__}: {e}"[:120]))
        for n, why in bad[:MAX_WARNINGS]:
            warnings.warn(f"request cache {self.path}, line {n}: unreadable ({why}); skipped -- the "
                          "rest of the cache is used and this request will be asked again (delete "
                          "the line to silence this)", UserWarning, stacklevel=3)
        if len(bad) > MAX_WARNINGS:
            warnings.warn(f"request cache {self.path}: {len(bad)} unreadable lines in all (lines "
                          f"{', '.join(str(n) for n, _ in bad[:20])}{'...' if len(bad) > 20 else ''}); "
                          "skipped", UserWarning, stacklevel=3)

    def _hit(self, stored: dict[str, Any]) -> ModelResponse:
        response = ModelResponse.from_json_dict(stored)
        with self._lock:
            self.stats.hits += 1
            self.stats.saved_tokens += response.usage.input_tokens + response.usage.output_tokens
            self.stats.saved_usd += cost(response.model_name or self.model, response.usage) or 0.0
        return response

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        key = self.key_for(request)
        while True:
            with self._lock:
                stored = self._entries.get(key)
                pending = self._pending.get(key) if stored is None else None
                mine: concurrent.futures.Future[None] | None = None
                if stored is None and pending is None:
                    mine = concurrent.futures.Future()
                    self._pending[key] = mine
            if stored is not None:
                return self._hit(stored)
            if mine is not None:
                break
            # the same request in flight (another task, thread or event loop): wait for it, then
            # read its answer (or ask ourselves if it failed)
            await asyncio.shield(asyncio.wrap_future(pending))  # type: ignore[arg-type]
        try:
            response = await self.inner.get_response(request)
            self._store(key, request, response)
            with self._lock:
                self.stats.misses += 1
            return response
        finally:
            with self._lock:
                self._pending.pop(key, None)
            mine.set_result(None)

    def _secrets(self, request: ModelRequest) -> list[str]:
        s = request.model_settings
        found = [getattr(getattr(self.inner, "client", None), "api_key", None),
                 getattr(self.inner, "_key", None), *getattr(self.inner, "_secrets", ())]
        found += secrets_in(s.extra_body or {})
        headers = getattr(s, "extra_headers", None) or {}
        values = [v for v in dict(headers).values() if isinstance(v, str)]
        remember(*values)
        return [x for x in found + values if isinstance(x, str)]

    def _store(self, key: str, request: ModelRequest, response: ModelResponse) -> None:
        secrets = self._secrets(request)
        model = {"api": self._identity.get("api"), "model": self._identity.get("model"),
                 "server": scrub(str(self._identity.get("base_url") or ""), *secrets) or None}
        entry = {"key": key, "model": model,
                 **scrub_data({"request": request.to_json_dict(),
                               "response": response.to_json_dict()}, *secrets)}
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=repr) + "\n"
        with self._lock:
            self._entries[key] = entry["response"]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as f:
                f.seek(0, os.SEEK_END)
                if f.tell() > 0:  # a half-written last line must not swallow this entry
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        f.write(b"\n")
                f.write(line.encode("utf-8"))


def is_real_model(model: Any) -> bool:
    """Models worth caching: those that call a server (not offline, scripted or replay)."""
    return hasattr(model, "client") and not isinstance(model, CachedModel)
