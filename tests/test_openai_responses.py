"""OpenAIResponsesModel over real loopback HTTP: plain text, tool calls, streaming, errors."""

from __future__ import annotations

import asyncio

import pytest

from handoff_nb import Agent, ModelError, RunConfig, Runner, set_default_openai_api
from handoff_nb.models.openai_responses import OpenAIResponsesModel
from handoff_nb.render.html import request_html
from handoff_nb.testing import FakeOpenAIServer, garbage, reply, status


def _model(srv, **kw):
    return OpenAIResponsesModel("gpt-4o-mini", base_url=srv.base_url, max_retries=0, **kw)


def _triage():
    return Agent(name="Triage", instructions="Route refunds to Billing.",
                 handoffs=[Agent(name="Billing", handoff_description="Refunds")])


def test_handoff_then_text_and_the_exact_payload():
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}")], usage=(40, 4)),
                           reply("Billing here.", usage=(60, 6))]) as srv:
        r = Runner.run_sync(_triage(), "refund please", run_config=RunConfig(model=_model(srv)))
        first, second = srv.requests
    assert r.agent_path == ["Triage", "Billing"] and r.final_output == "Billing here."
    assert first["instructions"].startswith("Route refunds to Billing.") and "HANDOFF_INSTRUCTIONS" in first["instructions"]
    assert first["input"] == [{"role": "user", "content": "refund please"}]
    assert first["tools"][0]["type"] == "function" and first["tools"][0]["name"] == "transfer_to_billing"
    assert first["tools"][0]["strict"] is True and "parameters" in first["tools"][0]
    assert second["input"][1] == {"type": "function_call", "call_id": "call_0", "name": "transfer_to_billing",
                                  "arguments": "{}", "id": "fc_0", "status": "completed"}  # the SDK's item
    assert second["input"][2]["type"] == "function_call_output"
    assert r.steps[0].usage.input_tokens == 40 and r.steps[1].usage.output_tokens == 6
    page = request_html(r.steps[0])
    assert "Responses API, /v1/responses" in page and "&quot;instructions&quot;" in page


def test_streaming_delivers_text_and_argument_deltas():
    from openai.types.responses import ResponseFunctionCallArgumentsDeltaEvent, ResponseTextDeltaEvent

    async def main(srv):
        res = Runner.run_streamed(_triage(), "refund", run_config=RunConfig(model=_model(srv)))
        return res, [e async for e in res.stream_events()]

    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", '{"reason": "refund please"}')]),
                           reply("Your refund is on its way.")]) as srv:
        res, events = asyncio.run(main(srv))
        assert all(body.get("stream") is True for body in srv.requests)
    raw = [e.data for e in events if e.type == "raw_response_event"]
    assert "".join(d.delta for d in raw if isinstance(d, ResponseFunctionCallArgumentsDeltaEvent)) == '{"reason": "refund please"}'
    assert "".join(d.delta for d in raw if isinstance(d, ResponseTextDeltaEvent)) == "Your refund is on its way."
    assert res.final_output == "Your refund is on its way." and res.run.agent_path == ["Triage", "Billing"]


def test_errors_are_model_errors_with_the_cause_and_no_key():
    key = "sk-proj-" + "Zz9" * 12
    with FakeOpenAIServer([status(401, f"Incorrect API key provided: {key}"), garbage()]) as srv:
        m = OpenAIResponsesModel("gpt-4o-mini", base_url=srv.base_url, api_key=key, max_retries=0)
        with pytest.raises(ModelError, match="HTTP 401") as info:
            Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=m))
        assert key not in str(info.value) and info.value.run is not None
        with pytest.raises(ModelError, match="not with a Responses JSON body"):
            Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=m))


def test_model_names_use_the_responses_api_when_selected(monkeypatch):
    from handoff_nb.models import provider
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used-000000")
    monkeypatch.setattr(provider, "_openai_api", None)
    set_default_openai_api("responses")
    try:
        assert type(provider.resolve_model("gpt-4o")).__name__ == "OpenAIResponsesModel"
        set_default_openai_api("chat_completions")
        assert type(provider.resolve_model("gpt-4o")).__name__ == "OpenAIChatModel"
        monkeypatch.setattr(provider, "_openai_api", None)
        monkeypatch.setenv("HANDOFF_NB_OPENAI_API", "responses")
        assert type(provider.resolve_model("gpt-4o-mini")).__name__ == "OpenAIResponsesModel"
        with pytest.raises(Exception, match="chat_completions"):
            set_default_openai_api("soap")
    finally:
        monkeypatch.setattr(provider, "_openai_api", None)
        provider._cache.clear()
