"""Run every benchmark in one go (make bench)."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
for script in ("bench_runner.py", "bench_history.py", "bench_graph.py", "bench_eval.py", "bench_batch.py", "bench_export.py", "bench_semantic.py"):
    print(f"\n== {script}")
    subprocess.run([sys.executable, os.path.join(here, script), *sys.argv[1:]], check=True)
