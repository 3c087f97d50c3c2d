"""Runner overhead per model turn and `import` time: handoff_nb vs openai-agents, in one run.

Both runners get a model that returns canned responses instantly, so the time measured is the
runner's own work per turn (building the request, sorting the output, running a trivial tool,
handing off). Workloads: a tool loop (9 tool calls then text) and a 5-agent handoff chain.
Tracing is disabled for the SDK (it would otherwise try to export). Prints a table with ratios.

    python bench/bench_runner.py [--reps 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-used")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def import_time(module: str, runs: int = 7) -> float:
    def once(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t
    base = statistics.median(once("pass") for _ in range(runs))
    return max(0.0, statistics.median(once(f"import {module}") for _ in range(runs)) - base)


# ---------------------------------------------------------------- handoff_nb
def ours(reps: int) -> dict[str, float]:
    import handoff_nb as hn
    from handoff_nb.models.interface import ModelResponse

    class Canned:
        def __init__(self, plan):
            self.plan, self.i = plan, 0

        async def get_response(self, request):
            kind, arg = self.plan[self.i % len(self.plan)]
            self.i += 1
            if kind == "text":
                return ModelResponse(output=[{"role": "assistant", "content": arg}], model_name="canned")
            return ModelResponse(output=[{"type": "function_call", "call_id": f"c{self.i}", "name": arg,
                                          "arguments": "{}"}], model_name="canned")

    @hn.function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    loop_agent = hn.Agent(name="Looper", instructions="loop", tools=[ping])
    chain = [hn.Agent(name=f"A{i}", instructions=f"agent {i}") for i in range(5)]
    for a, b in zip(chain, chain[1:]):
        a.handoffs.append(b)

    async def go():
        out = {}
        m = Canned([("tool", "ping")] * 9 + [("text", "done")])
        cfg = hn.RunConfig(model=m, max_turns=20)
        t = time.perf_counter()
        for _ in range(reps):
            await hn.Runner.run(loop_agent, "go", run_config=cfg)
        out["tool loop"] = (time.perf_counter() - t) / (reps * 10)
        m = Canned([("tool", f"transfer_to_a{i}") for i in range(1, 5)] + [("text", "done")])
        cfg = hn.RunConfig(model=m)
        t = time.perf_counter()
        for _ in range(reps):
            await hn.Runner.run(chain[0], "go", run_config=cfg)
        out["handoff chain"] = (time.perf_counter() - t) / (reps * 5)
        return out

    return asyncio.run(go())


# ---------------------------------------------------------------- openai-agents
def theirs(reps: int) -> dict[str, float] | None:
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
        def __init__(self, plan):
            self.plan, self.i = plan, 0

        async def get_response(self, *args, **kwargs):
            kind, arg = self.plan[self.i % len(self.plan)]
            self.i += 1
            if kind == "text":
                item = ResponseOutputMessage(id="m", type="message", role="assistant", status="completed",
                                             content=[ResponseOutputText(type="output_text", text=arg,
                                                                         annotations=[])])
            else:
                item = ResponseFunctionToolCall(id="f", call_id=f"c{self.i}", type="function_call",
                                                name=arg, arguments="{}")
            return ModelResponse(output=[item], usage=Usage(), response_id=None)

        def stream_response(self, *args, **kwargs):  # pragma: no cover - unused
            raise NotImplementedError

    @sdk.function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    loop_agent = sdk.Agent(name="Looper", instructions="loop", tools=[ping])
    chain = [sdk.Agent(name=f"A{i}", instructions=f"agent {i}") for i in range(5)]
    for a, b in zip(chain, chain[1:]):
        a.handoffs.append(b)

    async def go():
        out = {}
        m = Canned([("tool", "ping")] * 9 + [("text", "done")])
        cfg = sdk.RunConfig(model=m, tracing_disabled=True)
        t = time.perf_counter()
        for _ in range(reps):
            await sdk.Runner.run(loop_agent, "go", run_config=cfg, max_turns=20)
        out["tool loop"] = (time.perf_counter() - t) / (reps * 10)
        m = Canned([("tool", f"transfer_to_a{i}") for i in range(1, 5)] + [("text", "done")])
        cfg = sdk.RunConfig(model=m, tracing_disabled=True)
        t = time.perf_counter()
        for _ in range(reps):
            await sdk.Runner.run(chain[0], "go", run_config=cfg)
        out["handoff chain"] = (time.perf_counter() - t) / (reps * 5)
        return out

    return asyncio.run(go())


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=200)
    args = p.parse_args()
    rows = []
    a, b = ours(args.reps), theirs(args.reps)
    for key in a:
        rows.append((f"per turn, {key}", a[key] * 1e6, b[key] * 1e6 if b else None, "us"))
    ia = import_time("handoff_nb")
    ib = import_time("agents") if b else None
    rows.append(("import", ia * 1e3, ib * 1e3 if ib is not None else None, "ms"))
    print(f"{'measure':28} {'handoff_nb':>12} {'openai-agents':>14} {'ratio':>8}")
    for name, x, y, unit in rows:
        ratio = f"{x / y:.3f}" if y else "n/a"
        ys = f"{y:10.1f} {unit}" if y is not None else "not installed"
        print(f"{name:28} {x:9.1f} {unit} {ys:>14} {ratio:>8}")
    print("targets: per turn <= 0.100 of the SDK, import <= 0.167")


if __name__ == "__main__":
    main()
