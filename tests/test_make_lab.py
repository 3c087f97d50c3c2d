"""`make lab` reaches a running JupyterLab, also as root (CI runs as root), on the port asked for,
with only the lessons' lab extensions (no JupyterLite kernel: make lite keeps it in
build/venv-lite) and no news toast over the notebook."""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.skipif(not (ROOT / "Makefile").exists(), reason="no Makefile")
def test_make_lab_starts_jupyterlab(tmp_path):
    venv = pathlib.Path(sys.executable).parents[1]  # the environment running the tests
    if not (venv / ".installed").exists() or not (venv / "bin" / "jupyter").exists():
        pytest.skip("make lab needs the project's virtualenv (make setup)")
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"VENV={venv}", f"PORT={port}",
         "LAB_ARGS=--no-browser --IdentityProvider.token=t"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("make lab exited: " + proc.stdout.read().decode()[-2000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/tree/notebooks/00_start_here.ipynb?token=t",
                                      timeout=10).read().decode()
        assert "JupyterLab" in page
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        extensions = [e["name"] for e in config.get("federated_extensions", [])]
        assert "@jupyter-widgets/jupyterlab-manager" in extensions and "anywidget" in extensions, extensions
        # the Pyodide kernel's extension logs "Shared module @jupyterlite/services doesn't exist"
        assert not [e for e in extensions if "jupyterlite" in e], extensions
        # the "official Jupyter news?" toast covers the Stepper's tabs
        assert "@jupyterlab/apputils-extension:announcements" in config.get("disabledExtensions", []), config
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    # as root (CI), Jupyter refuses to start without --allow-root: reaching /api/status proves it
