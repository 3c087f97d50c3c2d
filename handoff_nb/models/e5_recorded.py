"""e5 embeddings recorded where e5 runs, replayed where it cannot (a browser tab).

A JupyterLite build runs every notebook in a local Python with the float64 numpy e5 engine
(:mod:`.e5_numpy`) and records each text it embedded: the lessons' route texts, their messages,
the small-talk anchors (``scripts/record_embeddings.py``). The site's handoff_nb wheel carries that
recording (:data:`SHIPPED`). In the browser, where numpy and so e5 cannot run, the offline model
then decides the lessons' own messages with e5's exact vectors -- float64, read back bit for bit
-- so their similarities, decisions and printed numbers are those of the Lab.

A text that was not recorded (a message a student types, an edited handoff label) cannot be
embedded by e5 there. :class:`RecordedEmbedder` then raises :class:`NotRecorded` and the router
decides that whole message with :attr:`RecordedEmbedder.fallback` (the static table distilled from
e5, :mod:`.e5_static`), never mixing vectors of two engines in one decision, and its Why says so.

File format (little-endian): ``HNBREC1\\n``, a uint32 header length, a UTF-8 JSON header
``{"engine": name, "dim": D, "keys": [[kind, text], ...]}``, then ``len(keys) * D`` float64.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

MAGIC = b"HNBREC1\n"
SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "e5", "recorded.bin")
"""Where a JupyterLite build puts the recording inside the wheel it ships (never in a checkout)."""


def recording_path() -> str | None:
    """The recording this install replays where e5 cannot run: ``$HANDOFF_NB_E5_RECORDING`` if
    set (any Python without numpy can replay one), else :data:`SHIPPED`; None if there is none."""
    path = os.environ.get("HANDOFF_NB_E5_RECORDING") or SHIPPED
    return path if os.path.isfile(path) else None


class NotRecorded(LookupError):
    """Some of the texts asked for were not recorded with e5; ``missing`` lists them."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        super().__init__(f"{len(self.missing)} text(s) not recorded with e5, e.g. {self.missing[0][:60]!r}")


def write(path: str, engine: str, items: Iterable[tuple[str, str, Sequence[float]]]) -> int:
    """Write ``(kind, text, vector)`` items recorded with ``engine`` to ``path``; returns how many.
    Items are sorted by (kind, text), so the same embeddings give the same bytes."""
    rows = sorted({(k, t): v for k, t, v in items}.items())
    dims = {len(v) for _k, v in rows}
    if len(dims) > 1:
        raise ValueError(f"vectors of different lengths: {sorted(dims)}")
    dim = dims.pop() if dims else 0
    header = json.dumps({"engine": engine, "dim": dim, "keys": [list(k) for k, _v in rows]},
                        ensure_ascii=False, separators=(",", ":")).encode()
    data = array("d", [float(x) for _k, v in rows for x in v])
    if sys.byteorder != "little":
        data.byteswap()
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<I", len(header)) + header + data.tobytes())
    return len(rows)


class Recording:
    """A recording read back: :attr:`engine` (the e5 engine's name) and ``get(kind, text)`` -> the
    recorded vector as a tuple of floats, or None."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as f:
            raw = f.read()
        if not raw.startswith(MAGIC):
            raise ValueError(f"{path} is not an embedding recording")
        (n,) = struct.unpack_from("<I", raw, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(raw[start:start + n].decode())
        self.engine: str = header["engine"]
        self.dim: int = header["dim"]
        data = array("d")
        data.frombytes(raw[start + n:])
        if sys.byteorder != "little":
            data.byteswap()
        keys = header["keys"]
        if len(data) != len(keys) * self.dim:
            raise ValueError(f"{path}: {len(keys)} keys but {len(data)} numbers (dim {self.dim})")
        d = self.dim
        self._vectors = {(k, t): tuple(data[i * d:(i + 1) * d]) for i, (k, t) in enumerate(keys)}

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, kind: str, text: str) -> tuple[float, ...] | None:
        return self._vectors.get((kind, text))

    def items(self) -> list[tuple[str, str, tuple[float, ...]]]:
        """Every ``(kind, text, vector)`` recorded."""
        return [(k, t, v) for (k, t), v in self._vectors.items()]


class RecordedEmbedder:
    """e5's recorded vectors under e5's own name (so they are cached and compared as e5's), and
    :attr:`fallback` for a decision that needs a text the recording does not hold."""

    def __init__(self, recording: Recording, fallback: Any) -> None:
        self.recording = recording
        self.fallback = fallback
        self.name = recording.engine

    def embed(self, texts: Sequence[str], kind: str) -> list[tuple[float, ...]]:
        out = [self.recording.get(kind, t) for t in texts]
        missing = [t for t, v in zip(texts, out) if v is None]
        if missing:
            raise NotRecorded(missing)
        return out  # type: ignore[return-value]

    def warm(self) -> None:
        """Nothing to load for the recording; the fallback's first call is the slow one."""
        self.fallback.embed(["warm up"], "query")


def shipped() -> Recording | None:
    """The recording of :func:`recording_path`, read; None if there is none."""
    path = recording_path()
    return Recording(path) if path else None
