"""The SDK's own examples, imports unchanged (they import ``agents``), stepped through the SDK
engine: one Step per model call, the examples' own tools and handoffs run by the SDK, Back/fork
replaying the recorded responses (issue 21).

``test_all_44_examples_run_on_the_sdk_engine`` runs each of the 44 examples under basic/,
agent_patterns/, handoffs/ and customer_service/ as it is (``EXAMPLES_INTERACTIVE_MODE=auto``,
no key, tracing off) in its own process (this file as a script, see ``_main``): every
``agents.Runner`` call the example makes goes through ``handoff_nb.sdk_engine.routed``, each run
is stepped by a Stepper's Step, and the model is :class:`RuleModel`, a scripted ``agents.Model``
that counts its own calls. Per example: it exits 0, and the runs' Steps that called the model
number exactly the model's calls.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import re
import runpy
import subprocess
import sys
import time

import pytest

import handoff_nb as hn
from tests.test_sdk_examples import DIRS, _sdk_source

agents = pytest.importorskip("agents")
testing = pytest.importorskip("agents.testing")

ROOT = pathlib.Path(__file__).resolve().parent.parent
OFFLINE_IMPOSSIBLE: dict[str, str] = {}
"""Examples that cannot run offline even on the engine, each with its reason (none)."""
NO_MODEL_CALLS = {"basic/trace_redaction.py"}  # exports a trace of a custom span; no Runner call


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    src = _sdk_source(tmp_path_factory)
    sys.path.insert(0, str(src))
    for name in [m for m in sys.modules if m == "examples" or m.startswith("examples.")]:
        del sys.modules[name]  # the SDK's examples package, not another one
    agents.set_tracing_disabled(True)
    yield lambda name: importlib.import_module(f"examples.{name}")
    sys.path.remove(str(src))


def _scripted(*steps):
    return agents.RunConfig(model=testing.ScriptedModel([list(s) for s in steps]))


def test_routing_example_steps_on_the_sdk_engine(examples):
    routing = examples("agent_patterns.routing")
    cfg = _scripted([testing.function_call("transfer_to_spanish_agent", "{}", call_id="h1")],
                    [testing.assistant_message("¡Hola! Estoy bien.")])
    run = hn.Runner.start(routing.triage_agent, "Hola, ¿cómo estás?", engine="sdk", run_config=cfg)
    s0 = run.step()
    assert s0.decision == "handoff" and s0.handoff.target.name == "spanish_agent"
    assert s0.request.instructions == routing.triage_agent.instructions
    s1 = run.step()
    assert (s1.agent.name, s1.final_output, run.done) == ("spanish_agent", "¡Hola! Estoy bien.", True)
    assert run.result.last_agent is routing.spanish_agent  # the example's own agent object


def test_customer_service_example_runs_its_tools_and_forks(examples):
    cs = examples("customer_service.main")
    model = testing.ScriptedModel([
        [testing.function_call("transfer_to_faq_agent", "{}", call_id="h1")],
        [testing.function_call("faq_lookup_tool", {"question": "How much baggage can I bring?"}, call_id="t1")],
        [testing.assistant_message("One bag under 50 pounds.")]])
    context = cs.AirlineAgentContext()
    run = hn.Runner.start(cs.triage_agent, "How much baggage can I bring?", context=context, engine="sdk",
                          run_config=agents.RunConfig(model=model))
    run.run()
    assert run.agent_path == ["Triage Agent", "FAQ Agent"] and len(run.steps) == 3
    tool_output = run.steps[1].items[1].raw_item["output"]
    assert "bag" in tool_output.lower()  # the example's own faq_lookup_tool ran
    assert run.final_output == "One bag under 50 pounds."
    model.extend([[testing.assistant_message("Two bags, actually.")]])
    fork = run.fork(2)  # steps 0 and 1 replayed (the tool runs again), step 2 live
    assert len(fork.steps) == 2 and model.remaining_steps == 1
    assert fork.step().final_output == "Two bags, actually."


def test_message_filter_example_in_the_stepper(examples, monkeypatch):
    pytest.importorskip("ipywidgets")
    from handoff_nb.widgets import Stepper
    monkeypatch.setenv("HANDOFF_NB_MODEL", "offline")
    mf = examples("handoffs.message_filter")
    cfg = _scripted([testing.assistant_message("Hi Sora, nice to meet you.")])
    s = Stepper(mf.first_agent, engine="sdk", run_config=cfg, message="Hi, my name is Sora.")
    assert s.warm() is None  # the SDK's models answer: no offline model to load
    s.step_button.click()
    assert s.error is None and s.run.done and s.run.final_output == "Hi Sora, nice to meet you."


def test_agents_as_tools_example_nested_calls_are_steps_of_their_own_agents(examples):
    """Stepped directly (no routing), the nested ``as_tool`` runs inherit the run's RunConfig, so
    their calls pass the same gate: each is a Step, named for the nested agent; a fork replays them."""
    ex = examples("agent_patterns.agents_as_tools")
    model = rule_model()
    run = hn.Runner.start(ex.orchestrator_agent, "Translate hello to Spanish, French and Italian",
                          engine="sdk", run_config=agents.RunConfig(model=model))
    run.run()
    assert [s.agent.name for s in run.steps] == ["orchestrator_agent", "spanish_agent", "french_agent",
                                                 "italian_agent", "orchestrator_agent"]
    assert model.calls == len(run.steps) == 5 and run.final_output == "Scripted answer 5."
    outputs = [i.raw_item["output"] for i in run.steps[3].items]
    assert outputs == ["Scripted answer 2.", "Scripted answer 3.", "Scripted answer 4."]
    fork = run.fork(4)  # the three nested calls replayed with the orchestrator's first
    assert model.calls == 5 and [s.agent.name for s in fork.steps] == [s.agent.name for s in run.steps[:4]]
    assert fork.step().final_output == "Scripted answer 6." and model.calls == 6


# -- all 44, as they are ---------------------------------------------------------------------------

def _instance(schema, defs=None, depth=0):
    """A JSON value valid for ``schema`` (what a model answering in a strict schema writes)."""
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return _instance(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _instance(options[0], defs, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {k: _instance(v, defs, depth + 1) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_instance(schema.get("items", {}), defs, depth + 1)] if depth < 4 else []
    return {"string": "scripted", "integer": 1, "number": 1.0, "boolean": True, "null": None}[kind]


def _named_in(message, options, attr):
    said = set(re.findall(r"[a-z]+", message.lower()))
    score = [len(said & set(getattr(o, attr).lower().split("_"))) for o in options]
    best = max(score, default=0)
    return [o for o, k in zip(options, score) if k == best] if best else options


def _get(item, key):
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def rule_model():
    """A scripted ``agents.Model``, by rule: since the latest user message, call the agent's
    function tools (arguments valid for their schemas) if no tool has answered yet, else hand off
    once, else answer -- JSON valid for the output schema, or text. Of several tools (handoffs),
    those whose names share most words with the message (all tools, the first handoff, if none do)."""
    from agents.items import ModelResponse
    from agents.tool import FunctionTool
    from agents.usage import Usage

    class RuleModel(agents.Model):
        def __init__(self):
            self.calls = 0

        async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                               handoffs, tracing, **kwargs):
            self.calls += 1
            n = self.calls
            items = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
            last_user = max([i for i, it in enumerate(items) if _get(it, "role") == "user"], default=-1)
            since = items[last_user + 1:]
            answered = any(_get(it, "type") == "function_call_output" for it in since)
            handed = any(str(_get(it, "call_id") or "").startswith("handoff-") for it in since)
            message = str(_get(items[last_user], "content") if last_user >= 0 else "")
            functions = _named_in(message, [t for t in tools if isinstance(t, FunctionTool)], "name")
            if functions and not answered and not handed:  # parallel calls
                out = [testing.function_call(t.name, json.dumps(_instance(t.params_json_schema)),
                                             call_id=f"tool-{n}-{k}") for k, t in enumerate(functions)]
            elif handoffs and not handed:
                h = _named_in(message, handoffs, "tool_name")[0]
                out = [testing.function_call(h.tool_name, json.dumps(_instance(h.input_json_schema or {})),
                                             call_id=f"handoff-{n}")]
            elif output_schema is not None and not output_schema.is_plain_text():
                out = [testing.assistant_message(json.dumps(_instance(output_schema.json_schema())))]
            else:
                out = [testing.assistant_message(f"Scripted answer {n}.")]
            return ModelResponse(output=out, usage=Usage(requests=1, input_tokens=10, output_tokens=5,
                                                         total_tokens=15), response_id=f"resp-{n}")

        def stream_response(self, *args, **kwargs):
            raise AssertionError("the engine calls get_response (it streams the SDK run itself)")

    return RuleModel()


def _one(rel: str) -> dict:
    """Run one example as it is, in this process; what the engine recorded."""
    from handoff_nb.sdk_engine import routed
    from handoff_nb.widgets import Stepper

    model = rule_model()
    steppers = []

    async def drive(run):  # a Stepper's Step, one model call each
        s = Stepper(run.starting_agent, warm=False)
        s.engine, s.run = "sdk", run
        steppers.append(s)
        while not run.done:
            await s.astep()
            if s.error is not None:
                raise s.error

    error = None
    start = time.perf_counter()
    agents.set_trace_processors([])  # traces are made (an example may export its own), never sent
    sys.argv = [rel]  # the example's own argparse: its defaults
    with routed(model=model, drive=drive) as r:
        try:
            runpy.run_module("examples." + rel[:-3].replace("/", "."), run_name="__main__", alter_sys=True)
        except SystemExit as e:
            error = None if e.code in (None, 0) else f"SystemExit({e.code})"
        except BaseException as e:  # noqa: BLE001 - reported
            import traceback
            traceback.print_exc()
            error = f"{type(e).__name__}: {e}"[:800]
    steps = [s for run in r.runs for s in run.steps]
    return {"rel": rel, "error": error, "calls": model.calls, "runs": len(r.runs),
            "model_steps": sum(s.response is not None for s in steps),
            "other_steps": [s.decision for s in steps if s.response is None],
            "picker": sum(len([o for o in s.step_picker.options if o[1] != -1]) for s in steppers),
            "seconds": round(time.perf_counter() - start, 2)}


def _main(out_dir: str, rels: list[str], parallel: int = 2, timeout: float = 120) -> None:
    """``python tests/test_sdk_engine_examples.py OUT_DIR REL...`` (the directory holding the
    sdist's ``examples`` on PYTHONPATH): imports once, then each example in a forked child of its
    own (its output in OUT_DIR/<rel>.log, its report in OUT_DIR/<rel>.json)."""
    import handoff_nb.sdk_engine  # noqa: F401 - imported once, before forking (no engine thread yet)
    import handoff_nb.widgets  # noqa: F401
    out = pathlib.Path(out_dir)
    pending, running = list(rels), {}
    while pending or running:
        while pending and len(running) < parallel:
            rel = pending.pop(0)
            name = rel.replace("/", "__")
            pid = os.fork()
            if pid == 0:  # the child: one example
                code = 1
                try:
                    fd = os.open(out / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                    os.dup2(fd, 1)
                    os.dup2(fd, 2)
                    report = _one(rel)
                    sys.stdout.flush()
                    sys.stderr.flush()
                    (out / f"{name}.json").write_text(json.dumps(report))
                    code = 0
                finally:
                    os._exit(code)
            running[pid] = (rel, time.monotonic())
        time.sleep(0.05)
        for pid, (rel, t0) in list(running.items()):
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done == 0 and time.monotonic() - t0 > timeout:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                (out / f"{rel.replace('/', '__')}.json").write_text(
                    json.dumps({"rel": rel, "error": f"timeout ({timeout:.0f} s)"}))
                done = pid
            if done:
                del running[pid]


def _run_examples(root: pathlib.Path, rels: list[str], out: pathlib.Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    env.update(EXAMPLES_INTERACTIVE_MODE="auto", PYTHONPATH=os.pathsep.join([str(ROOT), str(root)]))
    subprocess.run([sys.executable, __file__, str(out), *rels], cwd=root, env=env, timeout=900,
                   stdin=subprocess.DEVNULL, check=True)
    results = []
    for rel in rels:
        name = rel.replace("/", "__")
        report = out / f"{name}.json"
        log = (out / f"{name}.log").read_text() if (out / f"{name}.log").exists() else ""
        results.append(json.loads(report.read_text()) if report.exists() else
                       {"rel": rel, "error": f"no report: {log[-1200:]}"})
        if results[-1].get("error"):
            results[-1]["error"] += "\n" + log[-1500:]
    return results


@pytest.fixture(scope="module")
def sdk_src(tmp_path_factory):
    """A directory holding the sdist's ``examples`` package as it is (linked: the sdist's
    ``tests`` package must not shadow ours)."""
    src = _sdk_source(tmp_path_factory)
    root = tmp_path_factory.mktemp("examples_root")
    (root / "examples").symlink_to(src / "examples", target_is_directory=True)
    return root


def test_all_44_examples_run_on_the_sdk_engine(sdk_src, tmp_path):
    if not hasattr(os, "fork"):
        pytest.skip("runs each example in a forked child")
    rels = sorted(f"{d}/{p.name}" for d in DIRS for p in (sdk_src / "examples" / d).glob("*.py")
                  if p.name != "__init__.py")
    assert len(rels) == 44
    start = time.perf_counter()
    out = tmp_path / "reports"
    out.mkdir()
    results = _run_examples(sdk_src, rels, out)
    bad = {}
    for res in results:
        rel = res["rel"]
        if res.get("error") is None:
            if res["model_steps"] != res["calls"] or (res["calls"] == 0) != (rel in NO_MODEL_CALLS):
                bad[rel] = f"{res['model_steps']} model Steps for {res['calls']} model calls"
            elif res["other_steps"] not in ([], ["error"]):
                bad[rel] = f"Steps without a model call: {res['other_steps']}"
            elif res["picker"] != res["model_steps"] + len(res["other_steps"]):
                bad[rel] = f"the Steppers list {res['picker']} steps"
        else:
            bad[rel] = res["error"]
    passed = [r["rel"] for r in results if r["rel"] not in bad]
    summary = "\n".join(f"{r}: {e}" for r, e in sorted(bad.items()))
    print(f"{len(passed)}/44 examples on the SDK engine in {time.perf_counter() - start:.0f} s; "
          f"{sum(r.get('calls', 0) for r in results)} model calls\n{summary}")
    assert set(bad) <= set(OFFLINE_IMPOSSIBLE), summary
    for rel in OFFLINE_IMPOSSIBLE:
        assert rel in bad, f"{rel} runs now: take it off OFFLINE_IMPOSSIBLE"


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2:])
