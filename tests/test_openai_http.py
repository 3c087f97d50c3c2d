"""OpenAIChatModel over real HTTP against a loopback OpenAI-compatible server."""

from __future__ import annotations

import socket
import sys

import pytest
from pydantic import BaseModel

pytest.importorskip("openai")

from handoff_nb import Agent, ModelError, ModelBehaviorError, ModelSettings, RunConfig, Runner, handoff
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.testing import FakeOpenAIServer, reply, status

KEY = "sk-test-SECRET-0123456789abcdef"


def agents():
    billing = Agent(name="Billing", instructions="Bill.")
    triage = Agent(name="Triage", instructions="Route.", handoffs=[handoff(billing, description="Billing desk")])
    return triage, billing


def model(srv, **kw):
    kw.setdefault("max_retries", 0)
    return OpenAIChatModel("gpt-test", base_url=srv.base_url, api_key=KEY, **kw)


def test_handoff_call_then_text_reply_and_what_went_over_the_wire():
    triage, billing = agents()
    triage.model_settings = ModelSettings(temperature=0.1, tool_choice="transfer_to_billing",
                                          parallel_tool_calls=False)
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", '  {   }\n')]),
                           reply("Refund issued.", usage=(30, 7))]) as srv:
        r = Runner.run_sync(triage, "refund please", run_config=RunConfig(model=model(srv)))
    assert r.agent_path == ["Triage", "Billing"] and r.final_output == "Refund issued."
    first, second = srv.requests
    assert first["model"] == "gpt-test" and first["temperature"] == 0.1
    assert first["tool_choice"] == {"type": "function", "function": {"name": "transfer_to_billing"}}
    assert first["parallel_tool_calls"] is False
    assert first["messages"][0]["role"] == "system" and "HANDOFF_INSTRUCTIONS:" in first["messages"][0]["content"]
    assert first["tools"][0]["function"]["strict"] is True
    # the second request maps our items back to chat messages
    assert second["messages"][1:] == [
        {"role": "user", "content": "refund please"},
        {"role": "assistant", "content": "", "tool_calls": [  # "" not null: llama.cpp rejects null
            {"id": "call_0", "type": "function", "function": {"name": "transfer_to_billing", "arguments": "{   }"}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": '{"assistant": "Billing"}'}]
    assert second["messages"][0]["content"] == "Bill."
    assert srv.headers[0]["authorization"] == f"Bearer {KEY}"  # sent to the server, nowhere else
    assert r.steps[1].usage.input_tokens == 30 and r.context_wrapper.usage.requests == 2
    assert r.steps[0].model_name == "fake-model"


def test_429_then_success_uses_the_clients_retry():
    triage, _ = agents()
    with FakeOpenAIServer([status(429, "slow down", retry_after_ms=10), reply("hello")]) as srv:
        r = Runner.run_sync(triage, "hi", run_config=RunConfig(model=model(srv, max_retries=2)))
    assert r.final_output == "hello" and len(srv.requests) == 2


def _assert_clean(err):
    text = str(err)
    assert KEY not in text and "SECRET" not in text
    assert text.startswith("step 0 (Triage): model 'gpt-test' at http://127.0.0.1:")


def test_500_is_a_clear_error_and_the_run_can_retry():
    triage, billing = agents()
    with FakeOpenAIServer([status(500, f"upstream exploded, key={KEY}"), reply("recovered")]) as srv:
        run = Runner.start(triage, "hi", run_config=RunConfig(model=model(srv)))
        with pytest.raises(ModelError) as e:
            run.step()
        _assert_clean(e.value)
        assert "HTTP 500" in str(e.value) and e.value.step is run.steps[0]
        assert run.step().final_output == "recovered"
    assert [s.decision for s in run.steps] == ["error", "final_output"]


def test_timeout():
    import openai

    triage, _ = agents()
    # the reply comes 2 s after the 1 s read timeout; connecting may take long on a loaded machine
    # (a 0.3 s timeout for everything made the second, prompt, request time out under load)
    with FakeOpenAIServer([reply("late", delay=3.0), reply("on time")]) as srv:
        slow_reply = openai.Timeout(1.0, connect=10.0)
        run = Runner.start(triage, "hi", run_config=RunConfig(model=model(srv, timeout=slow_reply)))
        with pytest.raises(ModelError, match="timed out") as e:
            run.step()
        _assert_clean(e.value)
        assert run.step().final_output == "on time"


def test_connection_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    m = OpenAIChatModel("gpt-test", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0)
    triage, _ = agents()
    run = Runner.start(triage, "hi", run_config=RunConfig(model=m))
    with pytest.raises(ModelError, match="could not connect") as e:
        run.step()
    _assert_clean(e.value)
    assert len(run.steps) == 1


def test_malformed_tool_arguments():
    triage, billing = agents()
    class Reason(BaseModel):
        reason: str

    billing_typed = Agent(name="T2", handoffs=[handoff(billing, input_type=Reason)])
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", '{"reason": ')]),
                           reply(tool_calls=[("transfer_to_billing", '{"reason": "ok"}')]),
                           reply("done")]) as srv:
        run = Runner.start(billing_typed, "hi", run_config=RunConfig(model=model(srv)))
        with pytest.raises(ModelBehaviorError, match="not valid JSON") as e:
            run.step()
        assert '{"reason":' in str(e.value)
        assert run.step().handoff.input == Reason(reason="ok")
        assert run.step().final_output == "done"


def test_import_handoff_nb_does_not_import_openai():
    import subprocess
    code = "import sys, handoff_nb; print('openai' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_provider_resolves_names(monkeypatch, capsys):
    from handoff_nb.models import provider
    from handoff_nb.models.offline import OfflineModel
    assert isinstance(provider.resolve_model("gpt-4o"), OfflineModel)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    m = provider.resolve_model("gpt-4o-mini")
    assert isinstance(m, OpenAIChatModel) and m.model == "gpt-4o-mini"
    assert KEY not in repr(m)
    monkeypatch.setenv("HANDOFF_NB_MODEL", "offline")
    assert isinstance(provider.resolve_model("gpt-4o"), OfflineModel)
    provider.set_default_model("offline")
    assert isinstance(provider.resolve_model(None), OfflineModel)
