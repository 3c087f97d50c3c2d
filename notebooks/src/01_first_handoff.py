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
# # Your first handoff: `handoffs=[...]`
#
# *Seed 000, "The handoffs Parameter"; seed 001, "Basic Handoff Setup" and "How Handoffs Actually
# Work".* Every `Agent` accepts `handoffs`: a list of agents (or `handoff(...)` objects). Passing
# agents directly creates handoffs with default settings, and each appears to the model as a tool.

# %%
# In Google Colab or in the browser (JupyterLite), install handoff_nb first; elsewhere nothing to do
import sys
if "google.colab" in sys.modules:
    # %pip install -q "handoff_nb[notebook] @ git+https://github.com/OWNER/handoff_nb"
    # !apt-get -qq install -y graphviz > /dev/null
elif sys.platform == "emscripten":  # JupyterLite: from the site's own wheels, no network
    # %pip install -q handoff_nb[widgets]

# %%
from handoff_nb import Agent, Runner, handoff

support_agent = Agent(
    name="SupportAgent",
    instructions="Handle customer support inquiries.",
    model="gpt-4o",
)
sales_agent = Agent(
    name="SalesAgent",
    instructions="Handle sales and pricing inquiries.",
    model="gpt-4o",
)
# Simple handoff — just pass the agent directly
triage_agent = Agent(
    name="TriageAgent",
    instructions="Route customers to support or sales.",
    model="gpt-4o",
    handoffs=[support_agent, sales_agent],
)
triage_agent

# %% [markdown]
# ## The generated `transfer_to_*` tools
#
# The default tool name is `transfer_to_` + the agent name, with spaces and punctuation turned into
# `_` and **lowercased**, exactly as the real SDK does. (Seed 000 says the tool for `BillingAgent`
# is `transfer_to_BillingAgent`; the SDK — and handoff_nb — produce `transfer_to_billingagent`.)

# %%
# NBVAL_CHECK_OUTPUT
for h in triage_agent.handoff_objects():
    print(f"{h.tool_name:28} {h.tool_description!r}")
print(handoff(Agent(name="BillingAgent")).tool_name)
print(handoff(Agent(name="Refund Agent")).tool_name)

# %% [markdown]
# ## What the model receives
#
# `preview_request` builds the exact request the triage agent would send: the system prompt (its
# instructions plus the HANDOFF_INSTRUCTIONS block) and the tools array, without calling a model.

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb.run import preview_request
from handoff_nb.render.html import pretty

request = preview_request(triage_agent, "Do you have a student discount?")
print(request.system_prompt)
print()
print(pretty(request.tools[0]))

# %% [markdown]
# ## Run it
#
# `model="gpt-4o"` resolves to OpenAI when a key is configured, and to the offline model otherwise
# (with a one-time notice). Either way, every step records which model actually answered.

# %%
result = Runner.run_sync(triage_agent, "How much does the pro plan cost per seat?")
print(result.agent_path, "answered by", result.steps[-1].model_name)
result

# %% [markdown]
# The receiving agent sees the **full history** — the user's message, the handoff call and its
# output `{"assistant": "SalesAgent"}` — under its *own* instructions and tools:

# %%
# NBVAL_CHECK_OUTPUT
second = result.steps[1].request
print(second.system_prompt)
for item in second.input:
    print(item)

# %% [markdown]
# ### Exercise
# Add a third agent `RefundAgent` to `triage_agent.handoffs`. Before printing its tool name, write your prediction as `predicted_tool_name = '...'`, then run the check.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("01")
