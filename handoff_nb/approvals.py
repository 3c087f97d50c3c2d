"""Human-in-the-loop tool approvals, mirroring the SDK's: a tool made with
``function_tool(needs_approval=True)`` (or a function ``(ctx, params, call_id) -> bool``) is not
run until someone approves the call. The run stops with ``result.interruptions`` (one
:class:`ToolApprovalItem` per call waiting); ``state = result.to_state()``,
``state.approve(item)`` / ``state.reject(item)``, then ``Runner.run(agent, state)`` goes on from
the same model response (no new model call): approved calls run, rejected ones answer the model
with a rejection message.

Seams with the runner: :func:`decide` before a turn's tools run, :func:`runnable` (the calls not
waiting), :func:`once` around each call, :func:`raise_if_waiting` after them (raises
:class:`ApprovalRequired` while a call waits: the turn's other calls have run, and are not run
again on resume), and :func:`run_until_interrupted` around ``Run.arun`` in ``Runner.run``.
``RunState.to_json()`` / ``from_json`` keep the paused run in this process (the SDK's JSON
state is not mirrored: the SDK engine runs that).
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from ._util import maybe_await
from .errors import AgentsException, UserError
from .items import _RunItemBase
from .not_mirrored import not_mirrored
from .tools import default_tool_error_function

REJECTION = "Tool execution was not approved."


@dataclass
class ToolApprovalItem(_RunItemBase):
    """A tool call waiting for approval (``name``, ``arguments``, ``call_id``, ``agent``)."""

    type: Literal["tool_approval_item"] = "tool_approval_item"

    @property
    def name(self) -> str:
        return self.raw_item.get("name", "")

    @property
    def tool_name(self) -> str:
        return self.name

    @property
    def arguments(self) -> str:
        return self.raw_item.get("arguments") or "{}"

    @property
    def call_id(self) -> str:
        return self.raw_item.get("call_id", "")


class ApprovalRequired(AgentsException):
    """Raised inside a turn while tool calls wait for approval (Runner.run turns it into a
    result with ``interruptions``)."""

    def __init__(self, items: list[ToolApprovalItem], response: Any) -> None:
        super().__init__(f"{len(items)} tool call(s) need approval: "
                         + ", ".join(i.name for i in items))
        self.items, self.response = items, response


async def decide(run: Any, agent: Any, ctx: Any, tool_calls: list[dict[str, Any]],
                 tool_by_name: dict[str, Any], response: Any) -> dict[str, bool]:
    """The approval decisions for this turn's calls (call_id -> approved). Calls that need an
    approval not given yet are left out of :func:`runnable`; as in the SDK the turn's other
    calls run first, then :func:`raise_if_waiting` pauses the run."""
    decisions: dict[str, bool] = getattr(run, "_approvals", None) or {}
    pending = []
    for call in tool_calls:
        need = getattr(tool_by_name[call["name"]], "needs_approval", False)
        if callable(need):
            try:
                params = json.loads(call.get("arguments") or "{}")
            except ValueError:
                params = {}
            need = await maybe_await(need(ctx, params, call["call_id"]))
        if need and call["call_id"] not in decisions:
            pending.append(ToolApprovalItem(agent, dict(call)))
    run._waiting = (pending, response) if pending else None
    return decisions


def runnable(run: Any, tool_calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """This turn's calls that may run now (not waiting for an approval)."""
    waiting = {i.call_id for i in (getattr(run, "_waiting", None) or ([], None))[0]}
    return [c for c in tool_calls if c["call_id"] not in waiting]


async def once(run: Any, call: dict[str, Any], invoke: Any, verdicts: list[Any]) -> Any:
    """``await invoke()`` for ``call``, but at most once across a pause: a call that ran in a
    turn that then paused for approvals is not run again when the turn is taken again on
    resume (its output is reused, as the SDK keeps completed results), and the tool guardrail
    verdicts it added to ``verdicts`` (the step's list) are added again to the new step's."""
    kept = run.__dict__.setdefault("_outputs_before_pause", {})
    if call["call_id"] in kept:
        value, checked = kept.pop(call["call_id"])
        verdicts.extend(checked)
        return value
    start = len(verdicts)
    value = await invoke()
    if getattr(run, "_waiting", None):
        kept[call["call_id"]] = (value, verdicts[start:])
    return value


def ran_before_pause(run: Any, call: dict[str, Any]) -> bool:
    """Did ``call`` run in the turn that paused (so :func:`once` reuses its output)?"""
    return call["call_id"] in run.__dict__.get("_outputs_before_pause", {})


def raise_if_waiting(run: Any) -> None:
    """After the turn's runnable calls: pause the run if calls wait for approval."""
    waiting, run._waiting = getattr(run, "_waiting", None), None
    if waiting:
        raise ApprovalRequired(*waiting)


@dataclass
class ToolErrorFormatterArgs:
    """What ``RunConfig(tool_error_formatter=...)`` receives (as in the SDK)."""

    kind: Literal["approval_rejected", "tool_not_found", "tool_exception"]
    tool_type: Literal["function", "computer", "shell", "apply_patch", "custom"]
    tool_name: str
    call_id: str
    default_message: str
    run_context: Any
    error: Exception | None = None

    def __class_getitem__(cls, item: Any) -> Any:
        return cls


def rejected(decision: Any) -> bool:
    return decision is False or isinstance(decision, str)


async def rejection_output(run: Any, tool: Any, call: dict[str, Any], decision: Any) -> str:
    """The tool output of a rejected call: the rejection's own message, else
    ``RunConfig.tool_error_formatter``'s, else the SDK's default text."""
    if isinstance(decision, str):
        return decision
    formatter = getattr(run.run_config, "tool_error_formatter", None)
    if formatter is not None:
        text = await maybe_await(formatter(ToolErrorFormatterArgs(
            kind="approval_rejected", tool_type="function", tool_name=tool.name,
            call_id=call["call_id"], default_message=REJECTION, run_context=run.context_wrapper)))
        if text is not None:
            return str(text)
    return REJECTION


async def formatted_tool_error(ctx: Any, tool_name: str, error: Exception) -> str | None:
    """``RunConfig.tool_error_formatter``'s wording of a tool's exception (kind
    ``"tool_exception"``, as in the SDK), or None: the run has no formatter, or it returned no
    string or raised (then the tool's default sentence is used; the failure is logged without
    the exception's text, which may hold private data)."""
    formatter = getattr(getattr(ctx, "run_config", None), "tool_error_formatter", None)
    if formatter is None:
        return None
    args = ToolErrorFormatterArgs(kind="tool_exception", tool_type="function", tool_name=tool_name,
                                  call_id=getattr(ctx, "tool_call_id", "") or "",
                                  default_message=default_tool_error_function(ctx, error),
                                  run_context=ctx, error=error)
    try:
        text = await maybe_await(formatter(args))
    except Exception as e:  # noqa: BLE001 - a formatter's failure must not fail the run
        logging.getLogger("openai.agents").warning(
            "tool_error_formatter raised %s for tool %s; the default message was used",
            type(e).__name__, tool_name)
        return None
    return text if isinstance(text, str) else None


_states: dict[str, RunState] = {}
_ids = itertools.count(1)


class RunState:
    """A run paused for approvals (``result.to_state()``)."""

    def __init__(self, run: Any, interruptions: list[ToolApprovalItem], response: Any) -> None:
        self.run, self.interruptions, self.response = run, list(interruptions), response
        self._key = f"run-state-{next(_ids)}"

    def get_interruptions(self) -> list[ToolApprovalItem]:
        """The tool calls waiting for a decision (as the SDK's ``RunState.get_interruptions``)."""
        return list(self.interruptions)

    def approve(self, item: ToolApprovalItem, always_approve: bool = False) -> None:
        self._decide(item, True)

    def reject(self, item: ToolApprovalItem, always_reject: bool = False,
               rejection_message: str | None = None) -> None:
        self._decide(item, rejection_message if rejection_message is not None else False)

    def _decide(self, item: Any, ok: bool | str) -> None:
        if not hasattr(self.run, "_approvals"):
            self.run._approvals = {}
        self.run._approvals[getattr(item, "call_id", item)] = ok

    def to_json(self) -> dict[str, Any]:
        """A reference to this paused run, valid in this process."""
        _states[self._key] = self
        return {"$handoff_nb_run_state": self._key,
                "interruptions": [{"name": i.name, "arguments": i.arguments, "call_id": i.call_id}
                                  for i in self.interruptions]}

    def to_string(self) -> str:
        return json.dumps(self.to_json())

    @classmethod
    async def from_json(cls, agent: Any, data: dict[str, Any], **_: Any) -> RunState:
        state = _states.get(data.get("$handoff_nb_run_state", "")) if isinstance(data, dict) else None
        if state is None:
            raise not_mirrored("RunState.from_json of a state saved by another process (or by the SDK)")
        return state

    @classmethod
    async def from_string(cls, agent: Any, text: str, **kw: Any) -> RunState:
        return await cls.from_json(agent, json.loads(text), **kw)


class InterruptedResult:
    """What ``Runner.run`` returns while tool calls wait for approval."""

    def __init__(self, run: Any, error: ApprovalRequired) -> None:
        self._run, self.interruptions, self._response = run, list(error.items), error.response
        self.final_output = None

    def to_state(self) -> RunState:
        return RunState(self._run, self.interruptions, self._response)

    @property
    def new_items(self) -> list[Any]:
        return list(self._run._generated)

    @property
    def last_agent(self) -> Any:
        return self._run.current_agent

    @property
    def input(self) -> Any:
        return self._run.input

    @property
    def context_wrapper(self) -> Any:
        return self._run.context_wrapper

    @property
    def raw_responses(self) -> list[Any]:
        return list(self._run.raw_responses)

    def to_input_list(self) -> list[dict[str, Any]]:
        return [dict(i) for i in self._run._input] + [i.to_input_item() for i in self._run._generated]

    def __repr__(self) -> str:
        return f"InterruptedResult({len(self.interruptions)} tool call(s) waiting for approval)"


async def run_until_interrupted(run: Any) -> Any:
    """``run.arun()``; a turn waiting for approvals ends it with an :class:`InterruptedResult`."""
    try:
        return await run.arun()
    except ApprovalRequired as e:
        if run.steps and run.steps[-1].error is e:
            run.steps.pop()  # the paused attempt: it is taken again, from the same response
        return InterruptedResult(run, e)


def resumed_run(state: RunState) -> Any:
    """The paused run of ``state``, set to take the paused turn again from its recorded response
    (``Runner.run_streamed(agent, state)`` streams it)."""
    if not isinstance(state, RunState):
        raise UserError(f"expected a RunState, got {type(state).__name__}")
    state.run._forced = state.response
    return state.run


async def resume(state: RunState) -> Any:
    """``Runner.run(agent, state)``: the paused turn again, from the recorded response."""
    run = resumed_run(state)
    before = len(run.steps)
    try:
        return await run_until_interrupted(run)
    finally:
        if len(run.steps) > before:  # the taken-again turn is not an edit
            step = run.steps[before]
            step.edited = [e for e in step.edited if e != "response forced"]
