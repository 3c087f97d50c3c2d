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
# jedi (IPython's completer, imported on first completion) 0.20 ships 4.9 MB of stubs; 0.19 is 1.6 MB
CONSTRAINTS = ("jedi<0.20",)


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
        "-d", str(folder), f"{ours}[{','.join(EXTRAS)}]", *EMSCRIPTEN_ONLY, *CONSTRAINTS)
    for skip in SKIP_WHEELS + NOT_IN_PYODIDE:
        for w in folder.glob(f"{skip}-*.whl"):
            w.unlink()
    return sorted(folder.glob("*.whl"))


UNUSED = (
    # icon fonts for browsers without WOFF (SVG fonts: no current browser loads them; EOT: old IE)
    "build/fa-*.svg", "build/fa-*.eot",
    # Pyodide's TypeScript declarations and stand-alone consoles: never loaded by the kernel
    "static/pyodide/*.d.ts", "static/pyodide/console*.html",
)


def trim(site: Path) -> None:
    """Drop files the site never serves to a reader (1.7 MB)."""
    for pattern in UNUSED:
        for f in site.glob(pattern):
            f.unlink()


def main() -> None:
    dist = pyodide_tarball(pyodide_dist())
    whls = wheels()
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
    """Print the cold and warm kernel-ready times (headless chromium on loopback), with this
    Python's playwright or, failing that, the project venv's."""
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
        cold, warm = measure()
    except Exception as e:  # no chromium, a browser that would not start...
        print(f">> kernel ready: not measured ({type(e).__name__}: {str(e)[:200]})")
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f">> kernel ready (00_start_here, loopback, headless chromium, load {load:.1f} on "
          f"{os.cpu_count()} cores): cold {cold:.1f} s (fresh profile), warm {warm:.1f} s (reload)")


KERNEL_IDLE = ("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
               " return w && w.sessionContext && w.sessionContext.session"
               " && w.sessionContext.kernelDisplayStatus === 'idle'; }")


def measure(notebook: str = "00_start_here") -> tuple[float, float]:
    """Seconds from opening ``notebook``'s link to an idle kernel: in a fresh profile (cold), then
    reloading it in the same profile (warm: the browser's cache holds Pyodide and the wheels)."""
    import functools
    import http.server
    import threading
    import time
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(OUT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_context().new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site) else r.abort())
            times = []
            for _ in range(2):
                t = time.perf_counter()
                page.goto(f"{site}/lab/index.html?path=notebooks/{notebook}.ipynb")
                page.wait_for_function(KERNEL_IDLE, timeout=300000)
                times.append(time.perf_counter() - t)
            browser.close()
    finally:
        server.shutdown()
    return times[0], times[1]


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        summary_times()
    else:
        main()
