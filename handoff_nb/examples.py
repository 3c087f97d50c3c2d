"""Ready-made agent systems for lessons, evaluations and tests.

``customer_service()`` is seed 000's four-department triage system (TriageAgent routing to
TechnicalSupport, SalesSpecialist and BillingSpecialist, each able to escalate to
EscalationManager), with the seed's handoff metadata models and callbacks. Every call builds new
agent objects, so editing one system never changes another. ``variant="vague"`` swaps the
specific descriptions and routing rules for "Billing stuff"-style ones (seed 000's bad example).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from .agent import Agent
from .context import RunContextWrapper
from .eval import load_cases
from .handoffs import handoff


class SupportHandoffData(BaseModel):
    issue_category: str
    urgency: str
    summary: str


class SalesHandoffData(BaseModel):
    interest_area: str
    budget_mentioned: bool
    summary: str


class BillingHandoffData(BaseModel):
    billing_issue_type: str
    amount_mentioned: str | None = None
    summary: str


class EscalationHandoffData(BaseModel):
    reason: str
    previous_department: str
    attempts_so_far: str


def _recorder(department: str):
    async def on_handoff(context: RunContextWrapper[dict], data: BaseModel) -> None:
        if isinstance(context.context, dict):
            context.context["department"] = department
            context.context["metadata"] = data.model_dump()
    on_handoff.__name__ = f"on_{department}_handoff"
    return on_handoff


SPECIALISTS = {
    # name: (department, instructions, escalation label)
    "TechnicalSupport": ("support", "You are a technical support specialist. Troubleshoot product "
                         "issues step by step. If you cannot resolve the issue after two attempts, "
                         "escalate to the escalation manager.", "Escalate unresolved technical issues"),
    "SalesSpecialist": ("sales", "You are a sales specialist. Help customers understand pricing, "
                        "plans, and features. Be consultative, not pushy.",
                        "Escalate complex sales situations"),
    "BillingSpecialist": ("billing", "You are a billing specialist. Handle charge disputes, refunds, "
                          "plan changes, and invoice questions. Always verify the customer's "
                          "account before making changes.", "Escalate unresolved billing disputes"),
}

TRIAGE_SPECIFIC = """You are the front-line triage agent for Acme Corp customer service. Your job is to:
1. Greet the customer warmly
2. Understand their issue in 1-2 questions maximum
3. Route them to the correct department

Routing rules:
- Product bugs, errors, how-to questions → TechnicalSupport
- Pricing, plans, new purchases, demos → SalesSpecialist
- Charges, refunds, invoices, plan changes → BillingSpecialist

Do NOT attempt to solve the problem yourself. Route quickly."""

ROUTES = {
    # name: (tool name, specific label, specific tool description, vague label, input type)
    "TechnicalSupport": ("route_to_support", "Technical support for product issues and bugs",
                         "Route to technical support when the customer has product issues, errors, "
                         "or how-to questions", "Support stuff", SupportHandoffData),
    "SalesSpecialist": ("route_to_sales", "Sales for pricing and plan inquiries",
                        "Route to sales when the customer asks about pricing, plans, or wants a demo",
                        "Sales stuff", SalesHandoffData),
    "BillingSpecialist": ("route_to_billing", "Billing for payment and invoice issues",
                          "Route to billing when the customer has charge disputes, refund requests, "
                          "or invoice questions", "Billing stuff", BillingHandoffData),
}


def customer_service(variant: Literal["specific", "vague"] = "specific", model: Any = None) -> Agent:
    """Seed 000's triage system; returns the TriageAgent (``.walk()`` lists every agent)."""
    if variant not in ("specific", "vague"):
        raise ValueError(f"variant must be 'specific' or 'vague', got {variant!r}")
    escalation = Agent(name="EscalationManager", model=model, instructions=(
        "You are a senior escalation manager. You handle cases that other departments could not "
        "resolve. Review the conversation history carefully, acknowledge the customer's "
        "frustration, and provide a concrete resolution path with a timeline."))
    handoffs = []
    for name, (department, instructions, escalate_label) in SPECIALISTS.items():
        specialist = Agent(name=name, instructions=instructions, model=model, handoffs=[
            handoff(escalation, description=escalate_label, tool_name_override="escalate_to_manager",
                    input_type=EscalationHandoffData, on_handoff=_recorder("escalation"))])
        tool, label, tool_description, vague, input_type = ROUTES[name]
        specific = variant == "specific"
        handoffs.append(handoff(specialist, description=label if specific else vague,
                                tool_name_override=tool,
                                tool_description_override=tool_description if specific else vague,
                                input_type=input_type, on_handoff=_recorder(department)))
    instructions = TRIAGE_SPECIFIC if variant == "specific" else (
        "You are the front-line triage agent for Acme Corp customer service. Route customers.")
    return Agent(name="TriageAgent", instructions=instructions, model=model, handoffs=handoffs)


def agent_named(root: Agent, name: str) -> Agent:
    """The agent called ``name`` in ``root``'s graph."""
    for a in root.walk():
        if a.name == name:
            return a
    raise KeyError(f"no agent named {name!r} reachable from {root.name!r}")


# -- labelled agent systems from other fields ------------------------------------------------------

SYSTEMS_DIR = __import__("pathlib").Path(__file__).parent / "data" / "systems"


def system_names(split: Literal["tune", "heldout", "all"] = "all") -> list[str]:
    """The bundled labelled systems (tutors, languages, travel, hr, ...), optionally one split.

    ``tune`` systems were used to tune the offline router; ``heldout`` ones never were."""
    import json
    if split not in ("tune", "heldout", "all"):
        raise ValueError(f"split must be 'tune', 'heldout' or 'all', got {split!r}")
    out = []
    for path in sorted(SYSTEMS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if split == "all" or data["split"] == split:
            out.append(data["name"])
    return out


def load_system(name: str, model: Any = None) -> tuple[Agent, list[Any]]:
    """A bundled labelled system: ``(entry_agent, cases)``; fresh agent objects on every call."""
    import json
    path = SYSTEMS_DIR / f"{name}.json"
    if not path.exists():
        raise KeyError(f"no bundled system {name!r}; choose from {system_names()}")
    data = json.loads(path.read_text(encoding="utf-8"))
    specs = {a["name"]: a for a in data["agents"]}
    built: dict[str, Agent] = {}
    # leaves first: an agent's handoffs must exist before the agent
    for spec in sorted(specs.values(), key=lambda s: bool(s.get("handoffs"))):
        built[spec["name"]] = Agent(name=spec["name"], instructions=spec.get("instructions"),
                                    handoff_description=spec.get("handoff_description"), model=model,
                                    handoffs=[built[h] for h in spec.get("handoffs", [])])
    return built[data["entry"]], load_cases(data["cases"])
