"""What handoff_nb does differently in a browser tab (Pyodide), checked in CPython with Pyodide's
behaviour emulated: run_sync re-raises in the caller only, widget callbacks are scheduled on the
loop, graphs are laid out by the browser's Graphviz with no apt advice, and FakeOpenAIServer
serves in process (no socket)."""

from __future__ import annotations

import asyncio
import socket
import sys
import types

import pytest

from handoff_nb import _util
from handoff_nb.render import svg


def _fake_pyodide(monkeypatch, *, can: bool, reported: list):
    """A ``pyodide.ffi`` whose run_sync, like Pyodide's, reports an exception escaping the awaited
    coroutine as uncaught (``reported``) even though it also raises it in the caller."""
    def run_sync(aw):
        try:
            return asyncio.run(aw)
        except BaseException as e:
            reported.append(e)
            raise

    ffi = types.SimpleNamespace(run_sync=run_sync, can_run_sync=lambda: can)
    monkeypatch.setitem(sys.modules, "pyodide", types.SimpleNamespace(ffi=ffi))
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    monkeypatch.setattr(_util, "IN_BROWSER", True)


class Boom(Exception):
    pass


def test_run_sync_in_the_browser_raises_in_the_caller_only(monkeypatch):
    reported: list = []
    _fake_pyodide(monkeypatch, can=True, reported=reported)

    async def ok():
        await asyncio.sleep(0.001)
        return 42

    async def fails():
        await asyncio.sleep(0.001)
        raise Boom("caught by the notebook")

    assert _util.run_sync(ok()) == 42
    with pytest.raises(Boom, match="caught by the notebook"):
        _util.run_sync(fails())
    assert reported == []  # Pyodide never saw it: no second, "uncaught" report


def test_run_sync_from_a_synchronous_callback_drives_a_coroutine_that_never_waits(monkeypatch):
    _fake_pyodide(monkeypatch, can=False, reported=[])

    async def pure():
        await asyncio.sleep(0)  # a bare yield: fine
        return "built"

    class Pending:  # what awaiting a future yields
        def __await__(self):
            yield self

    async def waits():
        await Pending()

    assert _util.run_sync(pure()) == "built"
    with pytest.raises(RuntimeError, match="synchronous callback"):
        _util.run_sync(waits())


def test_widget_callbacks_are_scheduled_on_the_loop_in_the_browser(monkeypatch):
    pytest.importorskip("ipywidgets")
    from handoff_nb.examples import customer_service
    from handoff_nb.widgets import _background
    from handoff_nb.widgets.stepper import Stepper
    monkeypatch.setattr(_background, "IN_BROWSER", True)

    async def scenario():
        s = Stepper(customer_service(), context={})
        s.message.value = ""
        s.send("I was charged twice")
        before = s.status.value
        s.what_apply.click()  # in the comm handler: nothing runs yet...
        assert s.status.value == before
        await asyncio.sleep(0)  # ...the loop runs it as a task
        await asyncio.sleep(0)
        assert "Applied to the next step" in s.status.value
        s.back_button.click()
        assert s.run is not None and s.turns == []
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert "Message returned to the box" in s.status.value

    asyncio.run(scenario())


def test_outside_the_browser_callbacks_run_at_once():
    from handoff_nb.widgets._background import in_task

    calls = []
    cb = in_task(lambda x: calls.append(x))
    cb(1)
    assert calls == [1]


def test_the_dot_hint_names_graphviz_pure_first():
    assert svg.INSTALL_HINT.index("graphviz-pure") < svg.INSTALL_HINT.index("apt-get")


def test_in_the_browser_graphs_are_laid_out_by_viz_js_and_never_advise_apt(monkeypatch):
    from handoff_nb.examples import customer_service
    from handoff_nb.render.mime import graph_html
    monkeypatch.setattr(svg, "IN_BROWSER", True)
    svg._render_cached_browser.cache_clear()
    monkeypatch.setattr(svg, "js_options", lambda: {"format": "svg"})
    laid_out = []

    class FakeViz:
        def renderString(self, source, options):
            laid_out.append(source)
            return '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><g class="node"/></svg>'

    monkeypatch.setattr(svg, "_browser_viz", lambda: FakeViz())
    html = graph_html(customer_service())
    assert "data:image/svg+xml" in html and laid_out and laid_out[0].startswith("digraph")

    def still_loading():
        raise svg.DotUnavailable(svg.BROWSER_HINT.format(why=" yet"))

    svg._render_cached_browser.cache_clear()
    monkeypatch.setattr(svg, "_browser_viz", still_loading)
    html = graph_html(customer_service())
    assert "apt-get" not in html and "pip install" not in html and "browser" in html
    svg._render_cached_browser.cache_clear()


def test_the_viz_module_becomes_a_plain_function_body():
    src = svg._viz_module_source()
    assert "import.meta" not in src and "export {" not in src
    assert src.rstrip().endswith("return { instance };")


@pytest.fixture
def no_sockets(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a socket was opened")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "bind", refuse)


def test_fake_server_in_process_answers_the_openai_client_without_a_socket(no_sockets):
    pytest.importorskip("openai")
    from handoff_nb import Agent, ModelError, RawResponsesStreamEvent, RunConfig, Runner
    from handoff_nb.examples import customer_service
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.models.openai_responses import OpenAIResponsesModel
    from handoff_nb.testing import FakeOpenAIServer, garbage, reply, reset, status

    args = '{"billing_issue_type": "refund", "amount_mentioned": null, "summary": "x"}'
    with FakeOpenAIServer([status(500, "overloaded"), reply(tool_calls=[("route_to_billing", args)]),
                           reply("Refunded."), garbage(), reset()]).in_process() as srv:
        assert srv.base_url.startswith("http://127.0.0.1:")
        model = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-demo-not-real", max_retries=0)
        run = Runner.start(customer_service(), "I was charged twice", context={},
                           run_config=RunConfig(model=model))
        with pytest.raises(ModelError, match="HTTP 500: overloaded"):
            run.step()
        assert run.step().handoff.target.name == "BillingSpecialist"
        assert run.step().decision == "final_output"
        assert srv.requests[1]["model"] == "gpt-4o-mini" and srv.headers[1]["authorization"].startswith("Bearer ")
        for _ in range(2):  # a proxy's HTML page, then a reset connection: both are ModelErrors
            with pytest.raises(ModelError):
                Runner.run_sync(Agent(name="H"), "hi", run_config=RunConfig(model=model))

    with FakeOpenAIServer([reply("one word at a time")]).in_process() as srv:
        streamed = Runner.run_streamed(Agent(name="H"), "hi", run_config=RunConfig(
            model=OpenAIResponsesModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-demo-not-real")))

        async def deltas():
            return [e.data.delta async for e in streamed.stream_events()
                    if isinstance(e, RawResponsesStreamEvent) and hasattr(e.data, "delta")]

        assert asyncio.run(deltas()) == ["one ", "word ", "at ", "a ", "time"]
        assert srv.requests[0]["stream"] is True


def test_the_in_process_hook_leaves_other_addresses_alone():
    pytest.importorskip("openai")
    from handoff_nb import fake_transport
    from handoff_nb.testing import FakeOpenAIServer

    srv = FakeOpenAIServer([]).in_process()
    port = srv._server.server_address[1]
    assert ("127.0.0.1", port) in fake_transport._ROUTES
    srv.__exit__(None, None, None)
    assert ("127.0.0.1", port) not in fake_transport._ROUTES


def test_needs_local_python_skips_the_rest_of_the_notebook_in_the_browser_only(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from handoff_nb import lite
    assert lite.needs_local_python("the SDK") is False  # not in a browser: nothing happens
    shell = InteractiveShell.instance()
    try:
        assert lite.needs_local_python("the SDK", browser=True) is True
        notice = capsys.readouterr().out
        assert "needs the SDK" in notice and "local Python or Binder" in notice and "pip install" not in notice
        result = shell.run_cell("import agents_that_do_not_exist\n1 / 0")
        assert result.success and result.error_in_exec is None
        assert "skipped in the browser" in capsys.readouterr().out
    finally:
        shell.input_transformers_post.remove(lite._skip)
        InteractiveShell.clear_instance()


def test_without_numpy_the_offline_model_routes_by_words_and_says_why(monkeypatch):
    """A browser tab has no numpy (no WebAssembly wheel on PyPI): no engine, no crash, and the
    browser's notice gives no pip advice."""
    import importlib
    from handoff_nb.models import semantic
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy -> ImportError
    monkeypatch.delitem(sys.modules, "handoff_nb.models.e5_numpy", raising=False)
    import handoff_nb.models
    monkeypatch.delattr(handoff_nb.models, "e5_numpy", raising=False)
    assert semantic.default_variant() is None
    monkeypatch.setattr(sys, "platform", "emscripten")
    browser = importlib.reload(semantic)
    try:
        assert "pip install" not in browser.SEMANTIC_HINT and "numpy" in browser.SEMANTIC_HINT
    finally:
        monkeypatch.undo()
        importlib.reload(semantic)
