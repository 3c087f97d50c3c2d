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
# # What if? Edit a step, break before a handoff, share the session
#
# Back and fork already let you redo a step. Here we change the *state* at a step — what the
# model answered, the history the next agent sees, the context — and compare the two paths. We
# stop the run right before a handoff to discuss it, save the session, and export it as one HTML
# file students can open without installing anything. (Seed 000's customer-service system, on the
# offline model.)

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
from handoff_nb import Runner
from handoff_nb.examples import customer_service

triage = customer_service()
message = "I need a refund but your billing team was unhelpful last time"
original = Runner.start(triage, message, context={})
original.run()
print(" -> ".join(original.agent_path))

# %% [markdown]
# ## "What if the model had called route_to_sales here?"
#
# `run.fork(0)` goes back to before step 0; `force_handoff` replaces the model's answer for the
# next step, checking the arguments against the handoff's `input_type` (a wrong field is a clear
# error, not a silent failure). The original run is kept.

# %%
# NBVAL_CHECK_OUTPUT
what_if = original.fork(0)
what_if.force_handoff("route_to_sales", {"interest_area": "refund", "budget_mentioned": False,
                                         "summary": "what if sales took it?"})
what_if.run()
print("original:", " -> ".join(original.agent_path))
print("what if: ", " -> ".join(what_if.agent_path))
print("step 0 edited:", what_if.steps[0].edited)

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import UserError
try:
    original.fork(0).force_handoff("route_to_sales", {"interest_area": 42})
except UserError as e:
    import textwrap
    first, *cause = [line for line in str(e).splitlines() if "errors.pydantic.dev" not in line]
    print(textwrap.fill(first, 100))  # what was called, with which arguments...
    print("\n".join(cause))           # ...and why they do not fit SalesHandoffData

# %% [markdown]
# Both paths side by side (the edited step is marked ✎ in the graph and the transcript):

# %%
from IPython.display import HTML
from handoff_nb.timetravel import what_changed_html
HTML(what_changed_html(original, what_if))

# %% [markdown]
# ## Edit the history or the context instead
#
# `edit_history` changes what the next agent's model will see; `edit_context` the run context
# (the Stepper's **What if** tab does both, with JSON editors).

# %%
# NBVAL_CHECK_OUTPUT
rewritten = Runner.start(triage, message, context={})
rewritten.edit_history([{"role": "user", "content": "How much does the enterprise plan cost for 200 people?"}])
step = rewritten.step()
print(step.handoff.target.name, "| edited:", step.edited)

# %% [markdown]
# ## Break before the escalation
#
# `run_until` steps until a breakpoint: the next handoff, `before_agent="..."`, a tool call, or a
# condition on the context. The Stepper's **Run until** does the same.

# %%
# NBVAL_CHECK_OUTPUT
lesson = Runner.start(triage, message, context={})
stop = lesson.run_until(before_agent="EscalationManager")
print(stop.reason)
print("context so far:", lesson.context["department"])

# %% [markdown]
# ## Save it, and share it as one HTML file
#
# `run.save(path)` writes versioned JSON (secrets scrubbed); `Run.load(path, agents)` re-binds it
# to the agents by name — it opens in every view and can be forked and continued.
# `run.to_html(path)` writes one self-contained page (graph, step slider, transcript, per-step
# tabs; no kernel, no network) for slides or an LMS.

# %%
# NBVAL_CHECK_OUTPUT
import os, tempfile
from handoff_nb.run import Run

folder = tempfile.mkdtemp()
saved = what_if.save(os.path.join(folder, "what_if.json"))
again = Run.load(saved, customer_service())
print("loaded:", " -> ".join(again.agent_path), "| edited steps:", [s.index for s in again.steps if s.edited])
page = what_if.to_html(os.path.join(folder, "what_if.html"))
print("exported one file:", round(len(page) / 1024), "KB")

# %%
from handoff_nb.widgets import Stepper
Stepper(customer_service(), context={}, message=message)

# %% [markdown]
# ### Exercise
# Fork `original` before step 1 (the Billing Specialist's turn) and force it to **not** escalate:
# give it a plain answer with `force_response([{"role": "assistant", "content": "..."}])`. Keep the
# result in `stays_with_billing` and run the check.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("11")
