"""Odds and ends of issue 24: a fork's usage agrees with the raw responses it keeps; evaluations
warm only the routes their cases can reach."""

from __future__ import annotations

from handoff_nb import Agent, RunConfig, Runner, function_tool
from handoff_nb.context import Usage
from handoff_nb.models.interface import ModelResponse


@function_tool
def ping() -> str:
    "Ping."
    return "pong"


class Counting:
    def __init__(self):
        self.i = 0

    async def get_response(self, request):
        self.i += 1
        out = ([{"type": "function_call", "call_id": f"c{self.i}", "name": "ping", "arguments": "{}"}]
               if self.i < 4 else [{"role": "assistant", "content": "done"}])
        return ModelResponse(output=out, usage=Usage(requests=1, input_tokens=10 * self.i,
                                                     output_tokens=self.i, total_tokens=11 * self.i))


def test_a_fork_counts_the_usage_of_the_steps_it_keeps():
    agent = Agent(name="A", instructions="a", tools=[ping])
    run = Runner.start(agent, "go", run_config=RunConfig(model=Counting()))
    run.run()
    assert run.context_wrapper.usage.requests == 4
    for at in range(len(run.steps) + 1):
        fork = run.fork(at)
        kept = fork.raw_responses
        assert len(kept) == at
        usage = fork.context_wrapper.usage
        assert usage.requests == at
        assert usage.input_tokens == sum(r.usage.input_tokens for r in kept)
        assert usage.total_tokens == sum(r.usage.total_tokens for r in kept)
    # and it goes on counting from there
    fork = run.fork(2)
    fork.step()
    assert fork.context_wrapper.usage.requests == 3


def test_an_evaluation_warms_only_the_agents_its_cases_pass_through(monkeypatch):
    import asyncio

    import handoff_nb.run as run_module
    from handoff_nb.eval import Case, _warm_up
    from handoff_nb.models.offline import OfflineModel

    ring = [Agent(name=f"Agent{i}", instructions=f"Desk {i}.", handoff_description=f"desk {i} topics")
            for i in range(40)]
    for i, a in enumerate(ring):
        a.handoffs = [ring[(i + 1) % len(ring)], ring[(i - 1) % len(ring)]]
    warmed: list[str] = []
    real = run_module.build_request

    async def counting(agent, *args, **kw):
        warmed.append(agent.name)
        return await real(agent, *args, **kw)

    monkeypatch.setattr(run_module, "build_request", counting)
    cases = [Case("desk 1 please", expected="Agent1"), Case("desk 38 please", expected="Agent38")]
    loading = asyncio.run(_warm_up(ring[0], RunConfig(model=OfflineModel()), cases, lambda: None))
    assert loading is not None
    assert sorted(warmed) == ["Agent0", "Agent1", "Agent38", "Agent39"]  # not all 40
