"""The offline model with and without the semantic engine: cold start, per-step cost, memory.

Each configuration runs in a fresh subprocess (so imports and model loads are cold) on the same
messages: the SDK quickstart tutors (semantic decisions) and seed 000's system (lexical ones).
Prints one table; ratios are against words-only in the same run.
"""
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
import handoff_nb
from handoff_nb import Runner
from handoff_nb.examples import load_system
t_import = time.perf_counter() - t0
tutors, cases = load_system("tutors")
msgs = [c.message for c in cases]
t = time.perf_counter(); Runner.run_sync(tutors, msgs[0]); first = time.perf_counter() - t
times = []
for rep in range(3):
    for m in msgs:
        t = time.perf_counter(); Runner.run_sync(tutors, m + " " * rep); times.append(time.perf_counter() - t)
times.sort()
from handoff_nb.models import semantic
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"import_s": t_import, "first_run_s": first, "median_run_ms": 1000 * times[len(times)//2],
                  "p90_run_ms": 1000 * times[int(len(times) * 0.9)], "max_rss_mb": rss,
                  "engine": semantic._embedder.name if semantic._embedder else "words only"}))
"""


def run(env_extra):
    env = {**os.environ, "HANDOFF_NB_MODEL": "offline", **env_extra}
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    words = run({"HANDOFF_NB_SEMANTIC": "off"})
    sem = run({})
    print(f"{'':22}{'words only':>14}{'semantic':>14}{'ratio':>8}")
    for key, label in [("import_s", "import handoff_nb (s)"), ("first_run_s", "first run (s)"),
                       ("median_run_ms", "run, median (ms)"), ("p90_run_ms", "run, p90 (ms)"),
                       ("max_rss_mb", "max RSS (MB)")]:
        print(f"{label:22}{words[key]:>14.3f}{sem[key]:>14.3f}{sem[key] / words[key]:>8.1f}")
    print(f"engine: {sem['engine']}")
    print(f"semantic cost per run after the first: {sem['median_run_ms'] - words['median_run_ms']:.1f} ms "
          f"(target <= 20 ms); first use adds {sem['first_run_s'] - words['first_run_s']:.2f} s (target <= 1 s)")


if __name__ == "__main__":
    main()
