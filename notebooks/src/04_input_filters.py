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
# # Input filters: what history the next agent gets
#
# *Seed 001, "How Handoffs Actually Work" (the filter); seed 004, "Input filters".* By default the
# next agent gets the whole history. An `input_filter` receives a `HandoffInputData` and returns a
# new one.

# %%
# In Google Colab or in the browser (JupyterLite), install handoff_nb first; elsewhere nothing to do
import sys
if "google.colab" in sys.modules:
    # %pip install -q "handoff_nb[notebook] @ git+https://github.com/OWNER/handoff_nb"
    # !apt-get -qq install -y graphviz > /dev/null
elif sys.platform == "emscripten":  # JupyterLite: from the site's own wheels, no network
    # %pip install -q handoff_nb[widgets]

# %%
from handoff_nb import Agent, Runner, HandoffInputData, handoff

billing_agent = Agent(name="Billing Agent", instructions="You handle billing questions.",
                      handoff_description="Refunds, invoices, charges and payment methods.")
technical_agent = Agent(name="Technical Agent", instructions="You handle technical support.",
                        handoff_description="Bugs, errors and configuration problems.")

# You can customise handoff behaviour with a filter
def billing_handoff_filter(handoff_input: HandoffInputData) -> HandoffInputData:
    # Strip internal triage notes before handing off to billing
    filtered_messages = [
        msg for msg in handoff_input.input_history
        if not msg.get("content", "").startswith("[INTERNAL]")
    ]
    return HandoffInputData(
        input_history=filtered_messages,
        pre_handoff_items=handoff_input.pre_handoff_items,
    )

billing_agent_handoff = handoff(agent=billing_agent, input_filter=billing_handoff_filter)
triage_agent = Agent(name="Triage Agent", instructions="Route to the appropriate specialist agent.",
                     handoffs=[billing_agent_handoff, technical_agent])

# %%
# NBVAL_CHECK_OUTPUT
history = [
    {"role": "user", "content": "Hi, I need help with a refund"},
    {"role": "assistant", "content": "[INTERNAL] customer flagged as VIP"},
    {"role": "user", "content": "The refund for my invoice is missing"},
]
result = Runner.run_sync(triage_agent, history)
record = result.steps[0].handoff
print("filter:", record.filter_name)
print("before:", len(record.history_before), "items; after:", len(record.history_after))
for item in result.steps[1].request.input:
    print("  billing sees:", item)

# %% [markdown]
# The **History passed** view shows the difference as a diff:

# %%
from IPython.display import HTML
from handoff_nb.render.html import history_diff_html, wrap
HTML(wrap(history_diff_html(record)))

# %% [markdown]
# Note: the filter above returns no `new_items`, so this turn's handoff call and output are dropped
# too. `HandoffInputData.new_items` is optional here (seed 001 leaves it out); in the SDK it is
# required.
#
# ## Ready-made filters
# `remove_all_tools` drops every tool and handoff call/output; `keep_last_n_messages(n)` keeps
# only the last *n* messages.

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb.extensions.handoff_filters import remove_all_tools
from handoff_nb.filters import keep_last_n_messages

faq_agent = Agent(name="FAQ agent")
faq_triage = Agent(name="Router", handoffs=[handoff(faq_agent, input_filter=remove_all_tools),
                                            handoff(billing_agent, input_filter=keep_last_n_messages(1))])
r = Runner.run_sync(faq_triage, [{"role": "user", "content": "refund please"},
                                 {"role": "user", "content": "for my last invoice"}])
print(r.agent_path, "| billing sees:", r.steps[1].request.input)

# %% [markdown]
# A run-wide default goes in `RunConfig(handoff_input_filter=...)`; a handoff's own `input_filter` wins.

# %% [markdown]
# ## The SDK's newest history controls
#
# `handoff(agent, nest_handoff_history=True)` (or `RunConfig(nest_handoff_history=True)`) hands the
# next agent the whole conversation as **one summary message** instead of the raw items; a filter
# may also set `HandoffInputData.input_items` to change only what the next *model* sees while the
# run's result keeps every item. The **History passed** view shows the difference:

# %%
from handoff_nb.models.scripted import ScriptedModel, handoff_to, say
from handoff_nb import RunConfig

nested = Agent(name="Router", handoffs=[handoff(billing_agent, nest_handoff_history=True)])
r = Runner.run_sync(nested, [{"role": "user", "content": "hi"}, {"role": "user", "content": "refund for my last invoice"}],
                    run_config=RunConfig(model=ScriptedModel([handoff_to("Billing Agent"), say("On it.")])))
print(r.steps[1].request.input[0]["content"])
print("items kept in the result:", [type(i).__name__ for i in r.new_items])
HTML(wrap(history_diff_html(r.steps[0].handoff)))

# %% [markdown]
# ### Exercise
# Write a filter that keeps only user messages, attach it to the technical handoff of `triage_agent` (rebuild it), and check the **History passed** tab in a Stepper.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("04")
