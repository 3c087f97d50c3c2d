"""Per-turn runner overhead by history length, and time and memory of long runs: handoff_nb vs
openai-agents 0.24, in one process, canned responses, no network.

Table 1: a run of one model turn (canned text reply) whose input history holds 1, 101 and 1,001
items; the time is the runner's own work (copying the input, building the request, sorting the
output, recording the step). Table 2: the marginal cost of one more turn at that history length
(a run of 3 turns -- two tool calls, then text -- minus a run of 1, halved): what each turn of a
long conversation costs. Table 3: a 10,000-turn run (one tool call per turn): ms per turn over
the first and the last 500 turns. Table 4: memory held by scripted runs (ScriptedModel, whose
``calls`` keeps every request) of 1,000 / 2,000 / 4,000 turns (tracemalloc, fresh processes).

    python bench/bench_history.py [--reps 200] [--long 10000]
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
SIZES = (1, 101, 1001)


def history(n: int) -> list[dict]:
    items = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message number {i}"}
             for i in range(n - 1)]
    return items + [{"role": "user", "content": "last question"}]


def per_size(run, reps: int) -> dict[int, float]:
    """Mean seconds per ``await run(history)`` for each history size (best of 3 rounds)."""
    async def go():
        out = {}
        for n in SIZES:
            items = history(n)
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                for _ in range(reps):
                    await run(items)
                best = min(best, (time.perf_counter() - t) / reps)
            out[n] = best
        return out
    return asyncio.run(go())


def marginal(measure1, measure3, reps: int) -> dict[int, float]:
    """Seconds one more turn costs at each history size: (3-turn run - 1-turn run) / 2."""
    one, three = measure1(reps), measure3(reps)
    return {n: max(0.0, (three[n] - one[n]) / 2) for n in SIZES}


def ours(reps: int, turns: int = 1) -> dict[int, float]:
    import handoff_nb as hn
    from handoff_nb.models.interface import ModelResponse

    class Canned:
        def __init__(self):
            self.i = 0

        async def get_response(self, request):
            self.i += 1
            if self.i % turns:
                return ModelResponse(output=[{"type": "function_call", "call_id": f"c{self.i}",
                                              "name": "ping", "arguments": "{}"}])
            return ModelResponse(output=[{"role": "assistant", "content": "ok"}], model_name="canned")

    @hn.function_tool
    def ping() -> str:
        "Ping."
        return "pong"

    agent = hn.Agent(name="A", instructions="answer", tools=[ping])
    cfg = hn.RunConfig(model=Canned())

    return per_size(lambda items: hn.Runner.run(agent, items, run_config=cfg), reps)


def theirs(reps: int, turns: int = 1) -> dict[int, float] | None:
    try:
        import agents as sdk
        from agents.items import ModelResponse
        from agents.models.interface import Model
        from agents.usage import Usage
        from openai.types.responses import (ResponseFunctionToolCall, ResponseOutputMessage,
                                            ResponseOutputText)
    except ImportError:
        return None
    sdk.set_tracing_disabled(True)

    class Canned(Model):
        def __init__(self):
            self.i = 0

        async def get_response(self, *args, **kwargs):
            self.i += 1
            if self.i % turns:
                call = ResponseFunctionToolCall(type="function_call", call_id=f"c{self.i}",
                                                name="ping", arguments="{}")
                return ModelResponse(output=[call], usage=Usage(), response_id=None)
            item = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                         content=[ResponseOutputText(type="output_text", text="ok",
                                                                     annotations=[])])
            return ModelResponse(output=[item], usage=Usage(), response_id=None)

        def stream_response(self, *args, **kwargs):  # pragma: no cover - unused
            raise NotImplementedError

    @sdk.function_tool
    def ping() -> str:
        "Ping."
        return "pong"

    agent = sdk.Agent(name="A", instructions="answer", tools=[ping])
    cfg = sdk.RunConfig(model=Canned(), tracing_disabled=True)

    return per_size(lambda items: sdk.Runner.run(agent, items, run_config=cfg), reps)


LONG_RUN = r"""
import json, sys, time, tracemalloc
import handoff_nb as hn
from handoff_nb.models.interface import ModelResponse
from handoff_nb.models.scripted import ScriptedModel, call_tool
class Canned:
    def __init__(self): self.i = 0
    async def get_response(self, request):
        self.i += 1
        return ModelResponse(output=[{"type": "function_call", "call_id": f"c{self.i}", "name": "ping", "arguments": "{}"}])
@hn.function_tool
def ping() -> str:
    "Ping."
    return "pong"
n, kind = int(sys.argv[1]), sys.argv[2]
agent = hn.Agent(name="L", instructions="loop", tools=[ping])
model = Canned() if kind == "canned" else ScriptedModel([call_tool("ping")] * n)
if kind == "scripted":
    tracemalloc.start()
run = hn.Runner.start(agent, "go", max_turns=n + 1, context={"turn": 0}, run_config=hn.RunConfig(model=model))
times = []
for i in range(n):
    t = time.perf_counter(); run.step(); times.append(time.perf_counter() - t)
k = min(500, max(1, n // 10))
print(json.dumps({"mb": tracemalloc.get_traced_memory()[0] / 1e6 if kind == "scripted" else None,
                  "first": sum(times[:k]) / k, "last": sum(times[-k:]) / k, "k": k}))
"""


def long_run(n: int, kind: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", LONG_RUN, str(n), kind], capture_output=True,
                         text=True, check=True, env={**os.environ, "HANDOFF_NB_MODEL": "offline"})
    return json.loads(out.stdout)


def _row(n: int, a: float, b: float | None) -> str:
    y = b * 1e6 if b else None
    return (f"{n:16} {a * 1e6:9.1f} us {y if y is None else f'{y:10.1f} us':>14} "
            f"{(a * 1e6 / y) if y else float('nan'):8.3f}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--long", type=int, default=10_000, help="turns of the long run")
    args = p.parse_args()
    sdk_reps = max(10, args.reps // 10)
    a, b = ours(args.reps), theirs(sdk_reps)
    print(f"{'history items':16} {'handoff_nb':>12} {'openai-agents':>14} {'ratio':>8}   (a 1-turn run)")
    for n in SIZES:
        print(_row(n, a[n], b[n] if b else None))
    a3 = marginal(lambda r: ours(r), lambda r: ours(r, turns=3), args.reps)
    b3 = (marginal(lambda r: theirs(r), lambda r: theirs(r, turns=3), sdk_reps)
          if b is not None else None)
    print(f"\n{'history items':16} {'handoff_nb':>12} {'openai-agents':>14} {'ratio':>8}   (one more turn)")
    for n in SIZES:
        print(_row(n, a3[n], b3[n] if b3 else None))
    print("target: ratio <= 0.050 at every length")
    m = long_run(args.long, "canned")
    print(f"\n{args.long:,}-turn run: {m['first'] * 1e3:.3f} ms/turn over the first {m['k']} turns, "
          f"{m['last'] * 1e3:.3f} over the last {m['k']} ({m['last'] / m['first']:.2f}x; target: flat)")
    print(f"\n{'scripted run':16} {'memory':>10} {'ms/turn first':>14} {'last':>8}")
    mem = {}
    for n in (1000, 2000, 4000):
        mem[n] = long_run(n, "scripted")
        print(f"{n:10} turns {mem[n]['mb']:8.1f} MB {mem[n]['first'] * 1e3:14.3f} "
              f"{mem[n]['last'] * 1e3:8.3f}")
    print(f"memory 4,000 / 1,000 turns: {mem[4000]['mb'] / mem[1000]['mb']:.2f}x "
          f"(linear: 4x; a copy of the history per call: ~16x)")


if __name__ == "__main__":
    main()
