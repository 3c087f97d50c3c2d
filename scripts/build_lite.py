"""Build build/lite/: the course as a static JupyterLite site (no server, no install, no network).

    python scripts/build_lite.py            (make lite)

Everything comes from the package registries, nothing from anywhere else, at build time or at run
time:
* JupyterLab-in-the-browser: ``jupyterlite-core`` and ``jupyterlite-pyodide-kernel`` (PyPI);
* Pyodide's core (the Python interpreter compiled to WebAssembly): the ``pyodide`` package from
  the npm registry, at the version the kernel expects. Its ``pyodide-lock.json`` lists packages
  that npm does not carry; we keep only micropip and packaging, placed next to it from PyPI (with
  their real sha256), so every other package comes from the site's own wheel index;
* the wheels the notebooks need, resolved by pip for Pyodide's platform
  (``pyemscripten_2026_0_wasm32``, Python 3.14) from PyPI -- pure wheels, and ``pydantic-core``'s
  WebAssembly wheel -- plus handoff_nb's own wheel, served by the site (``disablePyPIFallback``);
* the widget front-ends (ipywidgets, anywidget) from their Python packages' lab extensions.

The notebooks' first cell installs handoff_nb with ``%pip`` from those wheels when it runs in
Pyodide. Graphs are laid out in the browser by the vendored WebAssembly Graphviz.

The kernel starts without resolving anything: the wheels it needs before it is ready (IPython,
traitlets, ... : KERNEL_START and their requirements, without jedi: LEFT_OUT) are entries of
Pyodide's lock file that Pyodide fetches at once while it boots (``loadPyodideOptions.packages``),
and the modules it imports then ship as bytecode (precompile), the standard library's too, within
a size budget (stdlib_bytecode). The build summary prints where the start-up time goes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "lite"
CACHE = ROOT / "build" / "lite-cache"
PYODIDE_VERSION = "314.0.6"  # jupyterlite_pyodide_kernel.constants.PYODIDE_VERSION
PLATFORM = ["--platform", "pyemscripten_2026_0_wasm32", "--platform", "any", "--python-version", "3.14",
            "--implementation", "cp", "--abi", "cp314", "--abi", "none", "--abi", "abi3"]
KEEP_IN_LOCK = ("micropip", "packaging")
# provided by the Pyodide kernel itself (stubs), never from PyPI
SKIP_WHEELS = ("widgetsnbextension",)
# handoff_nb's extras in the site: the widgets, and the OpenAI client (notebook 08 talks HTTP to an
# in-process FakeOpenAIServer there)
EXTRAS = ("widgets", "openai")
# pip evaluates environment markers for the machine it runs on, not for Pyodide: the wheels that
# only Emscripten needs are named here (httpx2's transport over the browser's fetch)
EMSCRIPTEN_ONLY = ("httpx2-jsfetch",)
# ... and the wheels pip picked for this machine that Pyodide never imports (sockets, TLS, ptys)
NOT_IN_PYODIDE = ("httpcore2", "h11", "truststore", "pexpect", "ptyprocess")
# ... and jedi with parso (1.3 MB of wheels): IPython imports jedi at start only to complete with
# it; without it IPython's own completer answers Tab (no error; magics and dict keys still
# complete, module names after `import` no longer do). The kernel's worker would still
# piplite.install it (see without_jedi); 0.1 s of imports at start go too
LEFT_OUT = ("jedi", "parso")
# what the Pyodide kernel installs and imports before it is ready (jupyterlite_pyodide_kernel's
# worker: micropip, piplite, then piplite.install of each of these, then `import pyodide_kernel`)
KERNEL_START = ("piplite", "ipykernel", "comm", "pyodide-kernel", "ipython")
# of those, the packages whose modules imported at start ship as bytecode only, as Pyodide's own
# distribution ships these packages (their frames hardly ever show in a lesson's traceback; with
# their sources too the site would be 45.8 MB)
SOURCELESS = ("ipython", "prompt-toolkit", "pygments", "wcwidth")


def run(*cmd: str, cwd: Path | None = None) -> None:
    print(">>", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=cwd)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pyodide_dist() -> Path:
    """Pyodide's core from the npm registry, with a lock file that only names files we ship."""
    dist = CACHE / f"pyodide-{PYODIDE_VERSION}"
    if (dist / ".handoff_nb-ready").exists():
        return dist
    CACHE.mkdir(parents=True, exist_ok=True)
    run("npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", cwd=CACHE)
    with tarfile.open(CACHE / f"pyodide-{PYODIDE_VERSION}.tgz") as tar:
        tar.extractall(CACHE / "npm", filter="data")
    shutil.rmtree(dist, ignore_errors=True)
    shutil.copytree(CACHE / "npm" / "package", dist)
    lock = json.loads((dist / "pyodide-lock.json").read_text())
    kept = {}
    for name in KEEP_IN_LOCK:
        entry = lock["packages"][name]
        version = entry["version"]
        run(sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
            *PLATFORM, f"{name}=={version}", "-d", str(dist))
        wheel = next(dist.glob(f"{name}-{version}-*.whl"))
        kept[name] = {**entry, "file_name": wheel.name, "sha256": sha256(wheel)}
    lock["packages"] = kept
    (dist / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    (dist / ".handoff_nb-ready").write_text("the lock names only files shipped here\n")
    return dist


def pyodide_tarball(dist: Path) -> Path:
    """The layout jupyter lite expects of a Pyodide distribution: a tarball with pyodide/ at top."""
    tarball = CACHE / f"pyodide-{PYODIDE_VERSION}.tar.bz2"
    with tarfile.open(tarball, "w:bz2") as tar:
        tar.add(dist, arcname="pyodide", filter=lambda t: None if t.name.endswith(".handoff_nb-ready") else t)
    return tarball


def wheels() -> list[Path]:
    """handoff_nb's wheel and every wheel it needs in Pyodide, resolved by pip from PyPI."""
    folder = CACHE / "wheels"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(folder))
    ours = next(folder.glob("handoff_nb-*.whl"))
    run(sys.executable, "-m", "pip", "download", "--only-binary=:all:", "-q", *PLATFORM,
        "-d", str(folder), f"{ours}[{','.join(EXTRAS)}]", *EMSCRIPTEN_ONLY)
    for skip in SKIP_WHEELS + NOT_IN_PYODIDE + LEFT_OUT:
        for w in folder.glob(f"{skip}-*.whl"):
            w.unlink()
    for w in folder.glob("pygments-*.whl"):
        fewer_lexers(w)
    return sorted(folder.glob("*.whl"))


RECORDING = "handoff_nb/data/e5/recorded.bin"  # where handoff_nb.models.e5_recorded looks


def add_recorded_embeddings(ours: Path) -> None:
    """Record the e5 vectors the lessons embed (scripts/record_embeddings.py, run by the Lab's
    .venv, where e5 runs) and put them in the site's handoff_nb wheel: the browser, where e5
    cannot run, replays them, so the lessons decide and print what they do in the Lab. Cached by
    the notebooks and handoff_nb's code and data (about 40 s when either changed)."""
    import hashlib
    lab_python = ROOT / ".venv" / "bin" / "python"
    if not lab_python.exists():
        print(">> e5 recording: skipped (no .venv with the semantic engine: make lab); in the site the "
              "offline model routes by words and says so")
        return
    h = hashlib.sha256()
    for f in sorted([*(ROOT / "notebooks").rglob("*.ipynb"), *(ROOT / "notebooks" / "cassettes").rglob("*"),
                     *(ROOT / "handoff_nb").rglob("*.py"), *(ROOT / "handoff_nb" / "data").rglob("*"),
                     ROOT / "scripts" / "record_embeddings.py"]):
        if f.is_file() and "/data/e5/" not in f.as_posix() and "__pycache__" not in f.parts:
            h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    cached = CACHE / f"recorded-{h.hexdigest()[:16]}.bin"
    if not cached.exists():
        for old in CACHE.glob("recorded-*.bin"):
            old.unlink()
        tmp = cached.with_suffix(".tmp")
        run(str(lab_python), str(ROOT / "scripts" / "record_embeddings.py"), str(tmp))
        tmp.replace(cached)
    _rewrite_wheel(ours, add={RECORDING: cached})
    print(f">> e5 recording: {cached.stat().st_size / 1e6:.2f} MB in {ours.name}")


# the languages Pygments (IPython's highlighter: tracebacks, ``??``, ``Code``) keeps in the site, with
# the lexer modules these import; the other ~200 modules (1 MB of the wheel) go, and their names
# leave its lexer table too, so asking for one is Pygments' ClassNotFound ("no lexer for alias"),
# as for any unknown language. JupyterLab highlights the cells itself (CodeMirror).
LEXERS = ("python", "shell", "javascript", "html", "css", "markup", "data", "special", "sql", "c_cpp",
          "rust", "go", "configs", "diff", "textfmts", "r", "julia", "ruby", "perl", "graphviz")


def fewer_lexers(wheel: Path) -> None:
    """Pygments with the lexers of LEXERS only (and those they import)."""
    import ast
    import zipfile
    with zipfile.ZipFile(wheel) as z:
        files = {n: z.read(n) for n in z.namelist() if n.startswith("pygments/lexers/")}
    ns: dict[str, Any] = {}
    exec(files["pygments/lexers/_mapping.py"].decode(), ns)
    table = ns["LEXERS"]
    module_of = {cls: spec[0].rsplit(".", 1)[1] for cls, spec in table.items()}
    keep, todo = set(), list(LEXERS)
    while todo:
        mod = todo.pop()
        if mod in keep or f"pygments/lexers/{mod}.py" not in files:
            continue
        keep.add(mod)
        for node in ast.walk(ast.parse(files[f"pygments/lexers/{mod}.py"])):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pygments.lexers."):
                todo.append(node.module.split(".")[2])
            elif isinstance(node, ast.ImportFrom) and node.module == "pygments.lexers":
                todo += [module_of.get(a.name, a.name) for a in node.names]
    kept = {cls: spec for cls, spec in table.items() if module_of[cls] in keep}
    mapping = files["pygments/lexers/_mapping.py"].decode()
    start = mapping.index("LEXERS = {")
    mapping = mapping[:start] + "LEXERS = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in kept.items()) + "}\n"
    tmp = CACHE / "_mapping.py"
    tmp.write_text(mapping)
    gone = lambda n: (n.startswith("pygments/lexers/") and n.endswith(".py")
                      and n.rsplit("/", 1)[1][:-3] not in keep | {"__init__"})  # _mapping.py: replaced
    _rewrite_wheel(wheel, drop=gone, add={"pygments/lexers/_mapping.py": tmp})
    print(f">> pygments: {len(keep)} lexer modules ({len(kept)} of {len(table)} lexers) kept")


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def wheel_meta(path: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, requirements that apply in Pyodide without extras, top-level modules)."""
    import zipfile
    from email.parser import HeaderParser
    from packaging.requirements import Requirement
    env = {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
           "python_version": "3.14", "python_full_version": "3.14.2", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "platform_machine": "wasm32", "extra": ""}
    with zipfile.ZipFile(path) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = HeaderParser().parsestr(z.read(meta_name).decode())
        tops = sorted({n.split("/", 1)[0].removesuffix(".py") for n in z.namelist()
                       if not n.split("/", 1)[0].endswith((".dist-info", ".data")) and (n.endswith(".py") or "/" in n)})
    deps = []
    for line in meta.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            deps.append(canonical(req.name))
    return canonical(meta["Name"]), meta["Version"], deps, tops


def kernel_start_lock(site: Path) -> list[str]:
    """Lock entries (pyodide-lock.json) for every wheel the kernel installs before it is ready,
    pointing at the wheels already in the site, and the kernel's ``loadPyodideOptions.packages``
    naming them: Pyodide then fetches and unpacks them all at once while it boots, instead of
    piplite resolving them one requirement after the other (micropip, all.json, one wheel per
    round trip). The rest (handoff_nb and its extras) stays with ``%pip install`` from piplite."""
    lock_path = site / "static" / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    wheels = {}
    for folder in (site / "pypi", site / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static" / "pypi"):
        for w in folder.glob("*.whl"):
            name, version, deps, tops = wheel_meta(w)
            if name in SKIP_WHEELS or name in wheels:
                continue
            wheels[name] = (w, version, deps, tops)
    wanted, todo = [], list(KERNEL_START)
    while todo:
        name = todo.pop(0)
        if name in wanted or name in lock["packages"]:
            continue
        if name not in wheels:
            raise SystemExit(f"the kernel needs {name} at start but the site has no wheel for it")
        wanted.append(name)
        todo += [d for d in wheels[name][2] if d not in LEFT_OUT]
    for name in wanted:
        w, version, deps, tops = wheels[name]
        lock["packages"][name] = {
            "name": name, "version": version, "file_name": os.path.relpath(w, lock_path.parent),
            "install_dir": "site", "sha256": sha256(w), "package_type": "package",
            "imports": tops, "depends": [d for d in deps if d in wanted or d in lock["packages"]],
            "unvendored_tests": False}
    lock_path.write_text(json.dumps(lock, indent=1))
    return ["micropip", *wanted]


PYC_SCRIPT = r"""
import { loadPyodide } from "%(mjs)s";
const py = await loadPyodide({ indexURL: "%(index)s/" });
await py.loadPackage("micropip");
py.FS.mkdirTree("/w");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "%(tree)s" }, "/w");
py.runPython(`
import compileall, importlib.util, os, py_compile, sys
ok = compileall.compile_dir("/w/compile", quiet=1, workers=1,
                            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
for group in ("compile", "kernel"):
    sys.path[:0] = [f"/w/{group}/{d}" for d in sorted(os.listdir(f"/w/{group}"))]
try:  # what the kernel imports before it is ready
    import micropip, piplite.piplite
    import pyodide_kernel
except Exception as e:
    print("import pyodide_kernel failed here:", type(e).__name__, e, "- importing IPython")
    import IPython
    IPython.core.interactiveshell.InteractiveShell.instance()
used = sorted({importlib.util.cache_from_source(m.__file__) for m in list(sys.modules.values())
               if (getattr(m, "__file__", None) or "").startswith("/w/compile/") and m.__file__.endswith(".py")})
open("/w/used.txt", "w").write("\\n".join(used))
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc
zip_path = next(p for p in sys.path if p.endswith(".zip"))
stdlib = zipfile.ZipFile(zip_path)
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None) or ""
    if f.startswith(zip_path + "/") and f.endswith(".py"):
        name = f[len(zip_path) + 1:]
        source = stdlib.read(name)
        code = compile(source, f, "exec", dont_inherit=True)
        os.makedirs(os.path.dirname(f"/w/stdlib/{name}"), exist_ok=True)
        with open(f"/w/stdlib/{name}c", "wb") as out:
            out.write(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))
print("compiled for", sys.implementation.cache_tag, "ok" if ok else "with errors", "-", len(used), "modules imported at start")
`);
"""


def precompile(whls: list[Path], dist: Path) -> None:
    """Bytecode for the modules the kernel imports before it is ready (IPython, traitlets,
    prompt_toolkit...: some 330; the standard library's for stdlib_bytecode), compiled by
    Pyodide's own Python (run in node), which also imports the kernel to find out which modules
    those are. Each goes in as
    ``__pycache__/*.cpython-314.pyc`` next to its source, unchecked-hash (used as is, whatever
    the unpacked file's time), so the kernel's first import skips compiling them from source;
    the sources stay (tracebacks, ``??``), except in SOURCELESS, whose modules become ``mod.pyc``
    in place of ``mod.py``. Only the modules imported at start: all of them would add 5.6 MB
    (pygments' lexers, mostly)."""
    import zipfile
    tree = CACHE / "pyc-tree"
    needed = _kernel_deps(whls)
    chosen = [w for w in whls if canonical(w.name.split("-")[0]) in needed]
    shutil.rmtree(tree, ignore_errors=True)
    for w in chosen:
        with zipfile.ZipFile(w) as z:
            z.extractall(tree / "compile" / w.name)
    kernel_wheels = Path(sys.prefix) / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
    (tree / "kernel").mkdir()
    for w in kernel_wheels.glob("*.whl"):
        if not w.name.startswith(SKIP_WHEELS):
            with zipfile.ZipFile(w) as z:
                z.extractall(tree / "kernel" / w.name)
    script = CACHE / "pyc.mjs"
    script.write_text(PYC_SCRIPT % {"mjs": dist / "pyodide.mjs", "index": dist, "tree": tree})
    run("node", str(script))
    used = set((tree / "used.txt").read_text().split("\n"))
    for w in chosen:
        root = tree / "compile" / w.name
        pycs = {p.relative_to(root).as_posix(): p for p in root.rglob("*.pyc")
                if f"/w/compile/{w.name}/{p.relative_to(root).as_posix()}" in used}
        _add_bytecode(w, pycs, sourceless=canonical(w.name.split("-")[0]) in SOURCELESS)
    shutil.rmtree(STDLIB_PYC, ignore_errors=True)
    (tree / "stdlib").rename(STDLIB_PYC)
    shutil.rmtree(tree, ignore_errors=True)


STDLIB_PYC = CACHE / "stdlib-pyc"
# how much bytecode may grow python_stdlib.zip (bytes, zipped)
STDLIB_BYTECODE_BUDGET = 1_400_000  # all 250 (+1.28 MB): measured 0.8-1.1 s faster cold than 0.8 MB
# the kernel's worker (jupyterlite-pyodide-kernel 0.8.6) piplite.installs each of these that
# loadPyodideOptions.packages does not name, before `import pyodide_kernel`
WORKER_START = '["ipykernel","comm","pyodide-kernel","jedi","ipython"]'


def without_jedi(site: Path) -> None:
    """The kernel's worker starts without installing jedi (LEFT_OUT: not in the site, so
    ``piplite.install('jedi')`` would fail the start): its list of start-up packages, in the
    worker's scripts, loses "jedi". The build stops if the list is no longer there."""
    static = site / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static"
    patched = 0
    for js in static.glob("*.js"):
        text = js.read_text()
        if WORKER_START in text:
            js.write_text(text.replace(WORKER_START, WORKER_START.replace('"jedi",', "")))
            patched += 1
    if not patched:
        raise SystemExit(f"the kernel's worker no longer lists {WORKER_START} (jupyterlite-pyodide-kernel "
                         "changed?): without_jedi needs a look")


def stdlib_bytecode(site: Path) -> None:
    """The standard library's modules the kernel imports before it is ready (Pyodide's own boot:
    asyncio, re, typing...; then email, http, unittest.mock, pdb, pydoc...: 250, found and
    compiled by ``precompile``) as bytecode in the site's ``python_stdlib.zip``: Pyodide's npm
    package ships the standard library as sources only, so the kernel compiled each of them at
    every start (1.7 s of CPU in node). ``mod.pyc`` in place of ``mod.py`` (zipimport reads
    ``mod.pyc``, never __pycache__; unchecked-hash), so a traceback through one shows file and
    line without the line's text. Bytecode is bigger than source (all 250: +1.28 MB zipped); the
    modules with the most source per added byte go first, up to STDLIB_BYTECODE_BUDGET, which
    now takes all 250: against 0.8 MB (137 modules) a quiet machine's kernel was ready 0.8-1.1 s
    sooner cold (Pyodide's own boot imports them too) for +0.5 MB."""
    import zipfile
    import zlib
    path = site / "static" / "pyodide" / "python_stdlib.zip"
    pycs = {p.relative_to(STDLIB_PYC).as_posix(): p for p in STDLIB_PYC.rglob("*.pyc")}
    with zipfile.ZipFile(path) as old:
        infos = {i.filename: i for i in old.infolist()}
        cost = {name: len(zlib.compress(pyc.read_bytes(), 9)) - infos[name[:-1]].compress_size
                for name, pyc in pycs.items()}
        chosen, grown = set(), 0
        for name in sorted(pycs, key=lambda n: (-infos[n[:-1]].file_size / max(cost[n], 1), n)):
            if grown + max(cost[name], 0) <= STDLIB_BYTECODE_BUDGET:
                chosen.add(name)
                grown += cost[name]
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
            for info in old.infolist():
                if info.filename + "c" in chosen:
                    new.write(pycs[info.filename + "c"], info.filename + "c")
                else:
                    new.writestr(info, old.read(info))
    tmp.replace(path)
    print(f">> python_stdlib.zip: {len(chosen)} of the {len(pycs)} standard library modules imported at start "
          f"as bytecode (+{grown / 1e6:.2f} MB)")


def _add_bytecode(wheel: Path, pycs: dict[str, Path], sourceless: bool) -> None:
    """Rewrite ``wheel`` with ``pycs`` (``pkg/__pycache__/mod.cpython-314.pyc`` -> file) added;
    ``sourceless``: each as ``pkg/mod.pyc`` in place of ``pkg/mod.py``."""
    moves = {}
    for name, path in pycs.items():
        folder, _, file = name.rpartition("__pycache__/")
        moves[folder + file.split(".", 1)[0] + ".pyc" if sourceless else name] = path
    dropped = {m[:-1] for m in moves} if sourceless else set()  # pkg/mod.py
    _rewrite_wheel(wheel, drop=dropped.__contains__, add=moves)


def _rewrite_wheel(wheel: Path, drop: Any = lambda name: False, add: dict[str, Path] | None = None) -> None:
    """``wheel`` without the files ``drop(name)`` is true of, with ``add`` (name -> file); its
    RECORD follows."""
    import zipfile
    add = add or {}
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as old, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if drop(info.filename):
                continue
            data = old.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                lines = [l for l in data.decode().splitlines() if not drop(l.rsplit(",", 2)[0])]
                data = ("\n".join(lines + [f"{a},," for a in sorted(add)]) + "\n").encode()
            new.writestr(info, data)
        for name, path in sorted(add.items()):
            new.write(path, name)
    tmp.replace(wheel)


def _kernel_deps(whls: list[Path]) -> set[str]:
    meta = {}
    for w in whls:
        name, _, deps, _ = wheel_meta(w)
        meta[name] = deps
    seen, todo = set(), [n for n in KERNEL_START]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo += meta.get(n, [])
    return seen


UNUSED = (
    # icon fonts for browsers without WOFF (SVG fonts: no current browser loads them; EOT: old IE)
    "build/fa-*.svg", "build/fa-*.eot",
    # ... and TTF/WOFF copies of the WOFF2 icon fonts: the CSS names WOFF2 first, and every
    # browser that runs Pyodide (WebAssembly, ES modules) reads WOFF2
    "build/fa-*.ttf", "build/fa-*.woff",
    # Pyodide's TypeScript declarations and stand-alone consoles: never loaded by the kernel
    "static/pyodide/*.d.ts", "static/pyodide/console*.html",
)


def trim(site: Path) -> None:
    """Drop files the site never serves to a reader (2.4 MB)."""
    for pattern in UNUSED:
        for f in site.glob(pattern):
            f.unlink()


def main() -> None:
    pyodide = pyodide_dist()
    dist = pyodide_tarball(pyodide)
    whls = wheels()
    add_recorded_embeddings(next(w for w in whls if w.name.startswith("handoff_nb-")))
    precompile(whls, pyodide)
    lite_dir = CACHE / "lite-dir"
    shutil.rmtree(lite_dir, ignore_errors=True)
    lite_dir.mkdir(parents=True)
    (lite_dir / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "handoff_nb course",
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {
                "disablePyPIFallback": True}}}}, indent=1))
    # every cell of a lesson stays rendered (JupyterLab's default windowing detaches cells out of
    # view: widgets re-render on scrolling back, and a page search misses them)
    (lite_dir / "overrides.json").write_text(json.dumps({
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}, indent=1))
    contents = CACHE / "contents"
    shutil.rmtree(contents, ignore_errors=True)
    (contents / "notebooks").mkdir(parents=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy(nb, contents / "notebooks" / nb.name)
    shutil.copytree(ROOT / "notebooks" / "cassettes", contents / "notebooks" / "cassettes")
    shutil.rmtree(OUT, ignore_errors=True)
    # --no-sourcemaps: the source maps were half of the site (48 of 96 MB) and no reader needs them;
    # only the lab app (every link is lab/index.html?path=...)
    run(sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
        "--contents", str(contents), "--pyodide", str(dist), "--output-dir", str(OUT),
        "--no-sourcemaps", "--apps", "lab", "--no-unused-shared-packages",
        *[arg for w in whls for arg in ("--piplite-wheels", str(w))], cwd=CACHE)
    for leftover in OUT.rglob("*.map"):  # Pyodide's own maps (pyodide.mjs.map...) too
        leftover.unlink()
    trim(OUT)
    stdlib_bytecode(OUT)
    without_jedi(OUT)
    # the kernel must load Pyodide from the site (not its CDN default) and never reach PyPI
    config_path = OUT / "jupyter-lite.json"
    config = json.loads(config_path.read_text())
    plugin = config["jupyter-config-data"].setdefault("litePluginSettings", {}).setdefault(
        "@jupyterlite/pyodide-kernel-extension:kernel", {})
    mjs = OUT / "static" / "pyodide" / "pyodide.mjs"
    if not mjs.exists():
        raise SystemExit(f"no Pyodide in the site ({mjs} missing)")
    plugin["pyodideUrl"] = "./static/pyodide/pyodide.mjs"
    plugin["disablePyPIFallback"] = True
    plugin["loadPyodideOptions"] = {"packages": kernel_start_lock(OUT)}
    config["jupyter-config-data"]["exposeAppInBrowser"] = True  # window.jupyterapp, for the browser test
    # a link (lab/index.html?path=notebooks/05_...) opens the notebook it names, alone: the layout
    # (workspace) lives in memory, so the last visit's notebooks and kernels are not restored.
    # Edited notebooks are still kept in the browser (the contents storage is unchanged).
    config["jupyter-config-data"]["enableMemoryStorage"] = True
    config["jupyter-config-data"]["workspacesStorageDrivers"] = ["memoryStorageDriver"]
    config_path.write_text(json.dumps(config, indent=2))
    size = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f">> build/lite: {size / 1e6:.1f} MB; serve it with: python -m http.server -d build/lite 8000")
    if os.environ.get("HANDOFF_NB_LITE_MEASURE", "1") != "0":
        summary_times()


def summary_times() -> None:
    """Print the cold and warm kernel-ready times (headless chromium on loopback), where they go,
    and Run All of notebook 00, with this Python's playwright or, failing that, the project venv's."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        venv = ROOT / ".venv" / "bin" / "python"
        if not venv.exists():
            print(">> kernel ready: not measured (no playwright; make test installs it)")
            return
        subprocess.run([str(venv), __file__, "--measure"], check=False)
        return
    try:
        cold, warm, run_all = measure()
    except Exception as e:  # no chromium, a browser that would not start...
        print(f">> kernel ready: not measured ({type(e).__name__}: {str(e)[:200]})")
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f">> kernel ready (00_start_here, loopback, headless chromium, load {load:.1f} on "
          f"{os.cpu_count()} cores): cold {cold} (fresh profile), warm {warm} (reload); "
          f"Run All of 00 {run_all:.1f} s")


KERNEL_IDLE = ("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " return w && w.sessionContext && w.sessionContext.session"
               " && w.sessionContext.kernelDisplayStatus === 'idle'; }")
ALL_RAN = ("() => { const w = window.jupyterapp.shell.currentWidget;"
           " const cells = w.content.widgets.filter(c => c.model.type === 'code');"
           " return cells.length && cells.every(c => c.model.executionCount !== null"
           " && c.model.executionCount !== undefined) && w.sessionContext.kernelDisplayStatus === 'idle'; }")


def measure(notebook: str = "00_start_here") -> tuple[str, str, float]:
    """Opening ``notebook``'s link to an idle kernel: in a fresh profile (cold), then reloading it
    in the same profile (warm: the browser's cache holds Pyodide and the wheels), each as
    "12.3 s (lab 3.1, Pyodide 4.2, wheels 0.3, imports 4.7; 11.0 s CPU)": the lab page until
    the kernel's worker loads Pyodide, Pyodide's WebAssembly, the start-up wheels after it, the
    kernel's imports; CPU seconds of the browser's processes when psutil is there. Then Run All
    of the notebook (after the cold start), in seconds."""
    import functools
    import http.server
    import threading
    import time
    from playwright.sync_api import sync_playwright
    try:
        import psutil
        me = psutil.Process()
    except ImportError:
        me = None

    def cpu() -> float:
        total = 0.0
        for child in me.children(recursive=True) if me else []:
            try:
                t = child.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(OUT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    marks: dict[str, float] = {}

    def requested(r: Any) -> None:
        if r.url.endswith("/pyodide.mjs"):
            marks.setdefault("worker", time.perf_counter())

    def finished(r: Any) -> None:
        if r.url.endswith("pyodide.asm.wasm"):
            marks["wasm"] = time.perf_counter()
        elif ".whl" in r.url:
            marks["wheels"] = time.perf_counter()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_context().new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site) else r.abort())
            page.on("request", requested)
            page.on("requestfinished", finished)
            times, run_all = [], 0.0
            for visit in range(2):
                marks.clear()
                c, t = cpu(), time.perf_counter()
                page.goto(f"{site}/lab/index.html?path=notebooks/{notebook}.ipynb")
                page.wait_for_function(KERNEL_IDLE, timeout=300000, polling=100)
                end = time.perf_counter()
                worker, wasm = marks.get("worker", t), marks.get("wasm", t)
                wheels = max(marks.get("wheels", wasm), wasm)
                used = f"; {cpu() - c:.1f} s CPU" if me else ""
                times.append(f"{end - t:.1f} s (lab {worker - t:.1f}, Pyodide {wasm - worker:.1f}, "
                             f"wheels {wheels - wasm:.1f}, imports {end - wheels:.1f}{used})")
                if visit == 0:
                    t = time.perf_counter()
                    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                    page.wait_for_function(ALL_RAN, timeout=300000, polling=200)
                    run_all = time.perf_counter() - t
            browser.close()
    finally:
        server.shutdown()
    return times[0], times[1], run_all


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        summary_times()
    else:
        main()
