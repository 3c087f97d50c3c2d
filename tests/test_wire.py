"""The wire as servers really behave: repeated tool names, cut streams, terminal states, inputs,
settings -- and an offline stream that never imports openai. Loopback servers only."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("openai")

from handoff_nb import Agent, ModelSettings, RunConfig, Runner
from handoff_nb.errors import ModelBehaviorError, ModelError, UserError
from handoff_nb.models.interface import ModelRequest
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.models.openai_responses import OpenAIResponsesModel
from handoff_nb.testing import Answer, FakeOpenAIServer, reply


def _sse(events: list) -> Answer:
    data = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    return Answer(200, raw=data.encode(), content_type="text/event-stream")


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _llama_tool_call(name: str, parts: list[str]) -> Answer:
    """llama-cpp-python's server: the tool name (and id) repeated in every chunk."""
    return _sse([_chunk({"role": "assistant", "content": None, "tool_calls": [{
        "index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": p}}]})
        for p in parts] + [_chunk({}, "tool_calls"), "[DONE]"])


def _text(text: str) -> Answer:
    import re
    return _sse([_chunk({"role": "assistant", "content": w}) for w in re.findall(r"\S+\s*", text)]
                + [_chunk({}, "stop"), "[DONE]"])


def _triage() -> Agent:
    return Agent(name="Triage", handoffs=[Agent(name="Billing")])


async def _stream(agent, msg, model):
    rs = Runner.run_streamed(agent, msg, run_config=RunConfig(model=model))
    events = [e async for e in rs.stream_events()]
    return rs, events


def chat(srv) -> OpenAIChatModel:
    return OpenAIChatModel("m", base_url=srv.base_url, api_key="sk-test", max_retries=0)


# -- 1. llama.cpp repeats the tool name in every chunk ---------------------------------------------
def test_a_tool_name_repeated_in_every_chunk_is_assigned_not_appended():
    """../shared/repro/wire/stream_tool_name_repeated.py"""
    with FakeOpenAIServer([_llama_tool_call("transfer_to_billing", ['{"reason": ', '"double ', 'charge"}']),
                           _text("Billing here.")]) as srv:
        rs, _ = asyncio.run(_stream(_triage(), "I was charged twice", chat(srv)))
    assert rs.last_agent.name == "Billing" and rs.final_output == "Billing here."
    call = rs.run.steps[0].response.tool_calls[0]
    assert call["name"] == "transfer_to_billing" and call["arguments"] == '{"reason": "double charge"}'


def test_the_stepper_hands_off_on_a_server_that_repeats_tool_names():
    pytest.importorskip("ipywidgets")
    from handoff_nb.widgets import Stepper
    with FakeOpenAIServer([_llama_tool_call("transfer_to_billing", ["{", "}"]), _text("Billing here.")]) as srv:
        s = Stepper(_triage(), model=chat(srv))
        s.message.value = "I was charged twice"
        s.send_button.click()
        s.step_button.click()
        assert s.error is None, s.status.value
        assert s.run.current_agent.name == "Billing"
        s.step_button.click()
        assert s.run.done and s.run.final_output == "Billing here."


class _CutServer:
    """Sends ``chunks`` of a chunked SSE body, then (``abort``) drops the connection without the
    final chunk -- or (not ``abort``) ends the body cleanly without finish_reason / [DONE]."""

    def __init__(self, chunks: list[str], abort: bool) -> None:
        outer = self
        self.chunks, self.abort = chunks, abort

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for c in outer.chunks:
                    p = f"data: {c}\n\n".encode()
                    self.wfile.write(f"{len(p):x}\r\n".encode() + p + b"\r\n")
                self.wfile.flush()
                if outer.abort:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True

    def __enter__(self):
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.srv.server_address[1]}/v1"
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()


WORDS = ["Your ", "refund ", "was ", "NOT ", "appro"]


@pytest.mark.parametrize("abort", [False, True], ids=["clean-close", "connection-dropped"])
def test_a_chat_stream_cut_mid_answer_is_an_error_that_keeps_the_text(abort):
    """../shared/repro/wave3/stream_truncated_accepted_as_final.py, and a disconnect after 5
    deltas is not reported as "could not connect"."""
    chunks = [json.dumps(_chunk({"content": w})) for w in WORDS]
    with _CutServer(chunks, abort) as srv:
        model = OpenAIChatModel("m", base_url=srv.base_url, api_key="sk-test", max_retries=0)
        rs = Runner.run_streamed(Agent(name="A"), "status of my refund?", run_config=RunConfig(model=model))

        async def main():
            with pytest.raises(ModelError) as info:
                async for _ in rs.stream_events():
                    pass
            return info.value
        err = asyncio.run(main())
    text = str(err)
    assert "could not connect" not in text
    assert ("no finish_reason" in text) if not abort else ("lost mid-stream" in text)
    assert "after 5 chunks" in text and "'Your refund was NOT appro'" in text
    assert err.partial_output == [{"role": "assistant", "content": "Your refund was NOT appro"}]
    assert not rs.is_complete and rs.final_output is None
    failed = rs.run.steps[-1]
    assert failed.error is err and "Your refund was NOT appro" in str(failed.error)  # kept on the step


# -- 2. Responses terminal states ---------------------------------------------------------------
def _response(status: str, text: str, **extra) -> dict:
    output = [{"type": "message", "id": "msg_1", "status": "incomplete" if status != "completed" else "completed",
               "role": "assistant", "content": [{"type": "output_text", "text": text, "annotations": []}]}]
    return {"id": "resp_1", "object": "response", "created_at": 0, "model": "m", "status": status,
            "output": output, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], **extra}


INCOMPLETE = _response("incomplete", "The refund policy says", incomplete_details={"reason": "max_output_tokens"})
FAILED = _response("failed", "", error={"code": "server_error", "message": "The server had an error"})


def _responses_stream(final: dict, terminal: str) -> Answer:
    text = final["output"][0]["content"][0]["text"]
    events = [{"type": "response.created", "sequence_number": 0, "response": {**final, "status": "in_progress", "output": []}}]
    if text:
        events.append({"type": "response.output_text.delta", "sequence_number": 1, "item_id": "msg_1",
                       "output_index": 0, "content_index": 0, "delta": text, "logprobs": []})
    events.append({"type": terminal, "sequence_number": 2, "response": final})
    return _sse(events)


def _json(body: dict) -> Answer:
    return Answer(200, raw=json.dumps(body).encode())  # as it is (not converted from a chat completion)


def responses(srv, **kw) -> OpenAIResponsesModel:
    return OpenAIResponsesModel("m", base_url=srv.base_url, api_key="sk-test", max_retries=0, **kw)


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
def test_an_incomplete_response_is_a_model_behavior_error_naming_the_reason(streamed):
    answer = _responses_stream(INCOMPLETE, "response.incomplete") if streamed else _json(INCOMPLETE)
    with FakeOpenAIServer([answer]) as srv:
        agent = Agent(name="A", model_settings=ModelSettings(max_tokens=5))
        if streamed:
            with pytest.raises(ModelBehaviorError) as info:
                asyncio.run(_stream(agent, "refund policy?", responses(srv)))
        else:
            with pytest.raises(ModelBehaviorError) as info:
                Runner.run_sync(agent, "refund policy?", run_config=RunConfig(model=responses(srv)))
    err = info.value
    assert "incomplete: max_output_tokens" in str(err) and "raise max_tokens" in str(err)
    assert "without a response.completed" not in str(err)
    assert err.hint.startswith("max_output_tokens reached: raise max_tokens") and err.retryable is False
    assert err.partial_output == [{"role": "assistant", "content": "The refund policy says"}]
    assert "The refund policy says" in str(err.run.steps[-1].error)  # the cut text stays on the step
    assert err.run.final_output is None and not err.run.done


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
def test_a_failed_response_is_a_model_error_naming_the_servers_error(streamed):
    answer = _responses_stream(FAILED, "response.failed") if streamed else _json(FAILED)
    with FakeOpenAIServer([answer]) as srv:
        with pytest.raises(ModelError) as info:
            if streamed:
                asyncio.run(_stream(Agent(name="A"), "hi", responses(srv)))
            else:
                Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=responses(srv)))
    assert "server_error: The server had an error" in str(info.value)
    assert not isinstance(info.value, ModelBehaviorError) and info.value.retryable is True


def test_the_stepper_says_what_to_change_instead_of_offering_a_useless_retry():
    pytest.importorskip("ipywidgets")
    from handoff_nb.widgets import Stepper
    with FakeOpenAIServer([_responses_stream(INCOMPLETE, "response.incomplete")], repeat=True) as srv:
        s = Stepper(Agent(name="A", model_settings=ModelSettings(max_tokens=5)), model=responses(srv))
        s.message.value = "refund policy?"
        s.send_button.click()
        s.step_button.click()
    assert isinstance(s.error, ModelBehaviorError)
    assert "max_output_tokens reached: raise max_tokens" in s.status.value
    assert "Retry cannot help" in s.status.value and "press Retry" not in s.status.value
    assert s.retry_button.layout.display == "none"
    assert "The refund policy says" in s.transcript.value  # the cut text is on the failed step


# -- 3. settings on the wire ----------------------------------------------------------------------
def _request(settings: ModelSettings, items=None, tools=True) -> ModelRequest:
    tool = {"type": "function", "function": {"name": "t", "description": "d", "parameters": {"type": "object"}}}
    return ModelRequest(agent_name="A", instructions="sys", handoff_instructions=None,
                        input=items or [{"role": "user", "content": "hi"}],
                        tools=[tool] if tools else [], model_settings=settings)


def test_stream_options_only_with_include_usage_or_on_api_openai_com():
    with FakeOpenAIServer() as srv:
        local = chat(srv)
        assert "stream_options" not in local.payload(_request(ModelSettings()), stream=True)
        assert local.payload(_request(ModelSettings(include_usage=True)), stream=True)["stream_options"] == {"include_usage": True}
        assert "stream_options" not in local.payload(_request(ModelSettings(include_usage=True)))  # not streamed
    official = OpenAIChatModel("gpt-4o", api_key="sk-test")
    body = official.payload(_request(ModelSettings()), stream=True)
    assert body["stream_options"] == {"include_usage": True} and body["store"] is True  # as the SDK
    assert official.payload(_request(ModelSettings(include_usage=False, store=False)), stream=True)["stream_options"] == {"include_usage": False}


def test_every_wire_setting_is_sent_when_set_and_only_then():
    full = ModelSettings(truncation="auto", reasoning={"effort": "low"}, verbosity="low", metadata={"k": "v"},
                         store=False, prompt_cache_retention="24h", response_include=["reasoning.encrypted_content"],
                         top_logprobs=2, extra_args={"service_tier": "flex"}, context_management=[{"type": "x"}],
                         prompt_cache_options={"key": "k"})
    r = _request(full).responses_payload("m")
    assert r["truncation"] == "auto" and r["reasoning"] == {"effort": "low"} and r["text"] == {"verbosity": "low"}
    assert r["metadata"] == {"k": "v"} and r["store"] is False and r["prompt_cache_retention"] == "24h"
    assert r["include"] == ["reasoning.encrypted_content", "message.output_text.logprobs"]
    assert r["top_logprobs"] == 2 and r["service_tier"] == "flex" and r["context_management"] == [{"type": "x"}]
    c = _request(full).chat_payload("m")
    assert c["reasoning_effort"] == "low" and c["verbosity"] == "low" and c["top_logprobs"] == 2
    assert c["logprobs"] is True and c["store"] is False and c["service_tier"] == "flex"
    assert "truncation" not in c and "context_management" not in c and "include" not in c
    empty_r, empty_c = _request(ModelSettings(), tools=False).responses_payload("m"), _request(ModelSettings(), tools=False).chat_payload("m")
    assert set(empty_r) == {"instructions", "model", "input", "include", "tools"}
    assert empty_r["include"] == [] and empty_r["tools"] == []
    assert set(empty_c) == {"model", "messages"}
    with pytest.raises(UserError, match="'temperature'"):
        _request(ModelSettings(temperature=0.1, extra_args={"temperature": 0.2})).chat_payload("m")


def test_extra_headers_and_query_reach_the_server_but_not_the_body():
    with FakeOpenAIServer([reply("hi")]) as srv:
        agent = Agent(name="A", model_settings=ModelSettings(extra_headers={"X-Trace": "t1"}))
        Runner.run_sync(agent, "hi", run_config=RunConfig(model=chat(srv)))
        assert srv.headers[0]["x-trace"] == "t1" and "extra_headers" not in srv.requests[0]


# -- 4. inputs ---------------------------------------------------------------------------------
IMAGE = {"role": "user", "content": [{"type": "input_text", "text": "what is this?"},
                                     {"type": "input_image", "image_url": "https://example.invalid/a.png"}]}
REASONING = {"type": "reasoning", "id": "rs_1", "summary": []}


def test_image_file_and_audio_parts_pass_to_both_apis_and_reasoning_only_to_responses():
    items = [IMAGE, {"role": "user", "content": [
        {"type": "input_file", "file_id": "file-1", "filename": "a.pdf"},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}, REASONING]
    r = _request(ModelSettings(), items).responses_payload("m")["input"]
    assert r == items  # passed through, as the SDK does
    c = _request(ModelSettings(), items).chat_payload("m")["messages"]
    assert c[1] == {"role": "user", "content": [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.invalid/a.png", "detail": "auto"}}]}
    assert c[2]["content"] == [{"type": "file", "file": {"file_id": "file-1", "filename": "a.pdf"}},
                               {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]
    assert len(c) == 3  # the reasoning item is dropped for Chat


def test_an_image_reaches_the_server_in_a_real_run():
    with FakeOpenAIServer([reply("a cat")]) as srv:
        Runner.run_sync(Agent(name="A"), [IMAGE], run_config=RunConfig(model=chat(srv)))
        assert srv.requests[0]["messages"][-1]["content"][1]["type"] == "image_url"


@pytest.mark.parametrize("item, why", [
    ({"type": "item_reference", "id": "x"}, "type 'item_reference'"),
    ({"content": "no role"}, "no type and no role"),
    ({"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}, "needs image_url"),
])
def test_an_unmappable_item_is_a_user_error_naming_it(item, why):
    with pytest.raises(UserError, match="input item 0") as info:
        _request(ModelSettings(), [item]).chat_payload("m")
    assert why in str(info.value)
    with pytest.raises(UserError, match="no type and no role"):
        _request(ModelSettings(), [{"content": "x"}]).responses_payload("m")


# -- 5. the offline path never imports openai ------------------------------------------------------
def test_streaming_an_offline_text_reply_never_imports_openai_and_is_fast():
    code = r"""
import asyncio, sys, time, os
os.environ["HANDOFF_NB_MODEL"] = "offline"
os.environ.pop("OPENAI_API_KEY", None)
from handoff_nb import Agent, Runner
from handoff_nb.streaming import astep_streaming
agent = Agent(name="Technical Agent", instructions="You handle bugs.")
async def main():
    t = time.perf_counter()
    rs = Runner.run_streamed(agent, "hello, my app crashes")
    events = [e async for e in rs.stream_events()]
    streamed = time.perf_counter() - t
    run = Runner.start(agent, "my app crashes again")
    chunks = []
    t = time.perf_counter()
    await astep_streaming(run, on_text=chunks.append)   # what the Stepper does
    return events, streamed, time.perf_counter() - t, chunks, rs
events, streamed, stepped, chunks, rs = asyncio.run(main())
types = [getattr(e.data, "type", "") for e in events if e.type == "raw_response_event"]
assert types[0] == "response.created" and types[-1] == "response.completed", types
assert "response.output_text.delta" in types and rs.final_output
assert chunks, "the Stepper got no text"
print("openai" in sys.modules, round(streamed, 3), round(stepped, 3))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    imported, streamed, stepped = out.stdout.split()
    assert imported == "False"
    assert float(streamed) < 1.0 and float(stepped) < 1.0


# -- 6. the deliberate differences the README lists ----------------------------------------------
def test_a_chat_streams_completed_event_carries_usage_and_the_completions_id():
    with FakeOpenAIServer([reply("Hello there.", usage=(12, 3))]) as srv:
        model = chat(srv)
        agent = Agent(name="A", model_settings=ModelSettings(include_usage=True))
        rs, events = asyncio.run(_stream(agent, "hi", model))
    raw = [e.data for e in events if e.type == "raw_response_event"]
    done = raw[-1]
    assert done.type == "response.completed"
    assert done.response.id == "chatcmpl-fake"  # the SDK puts its placeholder "__fake_id__" here
    assert (done.response.usage.input_tokens, done.response.usage.output_tokens) == (12, 3)
    assert done.response.output[0].content[0].text == "Hello there."


def test_seed_is_ours_and_goes_to_chat_completions_only():
    req = _request(ModelSettings(seed=7))
    assert req.chat_payload("m")["seed"] == 7 and "seed" not in req.responses_payload("m")


def test_reasoning_output_items_of_a_responses_model_are_not_kept_in_the_history():
    body = {"id": "resp_1", "object": "response", "created_at": 0, "model": "m", "status": "completed",
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "output": [{"type": "reasoning", "id": "rs_1", "summary": []},
                       {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": "Done.", "annotations": []}]}]}
    with FakeOpenAIServer([Answer(200, raw=json.dumps(body).encode())]) as srv:
        r = Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=responses(srv)))
    assert r.final_output == "Done."
    assert [i.get("type") for i in r.to_input_list()] == [None, None]  # user, assistant: no reasoning
