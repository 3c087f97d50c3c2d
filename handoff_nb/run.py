"""The run loop, one model turn at a time.

``Runner.start(agent, input)`` returns a :class:`Run`; ``run.step()`` (or ``await run.astep()``)
performs exactly one model turn and returns a :class:`Step` -- a value recording what was sent,
what came back and what the runner decided. ``Runner.run`` is "start, then step until done".

One turn (``Run._turn``):
  1. build the request: system prompt (instructions + HANDOFF_INSTRUCTIONS block), the history,
     the enabled function tools then the enabled handoffs, in Chat Completions shape;
  2. call the agent's model;
  3. run the function tools it called (a tool's error goes back to the model as its output);
  4. if it called a handoff: validate the arguments, call ``on_handoff``, apply the input filter
     and switch agent (other handoff calls in the same response are answered "ignored");
  5. otherwise, tool calls mean "run again", and plain text is the final output.
Run state changes only once a turn has fully succeeded, so a failed step can be retried.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ._util import maybe_await, run_sync
from .agent import Agent
from .context import RunContextWrapper, Usage
from .errors import AgentsException, HandoffCallbackError, MaxTurnsExceeded, ModelBehaviorError, UserError
from .handoffs import Handoff, HandoffInputData, HandoffInputFilter
from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, RunItem, ToolCallItem,
                    ToolCallOutputItem, TResponseInputItem, function_call_output, normalize_input)
from .lifecycle import RunHooks
from .model_settings import ModelSettings
from .models.interface import HandoffInfo, ModelRequest, ModelResponse, model_label
from .prompts import handoff_instructions_block
from .tools import tool_output_text

if TYPE_CHECKING:  # pragma: no cover
    from .models.interface import Model
    from .result import RunResult

DEFAULT_MAX_TURNS = 10
IGNORED_HANDOFF_OUTPUT = "Multiple handoffs detected, ignoring this one."
Decision = Literal["handoff", "final_output", "run_again", "error"]


@dataclass
class RunConfig:
    model: str | Model | None = None
    """Use this model for every agent in the run (a name or a Model object)."""
    model_settings: ModelSettings | None = None
    """Settings layered over each agent's own (values set here win)."""
    max_turns: int | None = None
    handoff_input_filter: HandoffInputFilter | None = None
    """Applied to every handoff that has no ``input_filter`` of its own."""
    handoff_instructions: bool = True
    """Append the HANDOFF_INSTRUCTIONS block to system prompts (seed 000). False = the real SDK."""
    model_errors: Literal["raise", "return_to_model"] = "raise"
    """What to do when the model calls an unknown tool, sends bad handoff arguments, or a handoff
    callback/filter fails: raise (default) or send the error back to the model as the tool output."""
    workflow_name: str = "Agent workflow"


@dataclass
class HandoffRecord:
    source: Agent
    target: Agent
    tool_name: str
    call_id: str
    arguments: str
    input: Any
    """The parsed ``input_type`` value (None without an input_type)."""
    history_before: list[TResponseInputItem]
    history_after: list[TResponseInputItem]
    filter_name: str | None

    @property
    def filtered(self) -> bool:
        return self.filter_name is not None


@dataclass
class Step:
    """One model turn: what was sent, what came back, what the runner decided."""

    index: int
    agent: Agent
    request: ModelRequest | None = None
    response: ModelResponse | None = None
    items: list[RunItem] = field(default_factory=list)
    decision: Decision = "error"
    handoff: HandoffRecord | None = None
    final_output: Any = None
    error: BaseException | None = None
    duration_s: float = 0.0
    usage: Usage = field(default_factory=Usage)
    model_name: str = ""
    context_after: Any = None
    """A copy of the run context after this step (what ``on_handoff`` callbacks wrote)."""
    next_agent: Agent | None = None
    _state_after: _RunState | None = field(default=None, repr=False)

    @property
    def agent_name(self) -> str:
        return self.agent.name

    @property
    def why(self) -> dict[str, Any] | None:
        return self.response.explanation if self.response else None

    def __repr__(self) -> str:
        extra = ""
        if self.handoff:
            extra = f" {self.handoff.source.name} -> {self.handoff.target.name}"
        elif self.error is not None:
            extra = f" {type(self.error).__name__}"
        return f"Step({self.index}, {self.agent.name!r}, {self.decision}{extra})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .render.mime import step_bundle
        return step_bundle(self)


@dataclass
class _RunState:
    current_agent: Agent
    input: list[TResponseInputItem]
    generated: list[RunItem]
    all_items: list[RunItem]
    raw_responses: list[ModelResponse]
    turns: int
    context: Any
    started_agent: Agent | None


def _copy_context(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:  # not copyable (locks, clients...): share it
        return value


class Run:
    """A run you can step through. Create with :meth:`Runner.start`."""

    def __init__(self, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                 context: Any = None, max_turns: int | None = None,
                 hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None,
                 _wrapper: RunContextWrapper[Any] | None = None) -> None:
        if not isinstance(starting_agent, Agent):
            raise UserError(f"starting agent must be an Agent, got {starting_agent!r}")
        self.run_config = run_config or RunConfig()
        self.max_turns = (max_turns if max_turns is not None else
                          self.run_config.max_turns if self.run_config.max_turns is not None
                          else DEFAULT_MAX_TURNS)
        if self.max_turns < 1:
            raise UserError(f"max_turns must be >= 1, got {self.max_turns}")
        self.hooks = hooks or RunHooks()
        self.starting_agent = starting_agent
        self.entry_agent = starting_agent
        """The conversation's entry agent (kept across next_turn; restart=True goes back to it)."""
        self.input = input
        self.context_wrapper = _wrapper or RunContextWrapper(context)
        self.current_agent = starting_agent
        self._input = normalize_input(input)
        self._generated: list[RunItem] = []
        self.all_items: list[RunItem] = []
        """Every item the run generated, never filtered (the transcript)."""
        self.raw_responses: list[ModelResponse] = []
        self.steps: list[Step] = []
        self.final_output: Any = None
        self.done = False
        self._turns = 0
        self._started_agent: Agent | None = None
        self._busy = False
        self._initial = self._state()

    # -- public -----------------------------------------------------------------------------
    @property
    def context(self) -> Any:
        return self.context_wrapper.context

    @property
    def initial_items(self) -> list[TResponseInputItem]:
        """The run's input as items (before any filter)."""
        return self._initial.input

    @property
    def agent_path(self) -> list[str]:
        path = [self.starting_agent.name]
        for s in self.steps:
            if s.decision == "handoff" and s.handoff is not None:
                path.append(s.handoff.target.name)
        return path

    @property
    def result(self) -> RunResult | None:
        """The RunResult once the run is done, else None."""
        if not self.done:
            return None
        from .result import RunResult
        return RunResult(input=self.input, new_items=list(self._generated),
                         raw_responses=list(self.raw_responses), final_output=self.final_output,
                         last_agent=self.current_agent, context_wrapper=self.context_wrapper,
                         steps=list(self.steps), agent_path=self.agent_path,
                         _input_items=list(self._input), all_items=list(self.all_items),
                         starting_agent=self.starting_agent)

    def next_input(self) -> list[TResponseInputItem]:
        """The input items the next turn will send (history after any handoff filter)."""
        return self._input + [i.to_input_item() for i in self._generated]

    def preview_next_request(self) -> ModelRequest:
        """The request the next step would send to the current agent, without calling a model."""
        return run_sync(build_request(self.current_agent, self.context_wrapper, self.run_config,
                                      self.next_input(), len(self.steps)))[0]

    def step(self) -> Step:
        """Run one model turn (works in plain Python and inside a running notebook loop)."""
        return run_sync(self.astep())

    async def astep(self) -> Step:
        if self.done:
            raise UserError("this run is finished: read run.result, call run.next_turn(message) "
                            "to continue the conversation, or run.fork(i) to redo a step")
        if self._busy:
            raise UserError("a step of this run is already in progress")
        if self._turns >= self.max_turns:
            err = MaxTurnsExceeded(f"Max turns ({self.max_turns}) exceeded; agent path so far: "
                                   f"{' -> '.join(self.agent_path)}")
            err.run = self
            raise err
        self._busy = True
        step = Step(index=len(self.steps), agent=self.current_agent)
        start = time.perf_counter()
        try:
            await self._turn(step)
        except BaseException as e:
            step.decision, step.error = "error", e
            step.duration_s = time.perf_counter() - start
            step.context_after = _copy_context(self.context)
            self.steps.append(step)
            if isinstance(e, AgentsException):
                e.run, e.step = self, step
                if not e.message.startswith("step "):
                    e.message = f"step {step.index} ({step.agent.name}): {e.message}"
            raise
        finally:
            self._busy = False
        step.duration_s = time.perf_counter() - start
        step._state_after = self._state()
        step.context_after = step._state_after.context  # one copy serves both (fork copies again)
        self.steps.append(step)
        return step

    async def arun(self) -> RunResult:
        """Step until done; returns the RunResult."""
        while not self.done:
            await self.astep()
        assert self.result is not None
        return self.result

    def run(self) -> RunResult:
        return run_sync(self.arun())

    def fork(self, step_index: int) -> Run:
        """A new Run in the state this run had *before* step ``step_index``, keeping steps
        ``0..step_index-1``. Step it again (after editing an agent, say) to explore another path."""
        if not 0 <= step_index <= len(self.steps):
            raise UserError(f"fork(): step index {step_index} out of range 0..{len(self.steps)}")
        state = self._initial
        for s in reversed(self.steps[:step_index]):
            if s._state_after is not None:
                state = s._state_after
                break
        new = Run(self.starting_agent, self.input, max_turns=self.max_turns, hooks=self.hooks,
                  run_config=self.run_config,
                  _wrapper=RunContextWrapper(_copy_context(state.context)))
        new._restore(state)
        new.entry_agent = self.entry_agent
        new.steps = list(self.steps[:step_index])
        new._initial = self._initial
        return new

    def next_turn(self, message: str | list[TResponseInputItem], restart: bool = False) -> Run:
        """Continue the conversation with a new user message: a new Run whose input is this run's
        ``to_input_list()`` plus the message, starting at the last agent (or, with
        ``restart=True``, at the conversation's entry agent, as seed 001's loop does). The context is shared."""
        if not self.done or self.result is None:
            raise UserError("next_turn(): this run has not finished yet")
        history = self.result.to_input_list() + normalize_input(message)
        agent = self.entry_agent if restart else self.current_agent
        new = Run(agent, history, max_turns=self.max_turns, hooks=self.hooks,
                  run_config=self.run_config, _wrapper=RunContextWrapper(self.context))
        new.entry_agent = self.entry_agent
        return new

    def __repr__(self) -> str:
        state = "done" if self.done else f"at {self.current_agent.name!r}"
        return f"Run({len(self.steps)} steps, {state}, path={' -> '.join(self.agent_path)})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .render.mime import run_bundle
        return run_bundle(self)

    # -- internals --------------------------------------------------------------------------
    def _state(self) -> _RunState:
        return _RunState(self.current_agent, list(self._input), list(self._generated),
                         list(self.all_items), list(self.raw_responses), self._turns,
                         _copy_context(self.context), self._started_agent)

    def _restore(self, s: _RunState) -> None:
        self.current_agent, self._turns, self._started_agent = s.current_agent, s.turns, s.started_agent
        self._input, self._generated = list(s.input), list(s.generated)
        self.all_items, self.raw_responses = list(s.all_items), list(s.raw_responses)

    async def _turn(self, step: Step) -> None:
        agent, ctx, cfg, hooks = self.current_agent, self.context_wrapper, self.run_config, self.hooks
        if self._started_agent is not agent:
            await hooks.on_agent_start(ctx, agent)
            if agent.hooks:
                await agent.hooks.on_start(ctx, agent)
            self._started_agent = agent

        # 1. the request
        request, tools, handoffs = await build_request(agent, ctx, cfg, self.next_input(), step.index)
        model = _resolve_model(agent, cfg)
        step.request = request

        # 2. the model
        await hooks.on_llm_start(ctx, agent, request.system_prompt, request.input)
        if agent.hooks:
            await agent.hooks.on_llm_start(ctx, agent, request.system_prompt, request.input)
        response = await model.get_response(request)
        response = replace(response, agent=agent, model_name=response.model_name or model_label(model))
        step.response, step.model_name, step.usage = response, response.model_name, response.usage
        self._turns += 1
        self.raw_responses.append(response)
        ctx.usage.add(response.usage)
        await hooks.on_llm_end(ctx, agent, response)
        if agent.hooks:
            await agent.hooks.on_llm_end(ctx, agent, response)

        # sort the output into items
        tool_by_name = {t.name: t for t in tools}
        handoff_by_name = {h.tool_name: h for h in handoffs}
        items: list[RunItem] = []
        tool_calls, handoff_calls, bad_calls = [], [], []
        for out in response.output:
            if out.get("type") == "function_call":
                name = out.get("name")
                if name in handoff_by_name:
                    items.append(HandoffCallItem(agent, out))
                    handoff_calls.append(out)
                else:
                    items.append(ToolCallItem(agent, out))
                    if name in tool_by_name:
                        tool_calls.append(out)
                    else:
                        available = sorted(tool_by_name) + sorted(handoff_by_name)
                        bad_calls.append((out, ModelBehaviorError(
                            f"agent {agent.name!r} called unknown tool {name!r}; available tools: "
                            f"{', '.join(available) or '(none)'}")))
            elif out.get("role") == "assistant":
                items.append(MessageOutputItem(agent, out))
            else:
                raise ModelBehaviorError(f"model returned an output item the runner does not "
                                         f"understand: {out!r}")

        # 3. function tools, then errors the model should see
        for call in tool_calls:
            tool = tool_by_name[call["name"]]
            await hooks.on_tool_start(ctx, agent, tool)
            if agent.hooks:
                await agent.hooks.on_tool_start(ctx, agent, tool)
            value = await tool.on_invoke_tool(ctx, call.get("arguments") or "{}")
            text = tool_output_text(value)
            items.append(ToolCallOutputItem(agent, function_call_output(call["call_id"], text),
                                            output=value))
            await hooks.on_tool_end(ctx, agent, tool, text)
            if agent.hooks:
                await agent.hooks.on_tool_end(ctx, agent, tool, text)
        for call, err in bad_calls:
            items.append(self._error_output(call, err))

        # 4. a handoff
        if handoff_calls:
            for extra in handoff_calls[1:]:
                items.append(ToolCallOutputItem(
                    agent, function_call_output(extra["call_id"], IGNORED_HANDOFF_OUTPUT),
                    output=IGNORED_HANDOFF_OUTPUT))
            call = handoff_calls[0]
            h = handoff_by_name[call["name"]]
            try:
                record = await self._handoff(step, agent, h, call, items)
            except (ModelBehaviorError, HandoffCallbackError) as e:
                items.append(self._error_output(call, e))
                record = None
            if record is not None:
                step.items, step.decision, step.handoff = items, "handoff", record
                step.next_agent = record.target
                self.all_items += items
                return

        # 5. final output or another turn
        step.items = items
        self._generated += items
        self.all_items += items
        if tool_calls or handoff_calls or bad_calls:
            step.decision, step.next_agent = "run_again", agent
            return
        step.decision, step.final_output = "final_output", response.text
        self.final_output, self.done = response.text, True
        await hooks.on_agent_end(ctx, agent, response.text)
        if agent.hooks:
            await agent.hooks.on_end(ctx, agent, response.text)

    def _error_output(self, call: dict[str, Any], err: AgentsException) -> ToolCallOutputItem:
        """Answer a failed call with the error (RunConfig.model_errors="return_to_model"), or raise."""
        if self.run_config.model_errors != "return_to_model":
            raise err
        text = f"Error: {err.message}"
        return ToolCallOutputItem(self.current_agent, function_call_output(call["call_id"], text),
                                  output=text)

    async def _handoff(self, step: Step, agent: Agent, h: Handoff[Any], call: dict[str, Any],
                       items: list[RunItem]) -> HandoffRecord:
        ctx = self.context_wrapper
        parsed = h.parse_input(call.get("arguments"), agent.name)
        target = h.agent
        if target is None:
            raise UserError(f"handoff {h.tool_name!r} has no target agent")
        try:
            await h.invoke(ctx, parsed)
        except Exception as e:
            raise HandoffCallbackError(f"on_handoff of {h.tool_name!r} ({agent.name} -> "
                                       f"{target.name}) raised {type(e).__name__}: {e}") from e
        await self.hooks.on_handoff(ctx, agent, target)
        if target.hooks:
            await target.hooks.on_handoff(ctx, target, agent)
        items.append(HandoffOutputItem(agent, function_call_output(
            call["call_id"], h.get_transfer_message(target)), source_agent=agent, target_agent=target))

        data = HandoffInputData(tuple(self._input), tuple(self._generated), tuple(items), ctx)
        flt = h.input_filter or self.run_config.handoff_input_filter
        if flt is not None:
            try:
                filtered = await maybe_await(flt(data))
            except Exception as e:
                raise HandoffCallbackError(f"input_filter {_name(flt)} of {h.tool_name!r} raised "
                                           f"{type(e).__name__}: {e}") from e
            if not isinstance(filtered, HandoffInputData):
                raise UserError(f"input_filter {_name(flt)} must return HandoffInputData, got "
                                f"{type(filtered).__name__}")
        else:
            filtered = data
        record = HandoffRecord(source=agent, target=target, tool_name=h.tool_name,
                               call_id=call["call_id"], arguments=call.get("arguments") or "",
                               input=parsed, history_before=_history(data),
                               history_after=_history(filtered),
                               filter_name=_name(flt) if flt is not None else None)
        # commit: the next agent sees the (filtered) history under its own instructions and tools
        self._input = normalize_input(list(filtered.input_history)
                                      if not isinstance(filtered.input_history, str)
                                      else filtered.input_history)
        self._generated = list(filtered.pre_handoff_items) + list(filtered.new_items)
        self.current_agent = target
        return record


async def build_request(agent: Agent, ctx: RunContextWrapper[Any], cfg: RunConfig,
                        input_items: list[TResponseInputItem], step_index: int = 0
                        ) -> tuple[ModelRequest, list[Any], list[Handoff[Any]]]:
    """The request ``agent`` would send now: system prompt parts, history, enabled function tools
    then enabled handoffs. Returns it with the tools and handoffs it was built from."""
    instructions = await agent.get_system_prompt(ctx)
    tools = await agent.get_enabled_tools(ctx)
    handoffs = await agent.get_enabled_handoffs(ctx)
    request = ModelRequest(
        agent_name=agent.name, instructions=instructions,
        handoff_instructions=handoff_instructions_block(handoffs) if cfg.handoff_instructions else None,
        input=input_items,
        tools=[t.chat_spec() for t in tools] + [h.chat_spec() for h in handoffs],
        model_settings=agent.model_settings.resolve(cfg.model_settings),
        handoffs=tuple(_handoff_info(h) for h in handoffs), step_index=step_index)
    return request, tools, handoffs


def preview_request(agent: Agent, input: str | list[TResponseInputItem] = (), *, context: Any = None,
                    run_config: RunConfig | None = None) -> ModelRequest:
    """The request ``agent`` would send for ``input``, without calling any model (for inspectors)."""
    return run_sync(build_request(agent, RunContextWrapper(context), run_config or RunConfig(),
                                  normalize_input(input if isinstance(input, str) else list(input))))[0]


def _history(data: HandoffInputData) -> list[TResponseInputItem]:
    history = normalize_input(data.input_history if isinstance(data.input_history, str)
                              else list(data.input_history))
    return history + [i.to_input_item() for i in (*data.pre_handoff_items, *data.new_items)]


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _handoff_info(h: Handoff[Any]) -> HandoffInfo:
    return HandoffInfo(tool_name=h.tool_name, target=h.agent_name, tool_description=h.tool_description,
                       description=h.description,
                       target_handoff_description=h.agent.handoff_description if h.agent else None,
                       input_json_schema=h.input_json_schema)


def _resolve_model(agent: Agent, cfg: RunConfig) -> Model:
    from .models.provider import resolve_model
    if cfg.model is not None:
        return resolve_model(cfg.model, from_run_config=True)
    return resolve_model(agent.model)


class Runner:
    """Mirrors ``agents.Runner``; adds :meth:`start` for stepping."""

    @classmethod
    def start(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
              context: Any = None, max_turns: int | None = None,
              hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None) -> Run:
        return Run(starting_agent, input, context=context, max_turns=max_turns, hooks=hooks,
                   run_config=run_config)

    @classmethod
    async def run(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                  context: Any = None, max_turns: int | None = None,
                  hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None
                  ) -> RunResult:
        return await cls.start(starting_agent, input, context=context, max_turns=max_turns,
                               hooks=hooks, run_config=run_config).arun()

    @classmethod
    def run_sync(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                 context: Any = None, max_turns: int | None = None,
                 hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None
                 ) -> RunResult:
        """Like :meth:`run`, from synchronous code -- also inside a Jupyter cell."""
        return run_sync(cls.run(starting_agent, input, context=context, max_turns=max_turns,
                                hooks=hooks, run_config=run_config))
