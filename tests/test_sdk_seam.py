"""One seam (issue 21): SDK objects are recognised and converted where they enter, through
handoff_nb.agent_input; the core, render, lint and eval never import the SDK bridge
(handoff_nb.sdk, handoff_nb.sdk_engine) nor the SDK itself, and a run of handoff_nb agents never
loads them."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import handoff_nb

PKG = pathlib.Path(handoff_nb.__file__).parent
BRIDGE = {"sdk", "sdk_engine"}
# the entry points and the bridge itself may import it
ALLOWED = {"__init__.py", "sdk.py", "sdk_engine.py", "exercises.py", "extensions/visualization.py"}


def _imports(path: pathlib.Path) -> list[str]:
    """Every module ``path`` imports (relative imports resolved against the package)."""
    rel = path.relative_to(PKG).with_suffix("")
    here = ["handoff_nb", *rel.parts[:-1]]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - (node.level - 1)] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.append(mod)
            out += [f"{mod}.{a.name}" for a in node.names]
    return out


def test_core_render_lint_and_eval_never_import_the_sdk_bridge():
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = str(path.relative_to(PKG))
        if rel in ALLOWED or rel.startswith("widgets/"):
            continue
        for mod in _imports(path):
            parts = mod.split(".")
            if parts[0] == "agents" or (parts[0] == "handoff_nb" and len(parts) > 1 and parts[1] in BRIDGE):
                offenders.append(f"{rel}: {mod}")
    assert not offenders, "\n".join(offenders)


def test_the_seam_module_itself_knows_nothing_of_the_sdk():
    assert not [m for m in _imports(PKG / "agent_input.py") if "sdk" in m or m.startswith("agents")]


def test_a_run_of_our_agents_never_loads_the_bridge_or_the_sdk():
    code = ("import sys, handoff_nb as hn\n"
            "from handoff_nb.models.scripted import ScriptedModel, handoff_to, say\n"
            "b = hn.Agent(name='Billing'); t = hn.Agent(name='Triage', handoffs=[b])\n"
            "r = hn.Runner.run_sync(t, 'refund', run_config=hn.RunConfig(model=ScriptedModel("
            "[handoff_to('Billing'), say('ok')])))\n"
            "from handoff_nb.lint import lint; from handoff_nb.render.dot import graph_model\n"
            "lint(t); graph_model(t, r)\n"
            "bad = [m for m in ('agents', 'handoff_nb.sdk', 'handoff_nb.sdk_engine') if m in sys.modules]\n"
            "assert r.agent_path == ['Triage', 'Billing'] and not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"HANDOFF_NB_MODEL": "offline", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-1500:]
