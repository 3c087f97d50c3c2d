"""The real OpenAI Agents SDK as an engine: step an ``agents.Runner`` run, one model call per Step.

    run = Runner.start(sdk_agent, "I was charged twice", engine="sdk")
    run.step()              # the SDK runs up to and including its next model call, then waits
    run.fork(1)             # a new run: the recorded responses replayed up to step 1, then live
    Stepper.of_engine(run)  # (or Stepper(sdk_agent, engine="sdk")) the views draw its steps

The SDK runs unchanged (``agents.Runner.run_streamed``): guardrails, ``output_type``, sessions,
hosted tools, approvals ... are the SDK's own. handoff_nb only gates it between model calls, through
one model wrapper (:class:`_GatedModel`, given as ``RunConfig(model=...)``) that waits for
:meth:`SDKRun.astep` before each call and then calls the calling agent's own model (its Model
object, or its model name through the SDK's provider); on a fork the wrapper answers the first
calls with the recorded responses. Each call becomes a :class:`~handoff_nb.run.Step` (request as
the SDK sent it, response, the run items the SDK streamed, handoff, history passed), on read-only
stand-in agents of the same names (the graph as drawn).

SDK code that calls ``agents.Runner`` itself runs here as it is: inside ``with routed(model=...)``
(the SDK's default agent runner swapped for one that answers through this engine) each
``Runner.run``/``run_sync``/``run_streamed`` becomes an :class:`SDKRun` stepped to its end.

The SDK run lives on one background event loop (a daemon thread), so stepping works from plain
Python and from a notebook cell alike. This module is the only one that drives ``agents.Runner``.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import dataclasses
import json
import threading
import time
from concurrent.futures import Future
from typing import Any

from ._util import run_sync
from .agent import Agent
from .context import Usage
from .errors import UserError
from .handoffs import handoff
from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ReasoningItem, ToolCallItem,
                    ToolCallOutputItem, content_text, normalize_input)
from .models.interface import ModelRequest, ModelResponse
from .models.sdk_model import output_items, usage_of
from .run import HandoffRecord, Run, RunConfig, Step
from .sdk import is_sdk_agent
from .tools import FunctionTool

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _engine_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="handoff_nb-sdk-engine", daemon=True).start()
        return _loop


def _shutdown() -> None:
    """At exit: cancel the SDK runs still waiting at a gate (left behind by Back/fork), so they
    unwind in their own task instead of being torn down half-way."""
    loop = _loop
    if loop is None or not loop.is_running():
        return

    async def cancel_all() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout=5)
    except Exception:  # noqa: BLE001 - best effort at interpreter exit
        pass


atexit.register(_shutdown)


def _submit(coro: Any) -> Future[Any]:
    return asyncio.run_coroutine_threadsafe(coro, _engine_loop())


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _run_config(cfg: Any) -> Any:
    """The SDK RunConfig a run was given (a dict coerced as the SDK does), with an engine's gated
    model taken off: a nested run (``Agent.as_tool``) inherits its parent's RunConfig, and its
    calls belong to its own run, not to the parent's gate."""
    if cfg is None:
        return None
    sdk = _sdk()
    if isinstance(cfg, dict):
        cfg = sdk.RunConfig(**cfg)
    model = getattr(cfg, "model", None)
    if getattr(model, "_hnb_gated", False):
        outer = model.engine.sdk_run_config
        cfg = dataclasses.replace(cfg, model=getattr(outer, "model", None))
    return cfg


def _sdk() -> Any:
    try:
        import agents
    except ImportError as e:  # pragma: no cover - depends on the install
        raise UserError("the SDK engine needs the OpenAI Agents SDK: pip install openai-agents") from e
    return agents


def _plain(x: Any) -> dict[str, Any]:
    return dict(x) if isinstance(x, dict) else x.model_dump(exclude_none=True)


def _sent(call: dict[str, Any], request_input: list[Any]) -> dict[str, Any]:
    """What the SDK handed the model (its ``Model.get_response`` arguments), as JSON."""
    settings = call.get("model_settings")
    schema = call.get("output_schema")
    body: dict[str, Any] = {"system_instructions": call.get("system_instructions"), "input": request_input,
                            "tools": [getattr(t, "name", type(t).__name__) for t in call.get("tools") or []],
                            "handoffs": [h.tool_name for h in call.get("handoffs") or []]}
    if schema is not None and not schema.is_plain_text():
        body["output_schema"] = schema.json_schema()
    if settings is not None:
        body["model_settings"] = {k: v for k, v in settings.to_json_dict().items() if v is not None}
    return json.loads(json.dumps(body, default=str))


# -- the graph as drawn: read-only stand-ins of the SDK agents ---------------------------------------

def _stand_in_tool(name: str, description: str, schema: dict[str, Any]) -> Any:

    async def invoke(ctx: Any, arguments: str) -> Any:
        raise UserError(f"{name!r} belongs to an SDK-engine run: the SDK runs it")
    return FunctionTool(name=name, description=description or "", params_json_schema=schema or {},
                        on_invoke_tool=invoke, strict_json_schema=False)


def view_graph(sdk_agent: Any) -> tuple[Agent, dict[int, Agent]]:
    """Stand-in handoff_nb agents for an SDK graph (names, string instructions, descriptions, tool
    and handoff names and schemas), keyed by the SDK agents' ids. Walked iteratively."""
    views: dict[int, Agent] = {}
    order = [sdk_agent]
    i = 0
    while i < len(order):
        a = order[i]
        i += 1
        if id(a) in views:
            continue
        tools = [_stand_in_tool(getattr(t, "name", type(t).__name__), getattr(t, "description", ""),
                                getattr(t, "params_json_schema", {})) for t in getattr(a, "tools", [])]
        views[id(a)] = Agent(name=a.name, instructions=a.instructions if isinstance(a.instructions, str) else None,
                             handoff_description=a.handoff_description, tools=tools)
        views[id(a)]._sdk_agent = a  # type: ignore[attr-defined]
        views[id(a)]._sdk_views = views  # type: ignore[attr-defined]
        for h in a.handoffs:
            target = h if hasattr(h, "handoffs") else (h._agent_ref() if getattr(h, "_agent_ref", None) else None)
            if target is not None and id(target) not in views:
                order.append(target)
    for a in order:
        ours = views[id(a)]
        for h in a.handoffs:
            target = h if hasattr(h, "handoffs") else (h._agent_ref() if getattr(h, "_agent_ref", None) else None)
            if target is None:
                continue
            if hasattr(h, "handoffs"):
                ours.handoffs.append(views[id(target)])
            else:
                ours.handoffs.append(handoff(views[id(target)], tool_name_override=h.tool_name,
                                             tool_description_override=h.tool_description))
    return views[id(sdk_agent)], views


# -- the gate --------------------------------------------------------------------------------------

class _GatedModel:
    """The one model the SDK sees (``RunConfig(model=...)``); built lazily as an ``agents.Model``."""

    @staticmethod
    def build(engine: SDKRun) -> Any:
        sdk = _sdk()

        class GatedModel(sdk.models.interface.Model):
            _hnb_gated = True

            def __init__(self) -> None:
                self.engine = engine
                self._models: dict[str, Any] = {}

            def _live_model(self, agent: Any) -> Any:
                """RunConfig(model=...) of the user's SDK RunConfig, else the calling agent's model."""
                given = engine.sdk_run_config.model if engine.sdk_run_config is not None else None
                model = given if given is not None else getattr(agent, "model", None)
                if model is not None and not isinstance(model, str):
                    return model
                provider = engine.sdk_run_config.model_provider if engine.sdk_run_config else None
                provider = provider or sdk.models.multi_provider.MultiProvider()
                key = model or ""
                if key not in self._models:
                    self._models[key] = provider.get_model(model)
                return self._models[key]

            async def get_response(self, system_instructions: Any, input: Any, model_settings: Any,
                                   tools: Any, output_schema: Any, handoffs: Any, tracing: Any,
                                   **kwargs: Any) -> Any:
                if engine._call_lock is None:
                    engine._call_lock = asyncio.Lock()
                async with engine._call_lock:  # one call at a time (parallel nested agents queue up)
                    if engine._own_call:
                        engine._own_call, agent = False, engine._calling_agent
                    else:  # a nested run (Agent.as_tool) inherited this run's RunConfig
                        agent = engine._nested_agent(system_instructions, tools, handoffs)
                    await engine._gate(agent, {"system_instructions": system_instructions, "input": input,
                                               "tools": tools, "handoffs": handoffs,
                                               "model_settings": model_settings,
                                               "output_schema": output_schema})
                    if engine._replay:
                        response = engine._replay.pop(0)
                        engine._model_name = "(replayed)"
                    else:
                        live = self._live_model(agent)
                        engine._model_name = str(getattr(live, "model", None) or type(live).__name__)
                        response = await live.get_response(
                            system_instructions, input, model_settings, tools, output_schema, handoffs,
                            tracing, **kwargs)
                    engine._responded(response)
                return response

            async def stream_response(self, system_instructions: Any, input: Any, model_settings: Any,
                                      tools: Any, output_schema: Any, handoffs: Any, tracing: Any,
                                      **kwargs: Any) -> Any:
                """The gated call as one ``response.completed`` event (the SDK streams its run)."""
                from openai.types.responses import Response, ResponseCompletedEvent, ResponseUsage
                got = await self.get_response(system_instructions, input, model_settings, tools,
                                              output_schema, handoffs, tracing, **kwargs)
                u = got.usage
                usage = ResponseUsage.model_construct(input_tokens=u.input_tokens, output_tokens=u.output_tokens,
                                      total_tokens=u.total_tokens,
                                      input_tokens_details=u.input_tokens_details,
                                      output_tokens_details=u.output_tokens_details)
                response = Response.model_construct(
                    id=got.response_id or "resp_sdk_engine", object="response", created_at=0,
                    model="sdk-engine", output=list(got.output), parallel_tool_calls=False,
                    tool_choice="auto", tools=[], usage=usage, status="completed")
                yield ResponseCompletedEvent(type="response.completed", response=response,
                                             sequence_number=0)

        return GatedModel()


def _hooks(engine: SDKRun, user_hooks: Any) -> Any:
    sdk = _sdk()

    class EngineHooks(sdk.RunHooks):
        """Knows which agent makes the next model call; the user's hooks still run."""

    def forward(name: str) -> Any:
        async def method(self: Any, *args: Any, **kwargs: Any) -> None:
            if name == "on_llm_start":
                engine._calling_agent = kwargs.get("agent", args[1] if len(args) > 1 else None)
                engine._own_call = True
            if user_hooks is not None:
                await getattr(user_hooks, name)(*args, **kwargs)
        method.__name__ = name
        return method

    for name in [n for n in dir(sdk.RunHooks) if n.startswith("on_")]:
        setattr(EngineHooks, name, forward(name))
    return EngineHooks()


# -- the run ---------------------------------------------------------------------------------------

class SDKRun(Run):
    """A :class:`~handoff_nb.run.Run` whose turns the real SDK runs (see the module docstring)."""

    engine = "sdk"

    def __init__(self, sdk_agent: Any, input: Any, *, context: Any = None, max_turns: Any = None,
                 hooks: Any = None, sdk_run_config: Any = None, _replay: list[Any] | None = None,
                 _views: dict[int, Agent] | None = None, sdk_kwargs: dict[str, Any] | None = None,
                 _runner: Any = None) -> None:
        if _views is not None and id(sdk_agent) in _views:
            root, self._views = _views[id(sdk_agent)], _views
        else:
            root, self._views = view_graph(sdk_agent)
        sdk_input = input
        if not isinstance(input, (str, list)):  # an agents.RunState (resuming after approvals)
            original = getattr(input, "_original_input", "")
            input = original if isinstance(original, (str, list)) else ""
        super().__init__(root, input, context=context,
                         max_turns=None, run_config=RunConfig(tracing_disabled=True,
                                                              handoff_instructions=False))
        self.input = sdk_input
        self.sdk_kwargs = dict(sdk_kwargs or {})
        """The other ``Runner.run`` arguments (session, previous_response_id, error_handlers ...)."""
        self._runner = _runner
        self.sdk_agent = sdk_agent
        self.sdk_run_config = sdk_run_config
        self.sdk_max_turns = max_turns
        self.sdk_hooks = hooks
        try:
            self._context0 = copy.deepcopy(context)
        except Exception:  # noqa: BLE001 - a context holding clients or locks: forks share it
            self._context0 = context
        self._replay = list(_replay or [])
        self.sdk_responses: list[Any] = []
        """Every SDK ModelResponse of the run, in order (what a fork replays)."""
        self.sdk_result: Any = None
        self._calling_agent: Any = None
        self._own_call = False
        """Set by the run's on_llm_start: the next gated call is this run's own (else a nested
        ``as_tool`` run's, which inherits the RunConfig but not the hooks)."""
        self._call_lock: asyncio.Lock | None = None
        self._events: asyncio.Queue[tuple[str, Any]] | None = None
        self._permits: asyncio.Semaphore | None = None
        self._task: Any = None
        self._streamed: Any = None
        self._pending_call: dict[str, Any] | None = None
        self._model_name = ""
        """The model that answered the latest call (its ``model`` name, else its class)."""
        self._tee: Any = None
        """On the engine loop: called with ("event", e), ("done", result) or ("error", e) for
        every stream event of the SDK run (a routed ``Runner.run_streamed``'s consumer)."""
        self._teed: list[tuple[str, Any]] = []

    # ---- on the engine loop
    def _emit(self, kind: str, value: Any) -> None:
        if self._tee is not None:
            self._tee(kind, value)
        else:
            self._teed.append((kind, value))

    def _attach_tee(self, callback: Any) -> None:
        """(engine loop) Forward the events so far, then every later one, to ``callback``."""
        for kind, value in self._teed:
            callback(kind, value)
        self._teed, self._tee = [], callback
    async def _gate(self, agent: Any, call: dict[str, Any]) -> None:
        assert self._events is not None and self._permits is not None
        await self._drain_stream()
        self._events.put_nowait(("waiting", (agent, call)))
        await self._permits.acquire()

    def _nested_agent(self, system_instructions: Any, tools: Any, handoffs: Any) -> Any:
        """The agent of a nested ``Agent.as_tool`` run calling through this run's gate: of the
        agents the graph's agent tools reach, the one these instructions, tools and handoffs fit."""
        names = {getattr(t, "name", None) for t in tools or []}
        handoff_names = {h.tool_name for h in handoffs or []}
        seen, order, candidates = set(), [v._sdk_agent for v in self._views.values()], []
        while order:
            a = order.pop(0)
            if id(a) in seen:
                continue
            seen.add(id(a))
            for t in getattr(a, "tools", []):
                inner = getattr(t, "_agent_instance", None)
                if inner is not None:
                    candidates.append(inner)
                    order.append(inner)
            order += [h for h in getattr(a, "handoffs", []) if hasattr(h, "handoffs")]

        def fit(c: Any) -> int:
            own = {getattr(t, "name", None) for t in getattr(c, "tools", [])}
            hs = {getattr(h, "tool_name", None) for h in getattr(c, "handoffs", [])}
            return (4 * (c.instructions == system_instructions) + 2 * (names <= own)
                    + (names == own) + (not handoff_names or bool(hs)))
        best = max(candidates, key=fit, default=None)
        return best if best is not None else self._calling_agent

    def _responded(self, response: Any) -> None:
        self.sdk_responses.append(response)
        assert self._events is not None
        self._events.put_nowait(("response", response))

    async def _drain_stream(self) -> None:
        """Let the stream consumer forward every item the SDK queued before this model call."""
        queue = getattr(self._streamed, "_event_queue", None)
        for _ in range(1000):
            if queue is not None and queue.empty():
                break
            await asyncio.sleep(0)
        for _ in range(3):
            await asyncio.sleep(0)

    async def _consume(self) -> None:
        assert self._events is not None
        try:
            async for event in self._streamed.stream_events():
                if getattr(event, "type", "") == "run_item_stream_event":
                    self._events.put_nowait(("item", event.item))
                self._emit("event", event)
            self._events.put_nowait(("done", self._streamed))
            self._emit("done", self._streamed)
        except BaseException as e:  # noqa: BLE001 - reported to the stepping caller
            self._events.put_nowait(("error", e))
            self._emit("error", e)

    def _start_now(self) -> None:
        """(engine loop) Start the SDK run: it runs up to its first model call and waits there."""
        if self._events is not None:
            return
        sdk = _sdk()
        self._events, self._permits = asyncio.Queue(), asyncio.Semaphore(0)
        cfg = _run_config(self.sdk_run_config)
        self.sdk_run_config = cfg
        cfg = dataclasses.replace(cfg or sdk.RunConfig(), model=_GatedModel.build(self))
        kwargs: dict[str, Any] = {"context": self.context, "run_config": cfg,
                                  "hooks": _hooks(self, self.sdk_hooks), **self.sdk_kwargs}
        if self.sdk_max_turns is not None:
            kwargs["max_turns"] = self.sdk_max_turns
        runner = self._runner if self._runner is not None else sdk.Runner
        self._streamed = runner.run_streamed(self.sdk_agent, self.input, **kwargs)
        self._task = asyncio.ensure_future(self._consume())

    async def _start(self) -> None:
        self._start_now()

    def started(self) -> Any:
        """The SDK's RunResultStreaming of this run, starting the run if it has not started
        (from any thread; on the engine loop itself, directly)."""
        if self._events is None:
            loop = _engine_loop()
            if _on_loop(loop):
                self._start_now()
            else:
                _submit(self._start()).result(timeout=60)
        return self._streamed

    async def _advance(self) -> dict[str, Any]:
        """Release one model call; collect what happens until the SDK waits again or ends."""
        self._start_now()
        before: list[Any] = []  # what the SDK does before its first model call (a resumed run's tools)
        while self._pending_call is None:  # not at a gate yet: the run's start
            kind, value = await self._next_event()
            if kind == "item":
                before.append(value)
            elif kind == "waiting":
                self._pending_call = value
            else:
                return {"end": (kind, value), "call": None, "response": None, "items": before}
        assert self._permits is not None
        call, self._pending_call = self._pending_call, None
        self._permits.release()
        out: dict[str, Any] = {"call": call, "response": None, "items": before, "end": None}
        while True:
            kind, value = await self._next_event()
            if kind == "response":
                out["response"] = value
            elif kind == "item":
                out["items"].append(value)
            elif kind == "waiting":
                self._pending_call = value
                return out
            else:
                out["end"] = (kind, value)
                return out

    async def _next_event(self) -> tuple[str, Any]:
        assert self._events is not None
        return await self._events.get()

    # ---- public (any thread / loop)
    async def astep(self) -> Step:
        if self.done:
            raise UserError("this run is finished: read run.result, or run.fork(i) to redo a step")
        if self._busy:
            raise UserError("a step of this run is already in progress")
        self._busy = True
        start = time.perf_counter()
        try:
            got = await asyncio.wrap_future(_submit(self._advance()))
        finally:
            self._busy = False
        step = self._make_step(got)
        if step is not None:
            step.duration_s = time.perf_counter() - start
        return step

    def _view(self, sdk_agent: Any) -> Agent:
        if sdk_agent is None:
            return self.current_agent
        view = self._views.get(id(sdk_agent))
        if view is None:
            extra, more = view_graph(sdk_agent)
            self._views.update({k: v for k, v in more.items() if k not in self._views})
            view = self._views[id(sdk_agent)]
        return view

    def _make_step(self, got: dict[str, Any]) -> Step:
        end = got["end"]
        if end is not None and end[0] == "done" and got["response"] is None:
            # the SDK ended without another model call (cancelled, or a resumed run whose tools
            # settled it): no Step, the run is done
            self.sdk_result, self.done = end[1], True
            self.final_output = getattr(end[1], "final_output", None)
            return None  # type: ignore[return-value]
        if end is not None and end[0] == "error" and got["response"] is None:
            err = end[1]
            step = Step(index=len(self.steps), agent=self.current_agent, decision="error", error=err)
            self.steps.append(step)
            self.done = True
            raise err
        agent_sdk, call = got["call"] if got["call"] is not None else (None, {})
        agent = self._view(agent_sdk)
        raw = got["response"]
        inputs = call.get("input")
        request_input = normalize_input(inputs) if isinstance(inputs, str) else [_plain(i) for i in inputs or []]
        output = output_items(raw.output, "the SDK model") if raw is not None else []
        usage = usage_of(getattr(raw, "usage", None)) if raw is not None else Usage()
        response = ModelResponse(output=output, usage=usage, model_name=self._model_name,
            response_id=getattr(raw, "response_id", None), agent=agent,
            sent={"api": "sdk", "body": _sent(call, request_input)})
        tools = [{"type": "function", "function": {"name": t.name, "description": getattr(t, "description", ""),
                                                   "parameters": getattr(t, "params_json_schema", {}),
                                                   "strict": getattr(t, "strict_json_schema", True)}}
                 for t in call.get("tools") or [] if hasattr(t, "name")]
        tools += [{"type": "function", "function": {"name": h.tool_name, "description": h.tool_description,
                                                    "parameters": h.input_json_schema,
                                                    "strict": getattr(h, "strict_json_schema", True)}}
                  for h in call.get("handoffs") or []]
        step = Step(index=len(self.steps), agent=agent, response=response, usage=usage,
                    model_name=response.model_name)
        step.request = ModelRequest(agent_name=agent.name, instructions=call.get("system_instructions"),
                                    handoff_instructions=None, input=request_input, tools=tools,
                                    step_index=step.index)
        record = None
        for item in got["items"]:
            mine = self._item(item, agent)
            if mine is None:
                continue
            step.items.append(mine)
            if isinstance(mine, HandoffOutputItem) and record is None:
                call_item = next((i for i in step.items if isinstance(i, HandoffCallItem)), None)
                record = HandoffRecord(source=agent, target=mine.target_agent or agent,
                                       tool_name=call_item.raw_item.get("name", "") if call_item else "",
                                       call_id=mine.raw_item.get("call_id", ""),
                                       arguments=call_item.raw_item.get("arguments", "") if call_item else "",
                                       input=None, history_before=request_input + [
                                           i.to_input_item() for i in step.items], history_after=[],
                                       filter_name=None)
        if self.steps and self.steps[-1].handoff is not None and not self.steps[-1].handoff.history_after:
            self.steps[-1].handoff.history_after = list(request_input)
        self.raw_responses.append(response)
        self.context_wrapper.usage.add(usage)
        self.all_items += step.items
        self._generated += step.items
        self._turns += 1
        if record is not None:
            step.decision, step.handoff, step.next_agent = "handoff", record, record.target
            self.current_agent = record.target
        else:
            step.decision, step.next_agent = "run_again", agent
        if end is not None:
            kind, value = end
            if kind == "error":
                step.decision, step.error = "error", value
                self.steps.append(step)
                self.done = True
                raise value
            self.sdk_result = value
            step.decision, step.final_output = "final_output", value.final_output
            self.final_output = value.final_output
            self.done = True
        step.context_after = self.context
        self.steps.append(step)
        return step

    def _item(self, item: Any, agent: Agent) -> Any:
        d = _plain(item.raw_item)
        kind = type(item).__name__
        if kind == "MessageOutputItem":
            return MessageOutputItem(agent, {"role": "assistant", "content": content_text(d)})
        if kind == "HandoffCallItem":
            return HandoffCallItem(agent, {"type": "function_call", "call_id": d.get("call_id", ""),
                                           "name": d.get("name", ""), "arguments": d.get("arguments", "{}")})
        if kind == "HandoffOutputItem":
            return HandoffOutputItem(agent, {"type": "function_call_output", "call_id": d.get("call_id", ""),
                                             "output": d.get("output", "")}, source_agent=agent,
                                     target_agent=self._view(getattr(item, "target_agent", None)))
        if kind == "ToolCallItem":
            if d.get("type") != "function_call":
                return ToolCallItem(agent, {"type": "function_call", "call_id": d.get("call_id") or d.get("id", ""),
                                            "name": d.get("name") or d.get("type", "tool"),
                                            "arguments": json.dumps({k: v for k, v in d.items()
                                                                     if k not in ("id", "type")})[:2000]})
            return ToolCallItem(agent, {"type": "function_call", "call_id": d.get("call_id", ""),
                                        "name": d.get("name", ""), "arguments": d.get("arguments", "{}")})
        if kind == "ToolCallOutputItem":
            out = d.get("output", "")
            return ToolCallOutputItem(agent, {"type": "function_call_output", "call_id": d.get("call_id", ""),
                                              "output": out if isinstance(out, str) else json.dumps(out)},
                                      output=getattr(item, "output", None))
        if kind == "ReasoningItem":  # the SDK sends it back with the history: the views show it
            return ReasoningItem(agent, d)
        return None  # approvals, MCP and other SDK item kinds the views do not draw

    @property
    def result(self) -> Any:
        """The SDK's own RunResult(Streaming) once the run is done, else None."""
        return self.sdk_result if self.done else None

    def fork(self, step_index: int) -> SDKRun:
        """A new SDK run: the recorded responses of steps ``0..step_index-1`` replayed (the SDK
        runs their tools again), then live from step ``step_index``."""
        if not 0 <= step_index <= len(self.steps):
            raise UserError(f"fork({step_index}): this run has steps 0..{len(self.steps) - 1}")
        try:
            context = copy.deepcopy(self._context0)
        except Exception:  # noqa: BLE001 - see __init__
            context = self._context0
        new = SDKRun(self.sdk_agent, self.input, context=context,
                     max_turns=self.sdk_max_turns, hooks=self.sdk_hooks,
                     sdk_run_config=self.sdk_run_config, _views=self._views,
                     sdk_kwargs=self.sdk_kwargs, _runner=self._runner,
                     _replay=[copy.deepcopy(r) for r in self.sdk_responses[:step_index]])
        for _ in range(step_index):
            new.step()
        return new

    def next_turn(self, message: Any, restart: bool = False) -> SDKRun:
        if not self.done or self.sdk_result is None:
            raise UserError("finish this turn first")
        agent = self.sdk_agent if restart else self.sdk_result.last_agent
        return SDKRun(agent, self.sdk_result.to_input_list() + normalize_input(message),
                      context=self.context, max_turns=self.sdk_max_turns, hooks=self.sdk_hooks,
                      sdk_run_config=self.sdk_run_config, _views=self._views,
                      sdk_kwargs={k: v for k, v in self.sdk_kwargs.items() if k != "previous_response_id"},
                      _runner=self._runner)

    def close(self) -> None:
        """Stop the SDK run waiting at its gate (a run left behind by Back/fork; also on collection)."""
        streamed, self._streamed = self._streamed, None
        if streamed is not None and not self.done and _loop is not None:
            _loop.call_soon_threadsafe(streamed.cancel)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _what_if(self, *args: Any, **kwargs: Any) -> Any:
        raise UserError("editing history, context or responses is for handoff_nb's own runner; an "
                        "SDK-engine run goes Back (fork) and steps the real SDK again")

    edit_history = edit_context = force_response = force_handoff = _what_if

    def __repr__(self) -> str:
        state = "done" if self.done else "in progress"
        return f"SDKRun({len(self.steps)} steps, {state}, path={' -> '.join(self.agent_path)})"


def start(sdk_agent: Any, input: Any, *, context: Any = None, max_turns: Any = None, hooks: Any = None,
          run_config: Any = None) -> SDKRun:
    """``Runner.start(sdk_agent, input, engine="sdk")``: ``run_config`` is the SDK's
    ``agents.RunConfig`` (or None)."""
    views = getattr(sdk_agent, "_sdk_views", None)
    sdk_agent = getattr(sdk_agent, "_sdk_agent", sdk_agent)
    if not is_sdk_agent(sdk_agent):
        raise UserError(f"engine='sdk' runs agents.Agent objects of the OpenAI Agents SDK, got "
                        f"{type(sdk_agent).__name__}; build it with the SDK (or handoff_nb.sdk.to_sdk(agent))")
    if isinstance(run_config, RunConfig):
        if run_config != RunConfig():
            raise UserError("engine='sdk' takes the SDK's agents.RunConfig (handoff_nb's RunConfig is "
                            "for handoff_nb's own runner)")
        run_config = None
    return SDKRun(sdk_agent, input, context=context, max_turns=max_turns, hooks=hooks,
                  sdk_run_config=run_config, _views=views)


def start_engine(options: dict[str, Any], sdk_agent: Any, input: Any, **kwargs: Any) -> SDKRun:
    """``Runner.start(..., engine=...)``: "sdk" is the only other engine."""
    options = dict(options)
    engine = options.pop("engine")
    if engine != "sdk":
        raise UserError(f"engine must be 'handoff_nb' (default) or 'sdk', got {engine!r}")
    if options:
        raise UserError(f"engine='sdk': pass {', '.join(sorted(options))} in the SDK's own way "
                        "(agents.RunConfig, or on the agents)")
    return start(sdk_agent, input, **kwargs)


# -- SDK code as it is: its own agents.Runner calls routed through the engine ----------------------

_RUN_OPTIONS = ("error_handlers", "previous_response_id", "auto_previous_response_id",
                "conversation_id", "session")


class Routed:
    """What :func:`routed` yields: every :class:`SDKRun` its ``agents.Runner`` calls made, in order
    of starting (a nested ``Agent.as_tool`` run too)."""

    def __init__(self, model: Any, drive: Any) -> None:
        self.model = model
        self.drive = drive
        self.runs: list[SDKRun] = []
        self.previous_runner: Any = None

    def new_run(self, agent: Any, input: Any, kwargs: dict[str, Any]) -> SDKRun:
        cfg = _run_config(kwargs.pop("run_config", None))
        if self.model is not None:
            cfg = dataclasses.replace(cfg or _sdk().RunConfig(), model=self.model)
        sdk_kwargs = {k: kwargs.pop(k) for k in _RUN_OPTIONS if kwargs.get(k) is not None}
        run = SDKRun(agent, input, context=kwargs.pop("context", None),
                     max_turns=kwargs.pop("max_turns", None), hooks=kwargs.pop("hooks", None),
                     sdk_run_config=cfg, sdk_kwargs=sdk_kwargs, _runner=self.previous_runner)
        self.runs.append(run)
        return run

    async def adrive(self, run: SDKRun) -> Any:
        """Step ``run`` to its end (``drive(run)`` if given: a Stepper's Step, say); its SDK result."""
        if self.drive is not None:
            await self.drive(run)
        while not run.done:
            await run.astep()
        return run.sdk_result


class _RoutedStreaming:
    """What a routed ``Runner.run_streamed`` returns: the SDK's own RunResultStreaming (read
    through), whose ``stream_events()`` steps the run, one Step per model call, while yielding
    the SDK's events as they come."""

    def __init__(self, routed: Routed, run: SDKRun) -> None:
        self._routed, self._run = routed, run

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run.started(), name)

    def cancel(self, mode: str = "immediate") -> None:
        streamed = self._run.started()
        loop = _engine_loop()
        if _on_loop(loop):
            streamed.cancel(mode=mode)
        else:
            loop.call_soon_threadsafe(lambda: streamed.cancel(mode=mode))

    async def stream_events(self) -> Any:
        run, caller = self._run, asyncio.get_running_loop()
        events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        engine = _engine_loop()

        def tee(kind: str, value: Any) -> None:
            if caller is engine:
                events.put_nowait((kind, value))
            else:
                caller.call_soon_threadsafe(events.put_nowait, (kind, value))

        run.started()
        if _on_loop(engine):
            run._attach_tee(tee)
        else:
            engine.call_soon_threadsafe(run._attach_tee, tee)
        driver = asyncio.ensure_future(self._routed.adrive(run))
        try:
            while True:
                kind, value = await events.get()
                if kind == "event":
                    yield value
                    continue
                try:
                    await driver
                except BaseException as e:  # noqa: BLE001 - the stream raises it (below)
                    if kind != "error":
                        raise
                    if e is not value:
                        raise
                if kind == "error":
                    raise value
                return
        finally:
            if not driver.done():
                driver.cancel()


def _engine_runner(routed: Routed) -> Any:
    sdk = _sdk()

    class EngineRunner(sdk.run.AgentRunner):
        """``agents.Runner.run/run_sync/run_streamed`` inside :func:`routed`."""

        async def run(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
            return await routed.adrive(routed.new_run(starting_agent, input, kwargs))

        def run_sync(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
            return run_sync(routed.adrive(routed.new_run(starting_agent, input, kwargs)))

        def run_streamed(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
            return _RoutedStreaming(routed, routed.new_run(starting_agent, input, kwargs))

    return EngineRunner()


class routed:  # noqa: N801 - used as ``with handoff_nb.sdk_engine.routed(model=...) as r:``
    """SDK code as it is, on the engine: inside the block every ``agents.Runner.run``,
    ``run_sync`` and ``run_streamed`` (the SDK's own code calls them through its default agent
    runner, which this swaps) becomes an :class:`SDKRun`, stepped one model call per Step to its
    end and answered with the SDK's own result; ``Routed.runs`` keeps them for the views.

        with routed(model=scripted) as r:
            asyncio.run(example.main())     # the example's code, unchanged
        Stepper.of_run(r.runs[0])

    ``model``: an ``agents.Model`` that answers every agent's calls (``RunConfig(model=...)``;
    None: each agent's own). ``drive``: ``async drive(run)`` that steps a run (default: Step until
    done)."""

    def __init__(self, model: Any = None, *, drive: Any = None) -> None:
        self.state = Routed(model, drive)

    def __enter__(self) -> Routed:
        sdk = _sdk()
        self.state.previous_runner = sdk.run.get_default_agent_runner()
        sdk.run.set_default_agent_runner(_engine_runner(self.state))
        return self.state

    def __exit__(self, *exc: Any) -> None:
        _sdk().run.set_default_agent_runner(self.state.previous_runner)
