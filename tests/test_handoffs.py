"""handoff(): names, descriptions, schemas (checked against openai-agents itself), validation."""

from __future__ import annotations

import enum
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, Field

from handoff_nb import Agent, Handoff, UserError, handoff

agents = pytest.importorskip("agents")  # the real SDK, for parity


class Priority(str, enum.Enum):
    low = "low"
    high = "high"


class Meta(BaseModel):
    reason: str = Field(description="why")
    priority: Priority
    amount: Optional[float] = None
    channel: Literal["chat", "phone"] = "chat"
    tags: list[str] = []


class Nested(BaseModel):
    meta: Meta
    note: str | None


NAMES = ["Refund Agent", "BillingAgent", "Tech-Support 2", "Café Ünïcode", "a\tb\nc", "x.y/z"]


@pytest.mark.parametrize("name", NAMES)
def test_default_tool_name_and_description_match_the_sdk(name):
    ours = handoff(Agent(name=name, handoff_description="Knows refunds."))
    theirs = agents.handoff(agents.Agent(name=name, handoff_description="Knows refunds."))
    assert ours.tool_name == theirs.tool_name
    assert ours.tool_description == theirs.tool_description
    assert ours.input_json_schema == theirs.input_json_schema


def test_documented_examples():
    assert handoff(Agent(name="Refund Agent")).tool_name == "transfer_to_refund_agent"
    # seed 000 says transfer_to_BillingAgent; the SDK lowercases and so do we
    assert handoff(Agent(name="BillingAgent")).tool_name == "transfer_to_billingagent"
    assert handoff(Agent(name="Tech-Support 2")).tool_name == "transfer_to_tech_support_2"
    assert (handoff(Agent(name="X")).tool_description
            == "Handoff to the X agent to handle the request. ")
    assert handoff(Agent(name="X")).input_json_schema == {
        "additionalProperties": False, "type": "object", "properties": {}, "required": []}


@pytest.mark.parametrize("model", [Meta, Nested])
def test_input_type_schema_matches_the_sdk(model):
    async def cb(ctx, data):
        return None
    ours = handoff(Agent(name="B"), input_type=model, on_handoff=cb)
    theirs = agents.handoff(agents.Agent(name="B"), input_type=model, on_handoff=cb)
    assert ours.input_json_schema == theirs.input_json_schema
    assert ours.strict_json_schema is True


def test_sdk_attribute_names_and_our_additions():
    target = Agent(name="Billing")
    h = handoff(target, description="Billing specialist", tool_name_override="to_billing",
                tool_description_override="Use for invoices")
    assert isinstance(h, Handoff)
    assert (h.tool_name, h.tool_description, h.agent_name) == ("to_billing", "Use for invoices", "Billing")
    assert h.agent is target and h.description == "Billing specialist"
    assert h.label == "Billing specialist"
    assert h.input_filter is None and h.is_enabled is True and h.on_handoff is None


def test_seed_001_aliases_tool_name_and_tool_description():
    h = handoff(agent=Agent(name="Billing Agent"), tool_name="transfer_to_billing",
                tool_description="Transfer for refunds")
    assert h.tool_name == "transfer_to_billing"
    assert h.tool_description == "Transfer for refunds"
    with pytest.raises(UserError, match="not two different names"):
        handoff(Agent(name="B"), tool_name="a", tool_name_override="b")


def test_input_type_without_on_handoff_is_allowed_and_validates():
    h = handoff(Agent(name="B"), input_type=Meta)
    assert h.on_handoff is None
    parsed = h.parse_input('{"reason": "r", "priority": "high", "amount": 3.5, "channel": "phone", '
                           '"tags": []}', "Triage")
    assert parsed == Meta(reason="r", priority=Priority.high, amount=3.5, channel="phone")


@pytest.mark.parametrize("cb, input_type, ok", [
    (lambda ctx: None, None, True),
    (lambda ctx, data: None, None, False),
    (lambda: None, None, False),
    (lambda ctx, data: None, Meta, True),
    (lambda ctx: None, Meta, True),
    (lambda ctx, a, b: None, Meta, False),
])
def test_on_handoff_arity_is_checked_at_handoff_time(cb, input_type, ok):
    if ok:
        handoff(Agent(name="B"), on_handoff=cb, input_type=input_type)
    else:
        with pytest.raises(UserError, match="on_handoff"):
            handoff(Agent(name="B"), on_handoff=cb, input_type=input_type)


def test_bad_arguments_to_handoff():
    with pytest.raises(UserError, match="needs an Agent"):
        handoff("Billing")
    with pytest.raises(UserError, match="must be callable"):
        handoff(Agent(name="B"), on_handoff="nope")
    with pytest.raises(UserError, match="tool name"):
        handoff(Agent(name="B"), tool_name_override="has space")


def test_agent_validation():
    with pytest.raises(UserError, match="non-empty"):
        Agent(name="  ")
    a, b = Agent(name="Billing Agent"), Agent(name="billing agent")
    # colliding tool names: as in the SDK, Agent(...) accepts them and a run resolves them
    # (tests/test_sdk_mirror.py); lint reports them and check_tool_names() names both
    with pytest.raises(UserError) as e:
        Agent(name="T", handoffs=[a, b]).check_tool_names()
    assert "transfer_to_billing_agent" in str(e.value)
    assert "'Billing Agent'" in str(e.value) and "'billing agent'" in str(e.value)
    with pytest.raises(UserError, match="escalate"):
        Agent(name="T", handoffs=[handoff(a, tool_name_override="escalate"),
                                  handoff(b, tool_name_override="escalate")]).check_tool_names()
    with pytest.raises(UserError, match="handoffs must be"):
        Agent(name="T", handoffs=["Billing"])


def test_agent_clone_copies_lists():
    b = Agent(name="B")
    t = Agent(name="T", instructions="x", handoffs=[b])
    c = t.clone(instructions="y")
    assert c.instructions == "y" and c.handoffs == [b] and c.handoffs is not t.handoffs
    assert t.instructions == "x"
