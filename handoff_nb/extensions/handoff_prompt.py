"""A recommended prompt prefix for agents that hand off, mirroring
``agents.extensions.handoff_prompt`` (the wording is handoff_nb's own)."""

RECOMMENDED_PROMPT_PREFIX = (
    "# System context\n"
    "You are one agent in a team of agents. Each agent has its own instructions and tools, and "
    "can pass the conversation to a teammate that is better suited to it. You pass it on by "
    "calling a handoff tool, usually named `transfer_to_<agent_name>`. The transfer happens "
    "behind the scenes: do not announce it or talk about it with the user; simply continue "
    "helping, or hand off when another agent should take over.\n"
)


def prompt_with_handoff_instructions(prompt: str) -> str:
    """``prompt`` with :data:`RECOMMENDED_PROMPT_PREFIX` in front of it."""
    return f"{RECOMMENDED_PROMPT_PREFIX}\n\n{prompt}"
