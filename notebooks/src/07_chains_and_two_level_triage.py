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
# # Handoff chains, two-level triage, best practices
#
# *Seed 000, "Handoff Chains" and "Best Practices for Handoff Design".* Agents that receive a
# handoff can hand off again: User → TriageAgent → BillingSpecialist → EscalationManager.

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
from handoff_nb import Agent, Runner, handoff
from handoff_nb.examples import customer_service

triage_agent = customer_service()
result = Runner.run_sync(triage_agent, "I need a refund but your billing team was unhelpful last time", context={})
print(" -> ".join(result.agent_path))

# %% [markdown]
# ## Two-level triage
# With more than five departments, route to a broad category first. (The seed's snippet uses
# `technical_triage` before defining it; here the level-2 agents come first.)

# %%
# NBVAL_CHECK_OUTPUT
frontend_support = Agent(name="FrontendSupport", instructions="UI, browser and display issues.")
backend_support = Agent(name="BackendSupport", instructions="API, integration and data issues.")
mobile_support = Agent(name="MobileSupport", instructions="iOS and Android app issues.")
billing = Agent(name="Billing", instructions="Charges, refunds, invoices.")
sales = Agent(name="Sales", instructions="Pricing, plans, demos.")

# Level 2: specific routing within category
technical_triage = Agent(
    name="TechnicalTriage",
    handoffs=[
        handoff(frontend_support, description="UI, browser, and display issues"),
        handoff(backend_support, description="API, integration, and data issues"),
        handoff(mobile_support, description="iOS and Android app issues"),
    ],
)
business_triage = Agent(
    name="BusinessTriage",
    handoffs=[handoff(billing, description="Charges, refunds, invoices and payments"),
              handoff(sales, description="Pricing, plans, purchases and demos")],
)
# Level 1: broad categories
triage = Agent(
    name="Triage",
    handoffs=[
        handoff(technical_triage, description="Any technical or product issue: bugs, errors, app, API, browser"),
        handoff(business_triage, description="Any billing, sales, or account issue: charges, pricing, plans"),
    ],
)
for message in ["The iOS app crashes on launch", "Our API integration returns a 500 error", "I was charged twice"]:
    print(f"{message!r:45} ->", " -> ".join(Runner.run_sync(triage, message).agent_path))

# %%
triage

# %% [markdown]
# ## Best practices, checked
# `handoff_nb.lint` checks the seed's rules of thumb over a whole graph: specific descriptions, at
# most five targets, an escalation path for every specialist, metadata fields, handoffs mentioned in
# the instructions.

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb.lint import lint
report = lint(triage)
print(report)

# %%
report

# %% [markdown]
# ## Handoffs or agents as tools?
# The same two specialists, wired two ways (both are the SDK's: `handoffs=[...]` and
# `agent.as_tool(...)`):
#
# - **Handoffs**: triage passes the conversation on; the specialist answers the customer and the
#   next message goes to it. Good when a specialist should own the rest of the conversation.
# - **Agents as tools**: an orchestrator *calls* a specialist (a nested run on the input it gives)
#   and gets its answer back as a tool output; the orchestrator keeps the conversation and writes
#   the reply. Good when one voice should answer, or several specialists' answers are combined.

# %%
# NBVAL_CHECK_OUTPUT
billing_desk = Agent(name="BillingDesk", instructions="Charges, refunds, invoices.",
                     handoff_description="Charges, refunds, invoices and payments")
support_desk = Agent(name="SupportDesk", instructions="Bugs and errors.", handoff_description="Bugs, errors, crashes")
message = "I was charged twice for my subscription"

by_handoff = Runner.run_sync(Agent(name="Triage", instructions="Route the customer.",
                                   handoffs=[billing_desk, support_desk]), message)
orchestrator = Agent(name="Orchestrator", instructions="Answer the customer; ask the specialists.",
                     tools=[billing_desk.as_tool("ask_billing", "Charges, refunds, invoices and payments"),
                            support_desk.as_tool("ask_support", "Bugs, errors, crashes")])
by_tool = Runner.run_sync(orchestrator, message)

for label, r in [("handoffs", by_handoff), ("agents as tools", by_tool)]:
    calls = [i.raw_item["name"] for i in r.new_items if type(i).__name__ in ("ToolCallItem", "HandoffCallItem")]
    print(f"{label:16} path: {' -> '.join(r.agent_path):22} called: {calls}  "
          f"answered and owns the next turn: {r.last_agent.name}")

# %% [markdown]
# The nested run is a whole run of its own: with agents as tools the orchestrator's transcript
# shows one tool call and its output (the specialist's answer); with handoffs the transcript
# shows the transfer and the specialist's own reply.

# %%
by_tool.steps[0]

# %% [markdown]
# ### Exercise
# Add an escalation agent reachable from every level-2 specialist and re-run `lint(triage)`. Which findings disappear?

# %%
from handoff_nb.exercises import check_exercise
check_exercise("07")
