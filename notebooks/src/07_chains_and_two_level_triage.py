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
# ### Exercise
# Add an escalation agent reachable from every level-2 specialist and re-run `lint(triage)`. Which findings disappear?

# %%
from handoff_nb.exercises import check_exercise
check_exercise("07")
