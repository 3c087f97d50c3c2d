# Seed 001: the input filter, structured handoff and multi-turn loop, verbatim except the import
# lines (`agents` -> `handoff_nb`). Top-level `await` from the seed is inside `demo()`.
from handoff_nb import Agent, Runner

# Specialist agents
billing_agent = Agent(
    name="Billing Agent",
    instructions=(
        "You handle billing questions: refunds, invoices, payment methods. "
        "Be precise and reference specific amounts and dates when discussing charges."
    ),
    model="gpt-4o",
)

technical_agent = Agent(
    name="Technical Agent",
    instructions=(
        "You handle technical support: bugs, errors, configuration issues. "
        "Ask for error messages and steps to reproduce."
    ),
    model="gpt-4o",
)

# Triage agent with handoffs declared
triage_agent = Agent(
    name="Triage Agent",
    instructions=(
        "You are a customer support triage agent. "
        "Route billing questions to the Billing Agent. "
        "Route technical questions to the Technical Agent. "
        "Handle simple general questions yourself."
    ),
    model="gpt-4o-mini",  # cheaper model is fine for routing
    handoffs=[billing_agent, technical_agent],
)


async def demo():
    # Run -- the SDK handles the handoff automatically
    result = await Runner.run(
        triage_agent,
        input="I was charged twice for my subscription last month",
    )
    print(result.final_output)
    return result


from handoff_nb import Agent, Runner, HandoffInputData

# You can customise handoff behaviour with a filter
def billing_handoff_filter(handoff_input: HandoffInputData) -> HandoffInputData:
    # Strip internal triage notes before handing off to billing
    # (e.g. remove internal classification reasoning from context)
    filtered_messages = [
        msg for msg in handoff_input.input_history
        if not msg.get("content", "").startswith("[INTERNAL]")
    ]
    return HandoffInputData(
        input_history=filtered_messages,
        pre_handoff_items=handoff_input.pre_handoff_items,
    )

from handoff_nb import handoff

billing_agent_handoff = handoff(
    agent=billing_agent,
    input_filter=billing_handoff_filter,
)

triage_agent_filtered = Agent(
    name="Triage Agent",
    instructions="Route to the appropriate specialist agent.",
    handoffs=[billing_agent_handoff, technical_agent],
)

from pydantic import BaseModel
from handoff_nb import handoff, Agent

class BillingHandoffData(BaseModel):
    issue_type: str      # "duplicate_charge", "refund_request", "invoice_query"
    amount_mentioned: float | None
    urgency: str         # "high", "medium", "low"

billing_agent_structured = Agent(
    name="Billing Agent",
    instructions="Handle the billing issue described in the handoff context.",
    model="gpt-4o",
)

# Handoff with structured input type
billing_handoff = handoff(
    agent=billing_agent_structured,
    input_type=BillingHandoffData,
    tool_name="transfer_to_billing",
    tool_description=(
        "Transfer to the Billing Agent for: duplicate charges, refund requests, "
        "invoice questions, or payment method issues. "
        "Provide the issue_type, any amount mentioned, and urgency level."
    ),
)

triage_agent_structured = Agent(
    name="Triage",
    handoffs=[billing_handoff],
    model="gpt-4o-mini",
)

from handoff_nb import Runner

# The runner maintains state across turns
async def run_conversation(session_id: str, user_messages: list[str]):
    runner = Runner()
    current_input = []

    for user_message in user_messages:
        current_input.append({"role": "user", "content": user_message})

        result = await runner.run(
            triage_agent_filtered,
            input=current_input,
        )

        # Add the full output (including handoff context) to history
        current_input = result.to_input_list()

        print(f"Agent: {result.last_agent.name}")
        print(f"Response: {result.final_output}")
        print()
    return current_input
