"""Nothing silently wrong (issue 19, part B): sessions, batches, the HTML export and deep graphs.

Each test here was written from a reproduction in ../shared/repro/wave3/ (named in its docstring)
or from a fault the issue lists, and failed before the fix it tests."""

from __future__ import annotations

import os
import dataclasses
import datetime as dt
import enum
import json
import re
import time
import warnings

import pytest

from handoff_nb import Agent, RunConfig, Runner, UserError, function_tool
from handoff_nb.models.scripted import ScriptedModel, call_tool, handoff_to, say
from handoff_nb.run import Run

try:
    import pydantic
except ImportError:  # pragma: no cover - pydantic is a dependency
    pydantic = None


# -- sessions: what a loaded run keeps --------------------------------------------------------

@function_tool
def lookup(order: str) -> str:
    """look up an order"""
    return f"order {order} ok"


def _billing_graph():
    billing = Agent(name="Billing", tools=[lookup])
    return Agent(name="Triage", handoffs=[billing])


def _scripted_run(triage=None, **kw):
    triage = triage or _billing_graph()
    run = Runner.start(triage, "refund", run_config=RunConfig(
        model=ScriptedModel([handoff_to("Billing"), call_tool("lookup", {"order": "42"}), say("done")])), **kw)
    run.run()
    return triage, run


def test_loaded_session_keeps_raw_responses_usage_and_model_label(tmp_path):
    """session_load_loses_usage.py"""
    triage, run = _scripted_run()
    run.save(tmp_path / "a.json")
    loaded = Run.load(tmp_path / "a.json", triage)
    assert len(run.raw_responses) == 3
    assert len(loaded.raw_responses) == 3 and len(loaded.result.raw_responses) == 3
    assert [r.to_json_dict() for r in loaded.raw_responses] == [r.to_json_dict() for r in run.raw_responses]
    assert loaded.context_wrapper.usage == run.context_wrapper.usage
    assert loaded.context_wrapper.usage.requests == 3
    assert json.loads((tmp_path / "a.json").read_text())["model"] == "scripted"
    loaded.save(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_saving_a_loaded_run_gives_the_same_bytes_for_every_kind_of_run(tmp_path):
    """README / session.py: "saving a loaded run gives the same bytes" (a model object, a model
    name, the offline default, a failed step, a fork and a continued conversation)."""
    triage, scripted = _scripted_run()
    by_name = Runner.start(_billing_graph(), "refund", run_config=RunConfig(model="offline"))
    by_name.run()
    default = Runner.start(_billing_graph(), "refund please")
    default.run()
    failing = Runner.start(_billing_graph(), "x", run_config=RunConfig(model=ScriptedModel([handoff_to("Billing")])))
    failing.step()
    with pytest.raises(Exception):  # no scripted answer left: the step fails
        failing.step()
    assert failing.steps[-1].decision == "error"
    fork = scripted.fork(1)
    cont = scripted.next_turn("thanks")
    cont.run_config = RunConfig(model=ScriptedModel([say("welcome")]))
    cont.run()
    for k, run in enumerate([scripted, by_name, default, failing, fork, cont]):
        first = run.save(tmp_path / f"{k}.json").read_bytes()
        loaded = Run.load(tmp_path / f"{k}.json", triage if k == 5 else run.starting_agent)
        assert loaded.save(tmp_path / f"{k}b.json").read_bytes() == first, f"run {k}"
        again = Run.load(tmp_path / f"{k}b.json", triage if k == 5 else run.starting_agent)
        assert again.entry_agent.name == run.entry_agent.name and again.starting_agent.name == run.starting_agent.name
        assert len(again.raw_responses) == len(run.raw_responses), f"run {k}"
        assert again.context_wrapper.usage == run.context_wrapper.usage, f"run {k}"


def test_a_loaded_run_can_be_forked_and_continued_counting_nothing_twice(tmp_path):
    """README: "a loaded run can be forked and continued"."""
    triage, run = _scripted_run()
    path = run.save(tmp_path / "s.json")
    loaded = Run.load(path, triage, run_config=RunConfig(model=ScriptedModel([say("resolved again")] * 2)))
    fork = loaded.fork(2)  # before the final answer: keeps the handoff and the tool call
    assert [s.decision for s in fork.steps] == ["handoff", "run_again"]
    assert len(fork.raw_responses) == 2 and fork.current_agent.name == "Billing"
    fork.run()
    assert fork.final_output == "resolved again"
    assert len(fork.raw_responses) == 3 and len(fork.result.raw_responses) == 3
    assert [s.decision for s in fork.steps] == ["handoff", "run_again", "final_output"]
    assert fork.result.to_input_list()[-1]["content"] == "resolved again"
    assert sum(1 for i in fork.all_items if type(i).__name__ == "ToolCallOutputItem") == 1
    assert len(loaded.raw_responses) == 3 and loaded.final_output == "done"  # the loaded run is untouched
    cont = loaded.next_turn("and my invoice?")
    cont.run()
    assert cont.done and cont.final_output == "resolved again"
    assert cont.context_wrapper.usage.requests == 1  # a new run counts its own calls only
    # the fork of a loaded run, saved and loaded again, is whole too
    again = Run.load(fork.save(tmp_path / "f.json"), triage)
    assert len(again.raw_responses) == 3 and again.final_output == "resolved again"


def test_the_loaded_run_says_which_model_it_continues_on(tmp_path):
    """Run.load takes run_config; without one the run continues on the model it was recorded
    with when the file can bring it back (the offline model, a model name), and says so."""
    graph = _billing_graph()
    offline = Runner.start(graph, "refund please")  # the offline default (no key)
    offline.run()
    loaded = Run.load(offline.save(tmp_path / "o.json"), graph)
    assert loaded.continues_on.startswith("offline") and "continues on offline" in repr(loaded)
    fork = loaded.fork(0)
    fork.step()
    assert fork.steps[0].model_name == "offline"

    triage, scripted = _scripted_run()
    path = scripted.save(tmp_path / "s.json")
    loaded = Run.load(path, triage)
    assert "scripted" in loaded.continues_on and "run_config" in loaded.continues_on
    fork = loaded.fork(2)
    with pytest.raises(UserError, match=r"recorded on the model 'scripted'.*run_config=RunConfig\(model="):
        fork.step()
    assert len(fork.steps) == 3 and len(fork.raw_responses) == 2  # nothing lost, nothing counted
    given = Run.load(path, triage, run_config=RunConfig(model=ScriptedModel([say("new")])))
    assert "scripted" in given.continues_on and "given" in given.continues_on
    f2 = given.fork(2)
    f2.step()
    assert f2.final_output == "new"
    loaded.run_config.model = ScriptedModel([say("x")])  # changed after loading: saved as it is now
    assert json.loads(loaded.save(tmp_path / "changed.json").read_text())["model_type"] == "ScriptedModel"
    with pytest.raises(UserError, match="run_config must be a RunConfig"):
        Run.load(path, triage, run_config="gpt-4o")


def test_a_loaded_openai_run_keeps_the_request_it_sent(tmp_path):
    """The Request tab of a loaded run shows what went over the wire, as the live run's does."""
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.render.html import request_html
    from handoff_nb.testing import FakeOpenAIServer, reply
    agent = Agent(name="A")
    with FakeOpenAIServer([reply("hello")]) as srv:
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-test-" + "9" * 24)
        run = Runner.start(agent, "hi", run_config=RunConfig(model=model))
        run.run()
    assert run.steps[0].response.sent is not None
    path = run.save(tmp_path / "s.json")
    assert "9999" not in path.read_text()
    loaded = Run.load(path, agent)
    assert loaded.steps[0].response.sent == run.steps[0].response.sent
    assert request_html(loaded.steps[0]) == request_html(run.steps[0])
    assert loaded.save(tmp_path / "b.json").read_bytes() == path.read_bytes()
    assert "OpenAIChatModel" in loaded.continues_on


# -- sessions: the context round-trips ----------------------------------------------------------

@dataclasses.dataclass
class UserInfo:
    user: str
    tier: str = "gold"
    since: dt.date = dt.date(2024, 1, 2)
    tags: set = dataclasses.field(default_factory=lambda: {"b", "a"})
    seen: int = dataclasses.field(default=0, init=False)


class Tier(enum.Enum):
    GOLD = "gold"
    SILVER = "silver"


if pydantic is not None:
    class Profile(pydantic.BaseModel):
        name: str
        joined: dt.datetime


def test_context_types_round_trip(tmp_path):
    """session_context_type_lost.py"""
    info = UserInfo("bob")
    info.seen = 3
    context = {"info": info, "when": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc),
               "day": dt.date(2024, 5, 6), "span": dt.timedelta(minutes=90), "ids": {3, 1, 2},
               "frozen": frozenset({"x"}), "pair": (1, "a"), "by_int": {1: "one", 2: "two"},
               "tier": Tier.SILVER, "raw": b"\x00\xff", "list": [1, [2, (3,)]],
               "looks_like_a_tag": {"__tuple__": [1, 2]}}
    if pydantic is not None:
        context["profile"] = Profile(name="ann", joined=dt.datetime(2023, 1, 1, 12, 0))
    agent = Agent(name="A")
    run = Runner.start(agent, "hi", context=context, run_config=RunConfig(model=ScriptedModel([say("ok")])))
    run.run()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # everything here can be restored: no warning
        path = run.save(tmp_path / "s.json")
        loaded = Run.load(path, agent)
    got = loaded.context
    assert isinstance(got["info"], UserInfo) and got["info"] == info and got["info"].seen == 3
    assert got["info"].tags == {"a", "b"} and isinstance(got["info"].since, dt.date)
    for key in ("when", "day", "span", "ids", "frozen", "pair", "by_int", "tier", "raw", "list",
                "looks_like_a_tag"):
        assert got[key] == context[key] and type(got[key]) is type(context[key]), key
    assert got["list"][1][1] == (3,)
    if pydantic is not None:
        assert isinstance(got["profile"], Profile) and got["profile"] == context["profile"]
    assert isinstance(loaded.steps[0].context_after["info"], UserInfo)
    assert loaded.save(tmp_path / "b.json").read_bytes() == path.read_bytes()
    # a dataclass context (the SDK's RunContextWrapper[UserInfo] pattern)
    run2 = Runner.start(agent, "hi", context=UserInfo("eve"), run_config=RunConfig(model=ScriptedModel([say("ok")])))
    run2.run()
    loaded2 = Run.load(run2.save(tmp_path / "c.json"), agent)
    assert isinstance(loaded2.context, UserInfo) and loaded2.context.user == "eve"
    assert loaded2.context is not loaded2.steps[0].context_after  # copies, as in a live run


def test_what_cannot_be_restored_is_said_at_save_time_naming_the_field(tmp_path):
    import threading

    class Opaque:
        pass

    agent = Agent(name="A")
    run = Runner.start(agent, "hi", context={"lock": threading.Lock(), "ok": 1, "deep": {"obj": Opaque()}},
                       run_config=RunConfig(model=ScriptedModel([say("ok")])))
    run.run()
    with pytest.warns(UserWarning) as record:
        path = run.save(tmp_path / "s.json")
    text = " ".join(str(w.message) for w in record)
    assert "context.lock" in text and "lock" in text.lower() and "context.deep.obj" in text and "Opaque" in text
    assert len(record) == 1  # one warning for the save, not one per step
    with pytest.warns(UserWarning, match=r"context\.lock.*could not be saved"):
        loaded = Run.load(path, agent)
    assert loaded.context["ok"] == 1
    assert "not saved" in repr(loaded.context["lock"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert loaded.save(tmp_path / "b.json").read_bytes() == path.read_bytes()


def test_a_class_that_is_not_defined_when_loading_is_said_and_kept(tmp_path):
    agent = Agent(name="A")
    run = Runner.start(agent, "hi", context=UserInfo("bob"), run_config=RunConfig(model=ScriptedModel([say("ok")])))
    run.run()
    path = run.save(tmp_path / "s.json")
    text = path.read_text().replace("UserInfo", "GoneInfo")
    (tmp_path / "gone.json").write_text(text)
    with pytest.warns(UserWarning, match=r"context.*GoneInfo.*(define|import)"):
        loaded = Run.load(tmp_path / "gone.json", agent)
    assert "GoneInfo" in repr(loaded.context)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert loaded.save(tmp_path / "b.json").read_text() == text


# -- sessions: damaged files --------------------------------------------------------------------

def _good(tmp_path):
    agent = Agent(name="A")
    run = Runner.start(agent, "hi", run_config=RunConfig(model=ScriptedModel([say("ok")])))
    run.run()
    run.save(tmp_path / "good.json")
    return agent, json.loads((tmp_path / "good.json").read_text()), (tmp_path / "good.json").read_text()


def _step0(good, **change):
    return {**good, "steps": [{**good["steps"][0], **change}]}


DAMAGED = {
    "list": (lambda g, t: json.dumps([1, 2, 3]).encode(), r"list at the top level"),
    "utf16": (lambda g, t: t.encode("utf-16"), r"UTF-16.*UTF-8"),
    "latin1": (lambda g, t: t.replace('"hi"', '"h\u00e9"').encode("latin-1"), r"not UTF-8.*byte"),
    "nested": (lambda g, t: ('{"format": "handoff_nb.session", "version": 1, "x": ' + "[" * 100000
                             + "]" * 100000 + "}").encode(), r"nested.*deep.*line 1"),
    "truncated": (lambda g, t: t[: len(t) // 2].encode(), r"line \d+ column \d+"),
    "empty": (lambda g, t: b"", r"empty"),
    "nosteps": (lambda g, t: json.dumps({k: v for k, v in g.items() if k != "steps"}).encode(), r"'steps'"),
    "steps_not_list": (lambda g, t: json.dumps({**g, "steps": {"0": 1}}).encode(), r"steps.*list"),
    "agent": (lambda g, t: json.dumps(_step0(g, agent="Nobody")).encode(), r"steps\[0\]\.agent.*'Nobody'"),
    "state_agent": (lambda g, t: json.dumps({**g, "state": {**g["state"], "current_agent": "Ghost"}}).encode(),
                    r"state\.current_agent.*'Ghost'"),
    "usage": (lambda g, t: json.dumps(_step0(g, usage={"requests": 1, "bogus": 2})).encode(),
              r"steps\[0\]\.usage.*bogus"),
    "usage_negative": (lambda g, t: json.dumps(_step0(g, usage={"requests": -1})).encode(),
                       r"steps\[0\]\.usage\.requests"),
    "done": (lambda g, t: json.dumps({**g, "done": "yes"}).encode(), r"'done'.*true or false"),
    "turns": (lambda g, t: json.dumps({**g, "state": {**g["state"], "turns": "3"}}).encode(),
              r"state\.turns.*whole number"),
    "max_turns": (lambda g, t: json.dumps({**g, "max_turns": 0}).encode(), r"max_turns"),
    "settings": (lambda g, t: json.dumps(_step0(g, request={**g["steps"][0]["request"],
                                                             "model_settings": {"temprature": 1}})).encode(),
                 r"steps\[0\]\.request\.model_settings.*temprature"),
    "settings_type": (lambda g, t: json.dumps(_step0(g, request={**g["steps"][0]["request"],
                                                                  "model_settings": {"temperature": "hot"}})).encode(),
                      r"steps\[0\]\.request\.model_settings\.temperature"),
    "decision": (lambda g, t: json.dumps(_step0(g, decision="maybe")).encode(), r"steps\[0\]\.decision"),
    "step_not_object": (lambda g, t: json.dumps({**g, "steps": [5]}).encode(), r"steps\[0\].*object"),
    "response": (lambda g, t: json.dumps(_step0(g, response={"output": 3})).encode(), r"steps\[0\]\.response"),
    "input": (lambda g, t: json.dumps({**g, "input": 5}).encode(), r"'input'"),
}


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_a_damaged_session_file_is_a_user_error_naming_file_place_and_what_to_do(tmp_path, name):
    """session_load_unclear_errors.py (and the values the issue says are not validated)."""
    agent, good, text = _good(tmp_path)
    make, place = DAMAGED[name]
    path = tmp_path / f"{name}.json"
    path.write_bytes(make(good, text))
    with pytest.raises(UserError) as info:
        Run.load(path, agent)
    message = str(info.value)
    assert str(path) in message
    assert re.search(place, message, re.S), message
    assert re.search(r"save it again|from a copy|run\.save|re-save|Run\.load\(", message), message
    assert len(message) < 1200
    assert info.value.__cause__ is None or not isinstance(info.value.__cause__, RecursionError)


def test_save_is_atomic_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    agent, good, text = _good(tmp_path)
    from handoff_nb import session
    run = Run.load(tmp_path / "good.json", agent)

    def broken(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        run.save(tmp_path / "good.json")
    assert (tmp_path / "good.json").read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["good.json"]


def test_no_key_in_the_session_file_the_export_or_a_load_error(tmp_path):
    key = "sk-proj-" + "Ab1" * 10
    agent = Agent(name="A")
    run = Runner.start(agent, f"my key is {key}", context={"token": key},
                       run_config=RunConfig(model=ScriptedModel([say(f"echo {key}")])))
    run.run()
    path = run.save(tmp_path / "s.json")
    assert "Ab1Ab1" not in path.read_text()
    assert "Ab1Ab1" not in run.to_html(tmp_path / "s.html") and "Ab1Ab1" not in (tmp_path / "s.html").read_text()
    data = json.loads(path.read_text())
    (tmp_path / "bad.json").write_text(json.dumps({**data, "done": key}))
    with pytest.raises(UserError) as info:
        Run.load(tmp_path / "bad.json", agent)
    assert "'done'" in str(info.value) and "Ab1Ab1" not in str(info.value)
    import traceback
    assert "Ab1Ab1" not in "".join(traceback.format_exception(info.value))


# -- the HTML export -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Billing <!--<script>", "Billing </script><script>alert(1)</script>",
                                  "A & B > C \u2028 D \u2029 E", "<!-- -->"])
def test_export_inline_json_cannot_end_or_break_the_script(tmp_path, name):
    """export_comment_script_kills_page.py"""
    triage = Agent(name="Triage", handoffs=[Agent(name=name)])
    run = Runner.start(triage, "hi", run_config=RunConfig(model=ScriptedModel([handoff_to(name), say("ok")])))
    run.run()
    page = run.to_html()
    script = page[page.rindex("<script>") + len("<script>"):page.rindex("</script>")]
    assert "<" not in script.replace("\\u003c", "") or not re.search(r"<[!/a-zA-Z]", script)
    consts = dict(re.findall(r"const (\w+) = (.*);\n", script))
    for ch in "<>&\u2028\u2029":
        assert ch not in consts["STATES"] and ch not in consts["TABS"]
    states = json.loads(consts["STATES"])
    assert states[-1]["label"].startswith("step 1: " + name)


def test_export_page_script_runs_in_a_browser(tmp_path):
    """export_comment_script_kills_page.py, in headless chromium when it is installed."""
    import pathlib
    if not pathlib.Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    name = "Billing <!--<script>"
    triage = Agent(name="Triage", handoffs=[Agent(name=name)])
    run = Runner.start(triage, "hi", run_config=RunConfig(model=ScriptedModel([handoff_to(name), say("ok")])))
    run.run()
    path = tmp_path / "session.html"
    run.to_html(path)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                       else route.continue_())
            page.goto(path.resolve().as_uri())
            page.wait_for_function("() => document.getElementById('label').textContent.length > 0",
                                   timeout=5000)
            label = page.evaluate("() => document.getElementById('label').textContent")
        finally:
            browser.close()
    assert label == f"step 1: {name} · final_output"


# -- batches -------------------------------------------------------------------------------------

CASES = [{"message": f"charged twice {i}", "expected": "Billing"} for i in range(4)]


@pytest.fixture()
def batch_env(tmp_path, monkeypatch):
    from handoff_nb import batch as B
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(B, "STATE_DIR", tmp_path / ".handoff_nb_cache" / "batches")
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.testing import FakeOpenAIServer, reply
    triage = Agent(name="Triage", handoffs=[Agent(name="Billing")])
    with FakeOpenAIServer([reply(tool_calls=[("transfer_to_billing", "{}")])], repeat=True) as srv:
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key="x")
        yield triage, srv, model


def _batch(triage, model, **kw):
    from handoff_nb.eval import evaluate_routing
    return evaluate_routing(triage, CASES, model=model, backend="batch", poll_s=0.01, **kw)


@pytest.mark.parametrize("status", ["expired", "cancelled"])
def test_an_expired_or_cancelled_batch_scores_what_completed(batch_env, status):
    """batch_expired_partial_output_discarded.py"""
    triage, srv, model = batch_env
    first = _batch(triage, model)
    assert first.n == 4 and first.accuracy == 1.0
    job = srv.batches[first.batch_id]
    lines = srv.files[job["_output"]].decode().splitlines()
    srv.files[job["_output"]] = ("\n".join([lines[0], lines[2]]) + "\n").encode()  # 2 of 4 completed
    job.update(status=status, output_file_id=job["_output"])
    calls = len(srv.requests)
    with pytest.warns(UserWarning, match=rf"{first.batch_id} ended {status}: 2 of 4 requests completed"):
        r = _batch(triage, model, batch_id=first.batch_id)
    assert len(srv.requests) == calls  # resumed: nothing resubmitted
    assert r.n == 4
    by_message = {c.case.message: c for c in r.results}
    assert by_message["charged twice 0"].error is None and by_message["charged twice 0"].correct
    assert by_message["charged twice 2"].error is None
    for i in (1, 3):
        err = by_message[f"charged twice {i}"].error
        assert err and status in err and first.batch_id in err
    assert sum(c.model_calls for c in r.results) == 2  # billed calls: only the completed ones
    assert sum(c.error is None and c.correct for c in r.results) == 2


def test_an_expired_batch_without_output_says_so(batch_env):
    triage, srv, model = batch_env
    first = _batch(triage, model)
    srv.batches[first.batch_id].update(status="expired", output_file_id=None)
    with pytest.warns(UserWarning, match="ended expired: 0 of 4"):
        r = _batch(triage, model, batch_id=first.batch_id)
    assert r.n == 4 and all("expired" in (c.error or "") for c in r.results)


def test_the_error_file_of_a_batch_is_read(batch_env):
    triage, srv, model = batch_env
    first = _batch(triage, model)
    job = srv.batches[first.batch_id]
    lines = srv.files[job["_output"]].decode().splitlines()
    srv.files[job["_output"]] = (lines[0] + "\n").encode()
    srv.files["file-err"] = (json.dumps({"id": "r1", "custom_id": "case-1", "response": None,
                                         "error": {"code": "rate_limit", "message": "too many"}}) + "\n").encode()
    job.update(status="completed", error_file_id="file-err")
    r = _batch(triage, model, batch_id=first.batch_id)
    errors = {c.case.message: c.error for c in r.results}
    assert errors["charged twice 0"] is None
    assert "too many" in errors["charged twice 1"]
    assert "no result" in errors["charged twice 2"]


def test_a_truncated_batch_output_line_keeps_the_complete_lines(batch_env):
    """batch_truncated_output_line.py"""
    triage, srv, model = batch_env
    first = _batch(triage, model)
    out = srv.batches[first.batch_id]["_output"]
    lines = srv.files[out].decode().splitlines()
    srv.files[out] = ("\n".join(lines[:-1]) + "\n" + lines[-1][:40]).encode()
    with pytest.warns(UserWarning, match=rf"{out}.*line 4"):
        r = _batch(triage, model, batch_id=first.batch_id)
    assert r.n == 4
    ok = [c for c in r.results if c.error is None]
    assert len(ok) == 3 and all(c.correct for c in ok)
    bad = [c for c in r.results if c.error is not None]
    assert len(bad) == 1 and "line 4" in bad[0].error and out in bad[0].error


def test_a_duplicated_batch_output_line_is_counted_once(batch_env):
    triage, srv, model = batch_env
    first = _batch(triage, model)
    out = srv.batches[first.batch_id]["_output"]
    lines = srv.files[out].decode().splitlines()
    srv.files[out] = ("\n".join(lines + [lines[0]]) + "\n").encode()
    r = _batch(triage, model, batch_id=first.batch_id)
    assert r.n == 4 and sum(c.model_calls for c in r.results) == 4


def test_a_truncated_batch_state_file_is_a_clear_error_and_can_be_rewritten(batch_env):
    """batch_truncated_output_line.py (the state file)"""
    from handoff_nb import batch as B
    from handoff_nb.eval import load_cases
    triage, srv, model = batch_env
    first = _batch(triage, model)
    state = B.STATE_DIR / f"{first.batch_id}.json"
    text = state.read_text()
    state.write_text(text[: len(text) // 2])
    with pytest.raises(UserError) as info:
        _batch(triage, model, batch_id=first.batch_id)
    message = str(info.value)
    assert str(state) in message and re.search(r"line \d+ column \d+", message)
    assert "save_state" in message
    B.save_state(first.batch_id, load_cases(CASES))  # the remedy the message gives
    r = _batch(triage, model, batch_id=first.batch_id)
    assert r.n == 4 and r.accuracy == 1.0


def test_batch_state_is_written_atomically(batch_env, monkeypatch):
    from handoff_nb import batch as B
    from handoff_nb.eval import load_cases
    triage, srv, model = batch_env
    first = _batch(triage, model)
    state = B.STATE_DIR / f"{first.batch_id}.json"
    before = state.read_text()
    monkeypatch.setattr(B.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        B.save_state(first.batch_id, load_cases(CASES[:2]))
    assert state.read_text() == before and sorted(p.name for p in B.STATE_DIR.iterdir()) == [state.name]


# -- deep graphs ---------------------------------------------------------------------------------

def test_from_sdk_converts_a_400_agent_ring():
    """sdk_from_sdk_deep_graph_recursion.py"""
    agents = pytest.importorskip("agents")
    from handoff_nb.sdk import from_sdk
    n = 400
    ring = [agents.Agent(name=f"Agent {i}", instructions=f"topic {i}") for i in range(n)]
    for i, a in enumerate(ring):
        a.handoffs = [ring[(i + 1) % n], ring[(i + 7) % n]]
    ours = from_sdk(ring[0])
    walked = ours.walk()
    assert len(walked) == n
    by_name = {a.name: a for a in walked}
    assert [h.agent for h in by_name["Agent 5"].handoff_objects()] == [by_name["Agent 6"], by_name["Agent 12"]]
    assert from_sdk(ring[0]) is ours  # cached
    assert from_sdk(ring[3]) is by_name["Agent 3"]  # the same conversion, whichever agent is asked
    ring[10].instructions = "changed"
    again = from_sdk(ring[0])
    assert again is not ours and {a.name: a for a in again.walk()}["Agent 10"].instructions == "changed"
    run = Runner.start(ring[0], "hi")
    assert run.starting_agent is again


def test_from_sdk_failure_leaves_no_half_converted_graph():
    agents = pytest.importorskip("agents")
    from handoff_nb.sdk import from_sdk
    a, b = agents.Agent(name="A"), agents.Agent(name="B", mcp_servers=[object()])  # not convertible
    a.handoffs = [b]
    for _ in range(2):
        with pytest.raises(UserError, match="'B'"):
            from_sdk(a)


@pytest.mark.parametrize("n", [400, 5000])
def test_every_graph_walk_handles_a_long_chain(tmp_path, n):
    agents = pytest.importorskip("agents")
    from handoff_nb.lint import lint
    from handoff_nb.render.dot import graph_dot, graph_model
    from handoff_nb.sdk import from_sdk, to_sdk, to_sdk_code
    start = time.perf_counter()
    sdk_chain = [agents.Agent(name=f"S{i}") for i in range(n)]
    for i in range(n - 1):
        sdk_chain[i].handoffs = [sdk_chain[i + 1]]
    sdk_chain[-1].handoffs = [sdk_chain[0]]  # and a cycle back
    ours = from_sdk(sdk_chain[0])
    assert len(ours.walk()) == n
    chain = [Agent(name=f"Agent {i}", instructions=f"topic {i}") for i in range(n)]
    for i in range(n - 1):
        chain[i].handoffs = [chain[i + 1]]
    root = chain[0]
    report = lint(root)
    assert "dead-end" not in report.rules or report.by_rule("dead-end")[0].agent == f"Agent {n - 1}"
    cyclic = lint(ours)
    assert "no-finisher-cycle" not in cyclic.rules or cyclic.by_rule("no-finisher-cycle")
    assert f"Agent {n - 1}" in graph_dot(graph_model(root))
    theirs = to_sdk(root)
    hops, a = 0, theirs
    while a.handoffs:
        h = a.handoffs[0]
        a, hops = (h if isinstance(h, agents.Agent) else h._agent_ref()), hops + 1
    assert hops == n - 1
    assert f'name="Agent {n - 1}"' in to_sdk_code(root) or f"Agent {n - 1}" in to_sdk_code(root)
    run = Runner.start(root, "hi", run_config=RunConfig(model=ScriptedModel([handoff_to("Agent 1"), say("ok")])))
    run.run()
    loaded = Run.load(run.save(tmp_path / "s.json"), root)
    assert loaded.agent_path == ["Agent 0", "Agent 1"]
    assert time.perf_counter() - start < (90 if n > 1000 else 30)  # linear, not a hang
