"""The run loop, one model turn at a time.

``Runner.start(agent, input)`` returns a :class:`Run`; ``run.step()`` (or ``await run.astep()``)
performs exactly one model turn and returns a :class:`Step` -- a value recording what was sent,
what came back and what the runner decided. ``Runner.run`` is "start, then step until done".

One turn (``Run._turn``):
  1. build the request: system prompt (instructions + HANDOFF_INSTRUCTIONS block), the history,
     the enabled function tools then the enabled handoffs, in Chat Completions shape;
  2. call the agent's model (``RunConfig.model_timeout`` bounds the call);
  3. check the whole response before acting on any of it: well-formed items, known tools, valid
     arguments for the handoff that will be taken;
  4. run the function tools it called (a tool's error goes back to the model as its output);
  5. if it called a handoff: call ``on_handoff``, apply the input filter and switch agent (other
     handoff calls in the same response are answered "ignored");
  6. otherwise, tool calls mean "run again", and plain text is the final output.

**A step is a transaction.** ``_turn`` computes the outcome without touching the run; the run
changes only in ``_commit``, after everything above succeeded. If anything fails or is interrupted
(an exception, Ctrl-C / kernel interrupt, a cancelled task, a timeout):

* the run's history, agent, turn count, ``raw_responses`` and usage are exactly as before the step
  (the failed response and its usage live on the failed Step record only);
* the run context is restored in place to its value before the step (writes by ``on_handoff``,
  filters, hooks and tools in that step are undone; a context that cannot be deep-copied is shared
  and cannot be restored) -- except for a pause for approval: the calls that ran before it are
  done, as in the SDK, so their writes stay (and their output and hooks are not repeated on resume);
* the failed Step is appended to ``run.steps`` (``decision == "error"``, ``step.error``,
  ``step.interrupted`` for Ctrl-C / cancellation) and does not count against ``max_turns``;
* the exception that escapes -- whatever its type -- carries ``.run`` and ``.step``, and
  ``run.step()`` retries at once.

What a transaction cannot undo: side effects outside the run context (a function tool that charged
a card). That is why the response is checked *before* any tool runs: a response rejected in step 3
has no side effects at all. The one exception to "all or nothing" is the end of the run:
``on_agent_end`` hooks run after the final output was committed; if one raises, the run stays done
with its final output, the error is on ``step.hook_error`` and the exception carries ``.run``.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ._util import maybe_await, run_sync
from .agent import Agent
from .context import AgentHookContext, RunContextWrapper, Usage
from .errors import (AgentsException, HandoffCallbackError, MaxTurnsExceeded, ModelBehaviorError,
                     ModelError, UserError)
from .handoffs import Handoff, HandoffInputData, HandoffInputFilter, chooses_target_in_code
from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ReasoningItem, RunItem,
                    ToolCallItem, ToolCallOutputItem, TResponseInputItem, content_text, function_call_output,
                    normalize_input)
from .incremental import RequestInput, tag_request
from .lifecycle import RunHooks
from .model_settings import ModelSettings
from .models.interface import HandoffInfo, ModelRequest, ModelResponse, model_label, routes_below
from .models.interface import CallModelData, ModelInputData  # noqa: F401 - agents.run's names
from .prompts import handoff_instructions_block
from .agent_output import final_output_of, output_schema_of
from .approvals import (ApprovalRequired, RunState, decide, once, raise_if_waiting, ran_before_pause, rejected,
                        rejection_output, resume, resumed_run, run_until_interrupted, runnable)
from .guardrail import run_input_guardrails, run_output_guardrails
from .input_dedupe import collapse_duplicates
from .tool_context import ToolContext
from .tool_guardrails import ToolInputGuardrailResult, ToolOutputGuardrailResult, invoke_guarded
from .tool_names import resolve_tool_name_collisions
from .tool_use import FunctionToolResult, tools_to_final_output
from .tool_output import structured_tool_output
from .tools import tool_output_text
from .views import bundle
from . import tracing
from .agent_input import engine, maybe_from_sdk
from .conversation import run_with_options, start_with_options, streamed_with_options
from .handoffs import nest_handoff_history
from .models.provider import resolve_model
from .models.sdk_model import adapt
from .result import RunResult
from .streaming import RunResultStreaming, active_sink

if TYPE_CHECKING:  # pragma: no cover
    from .models.interface import Model

DEFAULT_MAX_TURNS = 10
_UNSET: Any = type("_Unset", (), {"__repr__": lambda self: "<default>"})()
"""``max_turns`` not given (None means "no limit", as in the SDK)."""
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
    """The trace name of runs started outside ``with trace(...)`` (see handoff_nb.tracing)."""
    trace_id: str | None = None
    group_id: str | None = None
    trace_metadata: dict[str, Any] | None = None
    tracing_disabled: bool = False
    trace_include_sensitive_data: bool = field(default_factory=lambda: os.getenv(
        "OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA", "true").strip().lower() in ("1", "true", "yes", "on"))
    """As in the SDK (default from OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA). handoff_nb's spans
    hold names and timings, never tool arguments, outputs or model text, so there is nothing to
    leave out either way."""
    call_model_input_filter: Any = None
    """As in the SDK: ``(CallModelData) -> ModelInputData`` edits the instructions and input of
    every model call just before it is made (the step records what was actually sent)."""
    nest_handoff_history: bool = False
    """Handoffs without an input filter pass the history as one summary message
    (``handoff_nb.handoffs.nest_handoff_history``), as in the SDK."""
    handoff_history_mapper: Any = None
    """With ``nest_handoff_history``: ``(transcript items) -> history items`` for the next agent."""
    model_timeout: float | None = None
    """Seconds one model call may take; past it the call is cancelled and the step fails with a
    ModelError (the run keeps every earlier step; ``run.step()`` retries). None: no limit."""
    input_guardrails: list[Any] | None = None
    """As in the SDK: input guardrails for every run with this config (handoff_nb.guardrail)."""
    output_guardrails: list[Any] | None = None
    """As in the SDK: output guardrails for every run with this config."""
    tool_name_collision_policy: Literal["warn", "error"] = "warn"
    tool_error_formatter: Any = None
    """As in the SDK: ``(ToolErrorFormatterArgs) -> str | None`` words the tool output of a rejected
    approval (handoff_nb.approvals)."""
    """As in the SDK: two tools/handoffs under one name log a warning and the last is kept
    ("warn"), or raise UserError ("error"). See handoff_nb.tool_names."""


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
    hook_error: BaseException | None = None
    """An ``on_agent_end`` hook that raised after this (successful) final step."""
    tool_guardrail_results: list[Any] = field(default_factory=list)
    """The tool input/output guardrail verdicts of this step's tool calls (handoff_nb.tool_guardrails)."""
    edited: list[str] = field(default_factory=list)
    """What was edited before or in this step (history, context, a forced response): every view
    marks the step (handoff_nb.timetravel)."""
    _state_after: _RunState | None = field(default=None, repr=False)
    _request: ModelRequest | None = field(default=None, repr=False)
    _request_input: tuple[list[TResponseInputItem], int] | None = field(default=None, repr=False)

    @property
    def request(self) -> ModelRequest | None:
        """What was sent to the model. A step keeps a reference into the run's append-only
        history instead of its own copy (memory stays linear in the run's length)."""
        if self._request is None or self._request_input is None:
            return self._request
        log, n = self._request_input
        return replace(self._request, input=log[:n])

    @request.setter
    def request(self, value: ModelRequest | None) -> None:
        self._request, self._request_input = value, None

    @property
    def agent_name(self) -> str:
        return self.agent.name

    @property
    def why(self) -> dict[str, Any] | None:
        return self.response.explanation if self.response else None

    @property
    def interrupted(self) -> bool:
        """The step was stopped by Ctrl-C / a kernel interrupt / cancellation."""
        return isinstance(self.error, (KeyboardInterrupt, asyncio.CancelledError))

    def __repr__(self) -> str:
        extra = ""
        if self.handoff:
            extra = f" {self.handoff.source.name} -> {self.handoff.target.name}"
        elif self.interrupted:
            extra = " interrupted"
        elif self.error is not None:
            extra = f" {type(self.error).__name__}"
        return f"Step({self.index}, {self.agent.name!r}, {self.decision}{extra})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return bundle("step", self)  # drawn by handoff_nb.render (handoff_nb.views)


@dataclass(frozen=True)
class _RunState:
    """A run's state between steps. Lists are append-only (a handoff starts new ones), so a state
    is references plus lengths: O(1) to take, and still exact when the run goes on."""

    current_agent: Agent
    input: tuple[list[TResponseInputItem], int]
    generated: tuple[list[RunItem], int]
    log: tuple[list[TResponseInputItem], int]
    all_items: tuple[list[RunItem], int]
    raw_responses: tuple[list[ModelResponse], int]
    turns: int
    context: Any
    started_agent: Agent | None
    used_tools: frozenset[int] = frozenset()


@dataclass
class _Outcome:
    """What a turn decided, applied to the run by ``Run._commit`` only if the turn succeeded."""

    response: ModelResponse
    items: list[RunItem]
    decision: Decision
    handoff: HandoffRecord | None = None
    new_input: list[TResponseInputItem] | None = None
    new_generated: list[RunItem] | None = None
    new_log: list[TResponseInputItem] | None = None
    final_output: Any = None


def _copy_context(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:  # not copyable (locks, clients...): share it
        return value


def _restore_context(wrapper: RunContextWrapper[Any], snapshot: Any) -> None:
    """Put the context back to ``snapshot`` -- in place, so the caller's own reference (the dict
    they passed as ``context=``) sees the rollback too."""
    current = wrapper.context
    if snapshot is current:  # an uncopyable context is shared: nothing to restore
        return
    fresh = _copy_context(snapshot)
    if isinstance(current, dict) and isinstance(fresh, dict):
        current.clear()
        current.update(fresh)
    elif isinstance(current, list) and isinstance(fresh, list):
        current[:] = fresh
    elif type(current) is type(fresh) and hasattr(current, "__dict__"):
        try:
            current.__dict__.clear()
            current.__dict__.update(fresh.__dict__)
        except (AttributeError, TypeError):
            wrapper.context = fresh
    else:
        wrapper.context = fresh


def _tool_guardrail_results(steps: list[Step], kind: type) -> list[Any]:
    return [r for s in steps if s.decision != "error" for r in s.tool_guardrail_results
            if isinstance(r, kind)]


def _attach(error: BaseException, run: Run, step: Step) -> None:
    """Give any exception escaping a step the run and the step (nothing done before it is lost)."""
    try:
        error.run, error.step = run, step  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # pragma: no cover - exceptions with __slots__
        pass
    if isinstance(error, AgentsException) and not error.message.startswith("step "):
        error.message = f"step {step.index} ({step.agent.name}): {error.message}"


def _ref(lst: list[Any]) -> tuple[list[Any], int]:
    return lst, len(lst)


def _deref(ref: tuple[list[Any], int]) -> list[Any]:
    lst, n = ref
    return lst[:n]


class Run:
    """A run you can step through. Create with :meth:`Runner.start`."""

    def __init__(self, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                 context: Any = None, max_turns: Any = _UNSET,
                 hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None,
                 _wrapper: RunContextWrapper[Any] | None = None) -> None:
        starting_agent = maybe_from_sdk(starting_agent)
        if not isinstance(starting_agent, Agent):
            raise UserError(f"starting agent must be a handoff_nb Agent, got "
                            f"{type(starting_agent).__module__}.{type(starting_agent).__name__} "
                            f"{getattr(starting_agent, 'name', '')!r}"[:300])
        self.run_config = run_config or RunConfig()
        self.max_turns: int | None = (
            max_turns if max_turns is not _UNSET else
            self.run_config.max_turns if self.run_config.max_turns is not None
            else DEFAULT_MAX_TURNS)
        if self.max_turns is not None and (not isinstance(self.max_turns, int) or self.max_turns < 1):
            raise UserError(f"max_turns must be an int >= 1 or None (no limit), got {self.max_turns!r}")
        if self.run_config.model_timeout is not None and not self.run_config.model_timeout > 0:
            raise UserError(f"model_timeout must be > 0 seconds or None, got "
                            f"{self.run_config.model_timeout!r}")
        self.hooks = hooks if hooks is not None else RunHooks()  # a falsy hooks object still runs (SDK)
        self.starting_agent = starting_agent
        self.entry_agent = starting_agent
        """The conversation's entry agent (kept across next_turn; restart=True goes back to it)."""
        self.input = input
        self.context_wrapper = _wrapper or RunContextWrapper(context)
        self.current_agent = starting_agent
        self._input = normalize_input(input)
        self._generated: list[RunItem] = []
        self._log: list[TResponseInputItem] = list(self._input)
        """The next request's input: ``_input`` then the generated items, append-only."""
        self._request_input = RequestInput()
        """Each request's input, built from the last one's (handoff_nb.incremental)."""
        self.all_items: list[RunItem] = []
        """Every item the run generated, never filtered (the transcript)."""
        self.raw_responses: list[ModelResponse] = []
        self.steps: list[Step] = []
        self.final_output: Any = None
        self.done = False
        self.input_guardrail_results: list[Any] = []
        self.output_guardrail_results: list[Any] = []
        self._turns = 0
        self._started_agent: Agent | None = None
        self._busy = False
        self._used_tools: frozenset[int] = frozenset()
        self._forced: ModelResponse | None = None
        """A response set by ``force_response`` / ``force_handoff`` for the next step."""
        self._pending_edits: list[str] = []
        """History/context edits made since the last step (the next step is marked with them)."""
        """ids of agents that called a function tool in this run (for reset_tool_choice)."""
        self.trace = _trace_for(self)
        """The handoff_nb.tracing.Trace this run belongs to (None when tracing is disabled)."""
        self._initial = self._state()
        self._context_before = self._initial.context

    # -- public -----------------------------------------------------------------------------
    @property
    def context(self) -> Any:
        return self.context_wrapper.context

    @property
    def initial_items(self) -> list[TResponseInputItem]:
        """The run's input as items (before any filter)."""
        return _deref(self._initial.input)

    @property
    def tool_input_guardrail_results(self) -> list[Any]:
        """As in the SDK: the tool input guardrail verdicts of the run's completed steps."""
        return _tool_guardrail_results(self.steps, ToolInputGuardrailResult)

    @property
    def tool_output_guardrail_results(self) -> list[Any]:
        return _tool_guardrail_results(self.steps, ToolOutputGuardrailResult)

    @property
    def turns_used(self) -> int:
        """Successful model turns so far (what ``max_turns`` counts; failed steps do not)."""
        return self._turns

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
        return RunResult(input=self.input, new_items=list(self._generated),
                         raw_responses=list(self.raw_responses), final_output=self.final_output,
                         last_agent=self.current_agent, context_wrapper=self.context_wrapper,
                         steps=list(self.steps), agent_path=self.agent_path,
                         _input_items=list(self._input), all_items=list(self.all_items),
                         starting_agent=self.starting_agent,
                         input_guardrail_results=list(self.input_guardrail_results),
                         output_guardrail_results=list(self.output_guardrail_results))

    def next_input(self) -> list[TResponseInputItem]:
        """The input items the next turn will send (history after any handoff filter)."""
        return list(self._log)

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
        if self.max_turns is not None and self._turns >= self.max_turns:
            err = MaxTurnsExceeded(f"Max turns ({self.max_turns}) exceeded; agent path so far: "
                                   f"{' -> '.join(self.agent_path)}")
            err.run = self
            raise err
        self._busy = True
        step = Step(index=len(self.steps), agent=self.current_agent, edited=list(self._pending_edits))
        start = time.perf_counter()
        try:
            outcome = await self._turn(step)
        except BaseException as e:  # roll back, record, re-raise with .run and .step
            if isinstance(e, ApprovalRequired):  # the calls that ran are done, as in the SDK:
                self._context_before = _copy_context(self.context)  # their writes are kept
            else:
                _restore_context(self.context_wrapper, self._context_before)
            step.decision, step.error = "error", e
            step.duration_s = time.perf_counter() - start
            step.context_after = _copy_context(self.context)
            self.steps.append(step)
            _attach(e, self, step)
            raise
        finally:
            self._busy = False
        step.duration_s = time.perf_counter() - start
        self._pending_edits = []
        self._commit(step, outcome)
        if outcome.decision == "final_output":
            await self._end_hooks(step)
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
        for response in new.raw_responses:  # usage counts the kept steps, as raw_responses does
            new.context_wrapper.usage.add(response.usage)
        new.entry_agent = self.entry_agent
        new.steps = list(self.steps[:step_index])
        new._initial = self._initial
        new.forked_from = (self, step_index)
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

    @classmethod
    def recorded(cls, starting_agent: Agent, input: str | list[TResponseInputItem],
                 steps: list[Step], *, context: Any = None) -> Run:
        """A finished, read-only Run made of Steps recorded elsewhere (a captured SDK run): every
        view shows it; stepping it raises, ``fork`` works as for any run."""
        run = cls(starting_agent, input, context=context, max_turns=None,
                  run_config=RunConfig(tracing_disabled=True))
        for step in steps:
            run.steps.append(step)
            run.all_items += step.items
            run._generated += step.items
            if step.response is not None:
                run.raw_responses.append(step.response)
            if step.handoff is not None and step.decision == "handoff":
                run.current_agent = step.handoff.target
            step._state_after = run._state()
        finals = [s for s in steps if s.decision == "final_output"]
        if finals:
            run.final_output, run.done = finals[-1].final_output, True
        run._turns = len(steps)
        return run

    # -- time travel (handoff_nb.timetravel) and sessions (handoff_nb.session) -----------------
    def edit_history(self, items: list[TResponseInputItem]) -> None:
        """Replace what the next agent's model will see (after ``fork``/Back). Marked as an edit."""
        from .timetravel import edit_history
        edit_history(self, items)

    def edit_context(self, value: Any) -> None:
        """Replace the run context (JSON-checked when it is a dict). Marked as an edit."""
        from .timetravel import edit_context
        edit_context(self, value)

    def force_response(self, response: Any) -> None:
        """The next step uses ``response`` (a ModelResponse, or its output list) instead of
        calling the model; checked like any model output."""
        from .timetravel import force_response
        force_response(self, response)

    def force_handoff(self, target: Any, arguments: Any = None) -> None:
        """The next step hands off to ``target`` (agent, name or tool name) with ``arguments``,
        validated against the handoff's input_type now (a clear error when invalid)."""
        from .timetravel import force_handoff
        force_handoff(self, target, arguments)

    def run_until(self, **condition: Any) -> Any:
        """Step until a breakpoint: ``handoff=True``, ``before_agent="X"``, ``tool="T"``,
        ``when=lambda context: ...``; returns a ``Break`` with the reason (see timetravel)."""
        from .timetravel import run_until
        return run_sync(run_until(self, **condition))

    def save(self, path: Any) -> Any:
        """Write the session as versioned JSON (secrets scrubbed); ``Run.load`` reads it back."""
        from .session import save
        return save(self, path)

    @classmethod
    def load(cls, path: Any, agents: Agent, *, run_config: RunConfig | None = None) -> Run:
        """A saved session re-bound to ``agents`` (the entry agent of the same graph). It goes on
        with ``run_config`` when given, else on the model it was recorded with when the file can
        bring it back; ``run.continues_on`` (and the repr) says which."""
        from .session import load
        return load(path, agents, run_config)

    def to_html(self, path: Any = None) -> str:
        """One self-contained HTML file of this session (no kernel, no network); returns it."""
        from .session import to_html
        return to_html(self, path)

    def __repr__(self) -> str:
        state = "done" if self.done else f"at {self.current_agent.name!r}"
        loaded = getattr(self, "continues_on", None)  # a loaded session (handoff_nb.session)
        more = f", loaded, continues on {loaded}" if loaded else ""
        return f"Run({len(self.steps)} steps, {state}, path={' -> '.join(self.agent_path)}{more})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return bundle("run", self)

    # -- internals --------------------------------------------------------------------------
    def _state(self) -> _RunState:
        return _RunState(self.current_agent, _ref(self._input), _ref(self._generated),
                         _ref(self._log), _ref(self.all_items), _ref(self.raw_responses),
                         self._turns, _copy_context(self.context), self._started_agent,
                         self._used_tools)

    def _restore(self, s: _RunState) -> None:
        self.current_agent, self._turns, self._started_agent = s.current_agent, s.turns, s.started_agent
        self._used_tools = s.used_tools
        self._input, self._generated = _deref(s.input), _deref(s.generated)
        self._log = _deref(s.log)
        self.all_items, self.raw_responses = _deref(s.all_items), _deref(s.raw_responses)
        self._context_before = s.context

    def _commit(self, step: Step, o: _Outcome) -> None:
        """Apply a successful turn to the run (the only place a step changes run state)."""
        agent, ctx = step.agent, self.context_wrapper
        self._started_agent = agent
        self._turns += 1
        if any(isinstance(i, ToolCallOutputItem) and not isinstance(i, HandoffOutputItem)
               for i in o.items):
            self._used_tools = self._used_tools | {id(agent)}
        self.raw_responses.append(o.response)
        ctx.usage.add(o.response.usage)
        step.items, step.decision, step.handoff = o.items, o.decision, o.handoff
        self.all_items += o.items
        if o.decision == "handoff" and o.handoff is not None:
            assert o.new_input is not None and o.new_generated is not None
            self._input, self._generated = o.new_input, o.new_generated
            assert o.new_log is not None
            self._log = o.new_log
            self.current_agent = step.next_agent = o.handoff.target
        else:
            self._generated += o.items
            self._log += [i.to_input_item() for i in o.items]
            step.next_agent = agent
        if o.decision == "final_output":
            step.final_output = self.final_output = o.final_output
            self.done = True
        step._state_after = self._state()
        step.context_after = self._context_before = step._state_after.context
        self.steps.append(step)

    async def _end_hooks(self, step: Step) -> None:
        ctx, agent = self.context_wrapper, step.agent
        try:
            await self.hooks.on_agent_end(ctx, agent, step.final_output)
            if agent.hooks is not None:
                await agent.hooks.on_end(ctx, agent, step.final_output)
        except BaseException as e:  # the answer is committed: keep it, report the hook
            step.hook_error = e
            _attach(e, self, step)
            raise

    async def _turn(self, step: Step) -> _Outcome:
        """One model turn, computed without changing the run (see the module docstring)."""
        agent, ctx, cfg, hooks = self.current_agent, self.context_wrapper, self.run_config, self.hooks
        if self._started_agent is not agent:
            hook_ctx = AgentHookContext(ctx.context, ctx.usage, turn_input=list(self.next_input()))
            await hooks.on_agent_start(hook_ctx, agent)
            if agent.hooks is not None:
                await agent.hooks.on_start(hook_ctx, agent)

        if self._turns == 0 and agent is self.starting_agent:
            await run_input_guardrails(self, agent)

        # 1. the request
        request, tools, handoffs = await build_request(
            agent, ctx, cfg, self._request_input.next(self._log), step.index,
            reset_tool_choice=agent.reset_tool_choice and id(agent) in self._used_tools)
        model = _resolve_model(agent, cfg)
        output_schema = request.output_schema
        if cfg.call_model_input_filter is not None:
            request = await _filter_model_input(cfg.call_model_input_filter, request, agent, ctx)
            step.request = request  # edited: the step keeps its own copy of what was sent
        else:
            step.request = request
            step._request = replace(request, input=[])
            step._request_input = tag_request(request, self._log)

        # 2. the model
        await hooks.on_llm_start(ctx, agent, request.system_prompt, request.input)
        if agent.hooks is not None:
            await agent.hooks.on_llm_start(ctx, agent, request.system_prompt, request.input)
        if self._forced is not None:  # an edited step (handoff_nb.timetravel): no model call
            raw, step.edited = self._forced, [*step.edited, "response forced"]
            self._forced = None
        else:
            raw = await _call_model(model, request, cfg.model_timeout, step)
        del request  # the step keeps a reference into the history, not a copy
        response = _checked_response(raw, model, step)
        response = replace(response, agent=agent, model_name=response.model_name or model_label(model))
        step.response, step.model_name, step.usage = response, response.model_name, response.usage
        await hooks.on_llm_end(ctx, agent, response)
        if agent.hooks is not None:
            await agent.hooks.on_llm_end(ctx, agent, response)

        # 3. check the whole response before acting on any of it
        tool_by_name = {t.name: t for t in tools}
        handoff_by_name = {h.tool_name: h for h in handoffs}
        items: list[RunItem] = []
        tool_calls, handoff_calls, bad_calls = [], [], []
        for out in response.output:
            if out.get("type") == "function_call":
                name = out["name"]
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
            elif out.get("type") == "reasoning":
                items.append(ReasoningItem(agent, out))  # sent back, not text (SDK)
            else:
                items.append(MessageOutputItem(agent, out))
        error_outputs = [self._error_output(call, err) for call, err in bad_calls]  # raises first
        parsed: Any = None
        parse_error: ModelBehaviorError | None = None
        if handoff_calls:
            h = handoff_by_name[handoff_calls[0]["name"]]
            try:
                parsed = h.parse_input(handoff_calls[0].get("arguments"), agent.name)
            except ModelBehaviorError as e:
                if cfg.model_errors != "return_to_model":
                    raise
                parse_error = e

        # 4. function tools, then errors the model should see
        results: list[FunctionToolResult] = []
        decisions = await decide(self, agent, ctx, tool_calls, tool_by_name, response)  # approvals
        for call in runnable(self, tool_calls):  # calls waiting for an approval wait
            tool = tool_by_name[call["name"]]
            arguments = call.get("arguments") or "{}"
            tool_ctx = ToolContext.of(ctx, tool.name, call["call_id"], arguments, cfg)
            again = ran_before_pause(self, call)  # its hooks fired in the turn that paused
            if not again:
                await hooks.on_tool_start(tool_ctx, agent, tool)
                if agent.hooks is not None:
                    await agent.hooks.on_tool_start(tool_ctx, agent, tool)
            decision = decisions.get(call["call_id"])
            value = (await rejection_output(self, tool, call, decision) if rejected(decision)
                     else await once(self, call, lambda: invoke_guarded(  # tool guardrails
                         tool, tool_ctx, arguments, agent, step.tool_guardrail_results),
                         step.tool_guardrail_results))
            text = tool_output_text(value)
            parts = structured_tool_output(value)  # ToolOutputImage ... go as input parts (SDK)
            raw = function_call_output(call["call_id"], text)
            if parts is not None:
                raw["output"] = parts
            items.append(ToolCallOutputItem(agent, raw, output=value))
            results.append(FunctionToolResult(tool=tool, output=value, run_item=items[-1]))
            if not again:
                await hooks.on_tool_end(tool_ctx, agent, tool, text)
                if agent.hooks is not None:
                    await agent.hooks.on_tool_end(tool_ctx, agent, tool, text)
        raise_if_waiting(self)  # approvals: pause now if a call waits
        items += error_outputs

        # 5. a handoff
        if handoff_calls:
            for extra in handoff_calls[1:]:
                items.append(ToolCallOutputItem(
                    agent, function_call_output(extra["call_id"], IGNORED_HANDOFF_OUTPUT),
                    output=IGNORED_HANDOFF_OUTPUT))
            call = handoff_calls[0]
            if parse_error is not None:
                items.append(self._error_output(call, parse_error))
            else:
                before_handoff = (_copy_context(ctx.context)
                                  if cfg.model_errors == "return_to_model" else None)
                try:
                    return await self._handoff(response, agent, handoff_by_name[call["name"]],
                                               call, parsed, items)
                except HandoffCallbackError as e:
                    if before_handoff is not None:  # undo what the failed callback/filter wrote
                        _restore_context(ctx, before_handoff)
                    items.append(self._error_output(call, e))

        # 6. final output or another turn
        if results and not handoff_calls and not bad_calls:
            decided = await tools_to_final_output(agent, ctx, results)  # Agent(tool_use_behavior=)
            if decided.is_final_output:
                await run_output_guardrails(self, agent, decided.final_output)
                return _Outcome(response, items, "final_output", final_output=decided.final_output)
        if tool_calls or handoff_calls or bad_calls:
            return _Outcome(response, items, "run_again")
        final_output = final_output_of(agent, response.text, output_schema)  # Agent(output_type=)
        await run_output_guardrails(self, agent, final_output)
        return _Outcome(response, items, "final_output", final_output=final_output)

    def _error_output(self, call: dict[str, Any], err: AgentsException) -> ToolCallOutputItem:
        """Answer a failed call with the error (RunConfig.model_errors="return_to_model"), or raise."""
        if self.run_config.model_errors != "return_to_model":
            raise err
        text = f"Error: {err.message}"
        return ToolCallOutputItem(self.current_agent, function_call_output(call["call_id"], text),
                                  output=text)

    async def _handoff(self, response: ModelResponse, agent: Agent, h: Handoff[Any],
                       call: dict[str, Any], parsed: Any, items: list[RunItem]) -> _Outcome:
        ctx = self.context_wrapper
        try:
            target = await _target_of(h, ctx, call.get("arguments") or "{}")
            await h.invoke(ctx, parsed)
        except UserError:
            raise
        except Exception as e:
            raise HandoffCallbackError(f"on_handoff of {h.tool_name!r} ({agent.name} -> "
                                       f"{h.agent_name}) raised {type(e).__name__}: {e}") from e
        await self.hooks.on_handoff(ctx, agent, target)
        if agent.hooks is not None:  # as SDK 0.24 does: the handing-off agent's hooks hear it
            await agent.hooks.on_handoff(ctx, agent=target, source=agent)
        items = items + [HandoffOutputItem(agent, function_call_output(
            call["call_id"], h.get_transfer_message(target)), source_agent=agent, target_agent=target)]

        data = HandoffInputData(tuple(self._input), tuple(self._generated), tuple(items), ctx)
        flt = h.input_filter or self.run_config.handoff_input_filter
        nest = (h.nest_handoff_history if h.nest_handoff_history is not None
                else self.run_config.nest_handoff_history)
        if flt is None and nest:
            flt = _nest_filter(self.run_config.handoff_history_mapper)
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
        # the next agent sees the (filtered) history under its own instructions and tools
        new_input = (record.history_after[:len(filtered.input_history)]
                     if not isinstance(filtered.input_history, str)
                     else normalize_input(filtered.input_history))
        model_items = filtered.new_items if filtered.input_items is None else filtered.input_items
        # the run's result keeps the earlier items as they were, with this turn's filtered items
        # (what the SDK's to_input_list() returns); the next model sees only the filtered view
        return _Outcome(response, items, "handoff", handoff=record, new_input=new_input,
                        new_generated=list(self._generated) + list(filtered.new_items),
                        new_log=new_input + [i.to_input_item() for i in
                                             (*filtered.pre_handoff_items, *model_items)])


async def _call_model(model: Any, request: ModelRequest, timeout: float | None, step: Step) -> Any:
    """The model call, bounded by ``timeout`` (the call is cancelled when it runs out). In a
    streamed run the stream sink makes the call (handoff_nb.streaming: the only seam)."""
    sink = active_sink()
    call = sink.call_model(model, request) if sink is not None else model.get_response(request)
    if timeout is None:
        return await call
    try:
        return await asyncio.wait_for(call, timeout)
    except asyncio.TimeoutError:
        raise ModelError(f"model {model_label(model)!r} did not answer within "
                         f"RunConfig.model_timeout={timeout:g} s (the call was cancelled)") from None


def _checked_response(raw: Any, model: Any, step: Step) -> ModelResponse:
    """The model's response, checked item by item; anything malformed is a ModelBehaviorError
    naming the model and what is wrong. Assistant content given as a list of parts is accepted."""
    who = f"model {model_label(model)!r}"
    if not isinstance(raw, ModelResponse):
        raise ModelBehaviorError(f"{who} returned {type(raw).__name__}, not a ModelResponse: "
                                 f"{raw!r}"[:400])
    if not isinstance(raw.output, (list, tuple)):
        raise ModelBehaviorError(f"{who} returned output of type {type(raw.output).__name__}, "
                                 f"expected a list of items")
    output: list[dict[str, Any]] = []
    for i, out in enumerate(raw.output):
        if not isinstance(out, dict):
            raise ModelBehaviorError(f"{who}: output item {i} is {type(out).__name__}, not a dict: "
                                     f"{out!r}"[:400])
        if out.get("type") == "function_call":
            missing = [k for k in ("call_id", "name") if not isinstance(out.get(k), str) or not out.get(k)]
            if missing:
                raise ModelBehaviorError(f"{who}: function_call {i} has no {' or '.join(missing)}: "
                                         f"{out!r}"[:400])
            args = out.get("arguments")
            if args is None or isinstance(args, dict):
                import json
                out = {**out, "arguments": json.dumps(args or {})}
            elif not isinstance(args, str):
                raise ModelBehaviorError(f"{who}: function_call {out['name']!r} has arguments of "
                                         f"type {type(args).__name__}, expected a JSON string")
            output.append(out)
        elif out.get("role") == "assistant":
            content = out.get("content")
            if content is not None and not isinstance(content, (str, list)):
                raise ModelBehaviorError(f"{who}: assistant content of type "
                                         f"{type(content).__name__}: {out!r}"[:400])
            output.append(out if isinstance(content, str) else {**out, "content": content_text(out)})
        elif out.get("type") == "reasoning":
            output.append(out)  # a ReasoningItem, sent back with the history (SDK)
        else:
            raise ModelBehaviorError(f"{who} returned an output item the runner does not "
                                     f"understand: {out!r}"[:400])
    usage = raw.usage if isinstance(raw.usage, Usage) else Usage(requests=1)
    return replace(raw, output=output, usage=usage)


async def build_request(agent: Agent, ctx: RunContextWrapper[Any], cfg: RunConfig,
                        input_items: list[TResponseInputItem], step_index: int = 0, *,
                        reset_tool_choice: bool = False
                        ) -> tuple[ModelRequest, list[Any], list[Handoff[Any]]]:
    """The request ``agent`` would send now: system prompt parts, history, enabled function tools
    then enabled handoffs. Returns it with the tools and handoffs it was built from."""
    instructions = await agent.get_system_prompt(ctx)
    tools = await agent.get_enabled_tools(ctx)
    handoffs = await agent.get_enabled_handoffs(ctx)
    tools, handoffs = resolve_tool_name_collisions(
        tools, handoffs, collision_policy=cfg.tool_name_collision_policy, agent_name=agent.name)
    request = ModelRequest(
        agent_name=agent.name, instructions=instructions,
        handoff_instructions=handoff_instructions_block(handoffs) if cfg.handoff_instructions else None,
        input=input_items,
        tools=[t.chat_spec() for t in tools] + [h.chat_spec() for h in handoffs],
        model_settings=_settings(agent, cfg, reset_tool_choice),
        handoffs=tuple(_handoff_info(h) for h in handoffs), step_index=step_index,
        output_schema=output_schema_of(agent), tool_objects=tuple(tools), handoff_objects=tuple(handoffs))
    return request, tools, handoffs


def preview_request(agent: Agent, input: str | list[TResponseInputItem] = (), *, context: Any = None,
                    run_config: RunConfig | None = None) -> ModelRequest:
    """The request ``agent`` would send for ``input``, without calling any model (for inspectors)."""
    return run_sync(build_request(agent, RunContextWrapper(context), run_config or RunConfig(),
                                  normalize_input(input if isinstance(input, str) else list(input))))[0]


def _settings(agent: Agent, cfg: RunConfig, reset_tool_choice: bool) -> ModelSettings:
    settings = agent.model_settings.resolve(cfg.model_settings)
    if reset_tool_choice and settings.tool_choice not in (None, "auto"):
        settings = replace(settings, tool_choice=None)
    return settings


def _trace_for(run: Run) -> Any:
    """The trace a new run belongs to: the current ``with trace(...)``, else one of its own."""
    cfg = run.run_config
    if cfg.tracing_disabled:
        return None
    current = tracing._register_run(run)
    if current is not None or tracing.get_current_trace() is not None or tracing._disabled:
        return current
    own = tracing.trace(cfg.workflow_name, trace_id=cfg.trace_id, group_id=cfg.group_id,
                        metadata=cfg.trace_metadata)
    own.automatic = True
    own.runs.append(run)
    return own


async def _filter_model_input(fn: Any, request: ModelRequest, agent: Agent,
                              ctx: RunContextWrapper[Any]) -> ModelRequest:
    data = CallModelData(model_data=ModelInputData(input=list(request.input),
                                                   instructions=request.instructions),
                         agent=agent, context=ctx.context)
    try:
        out = await maybe_await(fn(data))
    except Exception as e:
        raise UserError(f"call_model_input_filter {_name(fn)} raised {type(e).__name__}: {e}") from e
    if not isinstance(out, ModelInputData):
        raise UserError(f"call_model_input_filter {_name(fn)} must return ModelInputData, got "
                        f"{type(out).__name__}")
    # a filter's duplicates collapse to their latest value, calls before outputs (SDK 0.24)
    return replace(request, input=collapse_duplicates(normalize_input(list(out.input))),
                   instructions=out.instructions)


def _history(data: HandoffInputData) -> list[TResponseInputItem]:
    """What the next agent's model sees: the history, then the earlier items, then this turn's
    (or ``input_items`` when a filter set them)."""
    history = normalize_input(data.input_history if isinstance(data.input_history, str)
                              else list(data.input_history))
    model_items = data.new_items if data.input_items is None else data.input_items
    return history + [i.to_input_item() for i in (*data.pre_handoff_items, *model_items)]


async def _target_of(h: Handoff[Any], ctx: RunContextWrapper[Any], arguments: str) -> Agent:
    """The agent a taken handoff goes to: its ``agent``, or what ``on_invoke_handoff`` returns."""
    if chooses_target_in_code(h):
        target = maybe_from_sdk(await maybe_await(h.on_invoke_handoff(ctx, arguments)))
        if not isinstance(target, Agent):
            raise UserError(f"on_invoke_handoff of {h.tool_name!r} must return an Agent, got "
                            f"{type(target).__name__}")
        return target
    if h.agent is None:
        raise UserError(f"handoff {h.tool_name!r} has no target agent and no on_invoke_handoff")
    return h.agent


def _nest_filter(mapper: Any) -> Any:

    def nest_handoff_history_filter(data: HandoffInputData) -> HandoffInputData:
        return nest_handoff_history(data, history_mapper=mapper)
    return nest_handoff_history_filter


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _handoff_info(h: Handoff[Any]) -> HandoffInfo:
    return HandoffInfo(tool_name=h.tool_name, target=h.agent_name, tool_description=h.tool_description,
                       description=h.description,
                       target_handoff_description=h.agent.handoff_description if h.agent else None,
                       input_json_schema=h.input_json_schema,
                       target_instructions=(h.agent.instructions if h.agent is not None
                                            and isinstance(h.agent.instructions, str) else None),
                       target_routes=routes_below(h.agent))


def _resolve_model(agent: Agent, cfg: RunConfig) -> Model:
    if cfg.model is not None:
        return adapt(resolve_model(cfg.model, from_run_config=True))
    return adapt(resolve_model(agent.model))


class Runner:
    """Mirrors ``agents.Runner``; adds :meth:`start` for stepping."""

    @classmethod
    def start(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
              context: Any = None, max_turns: Any = _UNSET,
              hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None,
              **options: Any) -> Run:
        """A Run to step. ``options``: the SDK's conversation keywords (handoff_nb.conversation),
        or ``engine="sdk"``: the real SDK runs the turns (handoff_nb.sdk_engine)."""
        if options.get("engine", "handoff_nb") != "handoff_nb":
            return engine(options["engine"])(options, starting_agent, input, context=context,
                                max_turns=None if max_turns is _UNSET else max_turns, hooks=hooks,
                                run_config=run_config)
        if options:
            return start_with_options(cls, starting_agent, input, options, context=context,
                                      max_turns=max_turns, hooks=hooks, run_config=run_config)
        return Run(starting_agent, input, context=context, max_turns=max_turns, hooks=hooks,
                   run_config=run_config)

    @classmethod
    async def run(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                  context: Any = None, max_turns: Any = _UNSET,
                  hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None,
                  **options: Any) -> RunResult:
        if options.get("engine", "handoff_nb") != "handoff_nb":
            return await cls.start(starting_agent, input, context=context, max_turns=max_turns,
                                   hooks=hooks, run_config=run_config, **options).arun()
        if options:  # session=, previous_response_id=, ... (handoff_nb.conversation)
            return await run_with_options(cls, starting_agent, input, options, context=context,
                                          max_turns=max_turns, hooks=hooks, run_config=run_config)
        if isinstance(input, RunState):  # approvals given: go on from the paused turn
            return await resume(input)
        return await run_until_interrupted(cls.start(starting_agent, input, context=context,
                                                     max_turns=max_turns, hooks=hooks,
                                                     run_config=run_config))

    @classmethod
    def run_streamed(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                     context: Any = None, max_turns: Any = _UNSET,
                     hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None,
                     **options: Any) -> RunResultStreaming:
        """Start a run whose events you iterate: ``async for e in result.stream_events()``
        (the SDK's event classes and order; see handoff_nb.stream_events)."""
        if options:
            return streamed_with_options(cls, starting_agent, input, options, context=context,
                                         max_turns=max_turns, hooks=hooks, run_config=run_config)
        if isinstance(input, RunState):  # approvals given: stream on from the paused turn
            return RunResultStreaming(resumed_run(input))
        return RunResultStreaming(cls.start(starting_agent, input, context=context,
                                            max_turns=max_turns, hooks=hooks, run_config=run_config))

    @classmethod
    def run_sync(cls, starting_agent: Agent, input: str | list[TResponseInputItem], *,
                 context: Any = None, max_turns: Any = _UNSET,
                 hooks: RunHooks[Any] | None = None, run_config: RunConfig | None = None,
                 **options: Any) -> RunResult:
        """Like :meth:`run`, from synchronous code -- also inside a Jupyter cell."""
        return run_sync(cls.run(starting_agent, input, context=context, max_turns=max_turns,
                                hooks=hooks, run_config=run_config, **options))
