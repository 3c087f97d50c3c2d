"""Two tools or handoffs the model would see under one name: the SDK's policy.

As in SDK 0.24, a run that meets a collision logs a warning (logger ``openai.agents``) and keeps
one: the last handoff among the colliding entries, else the last function tool.
``RunConfig(tool_name_collision_policy="error")`` raises UserError instead. ``lint`` reports
collisions up front.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .errors import UserError

logger = logging.getLogger("openai.agents")


def _message(name: str, entries: list[tuple[str, int, Any]], agent_name: str) -> str:
    kinds = {kind for kind, _, _ in entries}
    what = ("function tools" if kinds == {"tool"} else "handoffs" if kinds == {"handoff"}
            else "a function tool and a handoff")
    hint = ("Pass a unique `tool_name_override=` to each handoff." if kinds == {"handoff"} else
            "Assign a unique routed name to every colliding function tool and handoff with "
            "`name_override=` or `tool_name_override=`.")
    return (f"Agent {agent_name!r}: tool name `{name}` is used twice ({what}: "
            + ", ".join(getattr(e, "agent_name", None) and f"handoff to {e.agent_name!r}"
                        or f"function tool {getattr(e, 'name', '?')!r}" for _, _, e in entries)
            + f"). {hint}")


def resolve_tool_name_collisions(tools: Sequence[Any], handoffs: Sequence[Any] = (), *,
                                 collision_policy: str = "warn", agent_name: str = ""
                                 ) -> tuple[list[Any], list[Any]]:
    """The tools and handoffs the model is shown, collisions resolved by ``collision_policy``."""
    if collision_policy not in ("warn", "error"):
        raise UserError("tool_name_collision_policy must be either 'warn' or 'error'")
    owners: dict[str, list[tuple[str, int, Any]]] = {}
    for i, t in enumerate(tools):
        owners.setdefault(t.name, []).append(("tool", i, t))
    for i, h in enumerate(handoffs):
        owners.setdefault(h.tool_name, []).append(("handoff", i, h))
    keep_tools, keep_handoffs = set(range(len(tools))), set(range(len(handoffs)))
    for name, entries in owners.items():
        if len(entries) < 2:
            continue
        message = _message(name, entries, agent_name)
        if collision_policy == "error":
            raise UserError(message)
        logger.warning("%s", message)
        handoff_entries = [e for e in entries if e[0] == "handoff"]
        winner = handoff_entries[-1] if handoff_entries else entries[-1]
        for kind, i, _ in entries:
            if (kind, i) != winner[:2]:
                (keep_tools if kind == "tool" else keep_handoffs).discard(i)
    return ([t for i, t in enumerate(tools) if i in keep_tools],
            [h for i, h in enumerate(handoffs) if i in keep_handoffs])
