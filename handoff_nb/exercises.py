"""Checks for the notebooks' exercises: ``check_exercise("00")`` says what is still wrong.

Every exercise starts unsolved (a test checks that the notebook's own state fails its check and a
worked solution passes). A check reads the notebook's variables (the caller's globals by default),
runs what it needs on the offline model, and prints either "solved" or the first thing to fix.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .eval import evaluate_routing
from .examples import customer_service
from .handoffs import HandoffInputData
from .models.offline import OfflineModel
from .models.replay import ReplayModel
from .prompts import handoff_instructions_block
from .run import Run, RunConfig, Runner
from .sdk import from_sdk

__all__ = ["EXERCISES", "check_exercise"]


@dataclass(frozen=True)
class Exercise:
    title: str
    check: Callable[[dict[str, Any]], str | None]
    """Returns None when solved, else what is still wrong (one sentence, actionable)."""


def _need(ns: dict[str, Any], *names: str) -> str | None:
    missing = [n for n in names if n not in ns]
    return f"run the notebook's cells above first ({', '.join(missing)} not defined)" if missing else None


def _run(agent: Any, message: str) -> Any:
    return Runner.run_sync(agent, message, context={}, run_config=RunConfig(model=OfflineModel()))


def _ex00(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "triage_agent")
    if problem:
        return problem
    triage = ns["triage_agent"]
    targets = [h.agent for h in triage.handoff_objects() if h.agent is not None]
    sales = [a for a in targets if "sales" in a.name.lower()]
    if not sales:
        return "triage_agent has no handoff to a sales agent yet: create one and add it to triage_agent.handoffs"
    msg = "How much does the Pro plan cost per seat?"
    reached = _run(triage, msg).last_agent
    if reached is not sales[0]:
        return (f"{msg!r} reaches {reached.name}: describe what {sales[0].name} handles "
                "(handoff_description, or a routing rule in the triage instructions)")
    return None


def _ex01(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "triage_agent")
    if problem:
        return problem
    refund = [h for h in ns["triage_agent"].handoff_objects() if h.agent_name == "RefundAgent"]
    if not refund:
        return "add an Agent(name='RefundAgent') to triage_agent.handoffs"
    if "predicted_tool_name" not in ns:
        return "write your prediction first: predicted_tool_name = '...'"
    if ns["predicted_tool_name"] != refund[0].tool_name:
        return f"predicted {ns['predicted_tool_name']!r}; look again at the lowercase rule"
    return None


def _ex02(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "configured_handoff")
    if problem:
        return problem
    h = ns["configured_handoff"]
    if h.description != "Billing stuff":
        return "give configured_handoff description='Billing stuff' (handoff(..., description=...))"
    if "Billing stuff" not in (handoff_instructions_block([h]) or ""):
        return "the label does not reach the HANDOFF_INSTRUCTIONS block"
    return None


def _ex03(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "HandoffMetadata", "triage_agent")
    if problem:
        return problem
    import typing
    field = ns["HandoffMetadata"].model_fields.get("customer_tier")
    if field is None:
        return "add a customer_tier field to HandoffMetadata"
    if set(typing.get_args(field.annotation)) != {"free", "pro", "enterprise"}:
        return "customer_tier should be Literal['free', 'pro', 'enterprise']"
    schemas = [h.input_json_schema for h in ns["triage_agent"].handoff_objects()]
    if not any("customer_tier" in s.get("properties", {}) for s in schemas):
        return "rebuild triage_agent with the new HandoffMetadata so its handoff schema has customer_tier"
    return None


def _ex04(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "triage_agent")
    if problem:
        return problem
    tech = [h for h in ns["triage_agent"].handoff_objects() if "technical" in h.agent_name.lower()]
    if not tech or tech[0].input_filter is None:
        return "attach your filter to the technical handoff: handoff(technical_agent, input_filter=...)"
    history = ({"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
               {"type": "function_call", "call_id": "c", "name": "x", "arguments": "{}"},
               {"type": "function_call_output", "call_id": "c", "output": "y"},
               {"role": "user", "content": "the app crashes"})
    out = tech[0].input_filter(HandoffInputData(history, (), ()))
    kept = list(out.input_history) + [i.to_input_item() for i in (*out.pre_handoff_items, *out.new_items)]
    if [i.get("role") for i in kept] != ["user", "user"]:
        return f"the filter should keep only the two user messages; it kept {[i.get('role') or i.get('type') for i in kept]}"
    return None


def _ex05(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "triage_agent")
    if problem:
        return problem
    rule = [ln for ln in (ns["triage_agent"].instructions or "").splitlines() if "BillingSpecialist" in ln]
    if any("refund" in ln.lower() for ln in rule):
        return "the billing routing rule still mentions refunds"
    if "goes_to" not in ns:
        return "re-run the first message and set goes_to = '<the agent it reaches now>'"
    reached = _run(ns["triage_agent"], "Hi, I was charged $49.99 twice on my last invoice and I need a refund")
    if ns["goes_to"] != reached.agent_path[1 if len(reached.agent_path) > 1 else 0]:
        return f"goes_to is {ns['goes_to']!r}; the first handoff now goes to {reached.agent_path[1:2] or ['(none)']}"
    return None


def _ex06(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "billing_agent", "triage_agent")
    if problem:
        return problem
    billing = ns["billing_agent"]
    if not billing.handoffs:
        return "give billing_agent a handoff back (to triage_agent or technical_agent)"
    first = _run(ns["triage_agent"], "I was double charged on my invoice")
    follow = Run(billing, first.to_input_list()
                 + [{"role": "user", "content": "Also the app shows an error when I log in"}],
                 run_config=RunConfig(model=OfflineModel()))
    follow.run()
    if follow.agent_path[-1] == billing.name:
        return ("the Billing Agent still answers the technical question: describe the handoff back "
                "(e.g. handoff(technical_agent) with a handoff_description about bugs and errors)")
    return None


def _ex07(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "technical_triage", "business_triage")
    if problem:
        return problem
    level2 = [h.agent for t in (ns["technical_triage"], ns["business_triage"])
              for h in t.handoff_objects() if h.agent is not None]
    missing = [a.name for a in level2
               if not any("escalat" in h.agent_name.lower() for h in a.handoff_objects())]
    if missing:
        return f"these specialists cannot escalate yet: {', '.join(missing)}"
    return None


def _ex08(ns: dict[str, Any]) -> str | None:
    import pathlib
    path = pathlib.Path(str(ns.get("my_cassette", "my_cassette.jsonl")))
    if not path.exists():
        return ("record the escalation message with RecordingModel(..., 'my_cassette.jsonl') "
                "(the offline model works too)")
    try:
        replayed = Runner.run_sync(customer_service(), "I need a refund but your billing team was unhelpful last time",
                                   context={}, run_config=RunConfig(model=ReplayModel(path)))
    except Exception as e:  # a mismatch says what differs
        return f"replaying {path.name} failed: {type(e).__name__}: {str(e)[:200]}"
    if len(replayed.agent_path) < 2:
        return "the recorded conversation has no handoff: record the escalation message"
    return None


def _ex09(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "cases")
    if problem:
        return problem
    if "fixed" not in ns:
        return "build your fixed variant as `fixed` (e.g. fixed = customer_service(); edit its instructions)"
    before = evaluate_routing(customer_service(), ns["cases"])
    after = evaluate_routing(ns["fixed"], ns["cases"])
    broken = [a.case.message for a, b in zip(after.results, before.results) if b.correct and not a.correct]
    if broken:
        return f"your change broke {len(broken)} case(s), e.g. {broken[0]!r}"
    if after.accuracy <= before.accuracy:
        return f"accuracy is still {after.accuracy:.2f} (seed 000: {before.accuracy:.2f}): fix one wrong case"
    return None


def _ex10(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "triage")
    if problem:
        return problem
    h = ns["triage"].handoffs[0]
    if h.tool_description == "Route to billing for charge disputes, refunds, invoices":
        return "change triage.handoffs[0].tool_description first"
    ours = from_sdk(ns["triage"])
    if ours.handoff_objects()[0].tool_description != h.tool_description:
        return "the converted agent does not show your change"
    return None


def _ex11(ns: dict[str, Any]) -> str | None:
    problem = _need(ns, "original")
    if problem:
        return problem
    run = ns.get("stays_with_billing")
    if run is None:
        return "fork original before step 1 and keep it in stays_with_billing"
    if not run.done:
        return "step stays_with_billing to the end (run.run())"
    if run.agent_path != ["TriageAgent", "BillingSpecialist"]:
        return f"the path is {' -> '.join(run.agent_path)}: force a plain answer at step 1"
    if not run.steps[1].edited:
        return "step 1 was not edited: use force_response before stepping"
    return None


EXERCISES: dict[str, Exercise] = {
    "00": Exercise("Add a Sales Agent that gets pricing questions", _ex00),
    "01": Exercise("Add RefundAgent and predict its tool name", _ex01),
    "02": Exercise("A vague label in the HANDOFF_INSTRUCTIONS block", _ex02),
    "03": Exercise("A customer_tier Literal field in HandoffMetadata", _ex03),
    "04": Exercise("A filter that keeps only user messages", _ex04),
    "05": Exercise("Remove refunds from the billing rule", _ex05),
    "06": Exercise("Let the Billing Agent send the customer back", _ex06),
    "07": Exercise("An escalation path for every level-2 specialist", _ex07),
    "08": Exercise("Record and replay the escalation conversation", _ex08),
    "09": Exercise("Fix one wrong case without breaking another", _ex09),
    "10": Exercise("Edit an SDK agent and see the change here", _ex10),
    "11": Exercise("Keep the conversation with Billing by editing step 1", _ex11),
}


def check_exercise(name: str, namespace: dict[str, Any] | None = None, *, quiet: bool = False) -> bool:
    """Check exercise ``name`` ("00"...) against the notebook's variables; prints the verdict."""
    if name not in EXERCISES:
        raise KeyError(f"no exercise {name!r}; choose from {', '.join(EXERCISES)}")
    if namespace is None:
        frame = inspect.currentframe()
        namespace = frame.f_back.f_globals if frame is not None and frame.f_back is not None else {}
    ex = EXERCISES[name]
    try:
        problem = ex.check(namespace)
    except Exception as e:  # a half-written solution must not crash the check
        problem = f"the check could not run your code: {type(e).__name__}: {e}"
    if not quiet:
        print(f"Exercise {name} ({ex.title}): " + ("solved ✓" if problem is None else f"not yet — {problem}"))
    return problem is None
