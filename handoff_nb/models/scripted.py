"""ScriptedModel: canned replies for tests and lessons.

    model = ScriptedModel([
        handoff_to("BillingSpecialist", {"summary": "double charge"}),
        say("I have refunded the second charge."),
    ])

Each reply answers one model call, in order. ``model.calls`` holds the requests it received; a call
past the end raises :class:`~handoff_nb.errors.ScriptExhausted` showing the request, and
``assert_complete()`` fails if some replies were never used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..context import Usage
from ..errors import ScriptExhausted
from ..handoffs import transform_string_function_style
from ..incremental import recorded
from .interface import ModelRequest, ModelResponse


@dataclass(frozen=True)
class Reply:
    """One scripted model reply: optional text and any number of tool calls ``(name, args)``.

    A tool name may be given as ``"@Agent Name"`` (what :func:`handoff_to` does): it resolves, at
    call time, to the tool name of the enabled handoff whose target is that agent.
    """

    text: str | None = None
    calls: tuple[tuple[str, str], ...] = ()

    def then(self, other: Reply) -> Reply:
        """Combine two replies into one response (text, then every call)."""
        text = "".join(t for t in (self.text, other.text) if t) or None
        return Reply(text=text, calls=self.calls + other.calls)


def say(text: str) -> Reply:
    return Reply(text=text)


def _args(args: dict[str, Any] | str | None) -> str:
    if args is None:
        return "{}"
    return args if isinstance(args, str) else json.dumps(args)


def call_tool(name: str, args: dict[str, Any] | str | None = None) -> Reply:
    """Call a function tool (or any tool by its exact name); ``args`` may be a raw string."""
    return Reply(calls=((name, _args(args)),))


def handoff_to(agent_name: str, args: dict[str, Any] | str | None = None) -> Reply:
    """Call the handoff tool leading to ``agent_name`` (whatever its tool name is)."""
    return Reply(calls=(("@" + agent_name, _args(args)),))


class ScriptedModel:
    name = "scripted"

    def __init__(self, replies: Sequence[Reply | str | Callable[[ModelRequest], Reply]] = ()) -> None:
        self.replies: list[Any] = list(replies)
        self.calls: list[ModelRequest] = []
        self._next = 0

    def add(self, *replies: Reply | str | Callable[[ModelRequest], Reply]) -> ScriptedModel:
        self.replies.extend(replies)
        return self

    @property
    def remaining(self) -> int:
        return len(self.replies) - self._next

    def assert_complete(self) -> None:
        if self.remaining:
            raise AssertionError(f"ScriptedModel: {self.remaining} scripted repl"
                                 f"{'y was' if self.remaining == 1 else 'ies were'} never used "
                                 f"(used {self._next} of {len(self.replies)})")

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        self.calls.append(recorded(request))  # no copy of the history per call
        if self._next >= len(self.replies):
            last_user = next((i.get("content") for i in reversed(request.input)
                              if i.get("role") == "user"), None)
            raise ScriptExhausted(
                f"ScriptedModel ran out of replies: call {len(self.calls)} (agent "
                f"{request.agent_name!r}, last user message {last_user!r}) but only "
                f"{len(self.replies)} were scripted")
        reply = self.replies[self._next]
        self._next += 1
        if callable(reply) and not isinstance(reply, Reply):
            reply = reply(request)
        if isinstance(reply, str):
            reply = say(reply)
        return self._response(reply, request, len(self.calls))

    def _response(self, reply: Reply, request: ModelRequest, n: int) -> ModelResponse:
        output: list[dict[str, Any]] = []
        if reply.text is not None:
            output.append({"role": "assistant", "content": reply.text})
        for k, (name, args) in enumerate(reply.calls):
            if name.startswith("@"):
                target = name[1:]
                name = next((h.tool_name for h in request.handoffs if h.target == target),
                            transform_string_function_style(f"transfer_to_{target}"))
            output.append({"type": "function_call", "call_id": f"call_{n}_{k}", "name": name,
                           "arguments": args})
        return ModelResponse(output=output, usage=Usage(requests=1), model_name=self.name,
                             response_id=f"scripted-{n}")
