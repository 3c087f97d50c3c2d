"""Handoffs: a tool the model can call to pass the conversation to another agent.

Mirrors ``agents.handoffs``: :class:`Handoff`, :func:`handoff`, :class:`HandoffInputData`, with the
SDK's default tool names, descriptions and strict schemas. Additions for seed 000/001 code:
``description=`` (the short label shown in the HANDOFF_INSTRUCTIONS block), ``tool_name=`` /
``tool_description=`` aliases, and ``input_type`` without ``on_handoff``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .views import bundle
from ._util import count_positional_params, maybe_await
from .context import RunContextWrapper
from .errors import ModelBehaviorError, UserError
from .items import RunItem, TResponseInputItem
from .strict_schema import ensure_strict_json_schema
from .items import normalize_input

if TYPE_CHECKING:  # pragma: no cover
    from .agent import Agent

TContext = TypeVar("TContext")


@dataclass(frozen=True)
class HandoffInputData:
    """What an input filter receives and returns.

    ``input_history`` is the run's input (always a tuple of input items here; the SDK may pass a
    plain string), ``pre_handoff_items`` the items generated before this turn, ``new_items`` this
    turn's items including the handoff call and its output.
    """

    input_history: tuple[TResponseInputItem, ...] | str
    pre_handoff_items: tuple[RunItem, ...]
    new_items: tuple[RunItem, ...] = ()
    run_context: RunContextWrapper[Any] | None = None
    input_items: tuple[RunItem, ...] | None = None
    """When set, the next agent's model sees these instead of ``new_items``; ``new_items`` stay
    in the run's result (``new_items``, ``to_input_list()``), as in the SDK."""

    def clone(self, **changes: Any) -> HandoffInputData:
        return replace(self, **changes)


HandoffInputFilter = Callable[[HandoffInputData], Any]


def transform_string_function_style(name: str) -> str:
    """The SDK's tool-name normaliser: whitespace and anything outside [A-Za-z0-9_] become "_",
    then lowercase."""
    name = re.sub(r"\s", "_", name)
    return re.sub(r"[^a-zA-Z0-9_]", "_", name).lower()


@dataclass
class Handoff(Generic[TContext]):
    """A handoff as the runner and the model see it.

    Attribute names follow the SDK (``tool_name``, ``tool_description``, ``input_json_schema``,
    ``agent_name``, ``input_filter``, ``is_enabled``, ``strict_json_schema``); ``agent``,
    ``description``, ``on_handoff`` and ``input_type`` are kept too so views can show them.
    """

    tool_name: str
    tool_description: str
    input_json_schema: dict[str, Any]
    agent_name: str
    agent: Agent | None = None
    description: str | None = None
    on_handoff: Callable[..., Any] | None = None
    input_type: Any = None
    input_filter: HandoffInputFilter | None = None
    is_enabled: bool | Callable[..., Any] = True
    strict_json_schema: bool = True
    nest_handoff_history: bool | None = None
    """Pass the history as one summary message (None: follow RunConfig.nest_handoff_history)."""
    on_invoke_handoff: Callable[..., Any] | None = field(default=None, compare=False)
    """As in the SDK: ``async (ctx, arguments_json) -> Agent``. ``handoff()`` fills it (parse the
    arguments, run ``on_handoff``, return the agent); set your own to choose the target in code
    when the handoff is taken (``agent`` may then be None; the graph shows ``agent_name``)."""
    tool_name_overridden: bool = False
    tool_description_overridden: bool = False
    _adapter: Any = field(default=None, repr=False, compare=False)

    # -- SDK helpers -------------------------------------------------------------------------
    @classmethod
    def default_tool_name(cls, agent: Agent) -> str:
        return transform_string_function_style(f"transfer_to_{agent.name}")

    @classmethod
    def default_tool_description(cls, agent: Agent) -> str:
        return (f"Handoff to the {agent.name} agent to handle the request. "
                f"{agent.handoff_description or ''}")

    def get_transfer_message(self, agent: Agent) -> str:
        return json.dumps({"assistant": agent.name})

    # -- what the model sees -----------------------------------------------------------------
    @property
    def label(self) -> str:
        """The text for this handoff's line in the HANDOFF_INSTRUCTIONS block."""
        return self.description or self.tool_description

    def chat_spec(self) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": self.tool_name, "description": self.tool_description,
            "parameters": self.input_json_schema, "strict": self.strict_json_schema}}

    async def enabled(self, ctx: RunContextWrapper[Any], source: Agent) -> bool:
        if callable(self.is_enabled):
            return bool(await maybe_await(self.is_enabled(ctx, source)))
        return bool(self.is_enabled)

    # -- invocation --------------------------------------------------------------------------
    def parse_input(self, arguments: str | None, source_name: str) -> Any:
        """Validate the model's arguments (strictly) against ``input_type``.

        Returns the parsed value (None without an input_type). Raises ModelBehaviorError naming the
        agent, the tool, the raw arguments and what was wrong.
        """
        raw = arguments if arguments and arguments.strip() else "{}"
        where = f"agent {source_name!r} called handoff tool {self.tool_name!r} with arguments {arguments!r}"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ModelBehaviorError(f"{where}: arguments are not valid JSON ({e})") from e
        if self._adapter is None:
            if not isinstance(data, dict):
                raise ModelBehaviorError(f"{where}: expected a JSON object")
            return None
        from pydantic import ValidationError
        try:
            return self._adapter.validate_json(raw, strict=True)
        except ValidationError as e:
            raise ModelBehaviorError(
                f"{where}: they do not match {getattr(self.input_type, '__name__', self.input_type)}:"
                f" {e}") from e

    async def invoke(self, ctx: RunContextWrapper[Any], parsed_input: Any) -> None:
        if self.on_handoff is None:
            return
        if self.input_type is not None and count_positional_params(self.on_handoff) == 2:
            await maybe_await(self.on_handoff(ctx, parsed_input))
        else:
            await maybe_await(self.on_handoff(ctx))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return bundle("handoff", self)  # drawn by handoff_nb.render (handoff_nb.views)


def handoff(agent: Agent | None = None, tool_name_override: str | None = None,
            tool_description_override: str | None = None,
            on_handoff: Callable[..., Any] | None = None, input_type: Any = None,
            input_filter: HandoffInputFilter | None = None,
            is_enabled: bool | Callable[..., Any] = True, *, description: str | None = None,
            tool_name: str | None = None, tool_description: str | None = None,
            strict_json_schema: bool = True, nest_handoff_history: bool | None = None
            ) -> Handoff[Any]:
    """Create a :class:`Handoff` to ``agent``.

    ``description`` is the short label for the HANDOFF_INSTRUCTIONS block (seed 000);
    ``tool_name``/``tool_description`` are aliases of the ``*_override`` parameters (seed 001).
    ``on_handoff`` takes ``(ctx)`` or, with an ``input_type``, ``(ctx, input)``; sync or async.
    """
    from .agent import Agent

    if not isinstance(agent, Agent):
        raise UserError(f"handoff() needs an Agent to hand off to, got {agent!r}")
    if tool_name is not None and tool_name_override is not None and tool_name != tool_name_override:
        raise UserError("handoff(): pass tool_name or tool_name_override, not two different names")
    if (tool_description is not None and tool_description_override is not None
            and tool_description != tool_description_override):
        raise UserError("handoff(): pass tool_description or tool_description_override, not both")
    name_override = tool_name_override or tool_name
    desc_override = tool_description_override or tool_description
    if name_override is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name_override):
        raise UserError(f"handoff tool name {name_override!r} is invalid: use 1-64 letters, digits, "
                        "'_' or '-' (what function calling accepts)")
    if on_handoff is not None:
        if not callable(on_handoff):
            raise UserError(f"on_handoff must be callable, got {on_handoff!r}")
        n = count_positional_params(on_handoff)
        allowed = (1, 2) if input_type is not None else (1,)
        if n is not None and n not in allowed:
            want = ("(ctx) or (ctx, input)" if input_type is not None else "(ctx)")
            raise UserError(f"on_handoff {getattr(on_handoff, '__name__', on_handoff)!r} takes {n} "
                            f"positional argument(s); it must take {want}"
                            + ("" if input_type is not None else
                               " (an input parameter needs input_type=...)"))
    if input_filter is not None and not callable(input_filter):
        raise UserError(f"input_filter must be callable, got {input_filter!r}")
    adapter = None
    schema: dict[str, Any] = {}
    if input_type is not None:
        from pydantic import TypeAdapter
        try:
            adapter = TypeAdapter(input_type)
            schema = adapter.json_schema()
        except Exception as e:
            raise UserError(f"input_type {input_type!r} has no JSON schema: {e}") from e
    if strict_json_schema:
        schema = ensure_strict_json_schema(schema)
    h = Handoff(
        tool_name=name_override or Handoff.default_tool_name(agent),
        tool_description=desc_override or Handoff.default_tool_description(agent),
        input_json_schema=schema, agent_name=agent.name, agent=agent, description=description,
        on_handoff=on_handoff, input_type=input_type, input_filter=input_filter,
        is_enabled=is_enabled, strict_json_schema=strict_json_schema,
        nest_handoff_history=nest_handoff_history,
        tool_name_overridden=name_override is not None,
        tool_description_overridden=desc_override is not None, _adapter=adapter)

    async def on_invoke_handoff(ctx: RunContextWrapper[Any], input_json: str | None = None) -> Agent:
        """As the SDK's: validate the arguments, run ``on_handoff``, return the target."""
        await h.invoke(ctx, h.parse_input(input_json, "the caller"))
        return agent
    on_invoke_handoff._handoff_nb_default = True  # type: ignore[attr-defined]
    h.on_invoke_handoff = on_invoke_handoff
    return h


def chooses_target_in_code(h: Handoff[Any]) -> bool:
    """Does ``h`` have its own ``on_invoke_handoff`` (not the one ``handoff()`` fills in)?"""
    return h.on_invoke_handoff is not None and not getattr(h.on_invoke_handoff, "_handoff_nb_default", False)


# -- nested handoff history (the SDK's nest_handoff_history) ------------------------------------

HISTORY_PREAMBLE = ("For context, here is the conversation so far between the user and the "
                    "previous agent:")
HISTORY_START, HISTORY_END = "<CONVERSATION HISTORY>", "</CONVERSATION HISTORY>"


HISTORY_PREAMBLES = (HISTORY_PREAMBLE, "For context, here is the conversation so far:")
_SUMMARY_ONLY_TYPES = {"function_call", "function_call_output", "reasoning"}


def _plain_item(item: Any) -> TResponseInputItem:
    """A copy of an input item as plain data (openai objects dumped)."""
    import copy
    if hasattr(item, "model_dump"):
        item = item.model_dump(exclude_none=True)
    return {k: v for k, v in copy.deepcopy(dict(item)).items() if k != "provider_data"}


def _stringify(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    try:
        return json.dumps(content, ensure_ascii=False, default=str)
    except TypeError:
        return str(content)


def _transcript_line(item: TResponseInputItem) -> str:
    """One transcript item as SDK 0.24 writes it: ``role (name): content`` for one-line messages,
    JSON for everything else."""
    role, content = item.get("role"), item.get("content")
    if isinstance(role, str) and (content is None or (isinstance(content, str)
                                                      and "\n" not in content and "\r" not in content)):
        name = item.get("name")
        prefix = f"{role} ({name})" if isinstance(name, str) and name else role
        return f"{prefix}: {_stringify(content)}"
    try:
        return json.dumps(item, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        kind = item.get("type", "item")
        return f"{kind}: {_stringify({k: v for k, v in item.items() if k != 'type'})}"


def _parse_line(line: str) -> TResponseInputItem | None:
    stripped = line.strip()
    head, dot, rest = stripped.partition(".")
    if dot and head.isdigit():
        stripped = rest.lstrip()
    try:
        parsed = json.loads(stripped)
        if isinstance(parsed, dict):
            return parsed
    except (json.JSONDecodeError, TypeError):
        pass
    role, sep, content = stripped.partition(":")
    if not sep or not role.strip():
        return None
    role = role.strip()
    out: dict[str, Any] = {"role": role}
    if role.endswith(")") and "(" in role:
        out = {"role": role[:role.rfind("(")].strip() or "developer", "name": role[role.rfind("(") + 1:-1].strip()}
    out["content"] = content.strip()
    return out


def _flatten(items: list[TResponseInputItem]) -> list[TResponseInputItem]:
    """Earlier summaries (from an earlier nested handoff) unpacked into their items again."""
    out: list[TResponseInputItem] = []
    for item in items:
        content = item.get("content")
        if item.get("role") == "assistant" and isinstance(content, str):
            preamble, sep, body = content.partition("\n")
            if sep and preamble in HISTORY_PREAMBLES and body.startswith(HISTORY_START + "\n") \
                    and body.endswith("\n" + HISTORY_END):
                inner = body[len(HISTORY_START) + 1:-(len(HISTORY_END) + 1)]
                out += [p for p in (_parse_line(x) for x in inner.splitlines() if x.strip()) if p is not None]
                continue
        out.append(item)
    return out


def default_handoff_history_mapper(transcript: list[TResponseInputItem]) -> list[TResponseInputItem]:
    """One assistant message that summarises ``transcript`` as numbered lines between
    ``<CONVERSATION HISTORY>`` markers (the SDK's default format)."""
    lines = [f"{i + 1}. {_transcript_line(_plain_item(item))}" for i, item in enumerate(transcript)]
    content = "\n".join([HISTORY_PREAMBLE, HISTORY_START, *(lines or ["(no previous turns recorded)"]),
                         HISTORY_END])
    return [{"role": "assistant", "content": content}]


def nest_handoff_history(handoff_input_data: HandoffInputData, *,
                         history_mapper: Callable[[list[TResponseInputItem]], list[TResponseInputItem]]
                         | None = None) -> HandoffInputData:
    """As SDK 0.24: the next agent gets the transcript so far (history -- earlier summaries
    unpacked --, earlier items, this turn's items) summarised. By default messages of this turn
    are forwarded as they are, each after a summary of what came before it; tool calls, outputs
    and earlier assistant messages go into the summaries. With ``history_mapper`` the whole
    transcript is ``history_mapper(transcript)``. ``new_items`` stay in the run's result."""
    data = handoff_input_data
    history = _flatten([_plain_item(i) for i in normalize_input(
        data.input_history if isinstance(data.input_history, str) else list(data.input_history))])
    pre = [_plain_item(i.to_input_item()) for i in data.pre_handoff_items]
    new = [_plain_item(i.to_input_item()) for i in data.new_items]
    if history_mapper is not None:
        nested = list(history_mapper(history + pre + new))
    else:
        def forward_pre(item: TResponseInputItem) -> bool:
            return item.get("role") != "assistant" and item.get("type") not in _SUMMARY_ONLY_TYPES

        def forward_new(item: TResponseInputItem) -> bool:
            return bool(item.get("role")) or item.get("type") not in _SUMMARY_ONLY_TYPES

        nested, pending = [], list(history)
        for item, forward in [(i, forward_pre(i)) for i in pre] + [(i, forward_new(i)) for i in new]:
            if not forward:
                pending.append(item)
                continue
            if pending or not nested:
                nested += default_handoff_history_mapper(pending)
                pending = []
            nested.append(item)
        if pending or not nested:
            nested += default_handoff_history_mapper(pending)
    return data.clone(input_history=tuple(nested), pre_handoff_items=(), input_items=())


def get_conversation_history_wrappers() -> tuple[str, str]:
    """The markers around a nested history summary (as ``agents.handoffs``)."""
    return HISTORY_START, HISTORY_END


def set_conversation_history_wrappers(*, start: str | None = None, end: str | None = None) -> None:
    """Change the markers around nested history summaries (None leaves one unchanged)."""
    global HISTORY_START, HISTORY_END
    HISTORY_START = start if start is not None else HISTORY_START
    HISTORY_END = end if end is not None else HISTORY_END


def reset_conversation_history_wrappers() -> None:
    global HISTORY_START, HISTORY_END
    HISTORY_START, HISTORY_END = "<CONVERSATION HISTORY>", "</CONVERSATION HISTORY>"
