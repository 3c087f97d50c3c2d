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
# # Multi-turn conversations
#
# *Seed 001, "Multi-Turn Handoff Conversations".* `result.to_input_list()` returns the whole
# history (including handoff calls) as input items for the next run.

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
from handoff_nb import Agent, Runner

billing_agent = Agent(name="Billing Agent", instructions="You handle billing questions: refunds, invoices, payment methods.")
technical_agent = Agent(name="Technical Agent", instructions="You handle technical support: bugs, errors, configuration issues.")
triage_agent = Agent(
    name="Triage Agent",
    instructions="Route billing questions to the Billing Agent. Route technical questions to the Technical Agent.",
    handoffs=[billing_agent, technical_agent],
)

# The runner maintains state across turns
async def run_conversation(session_id: str, user_messages: list[str]):
    runner = Runner()
    current_input = []
    for user_message in user_messages:
        current_input.append({"role": "user", "content": user_message})
        result = await runner.run(triage_agent, input=current_input)
        # Add the full output (including handoff context) to history
        current_input = result.to_input_list()
        print(f"Agent: {result.last_agent.name}")
        print(f"Response: {result.final_output[:80]}")
        print()

await run_conversation("s1", ["I was double charged on my invoice", "Also the app shows an error when I log in"])

# %% [markdown]
# Notice that every turn starts at **triage again**: seed 001's loop passes `triage_agent` each
# time. Often you want the conversation to stay with the specialist (`result.last_agent`).
# `Run.next_turn(message)` does that; `restart=True` goes back to the entry agent. Compare:

# %%
# NBVAL_CHECK_OUTPUT
first = Runner.start(triage_agent, "I was double charged on my invoice")
first.run()
stay = first.next_turn("Can you send me the invoice again?")
stay.run()
restart = first.next_turn("Can you send me the invoice again?", restart=True)
restart.run()
print("continue with last agent:", stay.result.agent_path)
print("restart at triage:       ", restart.result.agent_path)

# %% [markdown]
# In the Stepper, the checkbox *next message restarts at the entry agent* switches between the two.

# %%
from handoff_nb.widgets import Stepper
s = Stepper(triage_agent)
s.send("I was double charged on my invoice"); s.run_to_end()
s.send("Can you send me the invoice again?"); s.run_to_end()
s

# %% [markdown]
# ### Exercise
# Ask a technical question in turn 2 while continuing with the Billing Agent. Who answers? Add what the Billing Agent needs to send the customer on (a handoff), and run the check.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("06")
