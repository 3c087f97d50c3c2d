# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # `on_handoff` callbacks and structured `input_type`
#
# *Seed 000, "The on_handoff Callback", "on_handoff with input_type"; seed 001, "Custom Handoff
# Messages"; seed 004, "Handoff inputs".* The callback runs when the handoff fires — before the
# next agent starts — and receives the run context (never sent to the model).

# %%
# In Google Colab or in the browser (JupyterLite), install handoff_nb first; elsewhere nothing to do
import sys
if "google.colab" in sys.modules:
    # %pip install -q "handoff_nb[notebook] @ git+https://github.com/OWNER/handoff_nb"
    # !apt-get -qq install -y graphviz > /dev/null
elif sys.platform == "emscripten":  # JupyterLite: from the site's own wheels, no network
    # %pip install -q handoff_nb[widgets]

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import Agent, Runner, handoff, RunContextWrapper

def log_billing_handoff(ctx: RunContextWrapper[dict]):
    print(f"[HANDOFF] Routing to billing. Customer: {ctx.context.get('customer_id')}")

billing_agent = Agent(name="BillingAgent", instructions="Handle billing questions.", model="gpt-4o")
triage_agent = Agent(
    name="TriageAgent",
    instructions="Route to billing for payment questions.",
    model="gpt-4o",
    handoffs=[handoff(billing_agent, description="Billing specialist", on_handoff=log_billing_handoff)],
)
result = Runner.run_sync(triage_agent, "I have a question about a payment", context={"customer_id": "cust_42"})
print(result.agent_path)

# %% [markdown]
# ## With `input_type`: the model fills in structured metadata
#
# The pydantic model becomes the handoff tool's **strict JSON schema** (every field required, no
# extra fields). The model's arguments are validated strictly; the callback gets the parsed object.

# %%
# NBVAL_CHECK_OUTPUT
from pydantic import BaseModel

class HandoffMetadata(BaseModel):
    reason: str
    priority: str
    customer_sentiment: str

async def on_billing_handoff(context: RunContextWrapper[dict], input_data: HandoffMetadata) -> None:
    print(f"Handoff reason: {input_data.reason}")
    print(f"Priority: {input_data.priority}")
    print(f"Sentiment: {input_data.customer_sentiment}")
    context.context["handoff_metadata"] = input_data.model_dump()

billing_agent = Agent(name="BillingAgent", instructions="Handle billing questions. Check context for handoff metadata.", model="gpt-4o")
triage_agent = Agent(
    name="TriageAgent",
    instructions="""Route to billing for payment questions.
When handing off, assess the reason, priority (low/medium/high),
and customer sentiment (positive/neutral/negative).""",
    model="gpt-4o",
    handoffs=[handoff(billing_agent, description="Billing specialist",
                      input_type=HandoffMetadata, on_handoff=on_billing_handoff)],
)
print(triage_agent.handoff_objects()[0].input_json_schema)

# %%
# NBVAL_CHECK_OUTPUT
context = {}
result = Runner.run_sync(triage_agent, "I was charged twice and this is unacceptable, fix my payment now", context=context)
print(context["handoff_metadata"])

# %% [markdown]
# The Stepper's **Context** tab shows the context after each step, and the transcript shows the
# parsed handoff input:

# %%
from handoff_nb.widgets import Stepper
s = Stepper(triage_agent, context={"customer_id": "cust_42"})
s.send("My payment failed twice, please help")
s.step()
s


# %% [markdown]
# ## `input_type` without `on_handoff`
#
# The real SDK requires `on_handoff` whenever `input_type` is given; seed 001 leaves it out, so
# handoff_nb allows it: the input is still validated and recorded on the step.

# %%
# NBVAL_CHECK_OUTPUT
class BillingHandoffData(BaseModel):
    issue_type: str
    amount_mentioned: float | None
    urgency: str

billing_handoff = handoff(agent=billing_agent, input_type=BillingHandoffData, tool_name="transfer_to_billing",
                          tool_description="Transfer to the Billing Agent for duplicate charges or refunds.")
r = Runner.run_sync(Agent(name="Triage", handoffs=[billing_handoff]), "Duplicate charge of $19.50, refund please")
print(r.steps[0].handoff.input)

# %% [markdown]
# ## Bad arguments are clear errors
# A model that sends arguments that do not match the schema gets a `ModelBehaviorError` naming everything:

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import ModelBehaviorError, RunConfig
from handoff_nb.models.scripted import ScriptedModel, handoff_to

bad = ScriptedModel([handoff_to("BillingAgent", {"reason": "x", "priority": 3})])
try:
    Runner.run_sync(triage_agent, "refund", run_config=RunConfig(model=bad))
except ModelBehaviorError as e:
    print(str(e).splitlines()[0][:160])

# %% [markdown]
# ### Exercise
# Add a `customer_tier: Literal['free', 'pro', 'enterprise']` field to `HandoffMetadata`, rebuild `triage_agent` with it, and see how the schema and the offline model's filled value change.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("03")
