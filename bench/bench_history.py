"""Per-turn runner overhead by history length, and memory of long runs: handoff_nb vs openai-agents.

Table 1: one model turn (canned text reply) with an input history of 1, 100 and 1,000 items;
the time is the runner's own work (building the request from the history, sorting the output,
recording the step). Table 2: a run of 1,000 and 2,000 turns (one tool call each) -- memory held
by the run (tracemalloc) and time per turn at the start and at the end, in fresh processes.

    python bench/bench_history.py [--reps 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-used")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
SIZES = (1, 100, 1000)


def history(n: int) -> list[dict]:
    items = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message number {i}"}
             for i in range(n - 1)]
    return items + [{"role": "user", "content": "last question"}]


def per_size(run, reps: int) -> dict[int, float]:
    """Mean seconds per ``await run(history)`` for each history size."""
    async def go():
        out = {}
        for n in SIZES:
            items = history(n)
            t = time.perf_counter()
            for _ in range(reps):
                await run(items)
            out[n] = (time.perf_counter() - t) / reps
        return out
    return asyncio.run(go())


def ours(reps: int) -> dict[int, float]:
    import handoff_nb as hn
    from handoff_nb.models.interface import ModelResponse

    class Canned:
        async def get_response(self, request):
            return ModelResponse(output=[{"role": "assistant", "content": "ok"}], model_name="canned")

    agent = hn.Agent(name="A", instructions="answer")
    cfg = hn.RunConfig(model=Canned())

    return per_size(lambda items: hn.Runner.run(agent, items, run_config=cfg), reps)


def theirs(reps: int) -> dict[int, float] | None:
    try:
        import agents as sdk
        from agents.items import ModelResponse
        from agents.models.interface import Model
        from agents.usage import Usage
        from openai.types.responses import ResponseOutputMessage, ResponseOutputText
    except ImportError:
        return None
    sdk.set_tracing_disabled(True)

    class Canned(Model):
        async def get_response(self, *args, **kwargs):
            item = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                         content=[ResponseOutputText(type="output_text", text="ok",
                                                                     annotations=[])])
            return ModelResponse(output=[item], usage=Usage(), response_id=None)

        def stream_response(self, *args, **kwargs):  # pragma: no cover - unused
            raise NotImplementedError

    agent = sdk.Agent(name="A", instructions="answer")
    cfg = sdk.RunConfig(model=Canned(), tracing_disabled=True)

    return per_size(lambda items: sdk.Runner.run(agent, items, run_config=cfg), reps)


LONG_RUN = r"""
import json, sys, time, tracemalloc
import handoff_nb as hn
from handoff_nb.models.interface import ModelResponse
class Canned:
    def __init__(self): self.i = 0
    async def get_response(self, request):
        self.i += 1
        return ModelResponse(output=[{"type": "function_call", "call_id": f"c{self.i}", "name": "ping", "arguments": "{}"}])
@hn.function_tool
def ping() -> str:
    "Ping."
    return "pong"
n = int(sys.argv[1])
agent = hn.Agent(name="L", instructions="loop", tools=[ping])
tracemalloc.start()
run = hn.Runner.start(agent, "go", max_turns=n + 1, context={"turn": 0}, run_config=hn.RunConfig(model=Canned()))
times = []
for i in range(n):
    t = time.perf_counter(); run.step(); times.append(time.perf_counter() - t)
print(json.dumps({"mb": tracemalloc.get_traced_memory()[0] / 1e6, "first": sum(times[:100]) / 100,
                  "last": sum(times[-100:]) / 100}))
"""


def long_run(n: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", LONG_RUN, str(n)], capture_output=True, text=True,
                         check=True, env={**os.environ, "HANDOFF_NB_MODEL": "offline"})
    return json.loads(out.stdout)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=200)
    args = p.parse_args()
    a, b = ours(args.reps), theirs(max(20, args.reps // 4))
    print(f"{'history items':16} {'handoff_nb':>12} {'openai-agents':>14} {'ratio':>8}   (per turn)")
    for n in SIZES:
        y = b[n] * 1e6 if b else None
        print(f"{n:16} {a[n] * 1e6:9.1f} us {y if y is None else f'{y:10.1f} us':>14} "
              f"{(a[n] * 1e6 / y) if y else float('nan'):8.3f}")
    print("target: ratio <= 0.100 at every length")
    m1, m2 = long_run(1000), long_run(2000)
    print(f"\n{'long run':16} {'memory':>10} {'ms/turn first 100':>18} {'last 100':>10}")
    for n, m in ((1000, m1), (2000, m2)):
        print(f"{n:10} turns {m['mb']:8.1f} MB {m['first'] * 1e3:18.3f} {m['last'] * 1e3:10.3f}")
    print(f"memory 2,000 / 1,000 turns: {m2['mb'] / m1['mb']:.2f}x (target <= 2.5x)")


if __name__ == "__main__":
    main()
