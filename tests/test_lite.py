"""The course in a browser tab: build/lite (make lite) served from loopback, every other host
refused, notebook 00 run in the Pyodide kernel with the Stepper clicked, notebook 05 run to the
end. Slow (the site is built first if missing): marked ``lite``."""

from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "lite"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.lite]
playwright = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("no chromium (apt-get install chromium)", allow_module_level=True)
ARTIFACTS = pathlib.Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_lite.py")], check=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _open(p, site, notebook, outside):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])
    context = browser.new_context(viewport={"width": 1400, "height": 900})

    def route(r):
        if r.request.url.startswith(site) or r.request.url.startswith(("blob:", "data:")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    t = time.perf_counter()
    page.goto(f"{site}/lab/index.html?path=notebooks/{notebook}.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120000)
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.kernelDisplayStatus === 'idle'; }",
        timeout=180000)
    ready = time.perf_counter() - t
    return browser, page, ready


def _run_all(page, timeout_s=300):
    t = time.perf_counter()
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const cells = w.content.widgets.filter(c => c.model.type === 'code');"
        " return cells.length && cells.every(c => c.model.executionCount !== null && c.model.executionCount !== undefined)"
        " && w.sessionContext.kernelDisplayStatus === 'idle'; }", timeout=timeout_s * 1000)
    return time.perf_counter() - t


def _errors(page):
    return page.evaluate("() => Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"], .jp-RenderedText[data-mime-type=\"application/vnd.jupyter.error\"]')).map(e => e.innerText.slice(0, 400))")


def test_notebook_00_runs_and_the_stepper_steps_in_the_browser(site):
    outside: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser, page, ready = _open(p, site, "00_start_here", outside)
        took = _run_all(page)
        errors = [e for e in _errors(page) if "Traceback" in e or "Error" in e]
        assert errors == [], errors
        graph = page.locator(".hnb-graphview").first
        graph.locator("svg .node").first.wait_for(timeout=60000)
        out = page.locator(".jp-OutputArea").filter(has=page.locator(".hnb-graphview")).first
        out.locator("button.jupyter-button", has_text=re.compile(r"^\s*Send\s*$")).first.click()
        page.wait_for_function("document.body.innerText.includes('Press Step')", timeout=60000)
        out.locator("button.jupyter-button", has_text=re.compile(r"^\s*Step\s*$")).first.click()
        page.wait_for_function("document.body.innerText.includes('via transfer_to_technical_agent')", timeout=60000)
        assert graph.locator(".node.hnb-active text").first.text_content() == "Technical Agent"
        page.screenshot(path=str(ARTIFACTS / "lite_00.png"), full_page=False)
        print(f"\nlite: kernel ready in {ready:.1f} s, notebook 00 ran in {took:.1f} s")
        browser.close()
    assert outside == [], outside


def test_notebook_05_runs_to_the_end(site):
    outside: list[str] = []
    with playwright.sync_playwright() as p:
        browser, page, _ = _open(p, site, "05_triage_system", outside)
        _run_all(page)
        errors = [e for e in _errors(page) if "Traceback" in e or "Error" in e]
        assert errors == [], errors
        assert "BillingSpecialist" in page.inner_text(".jp-Notebook")
        browser.close()
    assert outside == [], outside
