"""Convert, execute, clean: notebooks/src/NN_name.py (jupytext percent format) -> notebooks/NN_name.ipynb.

    python scripts/build_notebooks.py [names...]

The lessons are edited as the readable text files in notebooks/src/ (a ``# %%`` line starts a
code cell, ``# %% [markdown]`` a markdown cell). This script executes each one on the offline
model and writes the .ipynb with its outputs (GitHub shows graphs and transcripts), widget state
dropped and widget outputs reduced to their static text/html + text/plain snapshot. Cells whose
first line is ``# NBVAL_CHECK_OUTPUT`` are compared by nbval in CI; tests/test_notebook_sources.py
checks that every .ipynb matches its source.
"""

from __future__ import annotations

import os
import pathlib
import sys

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
SRC = NB / "src"


def build_cassette() -> None:
    """The shipped cassette: a scripted local server, recorded through RecordingModel."""
    sys.path.insert(0, str(ROOT))
    from handoff_nb import RunConfig, Runner
    from handoff_nb.examples import customer_service
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.models.replay import RecordingModel
    from handoff_nb.testing import FakeOpenAIServer, reply

    path = NB / "cassettes" / "triage_escalation.jsonl"
    script = [
        reply(tool_calls=[("route_to_billing", '{"billing_issue_type": "refund", "amount_mentioned": null, '
                                               '"summary": "Wants a refund; unhappy with earlier billing help"}')],
              model="gpt-4o-mini-2024-07-18", usage=(412, 38)),
        reply(tool_calls=[("escalate_to_manager", '{"reason": "Customer reports billing team was unhelpful", '
                                                  '"previous_department": "billing", "attempts_so_far": "1"}')],
              model="gpt-4o-mini-2024-07-18", usage=(498, 41)),
        reply("I'm sorry our billing team didn't resolve this. I'm taking ownership: I'll review your "
              "account today and confirm the refund within 24 hours.",
              model="gpt-4o-mini-2024-07-18", usage=(560, 44)),
    ]
    with FakeOpenAIServer(script) as srv:
        model = RecordingModel(OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url,
                                               api_key="sk-recording-demo", max_retries=0),
                               path, overwrite=True)
        Runner.run_sync(customer_service(), "I need a refund but your billing team was unhelpful last time",
                        context={}, run_config=RunConfig(model=model))


def clean(nb, name: str) -> None:
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{i:02d}"  # stable ids: rebuilding changes nothing that did not change
    # what JupyterLab writes on open, so a notebook opens unmodified
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "application/vnd.jupyter.widget-view+json" in data:
                data.pop("application/vnd.jupyter.widget-view+json")
            out.get("metadata", {}).clear() if "metadata" in out else None
        cell.outputs = [o for o in cell.outputs
                        if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


def main(names: list[str]) -> None:
    build_cassette()
    os.environ["HANDOFF_NB_MODEL"] = "offline"
    for src in sorted(SRC.glob("*.py")):
        name = src.stem
        if names and name not in names:
            continue
        nb = jupytext.read(src)
        nb.metadata.pop("jupytext", None)
        NotebookClient(nb, timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(NB)}}).execute()
        clean(nb, name)
        nbformat.write(nb, NB / f"{name}.ipynb")
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1:])
