"""A recommended prompt prefix for agents that hand off, mirroring
``agents.extensions.handoff_prompt``.

When the OpenAI Agents SDK is installed, :data:`RECOMMENDED_PROMPT_PREFIX` is the SDK's own text
(read from its source file, without importing the SDK), so ported code sends the same prompt.
Without it, handoff_nb's own wording (:data:`HANDOFF_NB_PROMPT_PREFIX`) is used.
"""

from __future__ import annotations


def _sdk_prefix() -> str | None:
    """The SDK's RECOMMENDED_PROMPT_PREFIX, read with ast from its installed source (cheap: the
    SDK itself takes over a second to import)."""
    import ast
    import importlib.util
    import pathlib
    try:
        spec = importlib.util.find_spec("agents")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "extensions" / "handoff_prompt.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "RECOMMENDED_PROMPT_PREFIX"
                                                 for t in node.targets)):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return value if isinstance(value, str) else None
    return None


HANDOFF_NB_PROMPT_PREFIX = (
    "# System context\n"
    "You are one agent in a team of agents. Each agent has its own instructions and tools, and "
    "can pass the conversation to a teammate that is better suited to it. You pass it on by "
    "calling a handoff tool, usually named `transfer_to_<agent_name>`. The transfer happens "
    "behind the scenes: do not announce it or talk about it with the user; simply continue "
    "helping, or hand off when another agent should take over.\n"
)

RECOMMENDED_PROMPT_PREFIX: str = _sdk_prefix() or HANDOFF_NB_PROMPT_PREFIX


def prompt_with_handoff_instructions(prompt: str) -> str:
    """``prompt`` with :data:`RECOMMENDED_PROMPT_PREFIX` in front of it."""
    return f"{RECOMMENDED_PROMPT_PREFIX}\n\n{prompt}"
