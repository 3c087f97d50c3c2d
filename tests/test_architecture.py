"""The import graph (parsed with ast, not by importing): the core does not depend on the views, and
every import done inside a function has a reason the graph itself shows.

* Core modules (run, items, handoffs, agent, tools, models/*) import neither handoff_nb.render nor
  handoff_nb.widgets at run time, at module level or inside a function (their notebook views go
  through handoff_nb.views, which render/ fills).
* An in-function import of a handoff_nb module is allowed when (a) the imported module imports the
  importer back at module level (directly or not: an import cycle; ``handoff_nb/__init__.py`` is
  left out of that walk, since it imports everything and is loaded before any submodule, and its
  own lazy imports are the SDK bridge's seam), or (b) it imports an optional
  third-party package at module level (openai, agents, numpy, ipywidgets...). Both are checked here
  from the graph. Every other one is listed in ``NOT_YET_MOVED`` with its reason; a new one fails.
* render/ writes the markup: no other module holds ``<div``, ``<table`` or ``<span`` (read as text).
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
from functools import lru_cache

ROOT = pathlib.Path(__file__).resolve().parent.parent / "handoff_nb"
CORE = ("handoff_nb.run", "handoff_nb.items", "handoff_nb.handoffs", "handoff_nb.agent",
        "handoff_nb.tools", "handoff_nb.models")
VIEWS = ("handoff_nb.render", "handoff_nb.widgets")
OPTIONAL = {"openai", "agents", "numpy", "ipywidgets", "anywidget", "IPython", "graphviz",
            "onnxruntime", "tokenizers", "huggingface_hub", "sentence_transformers", "httpx",
            "playwright", "jupyterlab", "nbformat", "pydantic_core", "traitlets", "tiktoken"}

NOT_YET_MOVED: dict[tuple[str, str], str] = {
    # (importing module, imported module): why it is still imported inside a function although
    # the import graph shows neither a cycle nor an optional dependency behind it. Empty: a new
    # one must say why here.
}


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _targets(current: str, node: ast.AST) -> list[str]:
    """The modules an import statement loads (``from .x import y`` may load ``x.y``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = current.split(".")
        if MODULES.get(current, pathlib.Path()).name != "__init__.py":
            base = base[:-1]
        base = base[:len(base) - (node.level - 1)]
        name = ".".join(base + ([node.module] if node.module else []))
    else:
        name = node.module or ""
    subs = [f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in MODULES]
    if subs and len(subs) == len(node.names):  # ``from .p import x``: x (loading x runs p first)
        return subs
    return [name, *subs]


@lru_cache(maxsize=None)
def _imports(module: str) -> tuple[tuple[str, bool, int], ...]:
    """(imported module, inside a function?, line) for every run-time import of ``module``
    (``if TYPE_CHECKING:`` blocks are skipped)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[tuple[str, bool, int]] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    walk(other, in_function)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend((t, in_function, child.lineno) for t in _targets(module, child))
            walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                          ast.Lambda)))
    walk(tree, False)
    return tuple(found)


def _package_of(name: str) -> str | None:
    """The handoff_nb module ``name`` refers to (a module, or the module holding that name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


@lru_cache(maxsize=None)
def _loads(module: str, below_root: bool = False) -> frozenset[str]:
    """Everything importing ``module`` loads at module level, transitively (packages included:
    importing ``a.b.c`` runs ``a`` and ``a.b`` first). ``below_root``: without what
    ``handoff_nb/__init__.py`` imports -- whenever a submodule loads, the root package is already
    in ``sys.modules`` (it imports everything, so counting it would make every import a cycle)."""
    seen: set[str] = set()
    stack = [module]
    while stack:
        m = stack.pop()
        if m in seen or (below_root and m == "handoff_nb"):
            continue
        seen.add(m)
        parts = m.split(".")
        stack += [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in MODULES]
        for target, in_function, _ in _imports(m):
            if in_function:
                continue
            own = _package_of(target) if target.startswith("handoff_nb") else None
            if own is not None:
                stack.append(own)
            elif not target.startswith("handoff_nb"):
                seen.add("3rd:" + target.split(".")[0])
    return frozenset(seen)


def _in_function_imports() -> list[tuple[str, str, int]]:
    out = []
    for module in MODULES:
        for target, in_function, line in _imports(module):
            own = _package_of(target) if target.startswith("handoff_nb") else None
            if in_function and own is not None and own != module:
                out.append((module, own, line))
    return out


def _reason(module: str, target: str) -> str | None:
    loads = _loads(target, below_root=True)
    if module in loads or any(m.startswith(module + ".") for m in loads if module in MODULES
                              and MODULES[module].name == "__init__.py"):
        return "cycle"
    if any(m.startswith("3rd:") and m[4:] in OPTIONAL for m in loads):
        return "optional dependency"
    return NOT_YET_MOVED.get((module, target))


def _is_core(module: str) -> bool:
    return any(module == c or module.startswith(c + ".") for c in CORE)


def test_core_modules_never_import_render_or_widgets():
    offenders = [(m, t, line) for m in MODULES if _is_core(m) for t, _, line in _imports(m)
                 if any(t == v or t.startswith(v + ".") for v in VIEWS)]
    assert offenders == [], offenders


def test_core_modules_reach_no_view_at_module_level():
    reached = {m: sorted(x for x in _loads(m) if any(x == v or x.startswith(v + ".") for v in VIEWS))
               for m in MODULES if _is_core(m) and m != "handoff_nb.models"}
    # every module's package __init__ runs first; handoff_nb/__init__ registers the views on purpose
    reached = {m: [x for x in r if not _only_via_package_init(m, x)] for m, r in reached.items()}
    assert {m: r for m, r in reached.items() if r} == {}


def _only_via_package_init(module: str, view: str) -> bool:
    """``view`` is loaded only because ``handoff_nb/__init__.py`` imports it (the registration)."""
    without_root = set()
    stack = [module]
    while stack:
        m = stack.pop()
        if m in without_root or m == "handoff_nb":
            continue
        without_root.add(m)
        parts = m.split(".")
        stack += [".".join(parts[:i]) for i in range(2, len(parts)) if ".".join(parts[:i]) in MODULES]
        for target, in_function, _ in _imports(m):
            own = _package_of(target) if target.startswith("handoff_nb") else None
            if not in_function and own is not None:
                stack.append(own)
    return view not in without_root


def test_every_in_function_import_has_a_reason():
    unexplained = sorted({(m, t) for m, t, _ in _in_function_imports() if _reason(m, t) is None})
    assert unexplained == [], "\n".join(f"{m} imports {t} inside a function" for m, t in unexplained)


def test_the_not_yet_moved_list_holds_no_stale_entry():
    present = {(m, t) for m, t, _ in _in_function_imports()}
    assert sorted(set(NOT_YET_MOVED) - present) == []


def test_importing_the_package_loads_no_widget_or_jupyter_module():
    code = ("import sys, handoff_nb, handoff_nb.run; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('ipywidgets', 'anywidget', "
            "'IPython', 'openai') or m.startswith('handoff_nb.widgets')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"HANDOFF_NB_MODEL": "offline", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


HTML_TAGS = ("<div", "<table", "<span")


def _html_outside_render(root: pathlib.Path) -> list[str]:
    """``path:line`` of every ``<div``, ``<table`` or ``<span`` in a .py file outside render/."""
    found = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root)
        if rel.parts[0] == "render" or "__pycache__" in rel.parts:
            continue
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if any(tag in line for tag in HTML_TAGS):
                found.append(f"{rel}:{n}: {line.strip()[:80]}")
    return found


def test_html_is_written_only_in_render():
    """render/ owns the markup (the widgets' ESM files are not Python and are not checked)."""
    assert _html_outside_render(ROOT) == []


def test_the_html_check_finds_markup_outside_render(tmp_path):
    (tmp_path / "render").mkdir()
    (tmp_path / "render" / "html.py").write_text("X = '<div>ok here</div>'\n")
    (tmp_path / "widgets").mkdir()
    (tmp_path / "widgets" / "view.py").write_text("a = 1\nB = f'<span class=\"x\">{a}</span>'\n")
    assert _html_outside_render(tmp_path) == ["widgets/view.py:2: B = f'<span class=\"x\">{a}</span>'"]


def test_the_parser_sees_in_function_imports():
    """The checks above would pass vacuously if the walk missed nested imports."""
    found = {(m, t) for m, t, _ in _in_function_imports()}
    assert ("handoff_nb.run", "handoff_nb.timetravel") in found
    assert _reason("handoff_nb.run", "handoff_nb.timetravel") == "cycle"
