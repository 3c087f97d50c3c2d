"""The course in a browser tab (JupyterLite, Pyodide): what a lesson says when a part of it
cannot run there.

    needs_local_python("the OpenAI Agents SDK (openai-agents)")

prints one notice and, in the browser only, skips every later code cell of the notebook (each
prints one "skipped" line instead of failing): the lesson reads to its end with no exception.
Outside the browser it does nothing and returns False.
"""

from __future__ import annotations

import sys

IN_BROWSER = sys.platform == "emscripten"
SKIPPED = "# skipped in the browser (needs a local Python or Binder)\n"


def needs_local_python(what: str, *, browser: bool | None = None) -> bool:
    """In the browser: print why the rest of this notebook cannot run here and skip its code
    cells (an IPython input transformer). Returns True when the cells will be skipped."""
    if not (IN_BROWSER if browser is None else browser):
        return False
    print(f"This part needs {what}, which does not run in a browser tab. It needs a local Python "
          "or Binder: `make lab` in a clone of the repository, or the Binder badge in the README. "
          "The code cells below are skipped here.")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - always there in a notebook
        return True
    ip = get_ipython()
    if ip is not None and _skip not in ip.input_transformers_post:
        ip.input_transformers_post.append(_skip)
    return True


def _skip(lines: list[str]) -> list[str]:
    return [SKIPPED, f"print({SKIPPED.strip()[2:]!r})\n"]
