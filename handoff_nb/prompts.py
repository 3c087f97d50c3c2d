"""The HANDOFF_INSTRUCTIONS block appended to an agent's system prompt (seed 000's format).

The real SDK adds nothing to the system prompt by itself (users prepend
``RECOMMENDED_PROMPT_PREFIX``); seed 000 describes an automatic block. handoff_nb builds it by
default and ``RunConfig(handoff_instructions=False)`` switches it off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .handoffs import Handoff

HANDOFF_INSTRUCTIONS_HEADER = "HANDOFF_INSTRUCTIONS:"
HANDOFF_INSTRUCTIONS_INTRO = "You can hand off to the following agents:"
HANDOFF_INSTRUCTIONS_OUTRO = "When you hand off, the target agent will continue the conversation."


def handoff_instructions_block(handoffs: Sequence[Handoff]) -> str | None:
    """The block for these (enabled) handoffs, or None when there are none."""
    if not handoffs:
        return None
    lines = [HANDOFF_INSTRUCTIONS_HEADER, HANDOFF_INSTRUCTIONS_INTRO]
    lines += [f"- {h.tool_name}: {' '.join(h.label.split())}" for h in handoffs]
    lines.append(HANDOFF_INSTRUCTIONS_OUTRO)
    return "\n".join(lines)


def join_system_prompt(instructions: str | None, block: str | None) -> str:
    parts = [p for p in (instructions, block) if p]
    return "\n\n".join(parts)
