"""Record a run over real (loopback) HTTP, replay it offline byte for byte, no secrets on disk."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("openai")

from handoff_nb import Agent, ReplayMismatch, RunConfig, Runner
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.models.replay import RecordingModel, ReplayModel
from handoff_nb.testing import FakeOpenAIServer, reply

KEY = "sk-proj-TOPSECRET-abcdef0123456789"


def system():
    esc = Agent(name="Escalation", instructions="Senior.")
    billing = Agent(name="Billing", instructions="Bill.", handoffs=[esc])
    return Agent(name="Triage", instructions="Route.", handoffs=[billing]), billing


def transcript(result):
    return json.dumps([i.to_input_item() for i in result.all_items], sort_keys=True)


def test_record_then_replay_is_identical_and_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    triage, _ = system()
    cassette = tmp_path / "run.jsonl"
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}")]),
                           reply(tool_calls=[("transfer_to_escalation", "{}")]),
                           reply(f"I am sorry (echo of {KEY}).")]) as srv:
        live = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key=KEY, max_retries=0)
        recorded = Runner.run_sync(triage, "refund, your team was unhelpful",
                                   run_config=RunConfig(model=RecordingModel(live, cassette)))
    text = cassette.read_text()
    assert KEY not in text and "TOPSECRET" not in text and "(echo of ***)" in text
    assert len(text.splitlines()) == 3

    # replay with the server gone (and the network guard on): same path, same items
    replay = ReplayModel(cassette)
    again = Runner.run_sync(triage, "refund, your team was unhelpful", run_config=RunConfig(model=replay))
    replay.assert_complete()
    assert again.agent_path == recorded.agent_path == ["Triage", "Billing", "Escalation"]
    assert again.final_output == "I am sorry (echo of ***)."
    # recording the replay gives a byte-identical cassette
    copy = tmp_path / "copy.jsonl"
    Runner.run_sync(triage, "refund, your team was unhelpful",
                    run_config=RunConfig(model=RecordingModel(ReplayModel(cassette), copy)))
    assert copy.read_bytes() == cassette.read_bytes()


def test_mismatch_shows_what_differs(tmp_path):
    triage, _ = system()
    cassette = tmp_path / "c.jsonl"
    from handoff_nb.models.scripted import ScriptedModel, say
    Runner.run_sync(triage, "hello", run_config=RunConfig(model=RecordingModel(ScriptedModel([say("hi")]), cassette)))
    with pytest.raises(ReplayMismatch) as e:
        Runner.run_sync(triage, "goodbye", run_config=RunConfig(model=ReplayModel(cassette)))
    msg = str(e.value)
    assert '-   "content": "hello"' in msg and '+   "content": "goodbye"' in msg
