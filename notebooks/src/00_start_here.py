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
# # Start here: what is a handoff?
#
# A **handoff** is how one agent passes a conversation to another. Agent A stops, the conversation
# history goes to agent B, and B continues. To the model, a handoff is just a **tool** it can call
# (`transfer_to_billing_agent`); the runner does the switching.
#
# This notebook runs on handoff_nb's **offline model** — no API key, no network. It routes by
# reading the handoff descriptions, and it shows its reasoning, so you can see *why* a route was
# taken. (Set `OPENAI_API_KEY` to use a real model instead; see `08_real_models`.)

# %%
# In Google Colab or in the browser (JupyterLite), install handoff_nb first; elsewhere nothing to do
import sys
if "google.colab" in sys.modules:
    # %pip install -q "handoff_nb[notebook] @ git+https://github.com/OWNER/handoff_nb"
    # !apt-get -qq install -y graphviz > /dev/null
elif sys.platform == "emscripten":  # JupyterLite: from the site's own wheels, no network
    # %pip install -q handoff_nb[widgets]

# %%
import handoff_nb
from handoff_nb import Agent, Runner

billing_agent = Agent(
    name="Billing Agent",
    instructions="You handle billing questions: refunds, invoices, payment methods.",
)
technical_agent = Agent(
    name="Technical Agent",
    instructions="You handle technical support: bugs, errors, configuration issues.",
)
triage_agent = Agent(
    name="Triage Agent",
    instructions=(
        "You are a customer support triage agent. "
        "Route billing questions to the Billing Agent. "
        "Route technical questions to the Technical Agent. "
        "Handle simple general questions yourself."
    ),
    handoffs=[billing_agent, technical_agent],
)
triage_agent  # an agent shows its graph: who can hand off to whom, and what it is told

# %% [markdown]
# *Sources.* The lessons follow three public texts about the OpenAI Agents SDK's handoffs, called
# **seed 000** ("Agent Handoffs: Building Triage and Routing Systems", a tutorial on triage systems,
# custom tool names, descriptions and `on_handoff`), **seed 001** (an article on how handoffs work
# and patterns for production: input filters, structured handoff data, multi-turn) and **seed 004**
# (the SDK's own "Handoffs" documentation page). Their code runs here with only the import changed.
#
# Run it once. `Runner.run_sync` works inside a notebook (the SDK's version does not).

# %%
# NBVAL_CHECK_OUTPUT
result = Runner.run_sync(triage_agent, "I was charged twice for my subscription last month")
print("path:", " -> ".join(result.agent_path))
print("final agent:", result.last_agent.name)

# %% [markdown]
# ## Step through it
#
# The **Stepper** runs one model turn per click. Type a message, press **Send**, then **Step**.
# Watch the graph highlight move, the transcript grow, and open the tabs: **Prompt** (the system
# prompt with its HANDOFF_INSTRUCTIONS block highlighted), **Tools** (the JSON schemas the model
# receives), **Request**, **History passed**, **Context** and **Why** (the offline model's scores).
# **Back** undoes a step so you can edit an agent (tab **Edit**) and try again.

# %%
from handoff_nb.widgets import Stepper

stepper = Stepper(triage_agent, message="My app crashes with an error when I export")
stepper

# %% [markdown]
# The same thing from code: `Runner.start` gives you a run you can step yourself.

# %%
# NBVAL_CHECK_OUTPUT
run = Runner.start(triage_agent, "My app crashes with an error when I export")
step = run.step()
print(step)
print("why:", step.why["reason"])
print("tools the model saw:", [t["function"]["name"] for t in step.request.tools])

# %% [markdown]
# ## Any domain, not just customer service
#
# The offline model first matches words. When words leave the choice open (*"What is 12 times 7?"*
# shares no word with "Specialist agent for math questions"), it compares **meanings** with a small
# sentence-embedding model that ships inside a Python package (`handoff_nb[semantic]`, installed by
# `make lab`). Here is the Agents SDK quickstart's homework triage, unchanged:

# %%
# NBVAL_CHECK_OUTPUT
history_tutor = Agent(
    name="History Tutor",
    handoff_description="Specialist agent for historical questions",
    instructions="You provide assistance with historical queries. Explain important events and context clearly.",
)
math_tutor = Agent(
    name="Math Tutor",
    handoff_description="Specialist agent for math questions",
    instructions="You provide help with math problems. Explain your reasoning at each step and include examples",
)
homework_triage = Agent(
    name="Triage Agent",
    instructions="You determine which agent to use based on the user's homework question",
    handoffs=[history_tutor, math_tutor],
)
for question in ["What is 12 times 7?", "Why did the Roman Empire fall?", "hi there"]:
    r = Runner.run_sync(homework_triage, question)
    print(f"{question!r:36} -> {r.last_agent.name:14} ({r.steps[0].why['decision_kind']})")

# %% [markdown]
# The **Why** of a semantic decision lists each route's similarity, the piece of route text that matched best, and the similarity of *staying*:

# %%
from handoff_nb.render.html import why_html
from IPython.display import HTML
HTML(why_html(Runner.run_sync(homework_triage, "What is 12 times 7?").steps[0]))

# %% [markdown]
# ### Exercise
#
# Add a **Sales Agent** that handles pricing, plans and quotes, and hand off to it from
# `triage_agent`, so that *"How much does the Pro plan cost per seat?"* reaches it (today it does
# not). Check with `Runner.run_sync`, look at the **Why** tab in a Stepper, then run the check below.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("00")
