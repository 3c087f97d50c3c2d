# Seed 004 (the SDK's handoff docs, TypeScript) translated to Python, importing from handoff_nb.
from pydantic import BaseModel

from handoff_nb import Agent, RunContextWrapper, handoff
from handoff_nb.extensions.handoff_filters import remove_all_tools
from handoff_nb.extensions.handoff_prompt import RECOMMENDED_PROMPT_PREFIX

# Basic usage
billing_agent = Agent(name="Billing agent")
refund_agent = Agent(name="Refund agent")
triage_agent = Agent(name="Triage agent", handoffs=[billing_agent, handoff(refund_agent)])

# Customising handoffs via handoff()
calls = []


def on_handoff(ctx: RunContextWrapper):
    calls.append("Handoff called")


agent = Agent(name="My agent")
handoff_obj = handoff(agent, on_handoff=on_handoff, tool_name_override="custom_handoff_tool",
                      tool_description_override="Custom description")


# Handoff inputs
class EscalationData(BaseModel):
    reason: str


async def on_escalation(ctx: RunContextWrapper, input: EscalationData):
    calls.append(f"Escalation agent called with reason: {input.reason}")


escalation_agent = Agent(name="Escalation agent")
escalation_handoff = handoff(escalation_agent, on_handoff=on_escalation, input_type=EscalationData)

# Input filters
faq_agent = Agent(name="FAQ agent")
faq_handoff = handoff(faq_agent, input_filter=remove_all_tools)

# Recommended prompts
billing_agent_prompted = Agent(
    name="Billing agent",
    instructions=f"{RECOMMENDED_PROMPT_PREFIX}Fill in the rest of your prompt here.",
)
