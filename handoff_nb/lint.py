"""Handoff design lint: seed 000's rules of thumb, checked over a whole agent graph.

    report = lint(triage_agent)
    report.findings  # [Finding(severity, rule, agent, handoff, message, fix), ...]

Rules: ``vague-description``, ``too-many-targets``, ``dead-end``, ``unreachable``,
``no-finisher-cycle``, ``tool-name-collision``, ``undocumented-input-field``,
``unmentioned-handoff``, ``no-handoff-prompt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .agent import Agent
from .agent_input import maybe_from_sdk
from .errors import UserError
from .extensions.handoff_prompt import RECOMMENDED_PROMPT_PREFIX
from .models._lexicon import content_stems
from .models.offline import _mentions, _segments
from .render.lint import lint_html  # the view lives in render/

VAGUE_WORDS = {"stuff", "things", "thing", "misc", "miscellaneous", "general", "other", "various",
               "etc", "whatever", "anything", "everything"}
ESCALATION_NAMES = ("escalat", "manager", "human", "supervisor", "senior")
MAX_TARGETS = 5
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning" | "info"
    rule: str
    agent: str
    handoff: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.agent + (f" / {self.handoff}" if self.handoff else "")
        return f"{self.severity.upper():7} {self.rule:24} {where}: {self.message} Fix: {self.fix}"


class LintReport:
    def __init__(self, root: Agent, findings: list[Finding]) -> None:
        self.root = root
        self.findings = sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.agent,
                                                        f.handoff or ""))

    def by_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    def __len__(self) -> int:
        return len(self.findings)

    def __str__(self) -> str:
        if not self.findings:
            return f"lint({self.root.name}): no findings"
        counts = {s: sum(f.severity == s for f in self.findings) for s in SEVERITY_ORDER}
        head = f"lint({self.root.name}): " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return "\n".join([head, *map(str, self.findings)])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return lint_html(self)


def _reachable(root: Agent, enabled_only: bool) -> list[Agent]:
    seen = {id(root): root}
    queue = [root]
    for a in queue:  # BFS without recursion (the list grows while it is walked)
        for h in a.handoff_objects():
            if h.agent is None or (enabled_only and h.is_enabled is False):
                continue
            if id(h.agent) not in seen:
                seen[id(h.agent)] = h.agent
                queue.append(h.agent)
    return list(seen.values())


def _cannot_finish(agent: Agent) -> bool:
    choice = agent.model_settings.tool_choice
    return choice is not None and choice not in ("auto", "none")


def _cycles(agents: list[Agent]) -> list[list[Agent]]:
    """Strongly connected components with a cycle (Tarjan's algorithm, with an explicit stack so
    a chain of thousands of agents needs no recursion)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[Agent] = []
    on: set[int] = set()
    out: list[list[Agent]] = []
    counter = 0

    def targets(a: Agent) -> list[Agent]:
        return [h.agent for h in a.handoff_objects() if h.agent is not None]

    for root in agents:
        if id(root) in index:
            continue
        index[id(root)] = low[id(root)] = counter
        counter += 1
        stack.append(root)
        on.add(id(root))
        work: list[tuple[Agent, list[Agent], int]] = [(root, targets(root), 0)]
        while work:
            a, nexts, i = work[-1]
            if i < len(nexts):
                work[-1] = (a, nexts, i + 1)
                b = nexts[i]
                if id(b) not in index:
                    index[id(b)] = low[id(b)] = counter
                    counter += 1
                    stack.append(b)
                    on.add(id(b))
                    work.append((b, targets(b), 0))
                elif id(b) in on:
                    low[id(a)] = min(low[id(a)], index[id(b)])
                continue
            work.pop()
            if work:  # back in the caller: fold the low-link up
                parent = work[-1][0]
                low[id(parent)] = min(low[id(parent)], low[id(a)])
            if low[id(a)] == index[id(a)]:
                comp = []
                while True:
                    b = stack.pop()
                    on.discard(id(b))
                    comp.append(b)
                    if b is a:
                        break
                self_loop = any(t is a for t in nexts)
                if len(comp) > 1 or self_loop:
                    out.append(comp)
    return out


def lint(agent: Agent, run_config: Any = None) -> LintReport:
    agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
    handoff_instructions = getattr(run_config, "handoff_instructions", True)
    findings: list[Finding] = []
    everyone = agent.walk()
    enabled = {id(a) for a in _reachable(agent, enabled_only=True)}
    for a in everyone:
        handoffs = a.handoff_objects()
        # tool-name collisions (possible after editing the handoffs list in place)
        try:
            a.check_tool_names()
        except UserError as e:
            findings.append(Finding("error", "tool-name-collision", a.name, None, str(e),
                                    "Give one of the colliding handoffs a tool_name_override."))
        if len(handoffs) > MAX_TARGETS:
            findings.append(Finding("warning", "too-many-targets", a.name, None,
                                    f"{len(handoffs)} handoff targets (more than {MAX_TARGETS} confuse models).",
                                    "Group them under a two-level triage (broad categories first)."))
        if id(a) not in enabled:
            findings.append(Finding("warning", "unreachable", a.name, None,
                                    "Only reachable through disabled handoffs.",
                                    "Enable a handoff to it or remove it from the graph."))
        if not handoffs and a is not agent:
            looks_final = any(k in a.name.lower() for k in ESCALATION_NAMES)
            findings.append(Finding(
                "info" if looks_final else "warning", "dead-end", a.name, None,
                "No handoffs: this agent cannot escalate or send the customer elsewhere."
                + (" (It looks like an escalation endpoint.)" if looks_final else ""),
                "Add a handoff to an escalation or human agent."))
        instructions = a.instructions if isinstance(a.instructions, str) else ""
        segments = _segments(instructions)
        for h in handoffs:
            label = h.label
            stems = content_stems(label.replace(f"Handoff to the {h.agent_name} agent to handle the request.", ""))
            words = {w.lower().strip(".,") for w in label.split()}
            if (h.description is not None or h.tool_description_overridden) and (
                    len(stems) < 3 or words & VAGUE_WORDS):
                findings.append(Finding("warning", "vague-description", a.name, h.tool_name,
                                        f"Description {label!r} is vague or very short.",
                                        "Name the concrete triggers: e.g. 'charge disputes, refund requests, invoice questions'."))
            elif h.description is None and not h.tool_description_overridden and not (
                    h.agent and h.agent.handoff_description):
                findings.append(Finding("warning", "vague-description", a.name, h.tool_name,
                                        "No description: the model only sees the generic default.",
                                        "Pass description=... to handoff() or set the target's handoff_description."))
            if h.input_json_schema.get("properties"):
                missing = [k for k, v in h.input_json_schema["properties"].items()
                           if isinstance(v, dict) and not v.get("description")]
                if missing:
                    findings.append(Finding("info", "undocumented-input-field", a.name, h.tool_name,
                                            f"input_type fields without a description: {', '.join(missing)}.",
                                            "Use Field(description=...) so the model knows what to fill in."))
            if instructions and not any(_mentions(s, h.agent_name, h.tool_name) for s in segments):
                findings.append(Finding("info", "unmentioned-handoff", a.name, h.tool_name,
                                        f"The instructions never mention {h.agent_name}.",
                                        f"Add a routing rule such as '- <triggers> → {h.agent_name}'."))
        if handoffs and not handoff_instructions and RECOMMENDED_PROMPT_PREFIX.strip()[:40] not in instructions:
            findings.append(Finding("warning", "no-handoff-prompt", a.name, None,
                                    "HANDOFF_INSTRUCTIONS are off and the prompt has no handoff guidance.",
                                    "Use prompt_with_handoff_instructions(...) or turn the block back on."))
    for comp in _cycles(everyone):
        if all(_cannot_finish(a) for a in comp):
            names = " -> ".join(a.name for a in comp)
            findings.append(Finding("error", "no-finisher-cycle", comp[0].name, None,
                                    f"Cycle {names}: every agent must call a tool (tool_choice), so no "
                                    "agent can give a final answer; runs end in MaxTurnsExceeded.",
                                    "Let one agent in the cycle answer (tool_choice='auto')."))
    return LintReport(agent, findings)
