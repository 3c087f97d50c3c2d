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


def lesson_files(*paths: str, browser: bool | None = None) -> str | None:
    """Make the lesson's data files (e.g. ``cassettes/x.jsonl``, relative to the notebook) readable
    in the browser. On a first visit the kernel can list the site's files but not read them yet
    (JupyterLite's drive needs its service worker, which controls the page only after a reload),
    so they are fetched from the site itself (same origin, synchronous XHR in the kernel's worker)
    into a scratch folder that becomes the working directory. Returns that folder, or None
    outside the browser / when every file is readable already."""
    import os
    if not (IN_BROWSER if browser is None else browser):
        return None
    unreadable = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                f.read(1)
        except OSError:
            unreadable.append(p)
    if not unreadable:
        return None
    import js  # type: ignore[import-not-found]
    here = os.getcwd()
    contents = here[len("/drive"):].strip("/") if here.startswith("/drive") else ""
    href = str(js.location.href)
    root = href.rsplit("/", 1)[0]
    for marker in ("/extensions/", "/build/", "/lab/"):  # where the kernel's worker script lives
        if marker in href:
            root = href.split(marker)[0]
            break
    scratch = "/tmp/handoff_nb_lesson"
    for p in paths:
        url = f"{root}/files/{contents + '/' if contents else ''}{p}"
        xhr = js.XMLHttpRequest.new()
        xhr.open("GET", url, False)
        xhr.send()
        if xhr.status != 200:
            raise FileNotFoundError(f"{p}: the site answered {xhr.status} for {url}")
        target = os.path.join(scratch, p)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(str(xhr.responseText))
    os.chdir(scratch)
    return scratch
