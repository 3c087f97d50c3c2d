"""Time travel you can teach with: edit the state at a step, force a model response, break.

After Back (or ``run.fork(i)``), change what the next step will work with -- the history the
next agent's model sees (:func:`edit_history`), the run context (:func:`edit_context`), or the
model's answer itself (:func:`force_response`, :func:`force_handoff`: "what if the model had
called route_to_sales here?") -- then step on. The step that follows is marked ``step.edited``
everywhere (transcript, graph, exports); the original run is untouched, so
:func:`what_changed_html` can put both paths side by side.

Breakpoints: :func:`run_until` steps until a handoff happens, before an agent speaks, when a
tool is called, or when a condition on the context holds, and says why it stopped.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from ._util import run_sync
from .errors import ModelBehaviorError, UserError
from .items import normalize_input
from .models.interface import ModelResponse
from .render.what_changed import MIN_GRAPH_SCALE, what_changed_html  # the view lives in render/
from .run import build_request

__all__ = ["Break", "edit_context", "edit_history", "force_handoff", "force_response", "run_until",
           "what_changed_html"]


def _editable(run: Any) -> None:
    if run.done:
        raise UserError("this run is finished: fork it first (run.fork(i), or Back in the Stepper) "
                        "to edit a step")
    if run._busy:
        raise UserError("a step of this run is in progress")


def edit_history(run: Any, items: list[dict[str, Any]]) -> None:
    _editable(run)
    new = normalize_input(items)
    for i, item in enumerate(new):
        if item.get("role") not in ("user", "assistant", "system", "developer") \
                and item.get("type") not in ("function_call", "function_call_output"):
            raise UserError(f"history item {i} is not a message, tool call or tool output: {item!r}")
    run._input, run._generated, run._log = new, [], list(new)
    run._pending_edits.append(f"history edited ({len(new)} items)")


def edit_context(run: Any, value: Any) -> None:
    _editable(run)
    if isinstance(value, str):  # the Stepper's JSON editor
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise UserError(f"the context is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    if isinstance(run.context, dict) and not isinstance(value, dict):
        raise UserError(f"the context is a dict; got {type(value).__name__}")
    current = run.context_wrapper.context
    if isinstance(current, dict) and isinstance(value, dict):
        current.clear()
        current.update(copy.deepcopy(value))
    else:
        run.context_wrapper.context = copy.deepcopy(value)
    run._context_before = copy.deepcopy(run.context_wrapper.context)
    run._pending_edits.append("context edited")


def force_response(run: Any, response: Any) -> None:
    _editable(run)
    if isinstance(response, list):
        response = ModelResponse(output=response, model_name="forced")
    if not isinstance(response, ModelResponse):
        raise UserError(f"force_response needs a ModelResponse or its output list, got {type(response).__name__}")
    if not response.model_name:
        from dataclasses import replace
        response = replace(response, model_name="forced")
    run._forced = response


def force_handoff(run: Any, target: Any, arguments: Any = None) -> None:
    """Force the next step to take a handoff, validating the arguments now."""
    _editable(run)
    _, _, handoffs = run_sync(build_request(run.current_agent, run.context_wrapper, run.run_config,
                                            run.next_input(), len(run.steps)))
    name = getattr(target, "name", target)
    match = [h for h in handoffs if name in (h.tool_name, h.agent_name)]
    if not match:
        options = ", ".join(f"{h.tool_name} (-> {h.agent_name})" for h in handoffs) or "(none)"
        raise UserError(f"{run.current_agent.name} has no enabled handoff to {name!r}; it can take: {options}")
    h = match[0]
    args = arguments if isinstance(arguments, str) else json.dumps(arguments if arguments is not None else {})
    try:
        h.parse_input(args, run.current_agent.name)
    except ModelBehaviorError as e:
        raise UserError(f"forced handoff {h.tool_name!r}: {e.message}") from None
    force_response(run, [{"type": "function_call", "call_id": f"forced_{len(run.steps)}",
                          "name": h.tool_name, "arguments": args}])


@dataclass
class Break:
    """Why ``run_until`` stopped: ``reason`` in words, and the last step taken (None if none)."""

    reason: str
    step: Any = None
    done: bool = False

    def __repr__(self) -> str:
        return f"Break({self.reason!r})"


async def run_until(run: Any, *, handoff: bool = False, before_agent: str | None = None,
                    tool: str | None = None, when: Any = None, max_steps: int = 100) -> Break:
    if not (handoff or before_agent or tool or when):
        raise UserError("run_until needs a condition: handoff=True, before_agent=..., tool=... or when=...")
    last = None
    for _ in range(max_steps):
        if run.done:
            return Break("the run finished without reaching the breakpoint", last, done=True)
        if before_agent is not None and last is not None and run.current_agent.name == before_agent:
            return Break(f"before {before_agent} (step {len(run.steps)} would be its turn)", last)
        if when is not None and last is not None and when(run.context):
            return Break(f"the condition on the context holds before step {len(run.steps)}", last)
        last = await run.astep()
        if handoff and last.decision == "handoff":
            return Break(f"after step {last.index}: {last.handoff.source.name} handed off to "
                         f"{last.handoff.target.name}", last)
        if tool is not None and any(getattr(i, "type", "") == "tool_call_item"
                                    and i.raw_item.get("name") == tool for i in last.items):
            return Break(f"step {last.index} called the tool {tool!r}", last)
        if before_agent is not None and run.current_agent.name == before_agent and not run.done:
            return Break(f"before {before_agent} (step {len(run.steps)} would be its turn)", last)
        if when is not None and when(run.context):
            return Break(f"the condition on the context holds after step {last.index}", last)
    return Break(f"stopped after {max_steps} steps without reaching the breakpoint", last)
