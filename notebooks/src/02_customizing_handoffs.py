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
# # Customising handoffs with `handoff()`
#
# *Seed 000, "The handoff() Function", "description vs tool_description_override",
# "tool_name_override"; seed 004, "Customising handoffs via handoff()".*

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

billing_agent = Agent(
    name="BillingAgent",
    instructions="Handle billing questions with precision.",
    model="gpt-4o",
)
configured_handoff = handoff(
    agent=billing_agent,
    description="Transfer to billing for payment, invoice, and subscription questions",
    tool_name_override="transfer_to_billing",
    tool_description_override="Use this when the customer has questions about payments, invoices, or subscriptions",
    on_handoff=None,  # callback function (see 03)
    input_filter=None,  # filter conversation history (see 04)
    input_type=None,  # Pydantic model for structured handoff data (see 03)
)
configured_handoff

# %% [markdown]
# ## `description` vs `tool_description_override`
#
# - `description` is a **short label** for the HANDOFF_INSTRUCTIONS block of the system prompt.
# - `tool_description_override` is the **tool's description** in the tools array.
#
# The real SDK has no `description` parameter and adds no block to the prompt by itself (it offers
# `RECOMMENDED_PROMPT_PREFIX` instead). Seed 000 describes the block, so handoff_nb builds it —
# switch it off with `RunConfig(handoff_instructions=False)` to get the SDK's behaviour.

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb.run import preview_request

triage = Agent(name="Triage", instructions="Route to billing for payment questions.",
               handoffs=[configured_handoff])
req = preview_request(triage)
print(req.handoff_instructions)
print()
print(req.tools[0]["function"]["name"], "->", req.tools[0]["function"]["description"])

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import RunConfig
print(repr(preview_request(triage, run_config=RunConfig(handoff_instructions=False)).system_prompt))

# %% [markdown]
# ## `tool_name_override`
# Cleaner names, or two handoffs that would otherwise collide. "Billing Agent" and "billing-agent"
# both become `transfer_to_billing_agent`. As in the SDK, that is not an error when you build the
# agent: a run that meets it warns and the model is shown only the last of the two.
# `RunConfig(tool_name_collision_policy="error")` makes it an error, and `lint` reports it up front.

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import UserError

clash = Agent(name="T", handoffs=[Agent(name="Billing Agent"), Agent(name="billing-agent")])
try:
    preview_request(clash, run_config=RunConfig(tool_name_collision_policy="error"))
except UserError as e:
    print("UserError:", e)

ok = Agent(name="T", handoffs=[handoff(Agent(name="Billing Agent"), tool_name_override="route_billing"),
                               Agent(name="billing-agent")])
print([h.tool_name for h in ok.handoff_objects()])


# %% [markdown]
# Seed 004's options (written for the JS SDK) in Python:

# %%
# NBVAL_CHECK_OUTPUT
def on_handoff(ctx):
    print("Handoff called")

agent = Agent(name="My agent")
handoff_obj = handoff(agent, on_handoff=on_handoff, tool_name_override="custom_handoff_tool",
                      tool_description_override="Custom description")
print(handoff_obj.tool_name, "|", handoff_obj.tool_description)

# %% [markdown]
# ### Exercise
#
# Give `configured_handoff` a vague `description="Billing stuff"` and look at the HANDOFF_INSTRUCTIONS
# line. Which text would *you* rather route on? (`09_prototyping_triage_prompts` measures it.)

# %%
from handoff_nb.exercises import check_exercise
check_exercise("02")
