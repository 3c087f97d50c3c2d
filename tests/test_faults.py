"""Fault injection (issue 19, part A): the request cache, the rate limiter, secrets, stream
consumers and evaluation input errors. Each test started as a failing port of a reproduction in
../shared/repro/wave3/ (named in its docstring). Loopback servers only, started in the test."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import time
import traceback
import warnings

import pytest

from handoff_nb import Agent, RunConfig, Runner, UserError
from handoff_nb.errors import ModelError
from handoff_nb.models.scripted import ScriptedModel, call_tool, say
from handoff_nb.testing import Answer, FakeOpenAIServer, reply, status

KEY = "sk-proj-AAAA1111BBBB2222CCCC3333"


def _triage() -> Agent:
    return Agent(name="Triage", handoffs=[Agent(name="Billing"), Agent(name="Tech")])


def _chat(srv, key="key-one", name="llama3", **kw):
    from handoff_nb.models.openai_chat import OpenAIChatModel
    return OpenAIChatModel(name, base_url=srv.base_url, api_key=key, max_retries=0, **kw)


# -- the request cache -------------------------------------------------------------------------

def test_cache_keys_by_server_and_key(tmp_path):
    """cache_leaks_across_servers.py: another base_url/key with the same model name is asked."""
    from handoff_nb.eval import evaluate_routing
    cache = tmp_path / "c.jsonl"
    cases = [{"message": "I was charged twice", "expected": "Billing"}]
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}")]), reply("ok")]) as one, \
         FakeOpenAIServer([reply(tool_calls=[("transfer_to_tech", "{}")]), reply("ok")]) as two:
        r1 = evaluate_routing(_triage(), cases, model=_chat(one, "key-one"), cache=cache)
        r2 = evaluate_routing(_triage(), cases, model=_chat(two, "key-two"), cache=cache)
        assert r1.results[0].path == ["Triage", "Billing"] and len(one.requests) == 2
        assert r2.results[0].path == ["Triage", "Tech"] and len(two.requests) == 2
        # the same server with another key is another identity too; the first one again is a hit
        again = evaluate_routing(_triage(), cases, model=_chat(one, "key-one"), cache=cache)
        assert again.results[0].path == ["Triage", "Billing"] and len(one.requests) == 2
        assert again.cache_stats.hits == 2 and again.cache_stats.misses == 0
        other_key = evaluate_routing(_triage(), cases, model=_chat(one, "key-three"), cache=cache)
        assert other_key.cache_stats.hits == 0 and len(one.requests) == 3  # script exhausted: 500
    text = cache.read_text()
    assert "key-one" not in text and "key-two" not in text and "key-three" not in text


def test_cache_keys_by_api_org_project_headers_and_extra_body(tmp_path):
    """Everything that changes the answer changes the key; no secret is in the key or the file."""
    import openai

    from handoff_nb.cache import CachedModel, model_identity
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.models.openai_responses import OpenAIResponsesModel

    def client(**kw):
        args = {"api_key": KEY, "base_url": "http://127.0.0.1:9/v1", **kw}
        return openai.AsyncOpenAI(**args)

    variants = {
        "chat": OpenAIChatModel("m", client=client()),
        "responses": OpenAIResponsesModel("m", client=client()),
        "other url": OpenAIChatModel("m", client=client(base_url="http://127.0.0.1:10/v1")),
        "org": OpenAIChatModel("m", client=client(organization="org-1")),
        "project": OpenAIChatModel("m", client=client(project="proj-1")),
        "other key": OpenAIChatModel("m", client=client(api_key=KEY + "X")),
        "header": OpenAIChatModel("m", client=client(default_headers={"X-Gateway-Key": "gw-secret-111"})),
        "header 2": OpenAIChatModel("m", client=client(default_headers={"X-Gateway-Key": "gw-secret-222"})),
        "model": OpenAIChatModel("m2", client=client()),
    }
    identities = {name: json.dumps(model_identity(m), sort_keys=True) for name, m in variants.items()}
    assert len(set(identities.values())) == len(variants), identities
    for text in identities.values():
        assert KEY not in text and "gw-secret" not in text
    # the same configuration twice is the same identity (a re-run hits)
    assert model_identity(OpenAIChatModel("m", client=client())) == model_identity(variants["chat"])

    from handoff_nb.model_settings import ModelSettings
    from handoff_nb.models.interface import ModelRequest
    cached = CachedModel(variants["chat"], tmp_path / "c.jsonl")
    req = lambda **s: ModelRequest("A", "be brief", None, [{"role": "user", "content": "hi"}], [],
                                   ModelSettings(**s))
    keys = {cached.key_for(req()), cached.key_for(req(temperature=0.5)),
            cached.key_for(req(extra_body={"api_key": "eb-secret-1"})),
            cached.key_for(req(extra_body={"api_key": "eb-secret-2"}))}
    assert len(keys) == 4


def test_cache_file_never_holds_a_secret_from_extra_body_or_headers(tmp_path):
    import openai

    from handoff_nb.cache import CachedModel
    from handoff_nb.model_settings import ModelSettings
    from handoff_nb.models.openai_chat import OpenAIChatModel
    path = tmp_path / "c.jsonl"
    with FakeOpenAIServer([reply("fine")], repeat=True) as srv:
        client = openai.AsyncOpenAI(api_key=KEY, base_url=srv.base_url, max_retries=0,
                                    default_headers={"X-Portkey-Api-Key": "pk-live-0123456789abcd"})
        model = CachedModel(OpenAIChatModel("m", client=client), path)
        agent = Agent(name="A", model_settings=ModelSettings(
            extra_body={"api_key": "eb-9f8e7d6c5b4a", "metadata": {"user_token": "tok-55667788aa"},
                        "top_k": 3}))
        result = Runner.run_sync(agent, "hi", run_config=RunConfig(model=model))
        assert result.final_output == "fine" and srv.requests[0]["api_key"] == "eb-9f8e7d6c5b4a"
    text = path.read_text()
    for secret in (KEY, "pk-live-0123456789abcd", "eb-9f8e7d6c5b4a", "tok-55667788aa"):
        assert secret not in text
    assert '"top_k": 3' in text  # ordinary settings stay readable


def test_cache_shared_across_threads_asks_once_and_counts_once(tmp_path):
    """cache_shared_across_threads.py: one CachedModel from three threads (three event loops)."""
    from handoff_nb.cache import CachedModel
    with FakeOpenAIServer([reply("slow answer", delay=0.6)], repeat=True) as srv:
        model = CachedModel(_chat(srv, "x", "m"), tmp_path / "c.jsonl")
        out: list[str] = []
        barrier = threading.Barrier(3)

        def go():
            barrier.wait()
            try:
                out.append(Runner.run_sync(Agent(name="A"), "same question",
                                           run_config=RunConfig(model=model)).final_output)
            except Exception as e:  # pragma: no cover - the defect
                out.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=go) for _ in range(3)]
        [t.start() for t in threads]
        [t.join(30) for t in threads]
    assert out == ["slow answer"] * 3
    assert len(srv.requests) == 1  # the request in flight was shared, not repeated
    assert (model.stats.hits, model.stats.misses) == (2, 1)  # nothing counted twice
    assert len(model.path.read_text().splitlines()) == 1


def test_cache_corrupted_line_leaves_the_rest_usable(tmp_path):
    from handoff_nb.cache import CachedModel
    path = tmp_path / "c.jsonl"
    with FakeOpenAIServer([reply("first"), reply("second"), reply("third")]) as srv:
        model = CachedModel(_chat(srv, "x", "m"), path)
        assert Runner.run_sync(Agent(name="A"), "one", run_config=RunConfig(model=model)).final_output == "first"
        assert Runner.run_sync(Agent(name="A"), "two", run_config=RunConfig(model=model)).final_output == "second"
        lines = path.read_text().splitlines()
        # line 1 damaged in the middle, a garbage line, line 2 intact, and a half-written last line
        path.write_text(lines[0][: len(lines[0]) // 2] + "\n" + "not json at all\n" + lines[1] + "\n"
                        + '{"key": "abc", "resp')
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            again = CachedModel(_chat(srv, "x", "m"), path)
        messages = [str(w.message) for w in caught]
        assert any(str(path) in m and "line 1" in m for m in messages), messages
        assert any("line 2" in m for m in messages) and any("line 4" in m for m in messages)
        # the intact entry answers without a call; the damaged one is asked again and re-stored
        assert Runner.run_sync(Agent(name="A"), "two", run_config=RunConfig(model=again)).final_output == "second"
        assert len(srv.requests) == 2
        assert Runner.run_sync(Agent(name="A"), "one", run_config=RunConfig(model=again)).final_output == "third"
        assert len(srv.requests) == 3 and (again.stats.hits, again.stats.misses) == (1, 1)
    # the new entry went onto a line of its own: a third load reads both good entries
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        third = CachedModel(_chat(srv, "x", "m"), path)
    assert len(third._entries) == 2


# -- the rate limiter --------------------------------------------------------------------------

@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "2"}, 2.0),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after": "86400"}, 86400.0),
    ({"retry-after": "inf"}, None),
    ({"retry-after": "1e400"}, None),
    ({"retry-after": "nan"}, None),
    ({"retry-after": "-5"}, None),
    ({"retry-after": "1h30m"}, 5400.0),
    ({"retry-after": "soon, please"}, None),
    ({"retry-after-ms": "lots"}, None),
    ({"x-ratelimit-reset-requests": "1h30m"}, 5400.0),
    ({"x-ratelimit-reset-tokens": "6m0s"}, 360.0),
    ({"x-ratelimit-reset-tokens": "1e999s"}, None),
    ({}, None),
])
def test_retry_after_parses_every_form_without_raising(headers, expected):
    from handoff_nb.ratelimit import retry_after_seconds
    got = retry_after_seconds(headers)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_retry_after_http_date():
    from email.utils import formatdate

    from handoff_nb.ratelimit import retry_after_seconds
    got = retry_after_seconds({"retry-after": formatdate(time.time() + 30, usegmt=True)})
    assert got is not None and 25 <= got <= 31
    assert retry_after_seconds({"retry-after": "Wed, 99 Foo 2015 07:28:00 GMT"}) is None


def test_huge_retry_after_is_capped_and_said(caplog):
    """ratelimit_huge_retry_after.py: one Retry-After: 86400 must not stall the evaluation."""
    from handoff_nb.eval import evaluate_routing
    first = [True]

    def answer(body):
        if first:
            first.pop()
            return Answer(429, {"error": {"message": "slow down"}}, 0.0, {"retry-after": "86400"})
        return reply("ok")

    with FakeOpenAIServer([answer], repeat=True) as srv:
        result: list = []

        def go():
            result.append(evaluate_routing(_triage(), [{"message": f"case {i}", "expected": "Triage"}
                                                       for i in range(4)],
                                           model=_chat(srv, "x", "m"), cache=False, progress=False))

        with caplog.at_level(logging.WARNING, logger="handoff_nb"):
            t = threading.Thread(target=go, daemon=True)
            started = time.monotonic()
            t.start()
            t.join(20)
            took = time.monotonic() - started
    assert result, "the evaluation is still waiting after 20 s"
    report = result[0]
    assert report.accuracy == 1.0 and report.limiter_backoffs == 1 and len(srv.requests) == 5
    assert took < 15  # one 1 s back-off, not a day (nor the 60 s cap)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "429" in said and "86400" in said and "60 s" in said, said


def test_limiter_waits_at_most_the_cap():
    from handoff_nb.ratelimit import MAX_WAIT_S, AdaptiveLimiter

    async def main():
        lim = AdaptiveLimiter(4)
        before = time.monotonic()
        waited = await lim.rate_limited(10 ** 9)
        return waited, lim._blocked_until - before, lim.limit

    waited, blocked, limit = asyncio.run(main())
    assert MAX_WAIT_S == 60 and waited <= MAX_WAIT_S and blocked <= MAX_WAIT_S + 1 and limit == 2


# -- stream consumers --------------------------------------------------------------------------

class _Slow:
    """A scripted model whose every call takes a moment (so a cancel lands while it is in flight)."""

    def __init__(self, inner, delay=0.2):
        self.inner, self.delay, self.name = inner, delay, "slow"

    @property
    def calls(self):
        return self.inner.calls

    async def get_response(self, request):
        await asyncio.sleep(self.delay)
        return await self.inner.get_response(request)


def _charging():
    charged: list[str] = []
    from handoff_nb import function_tool

    @function_tool
    def charge_card(amount: int) -> str:
        """Charge the card."""
        charged.append(str(amount))
        return "charged"

    model = _Slow(ScriptedModel([call_tool("charge_card", {"amount": 5}), say("done")]))
    return Agent(name="A", tools=[charge_card]), model, charged


def test_second_stream_events_returns_at_once():
    """stream_events_second_call_hangs.py"""
    async def main():
        rs = Runner.run_streamed(Agent(name="A"), "hi", run_config=RunConfig(model=ScriptedModel([say("hello")])))
        first = [e async for e in rs.stream_events()]

        async def again():
            return [e async for e in rs.stream_events()]
        second = await asyncio.wait_for(again(), timeout=5)
        return rs, first, second

    rs, first, second = asyncio.run(main())
    assert len(first) >= 3 and second == [] and rs.is_complete and rs.final_output == "hello"


def test_breaking_out_of_stream_events_lets_the_run_finish_as_the_sdk_does():
    """Breaking out (and closing the generator) awaits the run to its end, like agents 0.24."""
    agent, model, charged = _charging()

    async def main():
        rs = Runner.run_streamed(agent, "pay", run_config=RunConfig(model=model))
        gen = rs.stream_events()
        async for _event in gen:
            break
        assert not rs.is_complete  # held generator: nothing was cut short yet
        await gen.aclose()  # what `async for` + garbage collection does
        return rs

    rs = asyncio.run(main())
    assert rs.is_complete and rs.final_output == "done" and charged == ["5"]
    assert len(model.calls) == 2


def test_cancel_stops_the_stream_and_the_run():
    agent, model, charged = _charging()

    async def main():
        rs = Runner.run_streamed(agent, "pay", run_config=RunConfig(model=model))
        seen = []
        async for event in rs.stream_events():
            seen.append(event)
            rs.cancel()
        again = [e async for e in rs.stream_events()]
        return rs, seen, again

    rs, seen, again = asyncio.run(main())
    assert charged == [] and len(model.calls) <= 1 and again == []
    assert rs.is_complete and rs.final_output is None
    assert len(seen) <= 3  # the events already queued, then the end


def test_cancel_before_iterating_ends_the_stream_at_once():
    agent, model, charged = _charging()

    async def main():
        rs = Runner.run_streamed(agent, "pay", run_config=RunConfig(model=model))
        rs.cancel()
        return await asyncio.wait_for(_collect(rs), timeout=5)

    assert asyncio.run(main()) == [] and charged == [] and model.calls == []


async def _collect(rs):
    return [e async for e in rs.stream_events()]


def test_cancel_after_turn_finishes_the_turn_then_stops():
    agent, model, charged = _charging()

    async def main():
        rs = Runner.run_streamed(agent, "pay", run_config=RunConfig(model=model))
        async for event in rs.stream_events():
            if event.type == "agent_updated_stream_event":  # the first turn's call is in flight
                rs.cancel(mode="after_turn")
        return rs

    rs = asyncio.run(main())
    assert charged == ["5"] and len(model.calls) == 1 and rs.final_output is None


def test_streaming_docstring_and_readme_say_how_to_stop():
    import pathlib

    import handoff_nb.streaming as streaming
    doc = streaming.RunResultStreaming.__doc__ + streaming.__doc__
    assert "cancel()" in doc and "to its end" in doc
    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    assert "rs.cancel()" in readme


# -- secrets -----------------------------------------------------------------------------------

def test_key_echoed_by_the_server_is_not_in_the_chained_traceback():
    """secret_in_chained_cause.py"""
    holder: list = []
    with FakeOpenAIServer([lambda body: status(401, "Incorrect API key provided: "
                                                    + holder[0].headers[-1]["authorization"])],
                          repeat=True) as srv:
        holder.append(srv)
        with pytest.raises(ModelError) as info:
            Runner.run_sync(Agent(name="A"), "hi", run_config=RunConfig(model=_chat(srv, KEY, "gpt-4o")))
    e = info.value
    tb = "".join(traceback.format_exception(e))
    assert "401" in tb and "Incorrect API key provided" in tb
    assert KEY not in tb and KEY not in str(e.__cause__) and KEY not in repr(e.__cause__)
    assert KEY not in json.dumps(getattr(e.__cause__, "body", None))


@pytest.mark.parametrize("header, key", [
    ("Ocp-Apim-Subscription-Key", "apim-9f8e7d6c5b4a3210"), ("X-Goog-Api-Key", "AIzaSyD-FAKE12345678"),
    ("Proxy-Authorization", "Basic dXNlcjpzM2NyZXRwYXNz"), ("x-portkey-api-key", "pk-live-0123456789abcd")])
def test_keys_in_any_configured_header_are_scrubbed(tmp_path, header, key):
    """secret_in_other_auth_headers.py"""
    import openai

    from handoff_nb.models.openai_chat import OpenAIChatModel
    holder: list = []
    with FakeOpenAIServer([lambda body: status(401, f"invalid key {holder[0].headers[-1][header.lower()]}")],
                          repeat=True) as srv:
        holder.append(srv)
        client = openai.AsyncOpenAI(api_key="unused", base_url=srv.base_url,
                                    default_headers={header: key}, max_retries=0)
        run = Runner.start(Agent(name="A"), "hi", run_config=RunConfig(model=OpenAIChatModel("m", client=client)))
        with pytest.raises(ModelError) as info:
            run.step()
        p = tmp_path / "s.json"
        run.save(p)
        secret = key.split(" ")[-1]
        tb = "".join(traceback.format_exception(info.value))
        assert "invalid key ***" in str(run.steps[-1].error)
        for where, text in [("step.error", str(run.steps[-1].error)), ("session file", p.read_text()),
                            ("to_html", run.to_html()), ("traceback", tb)]:
            assert secret not in text, where


def test_openai_and_httpx_debug_logs_show_no_key_from_the_base_url():
    import openai

    from handoff_nb.models.openai_chat import OpenAIChatModel
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # everything openai and httpx (or the httpx2 it may ship) log
    try:
        with FakeOpenAIServer([reply("hi there")], repeat=True) as srv:
            url = srv.base_url.replace("http://", "http://user:pw-5e6f7a8b9c0d@")
            client = openai.AsyncOpenAI(api_key=KEY, base_url=url, max_retries=0,
                                        default_query={"key": "q-1234abcd5678"})
            out = Runner.run_sync(Agent(name="A"), "hi",
                                  run_config=RunConfig(model=OpenAIChatModel("m", client=client)))
            assert out.final_output == "hi there"
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logs = stream.getvalue()
    assert "HTTP Request: POST" in logs  # the logs were there...
    assert "pw-5e6f7a8b9c0d" not in logs and "q-1234abcd5678" not in logs and KEY not in logs  # ...clean


# -- evaluation input errors -------------------------------------------------------------------

def test_max_attempts_zero_is_a_user_error():
    """eval_unclear_input_errors.py (1/3)"""
    from handoff_nb.eval import evaluate_routing
    with pytest.raises(UserError, match="max_attempts"):
        evaluate_routing(Agent(name="A"), [{"message": "hi", "expected": "A"}], max_attempts=0,
                         run_config=RunConfig(model=ScriptedModel([say("x")])))


def test_huge_csv_field_is_a_user_error_naming_file_and_line(tmp_path):
    """eval_unclear_input_errors.py (2/3): usually an unclosed quote swallowing the file."""
    from handoff_nb.eval import load_cases
    p = tmp_path / "big.csv"
    p.write_text("message,expected\nhello,A\n" + "x" * 200_000 + ",A\n")
    with pytest.raises(UserError) as info:
        load_cases(p)
    text = str(info.value)
    assert "big.csv" in text and "line 3" in text and "quote" in text and ".jsonl" in text
    q = tmp_path / "quote.csv"
    q.write_text('message,expected\n"never closed,A\n' + "more text,B\n" * 20_000)
    with pytest.raises(UserError, match=r"quote\.csv, line 2.*quote"):
        load_cases(q)


def test_turns_must_be_a_list(tmp_path):
    """eval_unclear_input_errors.py (3/3): a string ``turns`` is an error, a list is used."""
    from handoff_nb.eval import load_cases
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps({"message": "hi", "expected": "A"}) + "\n"
                 + json.dumps({"message": "hi", "turns": "again", "expected": "A"}) + "\n")
    with pytest.raises(UserError, match=r"t\.jsonl, line 2.*turns.*list"):
        load_cases(p)
    p.write_text(json.dumps({"message": "hi", "turns": ["again", "and again"], "expected": "A"}) + "\n")
    assert load_cases(p)[0].turns == ("again", "and again")
    p.write_text(json.dumps({"messages": "hi", "expected": "A"}) + "\n")
    with pytest.raises(UserError, match=r"line 1.*messages.*list"):
        load_cases(p)


def test_malformed_sse_line_is_a_model_error_naming_the_server():
    with FakeOpenAIServer([Answer(200, raw=b'data: {"id": "x", "choices": [\n\n',
                                  content_type="text/event-stream")], repeat=True) as srv:
        async def main():
            rs = Runner.run_streamed(Agent(name="A"), "hi", run_config=RunConfig(model=_chat(srv, KEY, "m")))
            async for _e in rs.stream_events():
                pass
        with pytest.raises(ModelError) as info:
            asyncio.run(main())
    text = "".join(traceback.format_exception(info.value))
    assert "127.0.0.1" in str(info.value) and "not JSON" in str(info.value)
    assert KEY not in text


def test_turns_in_a_csv_cell_as_a_json_list(tmp_path):
    from handoff_nb.eval import load_cases
    p = tmp_path / "t.csv"
    p.write_text('message,expected,turns\nhi,A,"[""again""]"\nhello,A,\n')
    cases = load_cases(p)
    assert cases[0].turns == ("again",) and cases[1].turns == ()
    p.write_text("message,expected,turns\nhi,A,again\n")
    with pytest.raises(UserError, match=r"t\.csv, line 2.*turns.*list"):
        load_cases(p)


def test_cache_keeps_the_two_openai_apis_apart_on_one_server(tmp_path, capsys):
    """Chat Completions and Responses with the same model name on the same server: both asked."""
    from handoff_nb.eval import evaluate_routing
    from handoff_nb.models.openai_responses import OpenAIResponsesModel
    cache = tmp_path / "c.jsonl"
    cases = [{"message": "I was charged twice", "expected": "Billing"}]
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}")]), reply("ok"),
                           reply(tool_calls=[("transfer_to_tech", "{}")]), reply("ok")]) as srv:
        chat = evaluate_routing(_triage(), cases, model=_chat(srv, KEY, "gpt-4o"), cache=cache)
        responses = evaluate_routing(_triage(), cases, cache=cache, model=OpenAIResponsesModel(
            "gpt-4o", base_url=srv.base_url, api_key=KEY, max_retries=0))
        paths = [r.path for r in (chat.results[0], responses.results[0])]
        assert paths == [["Triage", "Billing"], ["Triage", "Tech"]] and len(srv.requests) == 4
        assert sum(1 for h in srv.headers if h["authorization"] == f"Bearer {KEY}") == 4
        assert (responses.cache_stats.hits, responses.cache_stats.misses) == (0, 2)
        print(chat, responses, chat.cost_summary())
    out = capsys.readouterr()
    assert KEY not in out.out + out.err and KEY not in cache.read_text()
    models = [json.loads(line)["model"]["api"] for line in cache.read_text().splitlines()]
    assert models == ["chat", "chat", "responses", "responses"]


def test_session_file_holds_no_secret_from_extra_body(tmp_path):
    from handoff_nb.model_settings import ModelSettings
    with FakeOpenAIServer([reply("fine")], repeat=True) as srv:
        agent = Agent(name="A", model_settings=ModelSettings(extra_body={"api_key": "eb-77aa88bb99cc"}))
        run = Runner.start(agent, "hi", run_config=RunConfig(model=_chat(srv, KEY, "m")))
        run.run()
        assert srv.requests[0]["api_key"] == "eb-77aa88bb99cc"  # sent, as asked
    p = tmp_path / "s.json"
    run.save(p)
    for text in (p.read_text(), run.to_html()):
        assert "eb-77aa88bb99cc" not in text and KEY not in text
