"""A request cache: the same request to the same model is answered from disk, not paid again.

``CachedModel(inner, path)`` keys each call by a hash of the exact request (model name, system
prompt, input, tools, settings) and stores the response in a JSONL file in the cassette format
(``{"key", "request", "response"}``, secrets scrubbed). Identical requests -- an unchanged
evaluation re-run, or the 100 cases that share a first turn -- make no model call. ``stats``
counts hits, misses and the money the hits saved (for models with a known price).

Evaluations use it by default with real models (``evaluate_routing(..., cache=True)``; ``False``
bypasses it; a path chooses the file). The offline and scripted models are never cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import pathlib
import threading
from dataclasses import dataclass
from typing import Any

from ._secrets import scrub_data
from .errors import UserError
from .models.interface import ModelRequest, ModelResponse, model_label

DEFAULT_PATH = pathlib.Path(".handoff_nb_cache") / "requests.jsonl"


def request_key(model: str, request: ModelRequest) -> str:
    """A stable hash of what is sent: same key <=> same request to the same model."""
    payload = json.dumps({"model": model, **request.to_json_dict()}, sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"), default=str)
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
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._entries[entry["key"]] = entry["response"]
            except (ValueError, KeyError, TypeError) as e:
                raise UserError(f"request cache {self.path}, line {n}: unreadable ({e}); delete the "
                                "file to start a new cache") from e

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        from .pricing import cost
        key = request_key(self.model, request)
        stored = self._entries.get(key)
        if stored is not None:
            response = ModelResponse.from_json_dict(stored)
            with self._lock:
                self.stats.hits += 1
                self.stats.saved_tokens += response.usage.input_tokens + response.usage.output_tokens
                self.stats.saved_usd += cost(response.model_name or self.model, response.usage) or 0.0
            return response
        # the same request in flight (concurrent cases sharing a first turn): wait for it
        pending = self._pending.get(key)
        if pending is not None:
            await asyncio.shield(pending)
            return await self.get_response(request)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        try:
            response = await self.inner.get_response(request)
            self._store(key, request, response)
            with self._lock:
                self.stats.misses += 1
            return response
        finally:
            self._pending.pop(key, None)
            if not fut.done():
                fut.set_result(None)

    def _store(self, key: str, request: ModelRequest, response: ModelResponse) -> None:
        secrets = [getattr(getattr(self.inner, "client", None), "api_key", None),
                   *getattr(self.inner, "_secrets", ())]
        entry = {"key": key, **scrub_data({"request": request.to_json_dict(),
                                           "response": response.to_json_dict()}, *secrets)}
        self._entries[key] = entry["response"]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True, default=repr) + "\n")


def is_real_model(model: Any) -> bool:
    """Models worth caching: those that call a server (not offline, scripted or replay)."""
    return hasattr(model, "client") and not isinstance(model, CachedModel)
