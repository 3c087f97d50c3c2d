"""Evaluation that tells the truth about a stochastic router: trials, confidence intervals,
multi-turn cases, cost per case/route, the request cache and rate-limit back-off."""

from __future__ import annotations

import itertools
import math
import time

import pytest

from handoff_nb import Agent, ModelResponse, handoff
from handoff_nb.eval import evaluate_routing, wilson
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.testing import FakeOpenAIServer, reply, status


def _call(name, n):
    return ModelResponse(output=[{"type": "function_call", "call_id": f"c{n}", "name": name, "arguments": "{}"}])


class Coin:
    """Routes "flaky" messages to billing and sales alternately; everything else deterministically."""

    def __init__(self):
        self.n = itertools.count()

    async def get_response(self, request):
        n = next(self.n)
        last = request.input[-1]
        if request.agent_name != "Triage" or last.get("type") == "function_call_output":
            return ModelResponse(output=[{"role": "assistant", "content": "done"}])
        text = last["content"]
        if "flaky" in text:
            return _call("transfer_to_billing" if self.flip(text) else "transfer_to_sales", n)
        return _call("transfer_to_billing" if "bill" in text else "transfer_to_sales", n)

    def flip(self, text, _state={}):
        _state[text] = not _state.get(text, False)
        return _state[text]


def _graph():
    return Agent(name="Triage", handoffs=[Agent(name="Billing"), Agent(name="Sales")])


def test_trials_arithmetic_by_hand():
    cases = [("bill me", "Billing"), ("buy things", "Sales"), ("flaky one", "Billing")]
    rep = evaluate_routing(_graph(), cases, model=Coin(), trials=4)
    assert rep.n == 12 and rep.trials == 4
    # cases 1 and 2: 4/4 correct; case 3 alternates billing/sales: 2/4 correct
    assert rep.accuracy == pytest.approx(10 / 12)
    first = rep.per_case[0]
    assert first.case.message == "flaky one" and first.flaky  # flaky cases are listed first
    assert (first.correct, first.n, first.agreement) == (2, 4, 0.5)
    assert first.finals == {"Billing": 2, "Sales": 2}
    assert [c.flaky for c in rep.per_case] == [True, False, False]
    # CI over cases: per-case rates 1, 1, 0.5 -> mean 0.8333, sd 0.2887, se 0.1667
    mean, sd = 5 / 6, math.sqrt(((1 - 5 / 6) ** 2 * 2 + (0.5 - 5 / 6) ** 2) / 2)
    lo, hi = rep.accuracy_ci()
    wlo, whi = wilson(round(mean * 3), 3)
    assert lo == pytest.approx(max(0.0, min(mean - 1.96 * sd / math.sqrt(3), wlo)))
    assert hi == pytest.approx(min(1.0, max(mean + 1.96 * sd / math.sqrt(3), whi)))
    assert "over 3 cases x 4 trials, 1 flaky" in rep.summary()
    assert "flaky (0.50 agree): 'flaky one'" in str(rep) and "1 flaky cases" in rep._repr_html_()


def test_wilson_interval_known_values():
    lo, hi = wilson(8, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)  # standard table value for 8/10
    assert wilson(0, 0) == (0.0, 1.0)


def test_multi_turn_case_checks_the_whole_path(tmp_path):
    technical = Agent(name="Technical", handoff_description="Bugs, errors and crashes")
    billing = Agent(name="Billing", handoff_description="Charges and refunds",
                    handoffs=[handoff(technical)])
    triage = Agent(name="Triage", instructions="Route charges to Billing and bugs to Technical.",
                   handoffs=[billing, technical])
    path = tmp_path / "conv.jsonl"
    path.write_text('{"messages": ["I was charged twice", "Also the app crashes with an error"], '
                    '"expected_path": ["Triage", "Billing", "Technical"]}\n')
    rep = evaluate_routing(triage, path)
    r = rep.results[0]
    assert r.case.turns == ("Also the app crashes with an error",)
    assert r.path == ["Triage", "Billing", "Technical"] and r.correct


def test_cost_tokens_latency_per_case_and_route():
    script = [reply(tool_calls=[("transfer_to_billing", "{}")], model="gpt-4o-mini", usage=(100, 10),
                    call_id_prefix="a"), reply("ok", model="gpt-4o-mini", usage=(200, 20))]
    with FakeOpenAIServer(script) as srv:
        rep = evaluate_routing(_graph(), [("bill me", "Billing")], cache=False,
                               model=OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, max_retries=0))
    r = rep.results[0]
    assert (r.model_calls, r.input_tokens, r.output_tokens) == (2, 300, 30)
    assert r.cost_usd == pytest.approx((300 * 0.15 + 30 * 0.60) / 1e6)
    assert rep.per_route_cost["Billing"]["tokens"] == 330
    assert "2 model calls, 300 in / 30 out tokens" in rep.cost_summary() and "$0.0001" in rep.cost_summary()


def _answer_by_message(body):
    last = body["messages"][-1]
    if last["role"] == "tool":
        return reply("done", model="gpt-4o-mini", usage=(50, 5))
    name = "transfer_to_billing" if "bill" in last["content"] else "transfer_to_sales"
    return reply(tool_calls=[(name, "{}")], model="gpt-4o-mini", usage=(50, 5), call_id_prefix=last["content"][:3])


def test_request_cache_makes_a_rerun_free(tmp_path):
    cases = [("bill me", "Billing"), ("buy things", "Sales"), ("bill again", "Billing")]
    cache = tmp_path / "cache.jsonl"
    with FakeOpenAIServer([_answer_by_message], repeat=True) as srv:
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, max_retries=0)
        first = evaluate_routing(_graph(), cases, model=model, cache=cache)
        calls = len(srv.requests)
        assert calls == 6 and first.cache_stats.misses == 6 and first.cache_stats.hits == 0
        again = evaluate_routing(_graph(), cases, model=model, cache=cache)
        assert len(srv.requests) == calls, "an unchanged re-run must make zero model calls"
        assert again.cache_stats.hits == 6 and again.cache_stats.misses == 0
        assert again.cache_stats.saved_usd == pytest.approx(6 * (50 * 0.15 + 5 * 0.60) / 1e6)
        assert again.accuracy == first.accuracy == 1.0 and "cache: 6 hits" in again.cost_summary()
        evaluate_routing(_graph(), cases, model=model, cache=False)
        assert len(srv.requests) == calls + 6  # cache=False bypasses it
        assert "sk-" not in cache.read_text()


def test_rate_limit_backs_off_honours_retry_after_and_recovers():
    state = {"limited": False}

    def limited_once(body):
        if not state["limited"]:
            state["limited"] = True
            return status(429, "Rate limit reached", retry_after_ms=300)
        return _answer_by_message(body)

    cases = [(f"bill {i}", "Billing") for i in range(6)]
    with FakeOpenAIServer([limited_once], repeat=True) as srv:
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, max_retries=0)
        t = time.perf_counter()
        rep = evaluate_routing(_graph(), cases, model=model, cache=False, concurrency=4)
        elapsed = time.perf_counter() - t
    assert rep.accuracy == 1.0 and not rep.failures
    assert rep.limiter_backoffs == 1 and elapsed >= 0.3  # waited for retry-after before retrying


def test_trials_must_be_positive():
    from handoff_nb import UserError
    with pytest.raises(UserError, match="trials"):
        evaluate_routing(_graph(), [("x", "Sales")], trials=0)


def test_batch_backend_round_trip_and_resume(tmp_path, monkeypatch):
    from handoff_nb import batch as B
    monkeypatch.setattr(B, "STATE_DIR", tmp_path / "batches")
    cases = [("bill me", "Billing"), ("buy things", "Sales"), ("bill again", "Billing")]
    with FakeOpenAIServer([_answer_by_message], repeat=True) as srv:
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, max_retries=0)
        rep = evaluate_routing(_graph(), cases, model=model, backend="batch", poll_s=0.01)
        assert rep.accuracy == 1.0 and rep.n == 3 and rep.batch_id == "batch_1"
        assert len(srv.batches) == 1 and len(srv.requests) == 3  # one request per case, in one job
        uploaded = [l for l in srv.files["file-1"].decode().splitlines() if l]
        assert len(uploaded) == 3 and '"url":"/v1/chat/completions"' in uploaded[0]
        r = rep.results[0]
        assert r.cost_usd == pytest.approx((50 * 0.15 + 5 * 0.60) / 1e6 / 2)  # half price
        # after a kernel restart: resume by id, nothing resubmitted
        again = evaluate_routing(_graph(), cases, model=model, backend="batch", batch_id="batch_1", poll_s=0.01)
        assert again.accuracy == 1.0 and len(srv.batches) == 1
        from handoff_nb import UserError
        with pytest.raises(UserError, match="other cases"):
            evaluate_routing(_graph(), cases[:2], model=model, backend="batch", batch_id="batch_1")
    with pytest.raises(UserError, match="needs an OpenAI model"):
        evaluate_routing(_graph(), cases, backend="batch", model="offline")
