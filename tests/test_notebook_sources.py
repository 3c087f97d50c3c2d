"""Each notebook is built from its readable source, notebooks/src/NN_name.py (jupytext percent
format): the committed .ipynb must hold exactly the source's cells (rebuild with
scripts/build_notebooks.py after editing a lesson)."""

import pathlib

import jupytext
import nbformat
import pytest

NB = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted((NB / "src").glob("*.py"))


def test_every_notebook_has_a_source_and_every_source_a_notebook():
    assert {p.stem for p in SOURCES} == {p.stem for p in NB.glob("*.ipynb")}
    assert len(SOURCES) == 12


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_notebook_matches_its_source(src):
    want = jupytext.read(src)
    have = nbformat.read(NB / f"{src.stem}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in have.cells] == [(c.cell_type, c.source) for c in want.cells]
    assert have.metadata["kernelspec"]["display_name"] == "Python 3 (ipykernel)"  # opens unmodified
