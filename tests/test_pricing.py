"""Tokens, latency and cost per step and per run (prices in handoff_nb.pricing)."""

from handoff_nb import Agent, RunConfig, Runner
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.pricing import PRICES, cost, price_of, run_meta, step_meta
from handoff_nb.render.mime import run_bundle
from handoff_nb.testing import FakeOpenAIServer, reply
from handoff_nb.context import Usage


def test_prices_cover_dated_snapshots_and_say_unknown():
    assert price_of("gpt-4o-mini-2024-07-18") == PRICES["gpt-4o-mini"]
    assert price_of("gpt-4o-2024-08-06") == PRICES["gpt-4o"]  # not confused with gpt-4o-mini
    assert price_of("llama3.1") is None and price_of(None) is None
    assert cost("gpt-4o-mini", Usage(input_tokens=1_000_000, output_tokens=1_000_000)) == 0.75
    assert cost("llama3.1", Usage(input_tokens=5)) is None


def test_transcript_and_run_view_show_tokens_latency_and_cost():
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}")], model="gpt-4o-mini-2024-07-18",
                                 usage=(412, 38)),
                           reply("done", model="gpt-4o-mini-2024-07-18", usage=(500, 40))]) as srv:
        triage = Agent(name="Triage", handoffs=[Agent(name="Billing")])
        run = Runner.start(triage, "refund", run_config=RunConfig(
            model=OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, max_retries=0)))
        run.run()
    meta = step_meta(run.steps[0])
    assert meta.startswith("412 in / 38 out tokens · ") and meta.endswith("$0.0001")
    totals = run_meta(run)
    assert "2 model calls · 912 in / 78 out tokens" in totals and "$0.0002" in totals
    html = run_bundle(run)["text/html"]
    assert "912 in / 78 out tokens" in html and "412 in / 38 out tokens" in html


def test_unknown_model_shows_tokens_only_and_says_so():
    with FakeOpenAIServer([reply("hi", model="llama3.1", usage=(7, 3))]) as srv:
        run = Runner.start(Agent(name="A"), "x", run_config=RunConfig(
            model=OpenAIChatModel("llama3.1", base_url=srv.base_url, max_retries=0)))
        run.run()
    assert "cost unknown for llama3.1 (tokens only)" in run_meta(run)
