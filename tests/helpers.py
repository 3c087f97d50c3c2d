"""Shared test helpers."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess

SEEDS = pathlib.Path(__file__).parent / "seeds"


def load_seed(name: str):
    spec = importlib.util.spec_from_file_location(name, SEEDS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def dot_json(source: str) -> dict:
    """Parse DOT with dot itself (``-Tjson``): nodes by id, edges as (tail id, head id, attrs)."""
    from handoff_nb.render.svg import find_dot
    out = subprocess.run([find_dot(), "-Tjson0"], input=source.encode(), capture_output=True, check=True)
    data = json.loads(out.stdout)
    objects = data.get("objects", [])
    nodes = {o["name"]: o for o in objects if "nodes" not in o}
    edges = [(objects[e["tail"]]["name"], objects[e["head"]]["name"], e) for e in data.get("edges", [])]
    return {"nodes": nodes, "edges": edges}
