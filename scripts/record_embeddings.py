"""Record the e5 vectors the lessons need, for the JupyterLite site (issues 18, 22).

    .venv/bin/python scripts/record_embeddings.py OUT.bin [--notebooks DIR]

Runs every notebook (a copy of ``notebooks/``, in a scratch directory, so the checkout stays
clean) in this Python's kernel with the offline model and the float64 numpy e5 engine, then
writes each text e5 embedded there -- route sentences and clauses, messages, small-talk anchors
-- with its exact vector to ``OUT.bin`` (:mod:`handoff_nb.models.e5_recorded`). The site's wheel
carries that file; in the browser the offline model replays it, so the lessons decide and print
what they do in the Lab. Needs the semantic engine (``make lab`` installs it) and nbclient.
Prints how many texts were recorded, per notebook.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handoff_nb.models import e5_recorded  # noqa: E402

SAVE_CELL = """
from handoff_nb.models import semantic as _semantic, e5_recorded as _rec
_e5 = _semantic._default
_n = 0 if _e5 is None else _rec.write({path!r}, _e5.name, _semantic.cached_vectors(_e5.name))
print("recorded", _n)
"""


def record(out: pathlib.Path, notebooks: pathlib.Path) -> int:
    import nbformat
    from nbclient import NotebookClient

    env_keep = {k: os.environ.get(k) for k in ("OPENAI_API_KEY", "HANDOFF_NB_MODEL", "HANDOFF_NB_SEMANTIC_ENGINE")}
    os.environ.pop("OPENAI_API_KEY", None)  # the lessons on the offline model, as in the site
    os.environ.pop("HANDOFF_NB_SEMANTIC_ENGINE", None)
    os.environ["HANDOFF_NB_MODEL"] = "offline"
    items: dict[tuple[str, str], tuple[float, ...]] = {}  # (kind, text) -> vector
    engine = None
    try:
        with tempfile.TemporaryDirectory(prefix="hnb-record-") as scratch:
            work = pathlib.Path(scratch) / "notebooks"
            shutil.copytree(notebooks, work)
            for nb_path in sorted(work.glob("[0-9][0-9]_*.ipynb")):
                part = pathlib.Path(scratch) / f"{nb_path.stem}.bin"
                nb = nbformat.read(nb_path, as_version=4)
                nb.cells.append(nbformat.v4.new_code_cell(SAVE_CELL.format(path=str(part))))
                client = NotebookClient(nb, timeout=900, kernel_name="python3",
                                        resources={"metadata": {"path": str(work)}})
                client.execute()
                n = 0
                if part.exists():
                    rec = e5_recorded.Recording(str(part))
                    if engine not in (None, rec.engine):
                        raise SystemExit(f"two e5 engines recorded: {engine!r} and {rec.engine!r}")
                    engine = rec.engine
                    for kind, text, vec in rec.items():
                        items[kind, text] = vec
                    n = len(rec)
                print(f">> recorded {n:4d} texts in {nb_path.stem}", flush=True)
    finally:
        for k, v in env_keep.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if engine is None:
        raise SystemExit("no notebook embedded anything with e5: is the semantic engine installed (make lab)?")
    return e5_recorded.write(str(out), engine, ((k, t, v) for (k, t), v in items.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--notebooks", type=pathlib.Path, default=ROOT / "notebooks")
    args = ap.parse_args()
    n = record(args.out, args.notebooks)
    print(f">> {n} texts recorded with e5 -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
