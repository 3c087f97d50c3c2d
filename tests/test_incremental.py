"""Incremental requests (handoff_nb.incremental): each turn's model input is the previous turn's plus
the new items, equal on every turn to a rebuild from the whole history -- across handoffs, input
filters, call_model_input_filter, history edits and forks -- and ScriptedModel.calls stays linear."""

from __future__ import annotations

import copy
import random
import tracemalloc

from handoff_nb import Agent, RunConfig, Runner, function_tool, handoff
from handoff_nb.extensions.handoff_filters import remove_all_tools
from handoff_nb.filters import keep_last_n_messages
from handoff_nb.incremental import RecordedRequest, RequestInput
from handoff_nb.models.interface import ModelInputData, ModelResponse
from handoff_nb.models.scripted import ScriptedModel, call_tool, handoff_to, say


@function_tool
def ping() -> str:
    "Ping."
    return "pong"


def _graph(filter_kind: str) -> Agent:
    flt = {"none": None, "tools": remove_all_tools, "last2": keep_last_n_messages(2)}[filter_kind]
    c = Agent(name="C", instructions="Third.", tools=[ping])
    b = Agent(name="B", instructions="Second.", tools=[ping],
              handoffs=[handoff(c, input_filter=flt) if flt else c])
    return Agent(name="A", instructions="First.", tools=[ping], handoffs=[b])


class Checking:
    """A model that checks, on every call, the input it got against a rebuild from the whole
    history, keeps (sometimes) or edits (sometimes) what it was given, and snapshots it."""

    def __init__(self, rng: random.Random, turns: int, run_box: list) -> None:
        self.rng, self.turns, self.run_box = rng, turns, run_box
        self.snapshots: list[list] = []
        self.kept: list[tuple[list, list]] = []
        self.inner = ScriptedModel([self._decide] * 10_000)

    def _decide(self, request):
        if len(self.snapshots) >= self.turns:
            return say("done")
        if request.handoffs and self.rng.random() < 0.15:
            return handoff_to(request.handoffs[0].target)
        return call_tool("ping")

    async def get_response(self, request):
        run = self.run_box[0]
        rebuilt = list(run._log) if not run.run_config.call_model_input_filter else None
        if rebuilt is not None:
            assert request.input == rebuilt
        self.snapshots.append(copy.deepcopy(request.input))
        roll = self.rng.random()
        if roll < 0.2:  # keep the list: the next turn must not change it
            self.kept.append((request.input, copy.deepcopy(request.input)))
        response = await self.inner.get_response(request)
        if roll > 0.9 and rebuilt is not None:  # edit it in place, then drop it
            request.input.append({"role": "user", "content": "injected by the model"})
        elif roll > 0.8 and rebuilt is not None:
            request.input[-1] = {"role": "user", "content": "replaced by the model"}
        return response


def _one_run(seed: int) -> None:
    rng = random.Random(seed)
    filter_kind = rng.choice(["none", "tools", "last2"])
    input_filter = None
    if rng.random() < 0.3:
        def input_filter(data):
            return ModelInputData(input=data.model_data.input[-3:],
                                  instructions=data.model_data.instructions)
    box: list = []
    model = Checking(rng, rng.randint(3, 25), box)
    run = Runner.start(_graph(filter_kind), "hello", max_turns=None,
                       run_config=RunConfig(model=model, call_model_input_filter=input_filter))
    box.append(run)
    while not run.done:
        step = run.step()
        if rng.random() < 0.15 and not run.done and len(run.steps) > 1:  # fork back, maybe edit
            at = rng.randrange(1, len(run.steps))
            run = run.fork(at)
            box[0] = run
            if rng.random() < 0.5:
                run.edit_history(run.next_input() + [{"role": "user", "content": f"edit {at}"}])
        assert step.request is not None
    # every step's recorded request still equals what was sent at the time
    sent = [s.request.input for s in run.steps if s.request is not None]
    assert all(isinstance(x, list) for x in sent)
    for kept, snapshot in model.kept:
        assert kept == snapshot, "a kept request input was changed by a later turn"
    for call, snapshot in zip(model.inner.calls, model.snapshots):
        if input_filter is None:
            assert call.input == snapshot[:len(call.input)]


def test_incremental_input_equals_the_full_rebuild_on_every_turn():
    for seed in range(60):
        _one_run(seed)


def _loop(n: int, model) -> object:
    agent = Agent(name="L", instructions="loop", tools=[ping])
    run = Runner.start(agent, "go", max_turns=n + 1, run_config=RunConfig(model=model))
    for _ in range(n):
        run.step()
    return run


def test_a_turn_copies_only_the_new_items():
    run = _loop(40, ScriptedModel([call_tool("ping")] * 40))
    cache: RequestInput = run._request_input
    assert cache.rebuilds == 1  # the first turn; from scratch each turn would be 40
    assert cache.copied == len(run._log) - 2  # linear: 1 + 2 per turn (quadratic: ~1,600)
    assert [len(c.input) for c in run.steps[-1:] for c in [c.request]] == [1 + 2 * 39]


def test_a_handoff_or_an_edit_rebuilds_once():
    b = Agent(name="B", instructions="b", tools=[ping])
    a = Agent(name="A", instructions="a", tools=[ping], handoffs=[b])
    m = ScriptedModel([call_tool("ping"), handoff_to("B"), call_tool("ping"), call_tool("ping")])
    run = Runner.start(a, "go", run_config=RunConfig(model=m))
    for _ in range(3):
        run.step()
    assert run._request_input.rebuilds == 2  # first turn, then after the handoff
    run.edit_history(run.next_input()[:1])
    run.step()
    assert run._request_input.rebuilds == 3
    assert m.calls[-1].input == [{"role": "user", "content": "go"}]


def test_a_model_that_keeps_the_input_keeps_what_it_was_sent():
    kept = []

    class Keeper:
        def __init__(self):
            self.i = 0

        async def get_response(self, request):
            self.i += 1
            kept.append(request.input)
            return ModelResponse(output=[{"type": "function_call", "call_id": f"c{self.i}",
                                          "name": "ping", "arguments": "{}"}])

    _loop(5, Keeper())
    assert [len(x) for x in kept] == [1, 3, 5, 7, 9]


def test_scripted_model_calls_are_linear_in_memory():
    def held(n: int) -> int:
        tracemalloc.start()
        m = ScriptedModel([call_tool("ping")] * n)
        run = _loop(n, m)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert all(isinstance(c, RecordedRequest) for c in m.calls)
        assert m.calls[-1].input == run.steps[-1].request.input
        assert len(m.calls[-1].input) == 2 * n - 1
        return size

    small, big = held(300), held(900)
    assert big / small < 3.6, (small, big)  # linear: ~3x; a copy per call: ~9x


def test_sdk_style_scripted_model_records_inputs_linearly():
    from handoff_nb.testing import ScriptedModel as SDKScriptedModel
    from handoff_nb.testing import function_call

    def held(n: int) -> tuple[int, SDKScriptedModel]:
        m = SDKScriptedModel([[function_call("ping", "{}", call_id=f"c{i}")] for i in range(n)])
        tracemalloc.start()
        _loop(n, m)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size, m

    (small, m), (big, _) = held(100), held(300)
    assert big / small < 3.6, (small, big)  # linear: ~3x; a deep copy per call: ~9x
    calls = m.calls
    assert [len(c.input) for c in calls[:4]] == [1, 3, 5, 7]
    assert calls[0].input == [{"role": "user", "content": "go"}] or calls[0].input[0]["content"] == "go"
    assert calls[3].input[:5] == calls[2].input  # each call's snapshot, as it was sent
    assert calls[-1].input[-1]["type"] == "function_call_output"
