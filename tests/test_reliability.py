"""A run never loses work: one test per script in shared/repro/reliability, plus fault injection.

Each test failed before the fix it guards (the script's name is in the test's docstring).
"""

from __future__ import annotations

import _thread
import asyncio
import gc
import json
import random
import re
import signal
import threading
import time
import tracemalloc
import warnings
import xml.etree.ElementTree as ET

import pytest

from handoff_nb import (Agent, ModelBehaviorError, ModelError, ModelResponse, RunConfig, RunHooks,
                        Runner, UserError, function_tool, handoff)
from handoff_nb.eval import CaseResult, Case, RoutingReport, evaluate_routing, load_cases
from handoff_nb.examples import customer_service
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.models.replay import RecordingModel, ReplayModel
from handoff_nb.models.scripted import Reply, ScriptedModel, call_tool, handoff_to, say
from handoff_nb.render.mime import graph_html, run_bundle
from handoff_nb.testing import FakeOpenAIServer, garbage, reply, reset, status


class Slow:
    """A model that sleeps, logging when it starts and answers."""

    def __init__(self, text="answer", delay=1.0):
        self.text, self.delay, self.log = text, delay, []

    async def get_response(self, request):
        self.log.append("started")
        await asyncio.sleep(self.delay)
        self.log.append("answered")
        return ModelResponse(output=[{"role": "assistant", "content": self.text}])


def _chat(srv, **kw):
    return OpenAIChatModel("m", base_url=srv.base_url, max_retries=0, **kw)


# -- 1. event loops -----------------------------------------------------------------------------

def test_one_openai_model_serves_every_loop_and_thread():
    """r_client_across_loops_script.py"""
    with FakeOpenAIServer([reply("ok")], repeat=True) as srv:
        agent = Agent(name="A", model=_chat(srv))
        out = [Runner.run_sync(agent, "1").final_output,
               asyncio.run(Runner.run(agent, "2")).final_output]
        box = []
        t = threading.Thread(target=lambda: box.append(Runner.run_sync(agent, "3").final_output))
        t.start()
        t.join()
        out += box + [Runner.run_sync(agent, "4").final_output]
        assert out == ["ok"] * 4
        assert len(srv.requests) == 4


def test_short_lived_threads_leave_no_unclosed_loops_or_clients():
    """r_unclosed_loops.py (and the sockets of per-loop OpenAI clients)"""
    caught = []
    with warnings.catch_warnings():  # garbage left by earlier tests is not ours to judge
        warnings.simplefilter("ignore")
        gc.collect()
    with FakeOpenAIServer([reply("ok")], repeat=True) as srv:
        model = _chat(srv)
        with warnings.catch_warnings():
            warnings.simplefilter("always", ResourceWarning)
            old = warnings.showwarning
            warnings.showwarning = lambda msg, *a, **k: caught.append(str(msg))
            try:
                for i in range(4):
                    agent = Agent(name="A", model=model if i % 2 else None)
                    t = threading.Thread(target=lambda: Runner.run_sync(agent, "hi"))
                    t.start()
                    t.join()
                asyncio.run(Runner.run(Agent(name="A", model=model), "hi"))
                gc.collect()
            finally:
                warnings.showwarning = old
    assert [c for c in caught if "unclosed" in c] == []


# -- 2. interrupts, cancellation, timeouts ---------------------------------------------------------

@pytest.fixture
def default_sigint():
    """Ctrl-C as a user presses it: Python's own SIGINT handler. An earlier test in the same
    process (a browser driver, a kernel client) may leave another handler installed, and then
    ``interrupt_main`` never becomes a KeyboardInterrupt; put the default back for the test."""
    old = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def test_ctrl_c_cancels_the_call_records_the_step_and_retries_at_once(default_sigint):
    """r_ctrl_c_plain.py"""
    model = Slow("old reply", delay=1.0)
    run = Runner.start(Agent(name="A"), "hi", run_config=RunConfig(model=model))
    threading.Timer(0.2, _thread.interrupt_main).start()
    with pytest.raises(KeyboardInterrupt):
        run.step()
    assert not run._busy and len(run.steps) == 1
    assert run.steps[0].interrupted and run.steps[0].decision == "error"
    assert run.turns_used == 0 and run.raw_responses == []
    # the cancelled call never completes later, e.g. during another run on this thread
    other = Runner.start(Agent(name="B"), "x", run_config=RunConfig(model=Slow("new", 0.3)))
    assert other.step().final_output == "new"
    assert model.log == ["started"] and not run.done
    model.delay = 0
    assert run.step().final_output == "old reply"
    assert [s.decision for s in run.steps] == ["error", "final_output"]


def test_model_timeout_cancels_and_keeps_the_run():
    model = Slow(delay=5.0)
    run = Runner.start(Agent(name="A"), "hi", run_config=RunConfig(model=model, model_timeout=0.2))
    t = time.perf_counter()
    with pytest.raises(ModelError, match="model_timeout=0.2") as info:
        run.step()
    assert time.perf_counter() - t < 3
    assert info.value.run is run and info.value.step is run.steps[0]
    model.delay = 0
    assert run.step().final_output == "answer"
    with pytest.raises(UserError, match="model_timeout"):
        Runner.start(Agent(name="A"), "hi", run_config=RunConfig(model_timeout=0))


# -- 3. a step is a transaction ------------------------------------------------------------------

def test_rejected_response_has_no_side_effects_and_costs_no_turn():
    """r_failed_step_not_rolled_back.py (1)-(3)"""
    charges = []

    @function_tool
    def charge(amount: int) -> str:
        """charge the card"""
        charges.append(amount)
        return f"charged {amount}"

    model = ScriptedModel([call_tool("charge", {"amount": 5}),
                           Reply(calls=(("charge", '{"amount": 100}'), ("no_such_tool", "{}"))),
                           Reply(calls=(("charge", '{"amount": 100}'),)),
                           say("done")])
    run = Runner.start(Agent(name="A", tools=[charge]), "hi", run_config=RunConfig(model=model),
                       max_turns=3)
    run.step()
    with pytest.raises(ModelBehaviorError, match="no_such_tool") as info:
        run.step()
    failed = info.value.step
    assert charges == [5], "a rejected response ran a tool"
    assert run.turns_used == 1 and len(run.raw_responses) == 1
    assert run.context_wrapper.usage.requests == 1
    assert failed.response is not None and failed.usage.requests == 1  # kept on the failed step
    run.step()
    assert run.step().final_output == "done"  # 3 successful turns fit max_turns=3
    assert charges == [5, 100]
    assert len(run.result.raw_responses) == 3


def test_failed_handoff_rolls_back_context_writes():
    """r_failed_step_not_rolled_back.py (4)"""
    def on_h(ctx):
        ctx.context["handoffs"] = ctx.context.get("handoffs", 0) + 1

    calls = {"n": 0}

    def flaky_filter(data):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("transient filter failure")
        return data

    b = Agent(name="B")
    t = Agent(name="T", handoffs=[handoff(b, on_handoff=on_h, input_filter=flaky_filter)])
    ctx = {"user": "ada"}
    run = Runner.start(t, "hi", context=ctx, run_config=RunConfig(
        model=ScriptedModel([handoff_to("B"), handoff_to("B"), say("ok")])))
    with pytest.raises(Exception, match="transient"):
        run.step()
    assert ctx == {"user": "ada"}, "the caller's own dict is rolled back in place"
    run.step()
    run.step()
    assert ctx == {"user": "ada", "handoffs": 1} and run.agent_path == ["T", "B"]


def test_invalid_handoff_arguments_are_rejected_before_any_tool_runs():
    from pydantic import BaseModel

    class Data(BaseModel):
        reason: str

    ran = []

    @function_tool
    def note(text: str) -> str:
        """note"""
        ran.append(text)
        return "ok"

    b = Agent(name="B")
    a = Agent(name="A", tools=[note], handoffs=[handoff(b, input_type=Data, on_handoff=lambda c, d: None)])
    model = ScriptedModel([Reply(calls=(("note", '{"text": "x"}'), ("transfer_to_b", '{"wrong": 1}')))])
    run = Runner.start(a, "hi", run_config=RunConfig(model=model))
    with pytest.raises(ModelBehaviorError):
        run.step()
    assert ran == []


def test_on_agent_end_raising_keeps_the_answer():
    """r_on_agent_end_raises.py"""
    class Hooks(RunHooks):
        async def on_agent_end(self, context, agent, output):
            raise ValueError("logging backend down")

    run = Runner.start(Agent(name="A"), "hi", hooks=Hooks(),
                       run_config=RunConfig(model=ScriptedModel([say("the answer")])))
    with pytest.raises(ValueError) as info:
        run.step()
    assert info.value.run is run and run.done and run.final_output == "the answer"
    step = run.steps[0]
    assert step.decision == "final_output" and isinstance(step.hook_error, ValueError)
    assert run.result.final_output == "the answer"
    with pytest.raises(ValueError) as info:
        Runner.run_sync(Agent(name="A"), "hi", hooks=Hooks(),
                        run_config=RunConfig(model=ScriptedModel([say("again")])))
    assert info.value.run.result.final_output == "again"


# -- 4. every error keeps the run -------------------------------------------------------------------

class _FailsAfterHandoff:
    def __init__(self, exc):
        self.n, self.exc = 0, exc

    async def get_response(self, request):
        self.n += 1
        if self.n == 1:
            return ModelResponse(output=[{"type": "function_call", "call_id": "c1",
                                          "name": "transfer_to_billing", "arguments": "{}"}])
        raise self.exc


@pytest.mark.parametrize("exc", [ModelError("HTTP 500"), ConnectionResetError("peer reset"),
                                 TimeoutError("read timed out"), KeyError("bug")])
def test_any_exception_carries_the_run_and_its_earlier_steps(exc):
    """r_plain_exception_loses_run.py"""
    triage = Agent(name="Triage", handoffs=[Agent(name="Billing")])
    with pytest.raises(type(exc)) as info:
        Runner.run_sync(triage, "refund please", run_config=RunConfig(model=_FailsAfterHandoff(exc)))
    run = info.value.run
    assert run.agent_path == ["Triage", "Billing"]
    assert [s.decision for s in run.steps] == ["handoff", "error"]
    assert info.value.step is run.steps[1]


def test_tool_without_failure_function_and_hook_errors_carry_the_run():
    @function_tool(failure_error_function=None)
    def boom() -> str:
        """explode"""
        raise RuntimeError("tool exploded")

    run = Runner.start(Agent(name="A", tools=[boom]), "hi",
                       run_config=RunConfig(model=ScriptedModel([call_tool("boom", {}), say("x")])))
    with pytest.raises(UserError, match="Error running tool boom: tool exploded") as info:  # as the SDK
        run.step()
    assert isinstance(info.value.__cause__, RuntimeError)
    assert info.value.run is run and run.turns_used == 0


class _Returns:
    def __init__(self, value):
        self.value = value

    async def get_response(self, request):
        return self.value


@pytest.mark.parametrize("value, match", [
    (ModelResponse(output=[{"type": "function_call", "name": "transfer_to_b", "arguments": "{}"}]),
     "has no call_id"),
    (None, "returned NoneType, not a ModelResponse"),
    (ModelResponse(output=["text"]), "output item 0 is str"),
    (ModelResponse(output=[{"type": "mystery"}]), "does not understand"),
])
def test_malformed_model_output_is_a_model_behavior_error(value, match):
    """r_unclear_model_output_errors.py"""
    agent = Agent(name="A", handoffs=[Agent(name="B")])
    with pytest.raises(ModelBehaviorError, match=match) as info:
        Runner.run_sync(agent, "hi", run_config=RunConfig(model=_Returns(value)))
    assert "step 0 (A)" in str(info.value) and "_Returns" in str(info.value)
    assert info.value.run is not None


def test_content_as_list_of_parts_is_accepted():
    value = ModelResponse(output=[{"role": "assistant", "content": [{"type": "output_text", "text": "hi"}]}])
    assert Runner.run_sync(Agent(name="A"), "x", run_config=RunConfig(model=_Returns(value))).final_output == "hi"


def test_html_200_and_whole_server_messages_become_model_errors_with_the_cause():
    """r_unclear_model_output_errors.py (HTML 200); ModelError chains the openai exception"""
    long_message = "first line of a long error\n" + "x" * 400 + "\nTHE CAUSE: context length exceeded"
    with FakeOpenAIServer([garbage(), status(400, long_message)]) as srv:
        with pytest.raises(ModelError, match="not with a Chat Completions JSON body") as info:
            Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=_chat(srv)))
        assert "sign in to the proxy" in str(info.value) and srv.base_url.split("/v1")[0] in str(info.value)
        with pytest.raises(ModelError) as info:
            Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=_chat(srv)))
    assert "THE CAUSE: context length exceeded" in str(info.value)
    import openai
    assert isinstance(info.value.__cause__, openai.APIStatusError)
    assert info.value.status_code == 400


# -- 5. real OpenAI-compatible servers -------------------------------------------------------------

def test_tool_call_history_is_accepted_by_servers_that_reject_null_content():
    def llama_cpp_like(body):
        if any(m.get("role") == "assistant" and m.get("content") is None for m in body["messages"]):
            return status(500, "Assistant message must contain either 'content' or 'tool_calls'!"
                               " (content null)")
        if len(body["messages"]) <= 2:
            return reply(tool_calls=[("transfer_to_billing", "{}")])
        return reply("billing here")

    with FakeOpenAIServer([llama_cpp_like], repeat=True) as srv:
        triage = Agent(name="Triage", handoffs=[Agent(name="Billing")])
        r = Runner.run_sync(triage, "refund", run_config=RunConfig(model=_chat(srv)))
    assert r.agent_path == ["Triage", "Billing"] and r.final_output == "billing here"


# -- 6. cassettes and secrets -----------------------------------------------------------------------

def test_cassette_scrubs_secrets_not_words(tmp_path):
    """r_cassette_scrub_breaks_replay.py"""
    cas = tmp_path / "c.jsonl"
    agent = Agent(name="Advisor", instructions="Answer questions about bearer bonds.")
    msg = "Is scikit's sk-learn-contrib package safe, and what are bearer instruments?"
    answer = "Bearer instruments are paid to whoever holds them."
    rec = RecordingModel(ScriptedModel([say(answer)]), cas)
    Runner.run_sync(agent, msg, run_config=RunConfig(model=rec))
    text = cas.read_text()
    assert "sk-learn-contrib" in text and "bearer instruments" in text and answer in text
    replayed = Runner.run_sync(agent, msg, run_config=RunConfig(model=ReplayModel(cas)))
    assert replayed.final_output == answer
    # real key shapes are still scrubbed
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    cas2 = tmp_path / "k.jsonl"
    Runner.run_sync(agent, f"my key is {key}, Authorization: Bearer abcdef0123456789abcd",
                    run_config=RunConfig(model=RecordingModel(ScriptedModel([say("ok")]), cas2)))
    text2 = cas2.read_text()
    assert key not in text2 and "abcdef0123456789abcd" not in text2


def test_corrupt_cassettes_name_file_and_line_and_unwritable_responses_are_returned(tmp_path):
    """a15_cassettes.py"""
    good = tmp_path / "good.jsonl"
    Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=RecordingModel(ScriptedModel([say("x")]), good)))
    line = good.read_text().splitlines()[0]
    (tmp_path / "trunc.jsonl").write_text(line + "\n" + line[:50])
    (tmp_path / "garbage.jsonl").write_text("not json\n")
    (tmp_path / "shape.jsonl").write_text(json.dumps({"foo": 1}) + "\n")
    for name, match in [("trunc.jsonl", "line 2: not valid JSON.*cut off"),
                        ("garbage.jsonl", "garbage.jsonl, line 1: not valid JSON"),
                        ("shape.jsonl", "line 1: expected an object")]:
        with pytest.raises(UserError, match=match):
            ReplayModel(tmp_path / name)

    class Weird:
        async def get_response(self, request):
            return ModelResponse(output=[{"role": "assistant", "content": "paid answer"}],
                                 explanation={"obj": object()})

    rec = RecordingModel(Weird(), tmp_path / "weird.jsonl")
    with pytest.warns(RuntimeWarning, match="not JSON"):
        r = Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=rec))
    assert r.final_output == "paid answer" and len(rec.write_errors) == 1
    assert ReplayModel(tmp_path / "weird.jsonl").remaining == 1


def test_keys_in_custom_headers_are_scrubbed_from_errors_and_views():
    """r_secret_in_custom_header.py"""
    import openai
    key = "gw-SECRET-4567890"
    with FakeOpenAIServer([lambda body: status(401, f"invalid api-key {key}")]) as srv:
        client = openai.AsyncOpenAI(api_key="unused", base_url=srv.base_url,
                                    default_headers={"api-key": key}, max_retries=0)
        run = Runner.start(Agent(name="A"), "hi",
                           run_config=RunConfig(model=OpenAIChatModel("m", client=client)))
        with pytest.raises(ModelError) as info:
            run.step()
    assert key not in str(info.value) and "invalid api-key ***" in str(info.value)
    assert key not in run_bundle(run)["text/html"] and key not in str(run.steps[0].error)


# -- 7. widgets never crash --------------------------------------------------------------------------

def test_widgets_open_on_dynamic_prompts_needing_context():
    """r_widgets_crash_on_dynamic_prompt.py"""
    from handoff_nb.widgets import Inspector, Stepper
    dyn = Agent(name="Dyn", instructions=lambda ctx, agent: f"You help {ctx.context['user_name']}.")
    for widget in (Stepper(dyn), Inspector(dyn)):
        html = widget.panes["Prompt"].value if hasattr(widget, "panes") else widget.prompt.value
        assert "not available yet" in html and ("user_name" in html or "NoneType" in html)


@pytest.mark.needs_dot
@pytest.mark.parametrize("name", ["Billing\x00Agent", "Billing\x1bAgent\x01", "B" * 17000])
def test_graphs_of_names_with_control_chars_or_huge_names_render_valid_svg(name):
    """r_graphview_dot_failure.py, r_svg_ctrl_chars.py"""
    from handoff_nb.widgets import GraphView, Inspector, Stepper
    a = Agent(name="Triage", handoffs=[Agent(name=name)])
    html = graph_html(a)
    assert "dot failed" not in html
    import base64
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1)).decode()
    ET.fromstring(svg)  # well-formed XML
    view = GraphView(a)
    ET.fromstring(view.svg)
    Stepper(a)
    Inspector(a)


@pytest.mark.needs_dot
def test_dense_graph_renders_compact_in_bounded_time():
    """r_dense_graph_dot_timeout.py"""
    from handoff_nb.render.dot import graph_dot, graph_model
    from handoff_nb.widgets import GraphView
    rng = random.Random(1)
    agents = [Agent(name=f"Agent {i}", handoff_description=f"topic {i}") for i in range(50)]
    for a in agents:
        a.handoffs = rng.sample([b for b in agents if b is not a], 10)
    dot = graph_dot(graph_model(agents[0]))
    assert 'splines="line"' in dot and 'label="transfer_to' not in dot
    view = GraphView(agents[0])
    assert view.svg.startswith("<svg")


def test_dot_timeout_falls_back_and_failures_are_cached(monkeypatch):
    from handoff_nb.render import svg as svgmod
    calls = []

    def fake_run(dot, source, *args, timeout=None):
        calls.append(args)
        if not args:
            raise TimeoutError("dot took longer than 15 s")
        return "<svg>neato</svg>"

    monkeypatch.setattr(svgmod, "_run", fake_run)
    svgmod._render_cached.cache_clear()
    monkeypatch.setattr(svgmod, "find_dot", lambda: "dot")
    assert svgmod.render_svg("digraph { a -> b }") == "<svg>neato</svg>"
    assert calls[1][0] == "-Kneato"

    def broken(dot, source, *args, timeout=None):
        calls.append("broken")
        raise RuntimeError("syntax error")

    monkeypatch.setattr(svgmod, "_run", broken)
    for _ in range(3):
        with pytest.raises(svgmod.RenderFailed, match="syntax error"):
            svgmod.render_svg("digraph { broken")
    assert calls.count("broken") == 2  # first try and the simplified retry, then cached
    svgmod._render_cached.cache_clear()


def test_duplicate_tool_names_set_after_construction_are_refused():
    """r_duplicate_tool_names_after_init.py (with the SDK's policy "error"; the default "warn"
    keeps the last, as SDK 0.24 does: tests/test_sdk_mirror.py)"""
    refunds, renewals = Agent(name="Billing (refunds)"), Agent(name="Billing [refunds]")
    t = Agent(name="T")
    t.handoffs = [refunds, renewals]
    run = Runner.start(t, "refund!", run_config=RunConfig(model=ScriptedModel([handoff_to("Billing (refunds)")]),
                                                          tool_name_collision_policy="error"))
    with pytest.raises(UserError, match="used twice"):
        run.step()


# -- 8. linear cost in the length of a run --------------------------------------------------------

def _long_run_memory(n):
    @function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    class Loop:
        i = 0

        async def get_response(self, request):
            self.i += 1
            return ModelResponse(output=[{"type": "function_call", "call_id": f"c{self.i}",
                                          "name": "ping", "arguments": "{}"}])

    gc.collect()
    tracemalloc.start()
    try:
        run = Runner.start(Agent(name="L", tools=[ping]), "go", max_turns=n + 1,
                           run_config=RunConfig(model=Loop()))
        for _ in range(n):
            run.step()
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # every step still shows exactly what was sent
    assert len(run.steps[-1].request.input) == 1 + 2 * (n - 1)
    assert len(run.steps[0].request.input) == 1
    return size


def test_memory_of_a_run_is_linear_in_its_length():
    """r_long_run_quadratic_memory.py"""
    small, big = _long_run_memory(300), _long_run_memory(600)
    assert big / small <= 2.5, (small, big)


def test_fork_stays_exact_with_shared_history():
    @function_tool
    def ping() -> str:
        """Ping."""
        return "pong"

    model = ScriptedModel([call_tool("ping", {}), call_tool("ping", {}), say("a"), call_tool("ping", {}), say("b")])
    run = Runner.start(Agent(name="L", tools=[ping]), "go", run_config=RunConfig(model=model))
    run.run()
    before = [len(s.request.input) for s in run.steps]
    fork = run.fork(2)
    fork.step()
    fork.step()
    assert fork.final_output == "b" and run.final_output == "a"
    assert [len(s.request.input) for s in run.steps] == before  # the original is untouched
    assert len(fork.steps[3].request.input) == len(run.steps[2].request.input) + 2


# -- 9. offline model and evaluation inputs -------------------------------------------------------

def test_offline_model_is_linear_on_long_digit_runs():
    """r_offline_amount_regex_quadratic.py (16,000 digits took 16 s a step)"""
    msg = "I was charged twice, refund the amount " + "1" * 16000
    t = time.perf_counter()
    r = Runner.run_sync(customer_service(), msg, context={})
    assert time.perf_counter() - t < 3
    assert r.agent_path == ["TriageAgent", "BillingSpecialist"]


@pytest.mark.parametrize("name, data, outcome", [
    ("bom.csv", "\ufeffmessage,expected\nI was charged twice,BillingSpecialist\n".encode(), 1),
    ("bom.jsonl", ("\ufeff" + json.dumps({"message": "hi", "expected": "TriageAgent"}) + "\n").encode(), 1),
    ("latin1.csv", "message,expected\nfacturé deux fois,BillingSpecialist\n".encode("latin-1"), 1),
    ("num.jsonl", b'{"message": 123, "expected": "TriageAgent"}\n', 1),
    ("line3.jsonl", b'{"message": "a", "expected": "TriageAgent"}\n\n{oops\n', "line3.jsonl, line 3"),
    ("empty.csv", b"", "no cases"),
    ("typo.csv", b"message,expected\nI was charged twice,Billing Specialist\n", "did you mean 'BillingSpecialist'"),
])
def test_case_files_load_or_fail_clearly(tmp_path, name, data, outcome):
    """r_eval_input_errors.py"""
    path = tmp_path / name
    path.write_bytes(data)
    if isinstance(outcome, int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cases = load_cases(path)
        assert len(cases) == outcome
        assert "facturé" in cases[0].message or "latin1" not in name
        report = evaluate_routing(customer_service(), cases)
        assert report.n == outcome
    else:
        with pytest.raises(UserError, match=re.escape(outcome)):
            evaluate_routing(customer_service(), load_cases(path))


def test_report_views_are_linear_in_cases(monkeypatch):
    """r_report_html_quadratic_in_labels.py (20 routes x 20,000 cases took 12.5 s)"""
    labels = [f"Dept{i}" for i in range(20)]
    results = [CaseResult(Case(message=f"m{i}", expected=labels[i % 20]), path=["Triage", labels[(i * 7) % 20]])
               for i in range(20_000)]
    report = RoutingReport("big", results)
    reads = {"n": 0}
    original = CaseResult.final_agent

    def counted(self):
        reads["n"] += 1
        return original.fget(self)

    monkeypatch.setattr(CaseResult, "final_agent", property(counted))
    report._repr_html_()
    str(report)
    # a few passes per view (summary, costs, flaky cases, table, wrong list); before: one per table
    # cell (800+ passes)
    assert reads["n"] <= 30 * len(results), reads


# -- fault injection over real HTTP ------------------------------------------------------------------

def test_fault_injection_every_earlier_step_survives(default_sigint):
    """429, 500, a hang, a reset and garbage, across await, run_sync, a thread and an interrupt."""
    script = [reply(tool_calls=[("transfer_to_billing", "{}")]),   # step 0: handoff
              status(429, "rate limited"),                          # run_sync
              status(500, "internal error"),                        # asyncio.run
              reset(),                                              # other thread
              garbage(),                                            # run_sync
              reply("late", delay=5.0),                             # hang -> model_timeout
              reply("slow", delay=3.0),                             # hang -> interrupt
              reply("billing answer")]                              # finally succeeds
    with FakeOpenAIServer(script) as srv:
        triage = Agent(name="Triage", handoffs=[Agent(name="Billing")])
        run = Runner.start(triage, "refund", run_config=RunConfig(model=_chat(srv), model_timeout=2.0))
        run.step()
        seen = []

        def attempt(fn):
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - recording every kind
                seen.append(type(e).__name__)
                assert getattr(e, "run", run) is run

        attempt(run.step)                                          # 429
        attempt(lambda: asyncio.run(run.astep()))                   # 500
        t = threading.Thread(target=attempt, args=(run.step,))      # reset
        t.start()
        t.join()
        attempt(run.step)                                           # garbage 200
        attempt(run.step)                                           # hang past model_timeout
        threading.Timer(0.5, _thread.interrupt_main).start()
        attempt(run.step)                                           # Ctrl-C during a slow call
        final = run.step()
    assert seen == ["ModelError"] * 5 + ["KeyboardInterrupt"]
    assert final.final_output == "billing answer" and run.done
    assert run.agent_path == ["Triage", "Billing"]
    assert [s.decision for s in run.steps] == ["handoff"] + ["error"] * 6 + ["final_output"]
    assert run.steps[6].interrupted and run.turns_used == 2 and len(run.raw_responses) == 2
    assert run.context_wrapper.usage.requests == 2
