"""Bring your own SDK code: real ``agents.Agent`` graphs in handoff_nb, and handoff_nb graphs back.

* :func:`from_sdk` converts an OpenAI Agents SDK agent graph (handoffs -- bare agents or
  ``handoff(...)`` objects with their tool names, descriptions, input schemas, ``on_handoff``,
  ``input_type``, filters, ``is_enabled`` -- function tools, model settings, hooks) into
  handoff_nb agents. Every entry point (``Runner.start``, the widgets, ``draw_graph``,
  ``evaluate_routing``, ``lint``) calls :func:`maybe_from_sdk`, so an SDK agent can be passed
  directly. What cannot be converted (guardrails, output types, MCP servers, model objects...)
  raises :class:`~handoff_nb.errors.UserError` naming the agent and the field.
* :func:`to_sdk` builds real ``agents.Agent`` objects from ours (prototypes run on the SDK
  unchanged); :func:`to_sdk_code` prints the Python source to paste into a service.

Conversions are cached per object (the same SDK agent converts to the same handoff_nb agent
while both live), so views and runs agree on identities, and cycles are kept.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import weakref
from typing import Any

from .agent import Agent
from .context import Usage
from .errors import UserError
from .extensions import handoff_filters
from .handoffs import Handoff, handoff
from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ReasoningItem, ToolCallItem,
                    ToolCallOutputItem, content_text, function_call_output, normalize_input)
from .model_settings import ModelSettings
from .models.interface import ModelRequest, ModelResponse, from_chat_messages
from .run import HandoffRecord, Run, Step
from .tools import FunctionTool

class _IdCache:
    """A map keyed by object identity that forgets an entry when its key is collected (SDK agents
    are dataclasses with ``eq=True``: not hashable)."""

    def __init__(self) -> None:
        self._data: dict[int, tuple[weakref.ref[Any], Any]] = {}

    def get(self, key: Any) -> Any:
        entry = self._data.get(id(key))
        return entry[1] if entry is not None and entry[0]() is key else None

    def drop(self, key: Any) -> None:
        entry = self._data.get(id(key))
        if entry is not None and entry[0]() is key:
            del self._data[id(key)]

    def put(self, key: Any, value: Any) -> None:
        k = id(key)
        self._data[k] = (weakref.ref(key, lambda _r, k=k: self._data.pop(k, None)), value)


_from_cache = _IdCache()
_CONVERTING = object()
_to_cache = _IdCache()

# SDK Agent fields handoff_nb runs as they are / ignores when left at their defaults
_UNSUPPORTED = {
    "mcp_servers": "MCP servers", "prompt": "prompt templates (Responses API prompts)",
}


def is_sdk_agent(obj: Any) -> bool:
    """Is ``obj`` an ``agents.Agent`` of the OpenAI Agents SDK (without importing the SDK)?"""
    return (not isinstance(obj, Agent) and type(obj).__module__.split(".")[0] == "agents"
            and hasattr(obj, "handoffs") and hasattr(obj, "name"))


def maybe_from_sdk(obj: Any) -> Any:
    """``obj`` converted to a handoff_nb Agent when it is an SDK agent; else ``obj`` unchanged."""
    return from_sdk(obj) if is_sdk_agent(obj) else obj


# -- SDK -> handoff_nb ----------------------------------------------------------------------------

def from_sdk(agent: Any) -> Agent:
    """The handoff_nb version of an SDK agent graph (see the module docstring). The graph is
    walked iteratively (a chain or ring of thousands of agents converts); a conversion is cached
    per SDK agent and reused while that agent and everything it reaches are unchanged."""
    if isinstance(agent, Agent):
        return agent
    if not is_sdk_agent(agent):
        raise UserError(f"from_sdk() needs an agents.Agent, got {type(agent).__name__}")
    cached = _from_cache.get(agent)
    if cached is not None and getattr(cached, "_sdk_fingerprint", None) is _CONVERTING:
        return cached  # being converted right now (a handoff back to it)
    graph = _sdk_graph(agent)
    stale = _stale(graph)
    if not stale:
        return cached
    todo = [a for a in graph if id(a) in stale]
    for a in todo:  # every unsupported feature is found before anything is cached
        _check_supported(a)
    made: dict[int, Agent] = {}
    try:
        for a in todo:  # 1. every agent, without handoffs (cycles and chains need them all first)
            ours = Agent(name=a.name, instructions=_instructions(a),
                         handoff_description=a.handoff_description, model=_model(a),
                         model_settings=_settings(a.model_settings),
                         tools=[_tool(a, t) for t in a.tools], hooks=a.hooks,
                         reset_tool_choice=getattr(a, "reset_tool_choice", True),
                         output_type=getattr(a, "output_type", None),  # types or SDK output schemas
                         input_guardrails=list(getattr(a, "input_guardrails", None) or []),
                         output_guardrails=list(getattr(a, "output_guardrails", None) or []),
                         tool_use_behavior=getattr(a, "tool_use_behavior", "run_llm_again"))
            ours._sdk_agent = a  # type: ignore[attr-defined]
            ours._sdk_fingerprint = _CONVERTING  # type: ignore[attr-defined]
            made[id(a)] = ours
            _from_cache.put(a, ours)
        for a in todo:  # 2. the handoffs, each target already converted (no recursion)
            ours = made[id(a)]
            ours.handoffs = [_handoff(a, h) for h in a.handoffs]
            ours.check_tool_names()
        for a in todo:
            ours = made[id(a)]
            ours._sdk_fingerprint = _agent_fingerprint(a)  # type: ignore[attr-defined]
            ours._sdk_links = tuple(_from_cache.get(t) for t in _targets(a))  # type: ignore[attr-defined]
    except BaseException:
        for a in todo:  # no half-converted graph stays cached
            _from_cache.drop(a)
        raise
    return made[id(agent)] if id(agent) in made else _from_cache.get(agent)


def _targets(agent: Any) -> list[Any]:
    """The SDK agents ``agent`` hands off to (a hand-built Handoff without a target: none)."""
    out = []
    for h in getattr(agent, "handoffs", []):
        t = h if is_sdk_agent(h) else (h._agent_ref() if getattr(h, "_agent_ref", None) else None)
        if t is not None:
            out.append(t)
    return out


def _stale(graph: list[Any]) -> set[int]:
    """ids of the agents of ``graph`` whose cached conversion cannot be reused: none yet, the
    agent changed, or it links to an agent whose conversion changed -- and every agent that
    reaches one of those (its conversion points into the old one)."""
    bad: list[Any] = []
    back: dict[int, list[Any]] = {}
    for a in graph:
        targets = _targets(a)
        for t in targets:
            back.setdefault(id(t), []).append(a)
        c = _from_cache.get(a)
        links = getattr(c, "_sdk_links", None)
        if (c is None or getattr(c, "_sdk_fingerprint", None) != _agent_fingerprint(a) or links is None
                or len(links) != len(targets)
                or any(x is not _from_cache.get(t) for x, t in zip(links, targets))):
            bad.append(a)
    stale = {id(a) for a in bad}
    while bad:
        a = bad.pop()
        for b in back.get(id(a), ()):
            if id(b) not in stale:
                stale.add(id(b))
                bad.append(b)
    return stale


def _converted(agent: Any) -> Agent:
    """``agent``'s conversion during ``from_sdk`` (already made: no walk, no recursion)."""
    return _from_cache.get(agent) or from_sdk(agent)


def _sdk_graph(agent: Any) -> list[Any]:
    seen: dict[int, Any] = {id(agent): agent}
    queue = [agent]
    for a in queue:  # BFS, iteratively (the list grows while it is walked)
        for t in _targets(a):
            if id(t) not in seen:
                seen[id(t)] = t
                queue.append(t)
    return list(seen.values())


def _fingerprint(agent: Any) -> tuple[Any, ...]:
    """What a conversion depends on, over the whole SDK graph: an edit changes it."""
    return tuple(_agent_fingerprint(a) for a in _sdk_graph(agent))


def _agent_fingerprint(a: Any) -> tuple[Any, ...]:
    """What one agent's conversion depends on (its fields, its handoffs and tools)."""
    return (id(a), a.name, id(a.instructions) if callable(a.instructions) else a.instructions,
            a.handoff_description, str(a.model), id(a.hooks),
            tuple((id(h), getattr(h, "tool_name", None), getattr(h, "tool_description", None),
                   id(getattr(h, "input_filter", None)), id(getattr(h, "is_enabled", None)))
                  for h in a.handoffs),
            tuple((id(t), getattr(t, "name", None), getattr(t, "description", None)) for t in a.tools))


def _forget(agent: Any) -> None:
    for a in _sdk_graph(agent):
        _from_cache.drop(a)


def _check_supported(agent: Any) -> None:
    problems = []
    for name, what in _UNSUPPORTED.items():
        value = getattr(agent, name, None)
        if value:
            problems.append(f"{name} ({what})")
    if problems:
        raise UserError(f"SDK agent {agent.name!r} cannot be converted: handoff_nb does not "
                        f"mirror {', '.join(problems)}. Step it on the real SDK instead "
                        "(Runner.start(agent, input, engine='sdk') or Stepper(agent, engine='sdk')), "
                        "or remove them on a clone to look at its handoffs here: agent.clone("
                        + ", ".join(f"{p.split(' ')[0].split('=')[0]}=..." for p in problems) + ")")


def _instructions(agent: Any) -> Any:
    value = agent.instructions
    if value is None or isinstance(value, str):
        return value
    if callable(value):  # the SDK calls it with (ctx, sdk_agent): keep that contract
        sdk_agent = agent

        def instructions(ctx: Any, _ours: Any) -> Any:
            return value(ctx, sdk_agent)
        instructions.__name__ = getattr(value, "__name__", "instructions")
        instructions.__wrapped__ = value  # type: ignore[attr-defined]
        return instructions
    raise UserError(f"SDK agent {agent.name!r}: instructions of type {type(value).__name__} "
                    "cannot be converted")


def _model(agent: Any) -> Any:
    model = agent.model
    if model is None or isinstance(model, str):
        return model
    raise UserError(f"SDK agent {agent.name!r} (reached from the graph you passed) has a model object ({type(model).__name__}); "
                    "handoff_nb runs model names (or its own Model objects): give the agent "
                    "model='gpt-4o' (or RunConfig(model=...)) to look at it here")


def _settings(settings: Any) -> ModelSettings:
    if settings is None:
        return ModelSettings()
    ours = {f.name for f in dataclasses.fields(ModelSettings)}
    values = {k: v for k, v in vars(settings).items() if k in ours and v is not None}
    return ModelSettings(**values)


def _tool(agent: Any, tool: Any) -> FunctionTool:
    if type(tool).__name__ != "FunctionTool" or not hasattr(tool, "on_invoke_tool"):
        raise UserError(f"SDK agent {agent.name!r}: tool {getattr(tool, 'name', tool)!r} "
                        f"({type(tool).__name__}) is not a function tool; handoff_nb runs "
                        "function tools only")
    sdk_invoke = tool.on_invoke_tool

    async def invoke(ctx: Any, arguments: str) -> Any:
        from agents.tool_context import ToolContext
        tool_ctx = ToolContext(context=ctx.context, usage=ctx.usage, tool_name=tool.name,
                               tool_call_id="", tool_arguments=arguments)
        return await sdk_invoke(tool_ctx, arguments)

    return FunctionTool(name=tool.name, description=tool.description,
                        params_json_schema=tool.params_json_schema, on_invoke_tool=invoke,
                        strict_json_schema=tool.strict_json_schema, is_enabled=tool.is_enabled)


def _closure(fn: Any, depth: int = 0) -> dict[str, Any]:
    """The variables a handoff's ``on_invoke_handoff`` closes over (``on_handoff``,
    ``input_type``): the SDK keeps them only there. Looks through functools.partial wrappers."""
    import functools
    if depth > 3 or fn is None:
        return {}
    if isinstance(fn, functools.partial):
        out: dict[str, Any] = {}
        for part in (fn.func, *fn.args, *fn.keywords.values()):
            if callable(part):
                out.update({k: v for k, v in _closure(part, depth + 1).items() if k not in out})
        return out
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None) or ()
    if code is None:
        return {}
    out = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    return out


def _is_enabled(source: Any, value: Any) -> Any:
    """The user's ``is_enabled`` callable, called as the SDK calls it: ``(ctx, sdk_agent)``
    (the SDK wraps it in a checker that only accepts its own Agent class)."""
    if not callable(value):
        return value
    original = _closure(value).get("is_enabled", value)

    def is_enabled(ctx: Any, _ours: Any) -> Any:
        return original(ctx, source)
    is_enabled.__name__ = getattr(original, "__name__", "is_enabled")
    is_enabled.__wrapped__ = original  # type: ignore[attr-defined]
    return is_enabled


def _filter(fn: Any) -> Any:
    """SDK filters from agents.extensions.handoff_filters become ours (they test item classes)."""
    if fn is None or not getattr(fn, "__module__", "").startswith("agents."):
        return fn
    ours = getattr(handoff_filters, getattr(fn, "__name__", ""), None)
    return ours if callable(ours) else fn


def _handoff(source: Any, h: Any) -> Handoff[Any]:
    if is_sdk_agent(h):
        return handoff(_converted(h))
    target = h._agent_ref() if getattr(h, "_agent_ref", None) is not None else None
    if target is None:  # built by hand: the target is chosen in code when the handoff is taken
        return Handoff(tool_name=h.tool_name, tool_description=h.tool_description,
                       input_json_schema=dict(h.input_json_schema), agent_name=h.agent_name,
                       input_filter=_filter(h.input_filter), is_enabled=_is_enabled(source, h.is_enabled),
                       strict_json_schema=h.strict_json_schema,
                       nest_handoff_history=getattr(h, "nest_handoff_history", None),
                       on_invoke_handoff=h.on_invoke_handoff,
                       tool_name_overridden=True, tool_description_overridden=True)
    captured = _closure(h.on_invoke_handoff)
    on_handoff, input_type = captured.get("on_handoff"), captured.get("input_type")
    default_name = h.tool_name == Handoff.default_tool_name(target)
    default_desc = h.tool_description == Handoff.default_tool_description(target)
    ours = handoff(_converted(target),
                   tool_name_override=None if default_name else h.tool_name,
                   tool_description_override=None if default_desc else h.tool_description,
                   on_handoff=on_handoff, input_type=input_type, input_filter=_filter(h.input_filter),
                   is_enabled=_is_enabled(source, h.is_enabled), strict_json_schema=h.strict_json_schema,
                   nest_handoff_history=getattr(h, "nest_handoff_history", None),
                   description=getattr(h, "_handoff_nb_description", None))
    if on_handoff is None and captured.get("on_handoff") is None and input_type is None:
        ours.input_json_schema = dict(h.input_json_schema)
    return ours


# -- handoff_nb -> SDK ----------------------------------------------------------------------------

def _sdk() -> Any:
    try:
        return importlib.import_module("agents")
    except ImportError as e:
        raise UserError("to_sdk() needs the OpenAI Agents SDK: pip install openai-agents") from e


def to_sdk(agent: Agent) -> Any:
    """Real ``agents.Agent`` objects for a handoff_nb graph (cycles kept). ``from_sdk(to_sdk(a))``
    reproduces ``a``: names, instructions, descriptions, tools, handoff settings and labels.
    The graph is walked iteratively (a chain of thousands of agents converts)."""
    agent = maybe_from_sdk(agent)
    sdk = _sdk()
    cached = _to_cache.get(agent)
    if cached is not None:
        return cached
    todo = [a for a in agent.walk() if _to_cache.get(a) is None]
    for a in todo:  # checked before anything is built
        if a.model is not None and not isinstance(a.model, str):
            raise UserError(f"agent {a.name!r} has a model object ({type(a.model).__name__}): "
                            "the SDK takes a model name here (or its own Model classes)")
    made = []
    try:
        for a in todo:  # 1. every agent without handoffs, 2. the handoffs (targets all exist)
            theirs = _agent_to_sdk(sdk, a)
            _to_cache.put(a, theirs)
            _from_cache.put(theirs, a)
            made.append((a, theirs))
        for a, theirs in made:
            theirs.handoffs = [_handoff_to_sdk(sdk, h) for h in a.handoff_objects()]
    except BaseException:
        for a, theirs in made:
            _to_cache.drop(a)
            _from_cache.drop(theirs)
        raise
    return _to_cache.get(agent)


def _agent_to_sdk(sdk: Any, agent: Agent) -> Any:
    settings = sdk.ModelSettings(**{k: v for k, v in dataclasses.asdict(agent.model_settings).items()
                                    if v is not None and k in {f.name for f in dataclasses.fields(sdk.ModelSettings)}})
    kwargs: dict[str, Any] = dict(name=agent.name, instructions=_instructions_to_sdk(agent),
                                  handoff_description=agent.handoff_description,
                                  tools=[_tool_to_sdk(sdk, t) for t in agent.tools],
                                  reset_tool_choice=agent.reset_tool_choice, model_settings=settings)
    if agent.model is not None:
        kwargs["model"] = agent.model
    if agent.hooks is not None:
        kwargs["hooks"] = agent.hooks
    if agent.output_type is not None:
        kwargs["output_type"] = agent.output_type
    if agent.tool_use_behavior != "run_llm_again":
        kwargs["tool_use_behavior"] = agent.tool_use_behavior
    for field_name, cls in (("input_guardrails", sdk.InputGuardrail), ("output_guardrails", sdk.OutputGuardrail)):
        if getattr(agent, field_name):
            kwargs[field_name] = [g if type(g).__module__.startswith("agents") else
                                  cls(guardrail_function=g.guardrail_function, name=g.name)
                                  for g in getattr(agent, field_name)]
    return sdk.Agent(**kwargs)


def _instructions_to_sdk(agent: Agent) -> Any:
    value = agent.instructions
    if callable(value):
        wrapped = getattr(value, "__wrapped__", None)
        if wrapped is not None:  # came from the SDK: give back the original
            return wrapped
        ours = agent

        def instructions(ctx: Any, _theirs: Any) -> Any:
            return value(ctx, ours)
        instructions.__name__ = getattr(value, "__name__", "instructions")
        return instructions
    return value


def _tool_to_sdk(sdk: Any, tool: FunctionTool) -> Any:
    async def invoke(tool_ctx: Any, arguments: str) -> Any:
        return await tool.on_invoke_tool(tool_ctx, arguments)

    return sdk.FunctionTool(name=tool.name, description=tool.description,
                            params_json_schema=tool.params_json_schema, on_invoke_tool=invoke,
                            strict_json_schema=tool.strict_json_schema, is_enabled=tool.is_enabled)


async def _maybe_await(value: Any) -> Any:
    import inspect
    return await value if inspect.isawaitable(value) else value


def _filter_to_sdk(fn: Any) -> Any:
    if fn is None or not getattr(fn, "__module__", "").startswith("handoff_nb.extensions"):
        return fn
    from agents.extensions import handoff_filters as theirs
    return getattr(theirs, fn.__name__, fn)


def _handoff_to_sdk(sdk: Any, h: Handoff[Any]) -> Any:
    if h.agent is None:
        if h.on_invoke_handoff is None:
            raise UserError(f"handoff {h.tool_name!r} has no target agent")

        async def invoke(ctx: Any, arguments: str) -> Any:
            return to_sdk(maybe_from_sdk(await _maybe_await(h.on_invoke_handoff(ctx, arguments))))
        return sdk.Handoff(tool_name=h.tool_name, tool_description=h.tool_description,
                           input_json_schema=h.input_json_schema, on_invoke_handoff=invoke,
                           agent_name=h.agent_name, input_filter=_filter_to_sdk(h.input_filter),
                           strict_json_schema=h.strict_json_schema)
    kwargs: dict[str, Any] = {}
    if h.tool_name_overridden:
        kwargs["tool_name_override"] = h.tool_name
    if h.tool_description_overridden:
        kwargs["tool_description_override"] = h.tool_description
    if h.on_handoff is not None:
        kwargs["on_handoff"] = h.on_handoff
    if h.input_type is not None:
        kwargs["input_type"] = h.input_type
        if h.on_handoff is None:  # the SDK needs a callback to carry an input_type
            async def _noop(ctx: Any, _input: Any) -> None:
                return None
            kwargs["on_handoff"] = _noop
    if h.input_filter is not None:
        kwargs["input_filter"] = _filter_to_sdk(h.input_filter)
    if h.is_enabled is not True:
        kwargs["is_enabled"] = getattr(h.is_enabled, "__wrapped__", h.is_enabled)
    if h.nest_handoff_history is not None:
        kwargs["nest_handoff_history"] = h.nest_handoff_history
    theirs = sdk.handoff(to_sdk(h.agent), **kwargs)
    if h.description is not None:  # seed 000's label has no SDK field: kept for the round trip
        theirs._handoff_nb_description = h.description
    return theirs


def to_sdk_code(agent: Agent) -> str:
    """Python source that builds ``agent``'s graph with the SDK (paste it into a service).
    Callbacks, filters and input types are referenced by name (imported from their modules when
    they live in an importable one)."""
    agent = maybe_from_sdk(agent)
    agents = agent.walk()
    var = {id(a): _ident(a.name, i) for i, a in enumerate(agents)}
    imports = {"from agents import Agent, handoff"}
    refs: list[str] = []

    def ref(obj: Any) -> str:
        name = getattr(obj, "__name__", None) or type(obj).__name__
        module = getattr(obj, "__module__", None)
        if module == "handoff_nb.extensions.handoff_filters":
            imports.add(f"from agents.extensions.handoff_filters import {name}")
        elif _importable(obj, module, name):
            imports.add(f"from {module} import {name}")
        else:
            refs.append(name)
        return name

    lines: list[str] = []
    for a in agents:
        args = [f"name={a.name!r}"]
        if isinstance(a.instructions, str):
            args.append(f"instructions={a.instructions!r}")
        elif a.instructions is not None:
            args.append(f"instructions={ref(getattr(a.instructions, '__wrapped__', a.instructions))}")
        if a.handoff_description:
            args.append(f"handoff_description={a.handoff_description!r}")
        if isinstance(a.model, str):
            args.append(f"model={a.model!r}")
        if a.tools:
            args.append("tools=[" + ", ".join(t.name for t in a.tools) + "]")
            refs.extend(t.name for t in a.tools)
        lines.append(f"{var[id(a)]} = Agent(" + ", ".join(args) + ")")
    lines.append("")
    for a in agents:
        for h in a.handoff_objects():
            if h.agent is None:
                lines.append(f"# {var[id(a)]}: handoff {h.tool_name!r} chooses its target in code "
                             "(Handoff(on_invoke_handoff=...)): add it by hand")
                continue
            args = [var[id(h.agent)]]
            if h.tool_name_overridden:
                args.append(f"tool_name_override={h.tool_name!r}")
            if h.tool_description_overridden:
                args.append(f"tool_description_override={h.tool_description!r}")
            if h.on_handoff is not None:
                args.append(f"on_handoff={ref(h.on_handoff)}")
            if h.input_type is not None:
                args.append(f"input_type={ref(h.input_type)}")
            if h.input_filter is not None:
                args.append(f"input_filter={ref(h.input_filter)}")
            if h.is_enabled is not True:
                args.append(f"is_enabled={ref(h.is_enabled) if callable(h.is_enabled) else h.is_enabled!r}")
            label = f"  # label: {h.description}" if h.description else ""
            lines.append(f"{var[id(a)]}.handoffs.append(handoff({', '.join(args)})){label}")
    head = sorted(imports)
    missing = sorted(set(refs))
    if missing:
        head.append("# define these before the agents (they are not importable from a module): "
                    + ", ".join(missing))
    return "\n".join(head + [""] + lines).rstrip() + "\n"


def _importable(obj: Any, module: str | None, name: str) -> bool:
    """Can ``from module import name`` give back ``obj`` (not a closure or a __main__ object)?"""
    if not module or module in ("__main__", "builtins") or not name.isidentifier():
        return False
    try:
        return getattr(importlib.import_module(module), name, None) is obj
    except Exception:
        return False


def _ident(name: str, i: int) -> str:
    import re
    camel = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)  # TriageAgent -> Triage_Agent
    base = re.sub(r"\W+", "_", camel).strip("_").lower() or f"agent_{i}"
    if base[0].isdigit():
        base = f"agent_{base}"
    return f"{base}_agent" if not base.endswith("agent") else base


# -- real SDK runs in the views -------------------------------------------------------------------

class Capture:
    """An SDK tracing processor that keeps the spans of the runs made while it is active and turns
    them into handoff_nb :class:`~handoff_nb.run.Run` records (``cap.runs``, ``cap.run``).

    Each model call (a ``generation`` or ``response`` span) becomes a Step with the exact input
    the SDK sent and the output it got; ``function`` spans give tool outputs and ``handoff`` spans
    the handoffs. Give ``agent=`` (the SDK entry agent) to see the real graph, prompts and tool
    schemas; without it the graph is rebuilt from the agent spans (names and handoffs only)."""

    def __init__(self, agent: Any = None) -> None:
        self.agent = agent
        self.active = True
        self._spans: list[Any] = []
        self._traces: list[Any] = []

    # TracingProcessor interface
    def on_trace_start(self, trace: Any) -> None:
        if self.active:
            self._traces.append(trace)

    def on_trace_end(self, trace: Any) -> None:
        return None

    def on_span_start(self, span: Any) -> None:
        return None

    def on_span_end(self, span: Any) -> None:
        if self.active:
            self._spans.append(span)

    def shutdown(self) -> None:
        return None

    def force_flush(self) -> None:
        return None

    # results
    @property
    def runs(self) -> list[Any]:
        """One Run per SDK run (trace) captured, in order."""
        by_trace: dict[str, list[Any]] = {}
        for span in self._spans:
            by_trace.setdefault(span.trace_id, []).append(span)
        return [_run_from_spans(spans, self.agent) for spans in by_trace.values()
                if any(_kind(s) in ("generation", "response") for s in spans)]

    @property
    def run(self) -> Any:
        """The last captured run."""
        runs = self.runs
        if not runs:
            raise UserError("capture(): no SDK run was recorded (was tracing disabled with "
                            "agents.set_tracing_disabled(True), or RunConfig(tracing_disabled=True)?)")
        return runs[-1]


class capture:  # noqa: N801 - used as ``with handoff_nb.sdk.capture() as cap:``
    """``with capture() as cap: await agents.Runner.run(...)`` records the real SDK run(s)."""

    def __init__(self, agent: Any = None) -> None:
        self.capture = Capture(agent)
        self._restore: list[Any] | None = None

    def __enter__(self) -> Capture:
        sdk = _sdk()
        before = _trace_processors(sdk)
        if before is not None and not _trace_export_key(sdk):
            # no key to export traces with: the SDK's exporter would only log "OPENAI_API_KEY is
            # not set, skipping trace export" (a red line at the end of an offline lesson), so
            # it sits out the capture and comes back after it
            self._restore = list(before)
            sdk.set_trace_processors([p for p in before if not _exports_to_openai(p)] + [self.capture])
        else:
            sdk.add_trace_processor(self.capture)
        return self.capture

    def __exit__(self, *exc: Any) -> None:
        self.capture.active = False  # the SDK has no public "remove processor": go inert
        if self._restore is not None:
            _sdk().set_trace_processors(self._restore)
            self._restore = None

    async def __aenter__(self) -> Capture:
        return self.__enter__()

    async def __aexit__(self, *exc: Any) -> None:
        self.__exit__(*exc)


def _trace_processors(sdk: Any) -> tuple[Any, ...] | None:
    """The SDK's registered tracing processors (None where its provider does not say)."""
    try:
        provider = sdk.tracing.get_trace_provider()
        return tuple(provider._multi_processor._processors)
    except Exception:  # another provider: leave its processors alone
        return None


def _trace_export_key(sdk: Any) -> bool:
    try:
        return bool(sdk.tracing.processors.default_exporter().api_key)
    except Exception:
        return bool(os.environ.get("OPENAI_API_KEY"))


def _exports_to_openai(processor: Any) -> bool:
    """The SDK's default processor (a batch processor around its OpenAI backend exporter)."""
    exporter = getattr(processor, "_exporter", None)
    return type(exporter).__name__ == "BackendSpanExporter"


def _kind(span: Any) -> str:
    return getattr(span.span_data, "type", "")


def _agent_for(span: Any, by_id: dict[str, Any]) -> str | None:
    parent = by_id.get(span.parent_id or "")
    while parent is not None:
        data = parent.span_data
        if _kind(parent) == "agent":
            return data.name
        if _kind(parent) == "custom" and isinstance(getattr(data, "data", None), dict) \
                and data.data.get("agent_name"):
            return data.data["agent_name"]
        parent = by_id.get(parent.parent_id or "")
    return None


def _graph_from_spans(spans: list[Any]) -> dict[str, Agent]:
    agents: dict[str, Agent] = {}
    specs = [s.span_data for s in spans if _kind(s) == "agent"]
    for data in specs:
        if data.name not in agents:
            agents[data.name] = Agent(name=data.name, tools=[_placeholder_tool(t) for t in data.tools or []])
    for data in specs:
        for target in data.handoffs or []:
            agents.setdefault(target, Agent(name=target))
            if all(getattr(h, "name", getattr(h, "agent_name", None)) != target
                   for h in agents[data.name].handoffs):
                agents[data.name].handoffs.append(agents[target])
    return agents


def _placeholder_tool(name: str) -> FunctionTool:
    async def invoke(ctx: Any, arguments: str) -> Any:
        raise UserError(f"{name!r} belongs to a captured SDK run: it cannot run here")
    return FunctionTool(name=name, description="(a tool of a captured SDK run)",
                        params_json_schema={"type": "object", "properties": {}, "required": [],
                                            "additionalProperties": False}, on_invoke_tool=invoke)


def _run_from_spans(spans: list[Any], entry: Any) -> Any:
    spans = sorted(spans, key=lambda s: (s.started_at or "", s.ended_at or ""))
    by_id = {s.span_id: s for s in spans}
    if entry is not None:
        root = maybe_from_sdk(entry)
        graph = {a.name: a for a in root.walk()}
    else:
        graph = _graph_from_spans(spans)
    calls = [s for s in spans if _kind(s) in ("generation", "response")]
    steps: list[Step] = []
    first_input: Any = None
    for n, span in enumerate(calls):
        data = span.span_data
        name = _agent_for(span, by_id) or "agent"
        agent = graph.setdefault(name, Agent(name=name))
        if _kind(span) == "generation":
            instructions, items = from_chat_messages(list(data.input or []))
            _, output = from_chat_messages(list(data.output or []))
            usage_data = data.usage or {}
            model_name = data.model or ""
        else:
            response = data.response
            instructions = getattr(response, "instructions", None)
            items = [dict(i) if isinstance(i, dict) else i.model_dump(exclude_none=True)
                     for i in (data.input if isinstance(data.input, list) else
                               [{"role": "user", "content": data.input or ""}])]
            output = [o.model_dump(exclude_none=True) for o in getattr(response, "output", []) or []]
            output = [({"role": "assistant", "content": "".join(p.get("text", "") for p in o.get("content", []))}
                       if o.get("type") == "message" else
                       {"type": "function_call", "call_id": o.get("call_id", ""), "name": o.get("name", ""),
                        "arguments": o.get("arguments", "{}")}) for o in output
                      if o.get("type") in ("message", "function_call")]
            u = getattr(response, "usage", None)
            usage_data = {"input_tokens": getattr(u, "input_tokens", 0), "output_tokens": getattr(u, "output_tokens", 0)}
            model_name = getattr(response, "model", "") or ""
        if first_input is None:
            first_input = items[:1] if items else ""
        later = calls[n + 1].started_at if n + 1 < len(calls) else None
        in_turn = [s for s in spans if (s.started_at or "") >= (span.started_at or "")
                   and (later is None or (s.started_at or "") < later)]
        tool_outputs = [s.span_data for s in in_turn if _kind(s) == "function"]
        handoffs = [s.span_data for s in in_turn if _kind(s) == "handoff"]
        tools = [t.chat_spec() for t in agent.tools] + [h.chat_spec() for h in agent.handoff_objects()]
        request = ModelRequest(agent_name=name, instructions=instructions, handoff_instructions=None,
                               input=items, tools=tools, step_index=n)
        usage = Usage(requests=1, input_tokens=int(usage_data.get("input_tokens") or 0),
                      output_tokens=int(usage_data.get("output_tokens") or 0))
        usage.total_tokens = usage.input_tokens + usage.output_tokens
        resp = ModelResponse(output=output, usage=usage, model_name=model_name, agent=agent)
        step = Step(index=n, agent=agent, response=resp, usage=usage, model_name=model_name)
        step.request = request
        run_items: list[Any] = []
        outputs = list(tool_outputs)
        target_name = handoffs[0].to_agent if handoffs else None
        record = None
        for out in output:
            if out.get("role") == "assistant":
                run_items.append(MessageOutputItem(agent, out))
            elif outputs and outputs[0].name == out["name"]:
                done = outputs.pop(0)
                run_items.append(ToolCallItem(agent, out))
                run_items.append(ToolCallOutputItem(agent, function_call_output(out["call_id"], str(done.output)),
                                                    output=done.output))
            elif target_name is not None and record is None:
                target = graph.setdefault(target_name, Agent(name=target_name))
                run_items.append(HandoffCallItem(agent, out))
                run_items.append(HandoffOutputItem(agent, function_call_output(
                    out["call_id"], json.dumps({"assistant": target_name})), source_agent=agent,
                    target_agent=target))
                record = HandoffRecord(source=agent, target=target, tool_name=out["name"],
                                       call_id=out["call_id"], arguments=out.get("arguments") or "",
                                       input=None, history_before=items + [i.to_input_item() for i in run_items],
                                       history_after=[], filter_name=None)
            else:
                run_items.append(ToolCallItem(agent, out))
        step.items = run_items
        if record is not None:
            step.decision, step.handoff, step.next_agent = "handoff", record, record.target
        elif any(o.get("type") == "function_call" for o in output):
            step.decision, step.next_agent = "run_again", agent
        else:
            step.decision, step.final_output = "final_output", resp.text
        if steps and steps[-1].handoff is not None:
            steps[-1].handoff.history_after = list(items)
        steps.append(step)
    first_agent = steps[0].agent if steps else Agent(name="agent")
    return Run.recorded(first_agent, first_input or "", steps)


def _plain(raw: Any) -> dict[str, Any]:
    return dict(raw) if isinstance(raw, dict) else raw.model_dump(exclude_none=True)


def run_from_result(result: Any, agent: Any = None) -> Any:
    """A read-only Run rebuilt from an SDK ``RunResult`` (no trace needed). Each model response
    becomes a Step; its request input is rebuilt as the run's input plus the items before it --
    exact unless a handoff input filter changed the history (then :func:`capture` is exact)."""
    if not hasattr(result, "raw_responses") or not hasattr(result, "new_items"):
        raise UserError(f"expected an agents RunResult, got {type(result).__name__}")
    graph: dict[str, Agent] = {}
    if agent is not None:
        graph = {a.name: a for a in maybe_from_sdk(agent).walk()}

    def ours(sdk_agent: Any) -> Agent:
        name = getattr(sdk_agent, "name", "agent")
        if name not in graph:
            try:
                graph.update({a.name: a for a in from_sdk(sdk_agent).walk()})
            except UserError:
                graph[name] = Agent(name=name)
        return graph[name]

    outputs = [{id(o) for o in r.output} for r in result.raw_responses]
    history = normalize_input(result.input)
    steps: list[Step] = []
    k = -1
    for item in result.new_items:
        raw = item.raw_item
        starts = next((i for i in range(k + 1, len(outputs)) if id(raw) in outputs[i]), None)
        if starts is not None or not steps:
            k = starts if starts is not None else 0
            a = ours(item.agent)
            response = result.raw_responses[k] if k < len(result.raw_responses) else None
            out = []
            for o in (response.output if response is not None else []):
                d = _plain(o)
                if d.get("type") == "message":
                    out.append({"role": "assistant", "content": content_text(d)})
                elif d.get("type") == "function_call":
                    out.append({"type": "function_call", "call_id": d.get("call_id", ""),
                                "name": d.get("name", ""), "arguments": d.get("arguments") or "{}"})
            step = Step(index=len(steps), agent=a, decision="run_again", next_agent=a,
                        response=ModelResponse(output=out, agent=a))
            step.request = ModelRequest(agent_name=a.name, instructions=a.instructions
                                        if isinstance(a.instructions, str) else None,
                                        handoff_instructions=None, input=list(history),
                                        tools=[t.chat_spec() for t in a.tools]
                                        + [h.chat_spec() for h in a.handoff_objects()], step_index=len(steps))
            steps.append(step)
        step = steps[-1]
        d = _plain(raw)
        kind = type(item).__name__
        if kind == "MessageOutputItem":
            mine: Any = MessageOutputItem(step.agent, {"role": "assistant", "content": content_text(d)})
        elif kind == "HandoffCallItem":
            mine = HandoffCallItem(step.agent, d)
        elif kind == "HandoffOutputItem":
            target = ours(item.target_agent)
            mine = HandoffOutputItem(step.agent, d, source_agent=step.agent, target_agent=target)
            call = next((i for i in step.items if isinstance(i, HandoffCallItem)), None)
            step.decision, step.next_agent = "handoff", target
            step.handoff = HandoffRecord(source=step.agent, target=target,
                                         tool_name=call.raw_item.get("name", "") if call else "",
                                         call_id=d.get("call_id", ""), arguments="", input=None,
                                         history_before=[], history_after=[], filter_name=None)
        elif kind == "ToolCallOutputItem":
            mine = ToolCallOutputItem(step.agent, d, output=getattr(item, "output", None))
        elif kind == "ToolCallItem":
            mine = ToolCallItem(step.agent, d)
        elif kind == "ReasoningItem":  # sent back with the history: the next agent gets it too
            mine = ReasoningItem(step.agent, d)
        else:
            continue  # approvals, MCP and other item kinds the views do not show
        step.items.append(mine)
        history.append(mine.to_input_item())
    for i, step in enumerate(steps):
        if step.handoff is not None:
            step.handoff.history_before = list(step.request.input) + [x.to_input_item() for x in step.items]
            step.handoff.history_after = list(steps[i + 1].request.input) if i + 1 < len(steps) else []
    if steps and steps[-1].decision == "run_again" and not any(
            isinstance(x, (ToolCallItem, HandoffCallItem)) for x in steps[-1].items):
        steps[-1].decision, steps[-1].final_output = "final_output", result.final_output
    start = steps[0].agent if steps else ours(result.last_agent)
    return Run.recorded(start, result.input, steps)


def view(x: Any, agent: Any = None) -> Any:
    """A read-only Stepper for a real SDK run: what :func:`capture` recorded (the Capture or one of
    its runs, exact), or an SDK ``RunResult`` (rebuilt from its items; see
    :func:`run_from_result`)."""
    from .widgets import Stepper
    run = x.run if isinstance(x, Capture) else x
    if not isinstance(run, Run):
        if hasattr(x, "raw_responses") and hasattr(x, "new_items"):
            run = run_from_result(x, agent)
        else:
            raise UserError("view() takes what handoff_nb.sdk.capture() recorded (the Capture or "
                            f"one of its runs) or an agents RunResult, got {type(x).__name__}")
    return Stepper.of_run(run)
