"""The seed programs run on handoff_nb with only the import line changed (scripted model here;
tests/test_offline_model.py runs seed 000 on the offline default)."""

from __future__ import annotations

import asyncio
import importlib.util
import pathlib


from handoff_nb import HandoffCallItem, Runner
from handoff_nb.models.provider import override_model
from handoff_nb.models.scripted import ScriptedModel, handoff_to, say

SEEDS = pathlib.Path(__file__).parent / "seeds"


def load(name):
    spec = importlib.util.spec_from_file_location(name, SEEDS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_seed_000_triage_system(capsys):
    seed = load("seed_000_triage")
    model = ScriptedModel([
        handoff_to("BillingSpecialist", {"billing_issue_type": "charge_dispute", "amount_mentioned": "$49.99",
                                         "summary": "charged twice"}),
        say("I see two charges of $49.99; refunding one."),
        handoff_to("TechnicalSupport", {"issue_category": "bug", "urgency": "high", "summary": "export 500"}),
        say("Let's reproduce the export error."),
        handoff_to("SalesSpecialist", {"interest_area": "enterprise plan", "budget_mentioned": False,
                                       "summary": "200 seats"}),
        say("Happy to walk you through enterprise pricing."),
    ])
    with override_model(model):
        asyncio.run(seed.main())
    model.assert_complete()
    out = capsys.readouterr().out
    assert "[ROUTE] Billing | Type: charge_dispute | charged twice" in out
    assert "Final agent: BillingSpecialist\nDepartment: billing\nResponse: I see two charges" in out
    assert "Final agent: TechnicalSupport\nDepartment: support" in out
    assert "[ROUTE] Sales | Interest: enterprise plan | 200 seats" in out
    assert "Final agent: SalesSpecialist\nDepartment: sales" in out
    # the triage request: seed 000's HANDOFF_INSTRUCTIONS block and the tool names it shows
    block = model.calls[0].handoff_instructions
    assert block == ("HANDOFF_INSTRUCTIONS:\nYou can hand off to the following agents:\n"
                     "- route_to_support: Technical support for product issues and bugs\n"
                     "- route_to_sales: Sales for pricing and plan inquiries\n"
                     "- route_to_billing: Billing for payment and invoice issues\n"
                     "When you hand off, the target agent will continue the conversation.")
    billing_schema = model.calls[0].tools[2]["function"]["parameters"]
    assert billing_schema["required"] == ["billing_issue_type", "amount_mentioned", "summary"]
    assert billing_schema["additionalProperties"] is False


def test_seed_000_escalation_chain_and_raw_responses_loop(capsys):
    seed = load("seed_000_triage")
    model = ScriptedModel([
        handoff_to("BillingSpecialist", {"billing_issue_type": "refund", "amount_mentioned": None,
                                         "summary": "refund; unhappy"}),
        handoff_to("EscalationManager", {"reason": "previous billing help failed",
                                         "previous_department": "billing", "attempts_so_far": "1"}),
        say("I'm sorry. I'll resolve this within 24 hours."),
    ])
    with override_model(model):
        result = Runner.run_sync(seed.triage_agent,
                                 input="I need a refund but your billing team was unhelpful last time",
                                 context={})
    # seed 000's "inspect the full chain" loop
    names = [item.agent.name if hasattr(item, "agent") else "unknown" for item in result.raw_responses]
    assert names == ["TriageAgent", "BillingSpecialist", "EscalationManager"]
    assert result.agent_path == ["TriageAgent", "BillingSpecialist", "EscalationManager"]
    assert result.context_wrapper.context["department"] == "escalation"
    assert "[ESCALATE] Reason: previous billing help failed | From: billing" in capsys.readouterr().out


def test_seed_001_basic_filter_structured_and_multi_turn(capsys):
    seed = load("seed_001_filter_multiturn")
    model = ScriptedModel([handoff_to("Billing Agent"), say("Let me check the duplicate charge.")])
    with override_model(model):
        result = asyncio.run(seed.demo())
    assert result.last_agent.name == "Billing Agent"
    assert model.calls[0].tools[0]["function"]["name"] == "transfer_to_billing_agent"

    # multi-turn loop through the filtered triage agent; an [INTERNAL] note is stripped by the filter
    model = ScriptedModel([
        handoff_to("Billing Agent"), say("Which invoice?"),
        handoff_to("Billing Agent"), say("Refund issued."),
    ])
    with override_model(model):
        history = asyncio.run(seed.run_conversation("s1", ["I was double charged",
                                                           "[INTERNAL] vip customer"]))
    out = capsys.readouterr().out
    assert "Agent: Billing Agent\nResponse: Which invoice?" in out
    assert "Agent: Billing Agent\nResponse: Refund issued." in out
    # turn 2 starts again at triage (seed 001's loop passes triage_agent every time) and the
    # billing agent does not see the [INTERNAL] message
    assert model.calls[2].agent_name == "Triage Agent"
    assert all("[INTERNAL]" not in (m.get("content") or "") for m in model.calls[3].input)
    assert {"role": "user", "content": "I was double charged"} in model.calls[3].input
    # the filter returned no new_items: this turn's handoff call is not in the next agent's input
    assert not any(m.get("type") == "function_call" for m in model.calls[3].input[-2:])
    assert history[-1] == {"role": "assistant", "content": "Refund issued."}

    # structured handoff without on_handoff, with the tool_name/tool_description aliases
    model = ScriptedModel([handoff_to("Billing Agent", {"issue_type": "duplicate_charge",
                                                        "amount_mentioned": 19.5, "urgency": "high"}),
                           say("ok")])
    with override_model(model):
        r = Runner.run_sync(seed.triage_agent_structured, "charged twice, $19.50")
    assert model.calls[0].tools[0]["function"]["name"] == "transfer_to_billing"
    assert r.steps[0].handoff.input == seed.BillingHandoffData(issue_type="duplicate_charge",
                                                               amount_mentioned=19.5, urgency="high")


def test_seed_004_options():
    seed = load("seed_004_options")
    names = [h.tool_name for h in seed.triage_agent.handoff_objects()]
    assert names == ["transfer_to_billing_agent", "transfer_to_refund_agent"]
    assert seed.handoff_obj.tool_name == "custom_handoff_tool"
    assert seed.handoff_obj.tool_description == "Custom description"
    assert seed.escalation_handoff.input_json_schema["required"] == ["reason"]
    assert seed.billing_agent_prompted.instructions.startswith("# System context\n")

    t = seed.triage_agent.clone(handoffs=[seed.handoff_obj, seed.escalation_handoff, seed.faq_handoff])
    m = ScriptedModel([handoff_to("My agent"), say("a"),
                       handoff_to("Escalation agent", {"reason": "angry"}), say("b"),
                       handoff_to("FAQ agent"), say("c")])
    with override_model(m):
        for _ in range(3):
            r = Runner.run_sync(t, "hi")
    assert seed.calls == ["Handoff called", "Escalation agent called with reason: angry"]
    # remove_all_tools: the FAQ agent sees no tool items
    assert m.calls[-1].input == [{"role": "user", "content": "hi"}]
    assert any(isinstance(i, HandoffCallItem) for i in r.all_items)
